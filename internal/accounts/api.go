package accounts

import (
	"errors"
	"net/http"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
)

// listAudit answers GET /api/v1/audit with the key's workspace audit log,
// newest first. Query parameters: action (exact or prefix such as "site"),
// actor, target, from, to (YYYY-MM-DD), before (an entry id, for paging),
// limit (1–500, default 50).
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		httpx.WriteError(w, r, h.Logger, httpx.Errorf(http.StatusBadRequest, "query parameter %s %s", ve.Field, ve.Message))
		return
	}
	a := auth.AccessFrom(r.Context())
	es, err := h.Auth.Audit(r.Context(), a.Workspace.ID, f)
	if err != nil {
		httpx.WriteError(w, r, h.Logger, err)
		return
	}
	if es == nil {
		es = []auth.AuditEntry{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"entries": es})
}

// getWorkspace answers GET /api/v1/workspace: the key's workspace.
func (h *Handler) getWorkspace(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, auth.AccessFrom(r.Context()).Workspace)
}

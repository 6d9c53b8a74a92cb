package sites

import (
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/platform/ui"
)

// Templates holds the slice's views.
//
//go:embed templates
var Templates embed.FS

// Handler serves the site pages and API.
type Handler struct {
	svc     *Service
	auth    *auth.Service
	ui      *ui.Renderer
	logger  *slog.Logger
	baseURL string
}

// NewHandler returns the handler. baseURL ("" = the request's host) is used
// in tracking snippets.
func NewHandler(svc *Service, a *auth.Service, r *ui.Renderer, logger *slog.Logger, baseURL string) *Handler {
	return &Handler{svc: svc, auth: a, ui: r, logger: logger, baseURL: strings.TrimSuffix(baseURL, "/")}
}

// Nav lists the slice's entries of the workspace navigation.
func Nav() []ui.NavItem {
	return []ui.NavItem{{Label: "Sites", Path: "/sites", Perm: auth.PermView, Group: "Data"}}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	member := func(p auth.Permission, f http.HandlerFunc) http.Handler {
		return h.auth.RequireMember(p, h.ui.Deny, f)
	}
	key := func(s auth.Scope, f http.HandlerFunc) http.Handler {
		return h.auth.RequireKey(s, auth.DenyJSON, f)
	}
	mux.Handle("GET /w/{ws}", member(auth.PermView, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/w/"+r.PathValue("ws")+"/sites", http.StatusSeeOther)
	}))
	mux.Handle("GET /w/{ws}/sites", member(auth.PermView, h.showSitesPage))
	mux.Handle("POST /w/{ws}/sites", member(auth.PermManageSites, h.saveSite))
	mux.Handle("GET /w/{ws}/sites/{site}", member(auth.PermView, h.showSitePage))
	mux.Handle("POST /w/{ws}/sites/{site}", member(auth.PermManageSites, h.saveSiteSettings))
	mux.Handle("POST /w/{ws}/sites/{site}/rotate-key", member(auth.PermManageSites, h.rotateWriteKey))

	mux.Handle("GET /api/v1/sites", key(auth.ScopeRead, h.listSites))
	mux.Handle("POST /api/v1/sites", key(auth.ScopeWrite, h.createSite))
	mux.Handle("GET /api/v1/sites/{site}", key(auth.ScopeRead, h.getSite))
}

// apiError maps the slice's errors to the JSON API.
func (h *Handler) apiError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		err = httpx.Errorf(http.StatusBadRequest, "%s %s", ve.Field, ve.Message)
	case errors.Is(err, ErrDomainTaken):
		err = httpx.Errorf(http.StatusConflict, "%s", ErrDomainTaken.Error())
	case errors.Is(err, ErrNotFound):
		err = httpx.ErrNotFound
	}
	httpx.WriteError(w, r, h.logger, err)
}

type siteRequest struct {
	Domain   string `json:"domain"`
	Timezone string `json:"timezone"`
	Currency string `json:"currency"`
}

func (h *Handler) listSites(w http.ResponseWriter, r *http.Request) {
	ss, err := h.svc.List(r.Context(), auth.AccessFrom(r.Context()).Workspace.ID)
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	if ss == nil {
		ss = []Site{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"sites": ss})
}

func (h *Handler) getSite(w http.ResponseWriter, r *http.Request) {
	s, err := h.svc.Get(r.Context(), auth.AccessFrom(r.Context()).Workspace.ID, r.PathValue("site"))
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, s)
}

func (h *Handler) createSite(w http.ResponseWriter, r *http.Request) {
	var req siteRequest
	if err := httpx.DecodeJSON(w, r, 16<<10, &req); err != nil {
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	a := auth.AccessFrom(r.Context())
	s, err := h.svc.Create(r.Context(), a.Actor(nil), a.Workspace.ID, Settings(req))
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, s)
}

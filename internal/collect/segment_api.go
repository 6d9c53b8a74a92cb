package collect

import (
	"context"
	"net/http"
	"strconv"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/sites"
)

// KeyChecker authenticates API keys (for history imports with the ingest
// scope).
type KeyChecker interface {
	AuthenticateKey(ctx context.Context, secret string) (*auth.APIKey, error)
}

// segmentTypes are the single-message endpoints; /v1/batch (and its alias
// /v1/import) carries messages of any type.
func segmentTypes() []string {
	return []string{"track", "identify", "page", "screen", "group", "alias"}
}

// registerSegment adds the Segment HTTP Tracking API routes.
func (h *Handler) registerSegment(mux *http.ServeMux, limited func(http.HandlerFunc) http.Handler) {
	for _, typ := range segmentTypes() {
		mux.Handle("POST /v1/"+typ, limited(h.postSegment(typ)))
	}
	mux.Handle("POST /v1/batch", limited(h.postSegment("")))
	mux.Handle("POST /v1/import", limited(h.postSegment("")))
}

func (h *Handler) postSegment(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cors(w)
		limit := int64(maxSegmentMessage)
		if typ == "" {
			limit = maxSegmentBatch
		}
		body, err := readBody(w, r, limit)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		call, writeKey, err := decodeSegmentCall(body, typ)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		call.ClientIP = h.clientIP(r)
		if call.Site, call.History, err = h.segmentSite(r, writeKey); err != nil {
			h.fail(w, r, err)
			return
		}
		if _, dropped, err := h.svc.AcceptSegment(r.Context(), call); err != nil {
			h.fail(w, r, err)
			return
		} else if dropped > 0 {
			w.Header().Set("X-Mops-Dropped", strconv.Itoa(dropped))
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
	}
}

// segmentSite finds the site of a call: the write key is the Basic auth
// user name, or writeKey in the body. A Bearer API key with the ingest
// scope (and writeKey in the body) may also send history.
func (h *Handler) segmentSite(r *http.Request, bodyKey string) (*sites.Site, bool, error) {
	writeKey := bodyKey
	if user, _, ok := r.BasicAuth(); ok && user != "" {
		writeKey = user
	} else if secret := auth.BearerToken(r); secret != "" {
		k, err := h.keys.AuthenticateKey(r.Context(), secret)
		if err != nil {
			return nil, false, httpx.Errorf(http.StatusUnauthorized, "unknown or revoked API key")
		}
		if !k.HasScope(auth.ScopeIngest) {
			return nil, false, httpx.Errorf(http.StatusForbidden, "this API key lacks the ingest scope")
		}
		site, err := h.svc.siteByWriteKey(r.Context(), writeKey)
		if err != nil {
			return nil, false, err
		}
		if site.WorkspaceID != k.WorkspaceID {
			return nil, false, httpx.Errorf(http.StatusForbidden, "the write key belongs to another workspace than the API key")
		}
		return site, true, nil
	}
	site, err := h.svc.siteByWriteKey(r.Context(), writeKey)
	return site, false, err
}

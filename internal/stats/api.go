package stats

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/sites"
)

// maxQueryBytes bounds a query's body.
const maxQueryBytes = 64 << 10

// SiteFinder finds a site by id or domain, or by id within a workspace.
type SiteFinder interface {
	Find(ctx context.Context, idOrDomain string) (*sites.Site, error)
	Get(ctx context.Context, workspaceID, siteID string) (*sites.Site, error)
}

// Handler serves the stats API.
type Handler struct {
	svc    *Service
	auth   *auth.Service
	sites  SiteFinder
	logger *slog.Logger
}

// NewHandler returns the handler.
func NewHandler(svc *Service, a *auth.Service, s SiteFinder, logger *slog.Logger) *Handler {
	return &Handler{svc: svc, auth: a, sites: s, logger: logger}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("POST /api/v2/query", h.auth.RequireKey(auth.ScopeRead, auth.DenyJSON, http.HandlerFunc(h.query)))
	mux.Handle("POST /w/{ws}/sites/{site}/query", h.auth.RequireMember(auth.PermView, denyMember, http.HandlerFunc(h.memberQuery)))
}

// memberQuery answers the dashboard's queries: the same body and answer as
// /api/v2/query, for the site in the path, for a member signed in (the
// CSRF token travels in the X-CSRF-Token header).
func (h *Handler) memberQuery(w http.ResponseWriter, r *http.Request) {
	site, err := h.sites.Get(r.Context(), auth.AccessFrom(r.Context()).Workspace.ID, r.PathValue("site"))
	if errors.Is(err, sites.ErrNotFound) {
		err = httpx.ErrNotFound
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ServeSite(w, r, site)
}

// ServeSite answers a query in the request's body for site, which the
// caller has authorised; a site_id in the body, if any, must name it.
func (h *Handler) ServeSite(w http.ResponseWriter, r *http.Request, site *sites.Site) {
	q, err := ParseQuery(http.MaxBytesReader(w, r.Body, maxQueryBytes))
	if err == nil && q.SiteID != "" && q.SiteID != site.ID && q.SiteID != site.Domain {
		err = invalidf("site_id %q is not the site of this page", q.SiteID)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.answer(w, r, site, q)
}

// answer runs q for site and writes the result.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, site *sites.Site, q *Query) {
	res, err := h.svc.Run(r.Context(), site, q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, res)
}

// query answers POST /api/v2/query for a site of the key's workspace.
func (h *Handler) query(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(http.MaxBytesReader(w, r.Body, maxQueryBytes))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if q.SiteID == "" {
		h.fail(w, r, invalidf("site_id is required"))
		return
	}
	site, err := h.sites.Find(r.Context(), q.SiteID)
	if err == nil && site.WorkspaceID != auth.AccessFrom(r.Context()).Workspace.ID {
		err = sites.ErrNotFound
	}
	if errors.Is(err, sites.ErrNotFound) {
		err = httpx.Errorf(http.StatusNotFound, "no site %q in this workspace", q.SiteID)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.answer(w, r, site, q)
}

// denyMember refuses a dashboard query from someone not signed in or not a
// member of the workspace.
func denyMember(w http.ResponseWriter, r *http.Request, status int) {
	msg := "not found"
	switch status {
	case http.StatusUnauthorized:
		msg = "sign in to see this site's stats"
	case http.StatusForbidden:
		msg = "your role cannot see stats"
	}
	httpx.WriteError(w, r, nil, httpx.Errorf(status, "%s", msg))
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, h.logger, PublicError(err))
}

// PublicError is err as the client should see it: a refused query 400 with
// its message, a query beyond the warehouse's memory 503 saying so (and
// logged), anything else unchanged.
func PublicError(err error) error {
	if ie, ok := errors.AsType[*InvalidError](err); ok {
		return httpx.Errorf(http.StatusBadRequest, "%s", ie.Message)
	}
	if errors.Is(err, ErrOutOfMemory) {
		return &httpx.Error{Status: http.StatusServiceUnavailable, Err: err,
			Message: ErrOutOfMemory.Error() + ": choose a shorter period, or raise --memory-limit-mb"}
	}
	return err
}

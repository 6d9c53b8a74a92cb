package goals

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"net/http"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/platform/ui"
	"github.com/mopshq/mops/internal/sites"
)

// Templates holds the slice's views.
//
//go:embed templates
var Templates embed.FS

// SiteGetter finds a site of a workspace by id, or any site by id or domain.
type SiteGetter interface {
	Get(ctx context.Context, workspaceID, siteID string) (*sites.Site, error)
	Find(ctx context.Context, idOrDomain string) (*sites.Site, error)
}

// Handler serves the goal pages and API.
type Handler struct {
	svc    *Service
	sites  SiteGetter
	auth   *auth.Service
	ui     *ui.Renderer
	logger *slog.Logger
}

// NewHandler returns the handler.
func NewHandler(svc *Service, s SiteGetter, a *auth.Service, r *ui.Renderer, logger *slog.Logger) *Handler {
	return &Handler{svc: svc, sites: s, auth: a, ui: r, logger: logger}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	member := func(p auth.Permission, f http.HandlerFunc) http.Handler {
		return h.auth.RequireMember(p, h.ui.Deny, f)
	}
	key := func(s auth.Scope, f http.HandlerFunc) http.Handler {
		return h.auth.RequireKey(s, auth.DenyJSON, f)
	}
	mux.Handle("GET /w/{ws}/sites/{site}/goals", member(auth.PermView, h.showGoals))
	mux.Handle("POST /w/{ws}/sites/{site}/goals", member(auth.PermEditAnalysis, h.addGoal))
	mux.Handle("POST /w/{ws}/sites/{site}/goals/{goal}/delete", member(auth.PermEditAnalysis, h.deleteGoal))

	mux.Handle("GET /api/v1/sites/{site}/goals", key(auth.ScopeRead, h.listAPI))
	mux.Handle("POST /api/v1/sites/{site}/goals", key(auth.ScopeWrite, h.createAPI))
	mux.Handle("DELETE /api/v1/sites/{site}/goals/{goal}", key(auth.ScopeWrite, h.deleteAPI))
}

type goalsView struct {
	Site  *sites.Site
	Goals []Goal
}

func (h *Handler) goalsPage(w http.ResponseWriter, r *http.Request) (*ui.Page, error) {
	p := h.ui.NewPage(w, r, "Goals")
	site, err := h.sites.Get(r.Context(), auth.AccessFrom(r.Context()).Workspace.ID, r.PathValue("site"))
	if err != nil {
		return p, err
	}
	p.Title = "Goals of " + site.Domain
	gs, err := h.svc.List(r.Context(), site.ID)
	p.Data = &goalsView{Site: site, Goals: gs}
	return p, err
}

func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, p *ui.Page, err error) {
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		p.Errors[ve.Field] = ve.Message
		h.ui.Render(w, http.StatusUnprocessableEntity, "goals", p)
	case errors.Is(err, ErrNameTaken):
		p.Errors["display_name"] = "is already the name of another goal of this site"
		h.ui.Render(w, http.StatusConflict, "goals", p)
	case errors.Is(err, sites.ErrNotFound), errors.Is(err, ErrNotFound):
		h.ui.Deny(w, r, http.StatusNotFound)
	default:
		h.logger.Error("goals page failed", "request.path", r.URL.Path, "error", err)
		h.ui.ErrorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. The error was logged.")
	}
}

func (h *Handler) showGoals(w http.ResponseWriter, r *http.Request) {
	p, err := h.goalsPage(w, r)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	h.ui.Render(w, http.StatusOK, "goals", p)
}

func (h *Handler) addGoal(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, 16<<10); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	p, err := h.goalsPage(w, r)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	site := p.Data.(*goalsView).Site
	in := Input{DisplayName: r.PostForm.Get("display_name"), Currency: r.PostForm.Get("currency")}
	if r.PostForm.Get("kind") == "page" {
		in.PagePath = r.PostForm.Get("page_path")
	} else {
		in.EventName = r.PostForm.Get("event_name")
	}
	a := auth.AccessFrom(r.Context())
	g, err := h.svc.Create(r.Context(), a.Actor(auth.UserFrom(r.Context())), a.Workspace.ID, site.ID, in)
	if err != nil {
		p.Form = r.PostForm
		h.pageError(w, r, p, err)
		return
	}
	ui.Redirect(w, r, "/w/"+a.Workspace.ID+"/sites/"+site.ID+"/goals", "Goal “"+g.DisplayName+"” added.")
}

func (h *Handler) deleteGoal(w http.ResponseWriter, r *http.Request) {
	a := auth.AccessFrom(r.Context())
	site, err := h.sites.Get(r.Context(), a.Workspace.ID, r.PathValue("site"))
	if err == nil {
		err = h.svc.Delete(r.Context(), a.Actor(auth.UserFrom(r.Context())), a.Workspace.ID, site.ID, r.PathValue("goal"))
	}
	if err != nil {
		h.pageError(w, r, h.ui.NewPage(w, r, "Goals"), err)
		return
	}
	ui.Redirect(w, r, "/w/"+a.Workspace.ID+"/sites/"+site.ID+"/goals", "Goal deleted. Its events are kept.")
}

// apiSite is the site of the path (id or domain), in the key's workspace.
func (h *Handler) apiSite(w http.ResponseWriter, r *http.Request) (*sites.Site, bool) {
	site, err := h.sites.Find(r.Context(), r.PathValue("site"))
	if err == nil && site.WorkspaceID != auth.AccessFrom(r.Context()).Workspace.ID {
		err = sites.ErrNotFound
	}
	if err != nil {
		h.apiError(w, r, err)
		return nil, false
	}
	return site, true
}

func (h *Handler) apiError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		err = httpx.Errorf(http.StatusBadRequest, "%s %s", ve.Field, ve.Message)
	case errors.Is(err, ErrNameTaken):
		err = httpx.Errorf(http.StatusConflict, "%s", ErrNameTaken.Error())
	case errors.Is(err, sites.ErrNotFound), errors.Is(err, ErrNotFound):
		err = httpx.ErrNotFound
	}
	httpx.WriteError(w, r, h.logger, err)
}

func (h *Handler) listAPI(w http.ResponseWriter, r *http.Request) {
	site, ok := h.apiSite(w, r)
	if !ok {
		return
	}
	gs, err := h.svc.List(r.Context(), site.ID)
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"goals": gs})
}

func (h *Handler) createAPI(w http.ResponseWriter, r *http.Request) {
	site, ok := h.apiSite(w, r)
	if !ok {
		return
	}
	var in Input
	if err := httpx.DecodeJSON(w, r, 16<<10, &in); err != nil {
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	a := auth.AccessFrom(r.Context())
	g, err := h.svc.Create(r.Context(), a.Actor(nil), a.Workspace.ID, site.ID, in)
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, g)
}

func (h *Handler) deleteAPI(w http.ResponseWriter, r *http.Request) {
	site, ok := h.apiSite(w, r)
	if !ok {
		return
	}
	a := auth.AccessFrom(r.Context())
	if err := h.svc.Delete(r.Context(), a.Actor(nil), a.Workspace.ID, site.ID, r.PathValue("goal")); err != nil {
		h.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

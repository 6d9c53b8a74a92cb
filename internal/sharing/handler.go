package sharing

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/dashboard"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/platform/ui"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/stats"
)

// Templates holds the slice's views.
//
//go:embed templates
var Templates embed.FS

// Sites finds sites: within a workspace for the pages that manage links,
// by id for the public ones.
type Sites interface {
	Get(ctx context.Context, workspaceID, siteID string) (*sites.Site, error)
	Find(ctx context.Context, idOrDomain string) (*sites.Site, error)
}

// Options are what the handler needs.
type Options struct {
	Links     *Service
	Sites     Sites
	Auth      *auth.Service
	Dashboard *dashboard.Handler
	Stats     *stats.Handler
	UI        *ui.Renderer
	Logger    *slog.Logger
	BaseURL   string // public URL of mops; "" = the request's host
	// Backoff slows down password guessing per link and client.
	Backoff  *httpx.Backoff
	ClientIP func(*http.Request) netip.Addr
	// SecureCookies marks the pass cookie Secure.
	SecureCookies bool
}

// Handler serves the shared-link pages: managing links, and the public
// dashboards behind them.
type Handler struct{ o Options }

// NewHandler returns the handler.
func NewHandler(o Options) *Handler { return &Handler{o: o} }

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	manage := func(f http.HandlerFunc) http.Handler {
		return h.o.Auth.RequireMember(auth.PermManageSites, h.o.UI.Deny, f)
	}
	mux.Handle("GET /w/{ws}/sites/{site}/shares", manage(h.showLinks))
	mux.Handle("POST /w/{ws}/sites/{site}/shares", manage(h.createLink))
	mux.Handle("POST /w/{ws}/sites/{site}/shares/{link}/revoke", manage(h.revokeLink))

	mux.HandleFunc("GET /share/{slug}", h.showShared)
	mux.HandleFunc("POST /share/{slug}", h.unlock)
	mux.HandleFunc("GET /share/{slug}/realtime", h.showShared)
	mux.HandleFunc("POST /share/{slug}/query", h.serve(h.o.Stats.ServeSite))
	mux.HandleFunc("GET /share/{slug}/export.csv", h.serve(h.o.Dashboard.ExportCSV))
	mux.HandleFunc("GET /share/{slug}/realtime/stream", h.serve(h.o.Dashboard.StreamRealtime))
}

type linksView struct {
	Site    *sites.Site
	Links   []Link
	Created *Link
	BaseURL string
}

func (h *Handler) baseURL(r *http.Request) string {
	if h.o.BaseURL != "" {
		return strings.TrimSuffix(h.o.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (h *Handler) linksPage(w http.ResponseWriter, r *http.Request) (*ui.Page, *linksView, error) {
	p := h.o.UI.NewPage(w, r, "Shared links")
	site, err := h.o.Sites.Get(r.Context(), auth.AccessFrom(r.Context()).Workspace.ID, r.PathValue("site"))
	if err != nil {
		return p, nil, err
	}
	p.Title = "Shared links of " + site.Domain
	ls, err := h.o.Links.List(r.Context(), site.ID)
	v := &linksView{Site: site, Links: ls, BaseURL: h.baseURL(r)}
	p.Data = v
	return p, v, err
}

func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, p *ui.Page, err error) {
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		p.Errors[ve.Field] = ve.Message
		h.o.UI.Render(w, http.StatusUnprocessableEntity, "shares", p)
	case errors.Is(err, sites.ErrNotFound), errors.Is(err, ErrNotFound):
		h.o.UI.Deny(w, r, http.StatusNotFound)
	default:
		h.o.Logger.Error("shared links page failed", "request.path", r.URL.Path, "error", err)
		h.o.UI.ErrorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. The error was logged.")
	}
}

func (h *Handler) showLinks(w http.ResponseWriter, r *http.Request) {
	p, _, err := h.linksPage(w, r)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	h.o.UI.Render(w, http.StatusOK, "shares", p)
}

func (h *Handler) createLink(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, 16<<10); err != nil {
		h.o.UI.BadForm(w, r, err)
		return
	}
	p, v, err := h.linksPage(w, r)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	a := auth.AccessFrom(r.Context())
	l, err := h.o.Links.Create(r.Context(), a.Actor(auth.UserFrom(r.Context())), a.Workspace.ID, v.Site.ID,
		r.PostForm.Get("name"), r.PostForm.Get("password"))
	if err != nil {
		p.Form.Set("name", r.PostForm.Get("name"))
		h.pageError(w, r, p, err)
		return
	}
	// The new link is shown on this answer (not after a redirect) so it
	// can be copied at once; the list below includes it.
	v.Created = l
	v.Links = append([]Link{*l}, v.Links...)
	h.o.UI.Render(w, http.StatusCreated, "shares", p)
}

func (h *Handler) revokeLink(w http.ResponseWriter, r *http.Request) {
	a := auth.AccessFrom(r.Context())
	site, err := h.o.Sites.Get(r.Context(), a.Workspace.ID, r.PathValue("site"))
	if err == nil {
		err = h.o.Links.Revoke(r.Context(), a.Actor(auth.UserFrom(r.Context())), a.Workspace.ID, site.ID, r.PathValue("link"))
	}
	if err != nil {
		h.pageError(w, r, h.o.UI.NewPage(w, r, "Shared links"), err)
		return
	}
	ui.Redirect(w, r, "/w/"+a.Workspace.ID+"/sites/"+site.ID+"/shares", "Shared link revoked. It no longer opens the dashboard.")
}

// passCookie names the cookie that remembers a link's password was given.
func passCookie(l *Link) string { return "mops_share_" + strings.TrimPrefix(l.ID, "share_") }

// open finds the link of the request and its site. It answers 404 for an
// unknown or revoked link and returns ok=false; locked is true when the
// link has a password this browser has not given.
func (h *Handler) open(w http.ResponseWriter, r *http.Request, deny func(int)) (l *Link, site *sites.Site, locked, ok bool) {
	l, err := h.o.Links.BySlug(r.Context(), r.PathValue("slug"))
	if err == nil {
		site, err = h.o.Sites.Find(r.Context(), l.SiteID)
	}
	if err != nil {
		if !errors.Is(err, ErrNotFound) && !errors.Is(err, sites.ErrNotFound) {
			h.o.Logger.Error("open shared link", "error", err)
		}
		deny(http.StatusNotFound)
		return nil, nil, false, false
	}
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	w.Header().Set("Referrer-Policy", "no-referrer") // the slug is the secret
	if l.HasPassword {
		c, err := r.Cookie(passCookie(l))
		locked = err != nil || !h.o.Links.ValidPass(l, c.Value)
	}
	return l, site, locked, true
}

func (h *Handler) pageDeny(w http.ResponseWriter, r *http.Request) func(int) {
	return func(status int) { h.o.UI.Deny(w, r, status) }
}

func (h *Handler) apiDeny(w http.ResponseWriter, r *http.Request) func(int) {
	return func(status int) {
		msg := "this shared link does not exist or was revoked"
		if status == http.StatusUnauthorized {
			msg = "this shared link needs its password: open the link and type it first"
		}
		httpx.WriteError(w, r, h.o.Logger, httpx.Errorf(status, "%s", msg))
	}
}

type passwordView struct {
	Link *Link
	Site *sites.Site
}

// showShared renders the link's dashboard or realtime view, read-only:
// its queries, exports and stream go through the link.
func (h *Handler) showShared(w http.ResponseWriter, r *http.Request) {
	l, site, locked, ok := h.open(w, r, h.pageDeny(w, r))
	if !ok {
		return
	}
	if locked {
		h.renderPassword(w, r, http.StatusUnauthorized, l, site, "")
		return
	}
	view, title := "dashboard", site.Domain+" stats"
	if strings.HasSuffix(r.URL.Path, "/realtime") {
		view, title = "realtime", site.Domain+" right now"
	}
	p := h.o.UI.NewPage(w, r, title)
	p.Nav, p.Workspaces = nil, nil
	base := l.Path()
	v, err := h.o.Dashboard.NewView(r.Context(), site, dashboard.Endpoints{Query: base + "/query", CSRF: p.CSRF,
		CSV: base + "/export.csv", Dashboard: base, Realtime: base + "/realtime", Stream: base + "/realtime/stream"})
	if err != nil {
		h.o.Logger.Error("shared dashboard", "error", err)
		h.o.UI.ErrorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. The error was logged.")
		return
	}
	p.Data = v
	h.o.UI.Render(w, http.StatusOK, view, p)
}

func (h *Handler) renderPassword(w http.ResponseWriter, r *http.Request, status int, l *Link, site *sites.Site, msg string) {
	p := h.o.UI.NewPage(w, r, site.Domain+" stats")
	p.Bare = true
	p.Error = msg
	p.Data = &passwordView{Link: l, Site: site}
	h.o.UI.Render(w, status, "share_password", p)
}

// unlock checks a shared link's password and remembers it in a cookie
// for the link's path. Wrong guesses slow down per link and client.
func (h *Handler) unlock(w http.ResponseWriter, r *http.Request) {
	l, site, _, ok := h.open(w, r, h.pageDeny(w, r))
	if !ok {
		return
	}
	if err := ui.ParseForm(w, r, 4<<10); err != nil {
		h.o.UI.BadForm(w, r, err)
		return
	}
	key := l.ID + "|" + h.o.ClientIP(r).String()
	if wait := h.o.Backoff.Wait(key); wait > 0 {
		secs := max(1, int(wait.Round(time.Second)/time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		h.renderPassword(w, r, http.StatusTooManyRequests, l, site, fmt.Sprintf("Too many wrong passwords. Try again in %d seconds.", secs))
		return
	}
	good, err := h.o.Links.CheckPassword(l, r.PostForm.Get("password"))
	if err != nil {
		h.o.Logger.Error("check shared link password", "error", err)
		h.o.UI.ErrorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. The error was logged.")
		return
	}
	if !good {
		h.o.Backoff.Failure(key)
		h.renderPassword(w, r, http.StatusUnauthorized, l, site, "That password is not right.")
		return
	}
	h.o.Backoff.Success(key)
	http.SetCookie(w, &http.Cookie{Name: passCookie(l), Value: h.o.Links.Pass(l), Path: l.Path(), HttpOnly: true,
		Secure: h.o.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 30 * 24 * 3600})
	http.Redirect(w, r, l.Path(), http.StatusSeeOther)
}

// serve lets a request through to f for the link's site once the link
// is open to it.
func (h *Handler) serve(f func(http.ResponseWriter, *http.Request, *sites.Site)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, site, locked, ok := h.open(w, r, h.apiDeny(w, r))
		if !ok {
			return
		}
		if locked {
			h.apiDeny(w, r)(http.StatusUnauthorized)
			return
		}
		f(w, r, site)
	}
}

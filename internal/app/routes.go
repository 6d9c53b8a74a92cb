package app

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mopshq/mops/internal/accounts"
	"github.com/mopshq/mops/internal/collect"
	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/dashboard"
	"github.com/mopshq/mops/internal/goals"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/platform/id"
	"github.com/mopshq/mops/internal/platform/ui"
	"github.com/mopshq/mops/internal/report"
	"github.com/mopshq/mops/internal/sharing"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/stats"
	"github.com/mopshq/mops/internal/warehouse"
)

// formBodyLimit bounds every request body that no route limits itself.
const formBodyLimit = 1 << 20

// bodyLimit is formBodyLimit, or the CRM's file limit for the routes
// that take a CSV file.
func bodyLimit(r *http.Request) int64 {
	if r.Method == http.MethodPost && crm.TakesFile(r.URL.Path) {
		return crm.FileLimit
	}
	return formBodyLimit
}

// preSessionCookie carries a random value that binds the CSRF token of
// forms shown before login (setup, login, invitation).
const preSessionCookie = "mops_pre"

func isAPI(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/v1/")
}

func (a *App) clientIP(r *http.Request) netip.Addr { return httpx.ClientIP(r, a.Config.trusted) }

// csrfSession names what a request's CSRF token is bound to: the session,
// or before login the pre-session cookie. API routes use Bearer keys, not
// cookies, and are exempt (""). A browser request with neither cookie gets
// a value no token was ever issued for, so it always fails.
func csrfSession(r *http.Request) string {
	if isAPI(r) {
		return ""
	}
	if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
		return auth.SessionKey(c.Value)
	}
	if c, err := r.Cookie(preSessionCookie); err == nil && c.Value != "" {
		return "pre:" + c.Value
	}
	return "none"
}

// withPreSession gives browsers without a session a pre-session cookie,
// and adds it to the request so the page rendered now carries a matching
// CSRF token.
func (a *App) withPreSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && !isAPI(r) {
			_, errS := r.Cookie(auth.SessionCookie)
			_, errP := r.Cookie(preSessionCookie)
			if errS != nil && errP != nil {
				c := &http.Cookie{Name: preSessionCookie, Value: id.Token(16), Path: "/", HttpOnly: true,
					Secure: a.Config.SecureCookies(), SameSite: http.SameSiteLaxMode}
				http.SetCookie(w, c)
				r.AddCookie(c)
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (a *App) routes() (http.Handler, error) {
	csrf := httpx.NewCSRF(a.Secret)
	var nav []ui.NavItem
	nav = append(nav, dashboard.Nav()...)
	nav = append(nav, crm.Nav()...)
	nav = append(nav, sites.Nav()...)
	nav = append(nav, accounts.Nav()...)
	renderer, err := ui.New(ui.Options{
		Logger:     a.Logger,
		Nav:        nav,
		CSRFToken:  func(r *http.Request) string { return csrf.Token(csrfSession(r)) },
		Workspaces: a.Auth.UserWorkspaces,
		Version:    a.Config.Version,
	}, accounts.Templates, sites.Templates, goals.Templates, dashboard.Templates, sharing.Templates, report.Templates, crm.Templates)
	if err != nil {
		return nil, err
	}
	metrics, err := httpx.NewMetrics(a.Metrics)
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	a.loginBackoff = httpx.NewBackoff(time.Second, 15*time.Minute, 10000)
	accounts.New(accounts.Options{
		Auth:          a.Auth,
		UI:            renderer,
		Logger:        a.Logger,
		SecureCookies: a.Config.SecureCookies(),
		BaseURL:       a.Config.BaseURL,
		ClientIP:      a.clientIP,
		LoginLimiter:  httpx.NewLimiter(1, 10, 10000),
		LoginBackoff:  a.loginBackoff,
	}).Register(mux)
	sites.NewHandler(a.Sites, a.Auth, renderer, a.Logger, a.Config.BaseURL).Register(mux)
	goals.NewHandler(a.Goals, a.Sites, a.Auth, renderer, a.Logger).Register(mux)
	report.NewHandler(a.Digests, a.Auth, renderer, a.Logger).Register(mux)
	crm.NewAPI(a.CRM, a.Auth, a.Logger).Register(mux)
	crm.NewPages(a.CRM, a.Auth, renderer, a.Logger).Register(mux)
	var ipLimit *httpx.Limiter
	if a.Config.RateLimitIP > 0 {
		ipLimit = httpx.NewLimiter(float64(a.Config.RateLimitIP), 2*a.Config.RateLimitIP, 100000)
	}
	collect.NewHandler(a.Collect, a.Auth, a.Logger, a.clientIP, ipLimit).Register(mux)
	warehouse.NewHandler(a.Loader, a.Auth, a.Sites, a.Logger).Register(mux)
	statsSvc := stats.NewService(a.DB)
	statsSvc.UseCache(a.Config.StatsCache, a.Loader.LastSeq)
	statsHandler := stats.NewHandler(statsSvc, a.Auth, a.Sites, a.Logger)
	statsHandler.Register(mux)
	dash, err := dashboard.NewHandler(dashboard.Options{Auth: a.Auth, Sites: a.Sites, Stats: statsSvc, Loader: a.Loader,
		DB: a.DB, UI: renderer, Logger: a.Logger})
	if err != nil {
		return nil, err
	}
	dash.Register(mux)
	a.shareBackoff = httpx.NewBackoff(time.Second, 15*time.Minute, 10000)
	sharing.NewHandler(sharing.Options{Links: a.Links, Sites: a.Sites, Auth: a.Auth,
		Dashboard: dash, Stats: statsHandler, UI: renderer, Logger: a.Logger, BaseURL: a.Config.BaseURL,
		Backoff: a.shareBackoff, ClientIP: a.clientIP,
		SecureCookies: a.Config.SecureCookies()}).Register(mux)

	mux.Handle("GET /static/", renderer.Assets())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{}))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, a.Logger, httpx.ErrNotFound)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		renderer.Deny(w, r, http.StatusNotFound)
	})

	csrfFailed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > bodyLimit(r) {
			renderer.ErrorPage(w, r, http.StatusRequestEntityTooLarge, "The form is larger than allowed.")
			return
		}
		renderer.ErrorPage(w, r, http.StatusForbidden,
			"This form has expired or was not sent from this mops. Reload the page and try again.")
	})
	var h http.Handler = httpx.CaptureRoute(mux)
	h = csrf.Protect(csrfSession, csrfFailed)(h)
	h = a.Auth.LoadSession(h)
	h = a.withPreSession(h)
	h = httpx.MaxBodyBy(bodyLimit)(h)
	h = httpx.SecurityHeaders(httpx.SecurityOptions{HSTS: a.Config.SecureCookies(), IsAPI: isAPI})(h)
	h = httpx.RequestLog(a.Logger, metrics)(h)
	h = httpx.Recover(a.Logger, isAPI, renderer.Deny)(h)
	return h, nil
}

// ready answers /readyz: 200 when the warehouse answers and the event log
// is connected, 503 with the failing part otherwise.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	status := http.StatusOK
	body := map[string]any{"status": "ready"}
	if err := a.DB.PingContext(ctx); err != nil {
		status = http.StatusServiceUnavailable
		body["database"] = "unreachable"
	} else {
		body["database"] = "ok"
	}
	h := a.Log.Health(ctx)
	body["eventlog"] = h
	if !h.OK() {
		status = http.StatusServiceUnavailable
	}
	if status != http.StatusOK {
		body["status"] = "not ready"
	}
	httpx.WriteJSON(w, status, body)
}

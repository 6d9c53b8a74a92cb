// Package accounts is the web side of people and access: first-run setup,
// login and logout, workspaces, members and invitations, API keys, the
// audit log and the account page. The rules live in platform/auth.
package accounts

import (
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/platform/ui"
)

// Templates holds the slice's views.
//
//go:embed templates
var Templates embed.FS

// Options configure the handler.
type Options struct {
	Auth   *auth.Service
	UI     *ui.Renderer
	Logger *slog.Logger
	// SecureCookies marks cookies Secure (TLS or an https base URL).
	SecureCookies bool
	// BaseURL is the public URL, for invitation links; "" uses the request's host.
	BaseURL string
	// ClientIP returns the request's client address (trusted proxies applied).
	ClientIP func(*http.Request) netip.Addr
	// LoginLimiter limits login and setup attempts per client IP.
	LoginLimiter *httpx.Limiter
	// LoginBackoff locks an email or IP out after repeated failures.
	LoginBackoff *httpx.Backoff
}

// Handler serves the account pages and API.
type Handler struct {
	Options
}

// New returns the handler.
func New(opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{Options: opts}
}

// Nav lists the slice's entries of the workspace navigation.
func Nav() []ui.NavItem {
	return []ui.NavItem{
		{Label: "Members", Path: "/members", Perm: auth.PermManageMembers, Group: "Settings"},
		{Label: "API keys", Path: "/api-keys", Perm: auth.PermManageKeys, Group: "Settings"},
		{Label: "Audit log", Path: "/audit", Perm: auth.PermViewAudit, Group: "Settings"},
		{Label: "Workspace", Path: "/settings", Perm: auth.PermManageOwners, Group: "Settings"},
	}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	member := func(p auth.Permission, f http.HandlerFunc) http.Handler {
		return h.Auth.RequireMember(p, h.UI.Deny, f)
	}
	user := func(f http.HandlerFunc) http.Handler { return auth.RequireUser(f) }

	mux.HandleFunc("GET /setup", h.showSetupPage)
	mux.HandleFunc("POST /setup", h.saveSetup)
	mux.HandleFunc("GET /login", h.showLoginPage)
	mux.HandleFunc("POST /login", h.saveLogin)
	mux.HandleFunc("POST /logout", h.saveLogout)
	mux.HandleFunc("GET /invite/{token}", h.showInvitationPage)
	mux.HandleFunc("POST /invite/{token}", h.saveInvitation)

	mux.HandleFunc("GET /{$}", h.showHome)
	mux.Handle("GET /workspaces", user(h.showWorkspacesPage))
	mux.Handle("POST /workspaces", user(h.saveWorkspace))
	mux.Handle("GET /account", user(h.showAccountPage))
	mux.Handle("POST /account/password", user(h.savePassword))

	mux.Handle("GET /w/{ws}/members", member(auth.PermManageMembers, h.showMembersPage))
	mux.Handle("POST /w/{ws}/invitations", member(auth.PermManageMembers, h.saveInvitationLink))
	mux.Handle("POST /w/{ws}/invitations/{id}/revoke", member(auth.PermManageMembers, h.revokeInvitation))
	mux.Handle("POST /w/{ws}/members/{user}/role", member(auth.PermManageMembers, h.saveRole))
	mux.Handle("POST /w/{ws}/members/{user}/remove", member(auth.PermManageMembers, h.removeMember))
	mux.Handle("GET /w/{ws}/api-keys", member(auth.PermManageKeys, h.showAPIKeysPage))
	mux.Handle("POST /w/{ws}/api-keys", member(auth.PermManageKeys, h.saveAPIKey))
	mux.Handle("POST /w/{ws}/api-keys/{id}/revoke", member(auth.PermManageKeys, h.revokeAPIKey))
	mux.Handle("GET /w/{ws}/audit", member(auth.PermViewAudit, h.showAuditPage))
	mux.Handle("GET /w/{ws}/settings", member(auth.PermManageOwners, h.showSettingsPage))
	mux.Handle("POST /w/{ws}/settings", member(auth.PermManageOwners, h.saveSettings))

	key := func(s auth.Scope, f http.HandlerFunc) http.Handler {
		return h.Auth.RequireKey(s, auth.DenyJSON, f)
	}
	mux.Handle("GET /api/v1/audit", key(auth.ScopeRead, h.listAudit))
	mux.Handle("GET /api/v1/workspace", key(auth.ScopeRead, h.getWorkspace))
}

// pageError answers a failed page action: bad input re-renders the form
// with inline errors (422); other errors become error pages.
func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, p *ui.Page, view string, err error) {
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		p.Errors[ve.Field] = ve.Message
		p.Error = "Please correct the highlighted field."
		h.UI.Render(w, http.StatusUnprocessableEntity, view, p)
	case errors.Is(err, auth.ErrEmailTaken):
		p.Errors["email"] = err.Error()
		h.UI.Render(w, http.StatusUnprocessableEntity, view, p)
	case errors.Is(err, auth.ErrLastOwner):
		p.Error = "A workspace must keep at least one owner: make someone else owner first."
		h.UI.Render(w, http.StatusConflict, view, p)
	case errors.Is(err, auth.ErrForbidden):
		h.UI.Deny(w, r, http.StatusForbidden)
	case errors.Is(err, auth.ErrNotFound):
		h.UI.Deny(w, r, http.StatusNotFound)
	default:
		h.Logger.Error("page action failed", "request.path", r.URL.Path, "error", err)
		h.UI.ErrorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. The error was logged.")
	}
}

// formLimit is the largest form the slice reads.
const formLimit = 64 << 10

func (h *Handler) baseURL(r *http.Request) string {
	if h.BaseURL != "" {
		return strings.TrimSuffix(h.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(auth.SessionMaxAge.Seconds())})
}

func (h *Handler) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Path: "/", HttpOnly: true,
		Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

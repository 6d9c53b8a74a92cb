package accounts

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/ui"
)

func (h *Handler) showHome(w http.ResponseWriter, r *http.Request) {
	need, err := h.Auth.NeedsSetup(r.Context())
	if err != nil {
		h.pageError(w, r, h.UI.NewPage(w, r, "Error"), "error", err)
		return
	}
	if need {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	u := auth.UserFrom(r.Context())
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ws, err := h.Auth.UserWorkspaces(r.Context(), u.ID)
	if err != nil {
		h.pageError(w, r, h.UI.NewPage(w, r, "Error"), "error", err)
		return
	}
	if len(ws) == 1 {
		http.Redirect(w, r, "/w/"+ws[0].ID, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/workspaces", http.StatusSeeOther)
}

func (h *Handler) showSetupPage(w http.ResponseWriter, r *http.Request) {
	need, err := h.Auth.NeedsSetup(r.Context())
	if err != nil || !need {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := h.UI.NewPage(w, r, "Set up mops")
	p.Bare = true
	h.UI.Render(w, http.StatusOK, "setup", p)
}

func (h *Handler) saveSetup(w http.ResponseWriter, r *http.Request) {
	p := h.UI.NewPage(w, r, "Set up mops")
	p.Bare = true
	if ok, wait := h.LoginLimiter.Allow(h.ClientIP(r).String()); !ok {
		h.tooMany(w, p, "setup", wait)
		return
	}
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.UI.BadForm(w, r, err)
		return
	}
	p.Form = r.PostForm
	if r.PostForm.Get("password") != r.PostForm.Get("password_confirm") {
		p.Errors["password_confirm"] = "does not match the password"
		h.UI.Render(w, http.StatusUnprocessableEntity, "setup", p)
		return
	}
	u, err := h.Auth.Setup(r.Context(), r.PostForm.Get("email"), r.PostForm.Get("name"), r.PostForm.Get("password"))
	if errors.Is(err, auth.ErrSetupDone) {
		ui.Redirect(w, r, "/login", "Setup is already done: log in.")
		return
	}
	if err != nil {
		h.pageError(w, r, p, "setup", err)
		return
	}
	h.startSession(w, r, u, "/workspaces", "Welcome to mops. Create your first workspace to begin.")
}

func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, u *auth.User, target, msg string) {
	token, err := h.Auth.StartSession(r.Context(), u, r.UserAgent())
	if err != nil {
		h.pageError(w, r, h.UI.NewPage(w, r, "Error"), "error", err)
		return
	}
	h.setSessionCookie(w, token)
	ui.Redirect(w, r, target, msg)
}

func (h *Handler) showLoginPage(w http.ResponseWriter, r *http.Request) {
	if need, _ := h.Auth.NeedsSetup(r.Context()); need {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	if auth.UserFrom(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	p := h.UI.NewPage(w, r, "Log in")
	p.Bare = true
	p.Form.Set("next", r.URL.Query().Get("next"))
	h.UI.Render(w, http.StatusOK, "login", p)
}

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

func (h *Handler) tooMany(w http.ResponseWriter, p *ui.Page, view string, wait time.Duration) {
	secs := int(wait.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	p.Error = fmt.Sprintf("Too many attempts. Try again in %d seconds.", secs)
	h.UI.Render(w, http.StatusTooManyRequests, view, p)
}

func (h *Handler) saveLogin(w http.ResponseWriter, r *http.Request) {
	p := h.UI.NewPage(w, r, "Log in")
	p.Bare = true
	ip := h.ClientIP(r).String()
	if ok, wait := h.LoginLimiter.Allow(ip); !ok {
		h.tooMany(w, p, "login", wait)
		return
	}
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.UI.BadForm(w, r, err)
		return
	}
	p.Form.Set("email", r.PostForm.Get("email"))
	p.Form.Set("next", r.PostForm.Get("next"))
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	for _, key := range []string{"email:" + email, "ip:" + ip} {
		if wait := h.LoginBackoff.Wait(key); wait > 0 {
			h.tooMany(w, p, "login", wait)
			return
		}
	}
	u, err := h.Auth.Authenticate(r.Context(), email, r.PostForm.Get("password"))
	if errors.Is(err, auth.ErrInvalidLogin) {
		h.LoginBackoff.Failure("email:" + email)
		h.LoginBackoff.Failure("ip:" + ip)
		h.Logger.Info("login failed", "client_ip_prefix", ipPrefix(h.ClientIP(r).String()))
		p.Error = "Wrong email or password."
		h.UI.Render(w, http.StatusUnauthorized, "login", p)
		return
	}
	if err != nil {
		h.pageError(w, r, p, "login", err)
		return
	}
	h.LoginBackoff.Success("email:" + email)
	h.LoginBackoff.Success("ip:" + ip)
	h.startSession(w, r, u, safeNext(r.PostForm.Get("next")), "")
}

// ipPrefix shortens an address for logs: raw IPs are never stored.
func ipPrefix(ip string) string {
	if i := strings.LastIndexAny(ip, ".:"); i > 0 {
		return ip[:i] + ".x"
	}
	return ""
}

func (h *Handler) saveLogout(w http.ResponseWriter, r *http.Request) {
	if tok := auth.SessionTokenFrom(r.Context()); tok != "" {
		if err := h.Auth.EndSession(r.Context(), tok); err != nil {
			h.Logger.Error("logout", "error", err)
		}
	}
	h.clearSessionCookie(w)
	ui.Redirect(w, r, "/login", "You are logged out.")
}

type invitationView struct {
	Invitation *auth.Invitation
	Valid      bool
}

func (h *Handler) invitationPage(w http.ResponseWriter, r *http.Request) (*ui.Page, *auth.Invitation, bool) {
	p := h.UI.NewPage(w, r, "Join a workspace")
	p.Bare = true
	inv, err := h.Auth.Invitation(r.Context(), r.PathValue("token"))
	if err != nil {
		if !errors.Is(err, auth.ErrNotFound) {
			h.Logger.Error("get invitation", "error", err)
		}
		p.Data = invitationView{}
		return p, nil, false
	}
	p.Data = invitationView{Invitation: inv, Valid: inv.Open(time.Now())}
	return p, inv, inv.Open(time.Now())
}

func (h *Handler) showInvitationPage(w http.ResponseWriter, r *http.Request) {
	p, _, ok := h.invitationPage(w, r)
	status := http.StatusOK
	if !ok {
		status = http.StatusNotFound
	}
	h.UI.Render(w, status, "invitation", p)
}

// saveInvitation accepts an invitation: a logged-in user joins directly;
// anyone else creates an account (or logs in) on the same form.
func (h *Handler) saveInvitation(w http.ResponseWriter, r *http.Request) {
	p, inv, ok := h.invitationPage(w, r)
	if !ok {
		h.UI.Render(w, http.StatusNotFound, "invitation", p)
		return
	}
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.UI.BadForm(w, r, err)
		return
	}
	p.Form = r.PostForm
	token := r.PathValue("token")
	u := auth.UserFrom(r.Context())
	if u == nil {
		if ok, wait := h.LoginLimiter.Allow(h.ClientIP(r).String()); !ok {
			h.tooMany(w, p, "invitation", wait)
			return
		}
		var err error
		if r.PostForm.Get("mode") == "login" {
			u, err = h.Auth.Authenticate(r.Context(), r.PostForm.Get("email"), r.PostForm.Get("password"))
			if errors.Is(err, auth.ErrInvalidLogin) {
				p.Error = "Wrong email or password."
				h.UI.Render(w, http.StatusUnauthorized, "invitation", p)
				return
			}
		} else {
			u, err = h.Auth.CreateUser(r.Context(), auth.Actor{Type: auth.ActorUser, Name: "invitation " + inv.ID},
				r.PostForm.Get("email"), r.PostForm.Get("name"), r.PostForm.Get("password"))
		}
		if err != nil {
			h.pageError(w, r, p, "invitation", err)
			return
		}
	}
	if _, err := h.Auth.AcceptInvitation(r.Context(), token, u); err != nil {
		h.pageError(w, r, p, "invitation", err)
		return
	}
	target := "/w/" + inv.WorkspaceID
	msg := "You joined " + inv.WorkspaceName + " as " + string(inv.Role) + "."
	if auth.UserFrom(r.Context()) == nil {
		h.startSession(w, r, u, target, msg)
		return
	}
	ui.Redirect(w, r, target, msg)
}

package accounts

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/ui"
)

func (h *Handler) showWorkspacesPage(w http.ResponseWriter, r *http.Request) {
	p := h.UI.NewPage(w, r, "Workspaces")
	h.UI.Render(w, http.StatusOK, "workspaces", p)
}

func (h *Handler) saveWorkspace(w http.ResponseWriter, r *http.Request) {
	p := h.UI.NewPage(w, r, "Workspaces")
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.UI.BadForm(w, r, err)
		return
	}
	p.Form = r.PostForm
	u := auth.UserFrom(r.Context())
	ws, err := h.Auth.CreateWorkspace(r.Context(), auth.UserActor(u), r.PostForm.Get("name"), u)
	if err != nil {
		h.pageError(w, r, p, "workspaces", err)
		return
	}
	ui.Redirect(w, r, "/w/"+ws.ID+"/sites", "Workspace "+ws.Name+" created. Add the first site you want to track.")
}

func (h *Handler) showAccountPage(w http.ResponseWriter, r *http.Request) {
	h.UI.Render(w, http.StatusOK, "account", h.UI.NewPage(w, r, "Account"))
}

func (h *Handler) savePassword(w http.ResponseWriter, r *http.Request) {
	p := h.UI.NewPage(w, r, "Account")
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.UI.BadForm(w, r, err)
		return
	}
	u := auth.UserFrom(r.Context())
	if _, err := h.Auth.Authenticate(r.Context(), u.Email, r.PostForm.Get("current_password")); err != nil {
		if errors.Is(err, auth.ErrInvalidLogin) {
			p.Errors["current_password"] = "is not your current password"
			h.UI.Render(w, http.StatusUnprocessableEntity, "account", p)
			return
		}
		h.pageError(w, r, p, "account", err)
		return
	}
	if r.PostForm.Get("password") != r.PostForm.Get("password_confirm") {
		p.Errors["password_confirm"] = "does not match the new password"
		h.UI.Render(w, http.StatusUnprocessableEntity, "account", p)
		return
	}
	if err := h.Auth.SetPassword(r.Context(), auth.UserActor(u), u.ID, r.PostForm.Get("password")); err != nil {
		h.pageError(w, r, p, "account", err)
		return
	}
	// Changing the password ends every session, this one included: start a fresh one.
	h.startSession(w, r, u, "/account", "Password changed. Other sessions were logged out.")
}

type membersView struct {
	Members     []auth.Member
	Invitations []auth.Invitation
	Roles       []auth.Role
	NewLink     string
	NewInvite   *auth.Invitation
}

func (h *Handler) membersPage(w http.ResponseWriter, r *http.Request) (*ui.Page, *membersView, error) {
	p := h.UI.NewPage(w, r, "Members")
	a := auth.AccessFrom(r.Context())
	v := &membersView{}
	for _, role := range auth.Roles() {
		if role != auth.RoleOwner || a.Role.Can(auth.PermManageOwners) {
			v.Roles = append(v.Roles, role)
		}
	}
	var err error
	if v.Members, err = h.Auth.Members(r.Context(), a.Workspace.ID); err != nil {
		return p, v, err
	}
	if v.Invitations, err = h.Auth.Invitations(r.Context(), a.Workspace.ID); err != nil {
		return p, v, err
	}
	p.Data = v
	return p, v, nil
}

func (h *Handler) showMembersPage(w http.ResponseWriter, r *http.Request) {
	p, _, err := h.membersPage(w, r)
	if err != nil {
		h.pageError(w, r, p, "members", err)
		return
	}
	h.UI.Render(w, http.StatusOK, "members", p)
}

func (h *Handler) saveInvitationLink(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.UI.BadForm(w, r, err)
		return
	}
	a := auth.AccessFrom(r.Context())
	u := auth.UserFrom(r.Context())
	token, inv, invErr := h.Auth.Invite(r.Context(), auth.UserActor(u), a.Role, a.Workspace.ID,
		r.PostForm.Get("email"), auth.Role(r.PostForm.Get("role")))
	p, v, err := h.membersPage(w, r)
	if err == nil {
		err = invErr
	}
	p.Form = r.PostForm
	if err != nil {
		h.pageError(w, r, p, "members", err)
		return
	}
	// The link is shown once, here: only its hash is stored.
	v.NewLink = h.baseURL(r) + "/invite/" + token
	v.NewInvite = inv
	p.Form = nil
	h.UI.Render(w, http.StatusOK, "members", p)
}

func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request) {
	a := auth.AccessFrom(r.Context())
	if err := h.Auth.RevokeInvitation(r.Context(), auth.UserActor(auth.UserFrom(r.Context())), a.Workspace.ID, r.PathValue("id")); err != nil {
		p, _, _ := h.membersPage(w, r)
		h.pageError(w, r, p, "members", err)
		return
	}
	ui.Redirect(w, r, "/w/"+a.Workspace.ID+"/members", "Invitation revoked.")
}

func (h *Handler) saveRole(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.UI.BadForm(w, r, err)
		return
	}
	a := auth.AccessFrom(r.Context())
	err := h.Auth.SetRole(r.Context(), auth.UserActor(auth.UserFrom(r.Context())), a.Role, a.Workspace.ID,
		r.PathValue("user"), auth.Role(r.PostForm.Get("role")))
	if err != nil {
		p, _, _ := h.membersPage(w, r)
		h.pageError(w, r, p, "members", err)
		return
	}
	ui.Redirect(w, r, "/w/"+a.Workspace.ID+"/members", "Role changed.")
}

func (h *Handler) removeMember(w http.ResponseWriter, r *http.Request) {
	a := auth.AccessFrom(r.Context())
	u := auth.UserFrom(r.Context())
	err := h.Auth.RemoveMember(r.Context(), auth.UserActor(u), a.Role, a.Workspace.ID, r.PathValue("user"))
	if err != nil {
		p, _, _ := h.membersPage(w, r)
		h.pageError(w, r, p, "members", err)
		return
	}
	if r.PathValue("user") == u.ID {
		ui.Redirect(w, r, "/workspaces", "You left "+a.Workspace.Name+".")
		return
	}
	ui.Redirect(w, r, "/w/"+a.Workspace.ID+"/members", "Member removed.")
}

type apiKeysView struct {
	Keys      []auth.APIKey
	Scopes    []auth.Scope
	NewSecret string
	NewKey    *auth.APIKey
}

func (h *Handler) apiKeysPage(w http.ResponseWriter, r *http.Request) (*ui.Page, *apiKeysView, error) {
	p := h.UI.NewPage(w, r, "API keys")
	v := &apiKeysView{Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite, auth.ScopeIngest}}
	p.Data = v
	var err error
	v.Keys, err = h.Auth.APIKeys(r.Context(), auth.AccessFrom(r.Context()).Workspace.ID)
	return p, v, err
}

func (h *Handler) showAPIKeysPage(w http.ResponseWriter, r *http.Request) {
	p, _, err := h.apiKeysPage(w, r)
	if err != nil {
		h.pageError(w, r, p, "apikeys", err)
		return
	}
	h.UI.Render(w, http.StatusOK, "apikeys", p)
}

func (h *Handler) saveAPIKey(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.UI.BadForm(w, r, err)
		return
	}
	a := auth.AccessFrom(r.Context())
	scopes, scopeErr := auth.ParseScopes(r.PostForm["scopes"])
	var secret string
	var key *auth.APIKey
	if scopeErr == nil {
		secret, key, scopeErr = h.Auth.CreateAPIKey(r.Context(), auth.UserActor(auth.UserFrom(r.Context())), a.Workspace.ID,
			r.PostForm.Get("name"), scopes)
	}
	p, v, err := h.apiKeysPage(w, r)
	if err == nil {
		err = scopeErr
	}
	if err != nil {
		p.Form = r.PostForm
		h.pageError(w, r, p, "apikeys", err)
		return
	}
	v.NewSecret, v.NewKey = secret, key
	h.UI.Render(w, http.StatusOK, "apikeys", p)
}

func (h *Handler) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	a := auth.AccessFrom(r.Context())
	k, err := h.Auth.RevokeAPIKey(r.Context(), auth.UserActor(auth.UserFrom(r.Context())), a.Workspace.ID, r.PathValue("id"))
	if err != nil {
		p, _, _ := h.apiKeysPage(w, r)
		h.pageError(w, r, p, "apikeys", err)
		return
	}
	ui.Redirect(w, r, "/w/"+a.Workspace.ID+"/api-keys", "Key "+k.Name+" revoked. Requests using it now get 401.")
}

type auditView struct {
	Entries []auth.AuditEntry
	Actions []string
	Members []auth.Member
	Filter  auth.AuditFilter
	Next    string
}

// auditFilter reads the audit log filter from query parameters: action,
// actor, target, from and to (YYYY-MM-DD, to inclusive), before, limit.
func auditFilter(r *http.Request) (auth.AuditFilter, error) {
	q := r.URL.Query()
	f := auth.AuditFilter{Action: q.Get("action"), ActorID: q.Get("actor"), TargetID: q.Get("target"), Before: q.Get("before"), Limit: 50}
	if s := q.Get("from"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return f, &auth.ValidationError{Field: "from", Message: "must be a date YYYY-MM-DD"}
		}
		f.From = t
	}
	if s := q.Get("to"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return f, &auth.ValidationError{Field: "to", Message: "must be a date YYYY-MM-DD"}
		}
		f.To = t.Add(24 * time.Hour)
	}
	if s := q.Get("limit"); s != "" {
		var n int
		for _, c := range s {
			if c < '0' || c > '9' || n > 1000 {
				return f, &auth.ValidationError{Field: "limit", Message: "must be a number from 1 to 500"}
			}
			n = n*10 + int(c-'0')
		}
		if n < 1 || n > 500 {
			return f, &auth.ValidationError{Field: "limit", Message: "must be a number from 1 to 500"}
		}
		f.Limit = n
	}
	return f, nil
}

func (h *Handler) showAuditPage(w http.ResponseWriter, r *http.Request) {
	p := h.UI.NewPage(w, r, "Audit log")
	a := auth.AccessFrom(r.Context())
	v := &auditView{}
	p.Data = v
	p.Form = r.URL.Query()
	f, err := auditFilter(r)
	if err != nil {
		h.pageError(w, r, p, "audit", err)
		return
	}
	v.Filter = f
	if v.Entries, err = h.Auth.Audit(r.Context(), a.Workspace.ID, f); err == nil {
		if v.Actions, err = h.Auth.AuditActions(r.Context(), a.Workspace.ID); err == nil {
			v.Members, err = h.Auth.Members(r.Context(), a.Workspace.ID)
		}
	}
	if err != nil {
		h.pageError(w, r, p, "audit", err)
		return
	}
	if len(v.Entries) == f.Limit {
		q := r.URL.Query()
		q.Set("before", v.Entries[len(v.Entries)-1].ID)
		v.Next = r.URL.Path + "?" + q.Encode()
	}
	h.UI.Render(w, http.StatusOK, "audit", p)
}

func (h *Handler) showSettingsPage(w http.ResponseWriter, r *http.Request) {
	p := h.UI.NewPage(w, r, "Workspace settings")
	p.Form.Set("name", auth.AccessFrom(r.Context()).Workspace.Name)
	h.UI.Render(w, http.StatusOK, "settings", p)
}

func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	p := h.UI.NewPage(w, r, "Workspace settings")
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.UI.BadForm(w, r, err)
		return
	}
	p.Form = r.PostForm
	a := auth.AccessFrom(r.Context())
	if err := h.Auth.RenameWorkspace(r.Context(), auth.UserActor(auth.UserFrom(r.Context())), a.Workspace.ID, r.PostForm.Get("name")); err != nil {
		h.pageError(w, r, p, "settings", err)
		return
	}
	ui.Redirect(w, r, "/w/"+a.Workspace.ID+"/settings", "Workspace renamed to "+strings.TrimSpace(r.PostForm.Get("name"))+".")
}

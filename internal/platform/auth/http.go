package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "mops_session"

type ctxKey int

const (
	userKey ctxKey = iota
	accessKey
	sessionKey
)

// Access is what the current request may do in the workspace it addresses:
// a member's role, or an API key's scopes.
type Access struct {
	Workspace *Workspace
	Role      Role    // for people; "" for API keys
	Key       *APIKey // for API keys; nil for people
}

// Actor is who acts through this access.
func (a *Access) Actor(u *User) Actor {
	if a.Key != nil {
		return KeyActor(a.Key)
	}
	return UserActor(u)
}

// UserFrom returns the logged-in user of the request, or nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey).(*User)
	return u
}

// AccessFrom returns the workspace access the request was granted, or nil.
func AccessFrom(ctx context.Context) *Access {
	a, _ := ctx.Value(accessKey).(*Access)
	return a
}

// SessionTokenFrom returns the session token of the request, or "".
func SessionTokenFrom(ctx context.Context) string {
	s, _ := ctx.Value(sessionKey).(string)
	return s
}

// WithUser returns ctx carrying the user and their session token.
func WithUser(ctx context.Context, u *User, token string) context.Context {
	return context.WithValue(context.WithValue(ctx, userKey, u), sessionKey, token)
}

// WithAccess returns ctx carrying a workspace access.
func WithAccess(ctx context.Context, a *Access) context.Context {
	return context.WithValue(ctx, accessKey, a)
}

// LoadSession puts the user of a valid session cookie into the request
// context. Requests without one pass through without a user.
func (s *Service) LoadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		u, err := s.SessionUser(r.Context(), c.Value)
		if err != nil {
			if !errors.Is(err, ErrNotFound) {
				s.logger.Error("load session", "error", err)
			}
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithUser(r.Context(), u, c.Value)))
	})
}

// RequireUser redirects requests without a logged-in user to the login
// page, remembering where they were going.
func RequireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if UserFrom(r.Context()) == nil {
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Denied answers a request that may not proceed with the given status
// (401, 403 or 404); pages and the JSON API each supply their own.
type Denied func(w http.ResponseWriter, r *http.Request, status int)

// RequireMember lets a logged-in user through to a route with a {ws} path
// value only when they are a member of that workspace whose role grants
// perm. A workspace the user does not belong to answers 404, exactly like
// one that does not exist; a missing permission answers 403.
func (s *Service) RequireMember(perm Permission, deny Denied, next http.Handler) http.Handler {
	return RequireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := UserFrom(r.Context())
		wsID := r.PathValue("ws")
		role, err := s.Role(r.Context(), wsID, u.ID)
		if err != nil {
			if !errors.Is(err, ErrNotFound) {
				s.logger.Error("check membership", "error", err)
			}
			deny(w, r, http.StatusNotFound)
			return
		}
		ws, err := s.Workspace(r.Context(), wsID)
		if err != nil {
			deny(w, r, http.StatusNotFound)
			return
		}
		if !role.Can(perm) {
			deny(w, r, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithAccess(r.Context(), &Access{Workspace: ws, Role: role})))
	}))
}

// BearerToken returns the token of an `Authorization: Bearer` header.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// RequireKey admits API requests carrying a live key with scope: no key,
// an unknown or a revoked key answers 401, a key without the scope 403.
func (s *Service) RequireKey(scope Scope, deny Denied, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, err := s.AuthenticateKey(r.Context(), BearerToken(r))
		if err != nil {
			if !errors.Is(err, ErrNotFound) {
				s.logger.Error("authenticate api key", "error", err)
			}
			deny(w, r, http.StatusUnauthorized)
			return
		}
		if !k.HasScope(scope) {
			deny(w, r, http.StatusForbidden)
			return
		}
		ws, err := s.Workspace(r.Context(), k.WorkspaceID)
		if err != nil {
			deny(w, r, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithAccess(r.Context(), &Access{Workspace: ws, Key: k})))
	})
}

// DenyJSON answers a refused API request with the contract's JSON error.
func DenyJSON(w http.ResponseWriter, r *http.Request, status int) {
	msg := http.StatusText(status)
	switch status {
	case http.StatusUnauthorized:
		msg = "missing, unknown or revoked API key (send Authorization: Bearer <key>)"
	case http.StatusForbidden:
		msg = "this API key lacks the scope this route needs"
	case http.StatusNotFound:
		msg = "not found"
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

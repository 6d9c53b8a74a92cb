// Package auth holds the people and keys that act in mops: users and their
// sessions, workspaces and the roles members have in them, invitations, API
// keys with scopes, and the audit log of every change they make.
package auth

import (
	"encoding/json"
	"errors"
	"time"
)

// Errors the service returns; handlers map them to responses.
var (
	// ErrNotFound means the object does not exist or belongs to another workspace.
	ErrNotFound = errors.New("not found")
	// ErrInvalidLogin means the email/password pair does not match a user.
	ErrInvalidLogin = errors.New("invalid email or password")
	// ErrSetupDone means the first-run setup was already completed.
	ErrSetupDone = errors.New("setup is already done")
	// ErrLastOwner means the change would leave the workspace without an owner.
	ErrLastOwner = errors.New("a workspace must keep at least one owner")
	// ErrForbidden means the actor's role does not allow the change.
	ErrForbidden = errors.New("not allowed")
	// ErrEmailTaken means another user already has the email.
	ErrEmailTaken = errors.New("a user with this email already exists")
)

// ValidationError is bad input, with the field it concerns.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// User is a person who can log in.
type User struct {
	ID          string     `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`

	passwordHash string
}

// DisplayName is the name, or the email when no name is set.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// Workspace is an isolated set of sites, data and members (an agency runs
// one per client).
type Workspace struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Membership is a workspace seen from one member.
type Membership struct {
	Workspace
	Role Role `json:"role"`
}

// Member is a user seen from a workspace.
type Member struct {
	UserID      string     `json:"user_id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	Since       time.Time  `json:"since"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
}

// Invitation is a link that lets its holder join a workspace with a role.
type Invitation struct {
	ID            string     `json:"id"`
	WorkspaceID   string     `json:"workspace_id"`
	WorkspaceName string     `json:"workspace_name"`
	Email         string     `json:"email,omitempty"`
	Role          Role       `json:"role"`
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     time.Time  `json:"expires_at"`
	AcceptedAt    *time.Time `json:"accepted_at,omitempty"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
}

// Open reports whether the invitation can still be accepted at now.
func (i *Invitation) Open(now time.Time) bool {
	return i.AcceptedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

// APIKey is a workspace's key for the HTTP API. The secret itself is only
// known when it is created.
type APIKey struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"workspace_id"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	Scopes      []Scope    `json:"scopes"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// HasScope reports whether the key carries s.
func (k *APIKey) HasScope(s Scope) bool {
	for _, have := range k.Scopes {
		if have == s {
			return true
		}
	}
	return false
}

// ActorType says what kind of actor made a change.
type ActorType string

// The actor types.
const (
	ActorUser   ActorType = "user"
	ActorAPIKey ActorType = "api_key"
	ActorCLI    ActorType = "cli"
	ActorSystem ActorType = "system"
)

// Actor is who makes a change, as recorded in the audit log.
type Actor struct {
	Type ActorType `json:"type"`
	ID   string    `json:"id"`
	Name string    `json:"name"`
}

// CLIActor is the operator at the command line.
func CLIActor() Actor { return Actor{Type: ActorCLI, Name: "command line"} }

// UserActor is a logged-in person.
func UserActor(u *User) Actor { return Actor{Type: ActorUser, ID: u.ID, Name: u.Email} }

// KeyActor is an API key.
func KeyActor(k *APIKey) Actor {
	return Actor{Type: ActorAPIKey, ID: k.ID, Name: k.Name + " (" + k.Prefix + "…)"}
}

// AuditEntry is one recorded change.
type AuditEntry struct {
	ID          string          `json:"id"`
	WorkspaceID string          `json:"workspace_id"`
	At          time.Time       `json:"at"`
	Actor       Actor           `json:"actor"`
	Action      string          `json:"action"`
	TargetType  string          `json:"target_type"`
	TargetID    string          `json:"target_id"`
	Before      json.RawMessage `json:"before"`
	After       json.RawMessage `json:"after"`
}

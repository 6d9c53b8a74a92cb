package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/id"
)

// Session and invitation lifetimes.
const (
	SessionMaxAge     = 30 * 24 * time.Hour // absolute
	SessionIdle       = 7 * 24 * time.Hour  // without any request
	sessionTouchEvery = 5 * time.Minute
	InvitationTTL     = 7 * 24 * time.Hour
	keyTouchEvery     = time.Minute
	// APIKeyPrefix starts every API key, so leaked keys are easy to spot.
	APIKeyPrefix = "mops_"
)

// Service holds the rules for accounts, workspaces, keys and the audit log.
type Service struct {
	db     *db.DB
	st     *store
	now    func() time.Time
	logger *slog.Logger
}

// NewService returns the service on an open, migrated database.
func NewService(d *db.DB, logger *slog.Logger) (*Service, error) {
	st, err := newStore()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, st: st, now: func() time.Time { return time.Now().UTC() }, logger: logger}, nil
}

// SetClock replaces the service's clock; tests use it to expire sessions.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SessionKey is the stable, non-secret identifier of a session token, used
// to bind CSRF tokens to the session.
func SessionKey(token string) string { return hashToken(token) }

// NormalizeEmail validates an email address and lower-cases it.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return "", &ValidationError{Field: "email", Message: "is required"}
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") && !strings.HasSuffix(email, "@localhost") {
		return "", &ValidationError{Field: "email", Message: "is not a valid email address"}
	}
	return email, nil
}

func validatePassword(p string) error {
	if utf8.RuneCountInString(p) < MinPasswordLength {
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at least %d characters", MinPasswordLength)}
	}
	if len(p) > 1024 {
		return &ValidationError{Field: "password", Message: "must be at most 1024 bytes"}
	}
	return nil
}

func validateName(field, name string, required bool) (string, error) {
	name = strings.TrimSpace(name)
	if required && name == "" {
		return "", &ValidationError{Field: field, Message: "is required"}
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", &ValidationError{Field: field, Message: "must be at most 100 characters"}
	}
	if !utf8.ValidString(name) {
		return "", &ValidationError{Field: field, Message: "is not valid UTF-8"}
	}
	return name, nil
}

// Record writes an audit entry on q (normally the transaction that makes
// the change). before and after are marshalled to JSON; nil is omitted.
func (s *Service) Record(ctx context.Context, q db.Querier, workspaceID string, actor Actor, action, targetType, targetID string, before, after any) error {
	e := AuditEntry{ID: id.New("au"), WorkspaceID: workspaceID, At: s.now(), Actor: actor,
		Action: action, TargetType: targetType, TargetID: targetID}
	var err error
	if e.Before, err = marshalOrNil(before); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if e.After, err = marshalOrNil(after); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if err := s.st.insertAudit(ctx, q, &e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Redact blanks the before and after values of every audit entry about
// one target, for an erasure of personal data: who changed what and when
// stays.
func (s *Service) Redact(ctx context.Context, q db.Querier, workspaceID, targetType, targetID string) error {
	if _, err := q.ExecContext(ctx, s.st.q.RedactAudit, workspaceID, targetType, targetID); err != nil {
		return fmt.Errorf("redact audit entries: %w", err)
	}
	return nil
}

func marshalOrNil(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// NeedsSetup reports whether no user exists yet (first run).
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := s.st.countUsers(ctx, s.db)
	if err != nil {
		return false, fmt.Errorf("count users: %w", err)
	}
	return n == 0, nil
}

// Setup creates the first user. It fails with ErrSetupDone once any user
// exists, so the setup page cannot be used to add accounts later.
func (s *Service) Setup(ctx context.Context, email, name, password string) (*User, error) {
	var u *User
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		n, err := s.st.countUsers(ctx, tx)
		if err != nil {
			return err
		}
		if n > 0 {
			return ErrSetupDone
		}
		u, err = s.createUser(ctx, tx, Actor{Type: ActorSystem, Name: "first-run setup"}, email, name, password)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	return u, nil
}

// CreateUser adds a user.
func (s *Service) CreateUser(ctx context.Context, actor Actor, email, name, password string) (*User, error) {
	var u *User
	err := s.db.InTx(ctx, func(tx *sql.Tx) (err error) {
		u, err = s.createUser(ctx, tx, actor, email, name, password)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

func (s *Service) createUser(ctx context.Context, tx *sql.Tx, actor Actor, email, name, password string) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if name, err = validateName("name", name, false); err != nil {
		return nil, err
	}
	if err := validatePassword(password); err != nil {
		return nil, err
	}
	if _, err := s.st.userByEmail(ctx, tx, email); err == nil {
		return nil, ErrEmailTaken
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &User{ID: id.New("usr"), Email: email, Name: name, CreatedAt: s.now(), passwordHash: hash}
	if err := s.st.insertUser(ctx, tx, u); err != nil {
		return nil, err
	}
	if err := s.Record(ctx, tx, "", actor, "user.create", "user", u.ID, nil, u); err != nil {
		return nil, err
	}
	return u, nil
}

// User returns the user with the id.
func (s *Service) User(ctx context.Context, userID string) (*User, error) {
	u, err := s.st.user(ctx, s.db, userID)
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

// UserByEmail returns the user with the email.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	u, err := s.st.userByEmail(ctx, s.db, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

// Users lists every user of the instance.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	us, err := s.st.users(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// Authenticate checks an email and password. Unknown users cost the same
// time as wrong passwords, so the answer does not tell which it was.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*User, error) {
	u, err := s.st.userByEmail(ctx, s.db, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, ErrNotFound) {
		_, _ = CheckPassword(dummyHash, password)
		return nil, ErrInvalidLogin
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	ok, err := CheckPassword(u.passwordHash, password)
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if !ok {
		return nil, ErrInvalidLogin
	}
	return u, nil
}

// dummyHash is an argon2id hash of a random string, checked against when
// the email is unknown.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2yS1mS9Q1K5kq0jVQmF4mJd0pQ1v3mX3u8w1bq2Z0rE"

// StartSession creates a session for u and returns its secret token (for
// the cookie).
func (s *Service) StartSession(ctx context.Context, u *User, userAgent string) (string, error) {
	token := id.Token(32)
	now := s.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.st.q.InsertSession, hashToken(token), u.ID, now, now, now.Add(SessionMaxAge), userAgent); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.st.q.SetLastLogin, now, u.ID)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("start session: %w", err)
	}
	return token, nil
}

// SessionUser returns the user of a live session, ErrNotFound for an
// unknown, expired or idle session.
func (s *Service) SessionUser(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, ErrNotFound
	}
	h := hashToken(token)
	r, err := s.st.session(ctx, s.db, h)
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	now := s.now()
	if now.After(r.expiresAt) || now.Sub(r.lastSeen) > SessionIdle {
		if _, err := s.db.ExecContext(ctx, s.st.q.DeleteSession, h); err != nil {
			s.logger.Warn("delete expired session", "error", err)
		}
		return nil, fmt.Errorf("get session: %w", ErrNotFound)
	}
	if now.Sub(r.lastSeen) > sessionTouchEvery {
		if _, err := s.db.ExecContext(ctx, s.st.q.TouchSession, now, h); err != nil {
			s.logger.Warn("touch session", "error", err)
		}
	}
	return r.user, nil
}

// EndSession deletes a session (logout).
func (s *Service) EndSession(ctx context.Context, token string) error {
	if _, err := s.db.ExecContext(ctx, s.st.q.DeleteSession, hashToken(token)); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// PruneSessions deletes expired and idle sessions.
func (s *Service) PruneSessions(ctx context.Context) error {
	now := s.now()
	if _, err := s.db.ExecContext(ctx, s.st.q.DeleteExpiredSessions, now, now.Add(-SessionIdle)); err != nil {
		return fmt.Errorf("prune sessions: %w", err)
	}
	return nil
}

// SetPassword replaces a user's password and ends all their sessions.
// Used by `mops user reset-password` and by the account page (after the
// caller checked the current password).
func (s *Service) SetPassword(ctx context.Context, actor Actor, userID, password string) error {
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.st.q.SetPassword, hash, s.now(), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, s.st.q.DeleteUserSessions, userID); err != nil {
			return err
		}
		return s.Record(ctx, tx, "", actor, "user.password_reset", "user", userID, nil, nil)
	})
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// CreateWorkspace creates a workspace; owner (when not nil) becomes its owner.
func (s *Service) CreateWorkspace(ctx context.Context, actor Actor, name string, owner *User) (*Workspace, error) {
	name, err := validateName("name", name, true)
	if err != nil {
		return nil, err
	}
	w := &Workspace{ID: id.New("ws"), Name: name, CreatedAt: s.now()}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.st.q.InsertWorkspace, w.ID, w.Name, w.CreatedAt); err != nil {
			return err
		}
		if err := s.Record(ctx, tx, w.ID, actor, "workspace.create", "workspace", w.ID, nil, w); err != nil {
			return err
		}
		if owner == nil {
			return nil
		}
		return s.addMember(ctx, tx, actor, w.ID, owner.ID, RoleOwner)
	})
	if err != nil {
		return nil, fmt.Errorf("create workspace: %w", err)
	}
	return w, nil
}

// Workspace returns the workspace with the id.
func (s *Service) Workspace(ctx context.Context, workspaceID string) (*Workspace, error) {
	w, err := s.st.workspace(ctx, s.db, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("get workspace: %w", err)
	}
	return w, nil
}

// Workspaces lists every workspace of the instance (operators only).
func (s *Service) Workspaces(ctx context.Context) ([]Workspace, error) {
	ws, err := s.st.workspaces(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	return ws, nil
}

// RenameWorkspace changes a workspace's name.
func (s *Service) RenameWorkspace(ctx context.Context, actor Actor, workspaceID, name string) error {
	name, err := validateName("name", name, true)
	if err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.st.workspace(ctx, tx, workspaceID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.st.q.RenameWorkspace, name, workspaceID); err != nil {
			return err
		}
		after := *w
		after.Name = name
		return s.Record(ctx, tx, workspaceID, actor, "workspace.rename", "workspace", workspaceID, w, after)
	})
	if err != nil {
		return fmt.Errorf("rename workspace: %w", err)
	}
	return nil
}

// UserWorkspaces lists the workspaces a user belongs to, with their role.
func (s *Service) UserWorkspaces(ctx context.Context, userID string) ([]Membership, error) {
	ms, err := s.st.userWorkspaces(ctx, s.db, userID)
	if err != nil {
		return nil, fmt.Errorf("list user workspaces: %w", err)
	}
	return ms, nil
}

// Role returns the user's role in the workspace, ErrNotFound when the user
// is not a member (so other workspaces look like they do not exist).
func (s *Service) Role(ctx context.Context, workspaceID, userID string) (Role, error) {
	r, err := s.st.role(ctx, s.db, workspaceID, userID)
	if err != nil {
		return "", fmt.Errorf("get role: %w", err)
	}
	return r, nil
}

// Members lists a workspace's members.
func (s *Service) Members(ctx context.Context, workspaceID string) ([]Member, error) {
	ms, err := s.st.members(ctx, s.db, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return ms, nil
}

type memberChange struct {
	UserID string `json:"user_id"`
	Role   Role   `json:"role"`
}

// AddMember makes an existing user a member (operators; the UI uses
// invitations). An existing membership gets the new role.
func (s *Service) AddMember(ctx context.Context, actor Actor, workspaceID, userID string, role Role) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.st.workspace(ctx, tx, workspaceID); err != nil {
			return err
		}
		if _, err := s.st.user(ctx, tx, userID); err != nil {
			return err
		}
		return s.addMember(ctx, tx, actor, workspaceID, userID, role)
	})
	if err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

func (s *Service) addMember(ctx context.Context, tx *sql.Tx, actor Actor, workspaceID, userID string, role Role) error {
	if _, ok := ParseRole(string(role)); !ok {
		return &ValidationError{Field: "role", Message: "must be one of owner, admin, analyst, marketer, viewer"}
	}
	old, err := s.st.role(ctx, tx, workspaceID, userID)
	switch {
	case err == nil:
		if old == role {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.st.q.SetMembershipRole, string(role), workspaceID, userID); err != nil {
			return err
		}
		return s.Record(ctx, tx, workspaceID, actor, "member.role_change", "user", userID,
			memberChange{userID, old}, memberChange{userID, role})
	case errors.Is(err, ErrNotFound):
		if _, err := tx.ExecContext(ctx, s.st.q.InsertMembership, workspaceID, userID, string(role), s.now()); err != nil {
			return err
		}
		return s.Record(ctx, tx, workspaceID, actor, "member.add", "user", userID, nil, memberChange{userID, role})
	default:
		return err
	}
}

// SetRole changes a member's role. actorRole is the role of whoever makes
// the change: only owners may grant owner or change an owner, and the last
// owner cannot be demoted.
func (s *Service) SetRole(ctx context.Context, actor Actor, actorRole Role, workspaceID, userID string, role Role) error {
	if _, ok := ParseRole(string(role)); !ok {
		return &ValidationError{Field: "role", Message: "must be one of owner, admin, analyst, marketer, viewer"}
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := s.st.role(ctx, tx, workspaceID, userID)
		if err != nil {
			return err
		}
		if (old == RoleOwner || role == RoleOwner) && !actorRole.Can(PermManageOwners) {
			return ErrForbidden
		}
		if old == RoleOwner && role != RoleOwner {
			if err := s.keepOwner(ctx, tx, workspaceID); err != nil {
				return err
			}
		}
		return s.addMember(ctx, tx, actor, workspaceID, userID, role)
	})
	if err != nil {
		return fmt.Errorf("set role: %w", err)
	}
	return nil
}

func (s *Service) keepOwner(ctx context.Context, tx *sql.Tx, workspaceID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.st.q.CountOwners, workspaceID).Scan(&n); err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastOwner
	}
	return nil
}

// RemoveMember takes a member out of a workspace, with the same owner rules
// as SetRole.
func (s *Service) RemoveMember(ctx context.Context, actor Actor, actorRole Role, workspaceID, userID string) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, err := s.st.role(ctx, tx, workspaceID, userID)
		if err != nil {
			return err
		}
		if old == RoleOwner {
			if !actorRole.Can(PermManageOwners) {
				return ErrForbidden
			}
			if err := s.keepOwner(ctx, tx, workspaceID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.st.q.DeleteMembership, workspaceID, userID); err != nil {
			return err
		}
		return s.Record(ctx, tx, workspaceID, actor, "member.remove", "user", userID, memberChange{userID, old}, nil)
	})
	if err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	return nil
}

// Invite creates an invitation link for the role and returns its secret
// token (shown to the admin, never stored in clear).
func (s *Service) Invite(ctx context.Context, actor Actor, actorRole Role, workspaceID, email string, role Role) (string, *Invitation, error) {
	if _, ok := ParseRole(string(role)); !ok {
		return "", nil, &ValidationError{Field: "role", Message: "must be one of owner, admin, analyst, marketer, viewer"}
	}
	if role == RoleOwner && !actorRole.Can(PermManageOwners) {
		return "", nil, ErrForbidden
	}
	if strings.TrimSpace(email) != "" {
		var err error
		if email, err = NormalizeEmail(email); err != nil {
			return "", nil, err
		}
	}
	token := id.Token(24)
	now := s.now()
	inv := &Invitation{ID: id.New("inv"), WorkspaceID: workspaceID, Email: email, Role: role,
		CreatedBy: actor.Name, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.st.workspace(ctx, tx, workspaceID)
		if err != nil {
			return err
		}
		inv.WorkspaceName = w.Name
		if _, err := tx.ExecContext(ctx, s.st.q.InsertInvitation, inv.ID, workspaceID, hashToken(token), inv.Email,
			string(role), inv.CreatedBy, inv.CreatedAt, inv.ExpiresAt); err != nil {
			return err
		}
		return s.Record(ctx, tx, workspaceID, actor, "invitation.create", "invitation", inv.ID, nil, inv)
	})
	if err != nil {
		return "", nil, fmt.Errorf("invite: %w", err)
	}
	return token, inv, nil
}

// Invitation returns the invitation for a token, whatever its state.
func (s *Service) Invitation(ctx context.Context, token string) (*Invitation, error) {
	inv, err := scanInvitation(s.db.QueryRowContext(ctx, s.st.q.GetInvitationByToken, hashToken(token)))
	if err != nil {
		return nil, fmt.Errorf("get invitation: %w", err)
	}
	return &inv, nil
}

// Invitations lists a workspace's open invitations.
func (s *Service) Invitations(ctx context.Context, workspaceID string) ([]Invitation, error) {
	is, err := s.st.invitations(ctx, s.db, workspaceID, s.now())
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	return is, nil
}

// AcceptInvitation makes u a member with the invitation's role. An
// invitation made out to an email only works for that email.
func (s *Service) AcceptInvitation(ctx context.Context, token string, u *User) (*Invitation, error) {
	var inv Invitation
	err := s.db.InTx(ctx, func(tx *sql.Tx) (err error) {
		inv, err = scanInvitation(tx.QueryRowContext(ctx, s.st.q.GetInvitationByToken, hashToken(token)))
		if err != nil {
			return err
		}
		if !inv.Open(s.now()) {
			return &ValidationError{Field: "invitation", Message: "has expired, was revoked or was already used"}
		}
		if inv.Email != "" && inv.Email != u.Email {
			return &ValidationError{Field: "invitation", Message: "was made out to another email address"}
		}
		if _, err := tx.ExecContext(ctx, s.st.q.AcceptInvitation, s.now(), u.ID, inv.ID); err != nil {
			return err
		}
		if r, err := s.st.role(ctx, tx, inv.WorkspaceID, u.ID); err == nil && rank(r) <= rank(inv.Role) {
			return nil // already a member with at least this role
		}
		return s.addMember(ctx, tx, UserActor(u), inv.WorkspaceID, u.ID, inv.Role)
	})
	if err != nil {
		return nil, fmt.Errorf("accept invitation: %w", err)
	}
	return &inv, nil
}

func rank(r Role) int { return slices.Index(Roles(), r) }

// RevokeInvitation cancels an open invitation of the workspace.
func (s *Service) RevokeInvitation(ctx context.Context, actor Actor, workspaceID, invitationID string) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		inv, err := scanInvitation(tx.QueryRowContext(ctx, s.st.q.GetInvitation, workspaceID, invitationID))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.st.q.RevokeInvitation, s.now(), workspaceID, invitationID); err != nil {
			return err
		}
		return s.Record(ctx, tx, workspaceID, actor, "invitation.revoke", "invitation", invitationID, inv, nil)
	})
	if err != nil {
		return fmt.Errorf("revoke invitation: %w", err)
	}
	return nil
}

// ParseScopes parses "read,write" into scopes; at least one is required.
func ParseScopes(list []string) ([]Scope, error) {
	var out []Scope
	for _, s := range list {
		s = strings.TrimSpace(strings.ToLower(s))
		if s == "" {
			continue
		}
		sc, ok := ParseScope(s)
		if !ok {
			return nil, &ValidationError{Field: "scopes", Message: fmt.Sprintf("unknown scope %q (use read, write, ingest)", s)}
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, &ValidationError{Field: "scopes", Message: "choose at least one of read, write, ingest"}
	}
	return out, nil
}

// CreateAPIKey makes a key for the workspace and returns its secret, which
// is never shown again.
func (s *Service) CreateAPIKey(ctx context.Context, actor Actor, workspaceID, name string, scopes []Scope) (string, *APIKey, error) {
	name, err := validateName("name", name, false)
	if err != nil {
		return "", nil, err
	}
	if name == "" {
		name = "API key"
	}
	if len(scopes) == 0 {
		return "", nil, &ValidationError{Field: "scopes", Message: "choose at least one of read, write, ingest"}
	}
	secret := APIKeyPrefix + id.Token(32)
	k := &APIKey{ID: id.New("key"), WorkspaceID: workspaceID, Name: name, Prefix: secret[:len(APIKeyPrefix)+6],
		Scopes: scopes, CreatedBy: actor.Name, CreatedAt: s.now()}
	names := make([]string, len(scopes))
	for i, sc := range scopes {
		names[i] = string(sc)
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.st.workspace(ctx, tx, workspaceID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.st.q.InsertAPIKey, k.ID, workspaceID, k.Name, k.Prefix, hashToken(secret),
			strings.Join(names, ","), k.CreatedBy, k.CreatedAt); err != nil {
			return err
		}
		return s.Record(ctx, tx, workspaceID, actor, "apikey.create", "api_key", k.ID, nil, k)
	})
	if err != nil {
		return "", nil, fmt.Errorf("create api key: %w", err)
	}
	return secret, k, nil
}

// APIKeys lists the workspace's keys, live ones first.
func (s *Service) APIKeys(ctx context.Context, workspaceID string) ([]APIKey, error) {
	ks, err := s.st.apiKeys(ctx, s.db, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return ks, nil
}

// RevokeAPIKey revokes a key. workspaceID scopes the lookup; the operator's
// CLI passes "" to revoke by id alone.
func (s *Service) RevokeAPIKey(ctx context.Context, actor Actor, workspaceID, keyID string) (*APIKey, error) {
	var k APIKey
	err := s.db.InTx(ctx, func(tx *sql.Tx) (err error) {
		k, err = scanAPIKey(tx.QueryRowContext(ctx, s.st.q.GetAPIKey, keyID))
		if err != nil {
			return err
		}
		if workspaceID != "" && k.WorkspaceID != workspaceID {
			return ErrNotFound
		}
		if k.RevokedAt != nil {
			return nil
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, s.st.q.RevokeAPIKey, now, keyID); err != nil {
			return err
		}
		before := k
		k.RevokedAt = &now
		return s.Record(ctx, tx, k.WorkspaceID, actor, "apikey.revoke", "api_key", k.ID, before, k)
	})
	if err != nil {
		return nil, fmt.Errorf("revoke api key: %w", err)
	}
	return &k, nil
}

// AuthenticateKey returns the live key for a secret; unknown and revoked
// keys are ErrNotFound. It records the key's last use (at most once a
// minute per key).
func (s *Service) AuthenticateKey(ctx context.Context, secret string) (*APIKey, error) {
	if !strings.HasPrefix(secret, APIKeyPrefix) {
		return nil, ErrNotFound
	}
	k, err := scanAPIKey(s.db.QueryRowContext(ctx, s.st.q.GetAPIKeyByHash, hashToken(secret)))
	if err != nil {
		return nil, fmt.Errorf("authenticate key: %w", err)
	}
	if k.RevokedAt != nil {
		return nil, fmt.Errorf("authenticate key: revoked: %w", ErrNotFound)
	}
	now := s.now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > keyTouchEvery {
		if _, err := s.db.ExecContext(ctx, s.st.q.TouchAPIKey, now, k.ID); err != nil {
			s.logger.Warn("touch api key", "error", err)
		}
		k.LastUsedAt = &now
	}
	return &k, nil
}

// AuditFilter narrows an audit log listing. Zero values mean "any";
// Before pages backwards from an entry id.
type AuditFilter struct {
	Action   string // exact action, or a prefix such as "site"
	ActorID  string
	TargetID string
	From, To time.Time
	Before   string
	Limit    int
}

// Audit lists a workspace's audit entries, newest first.
func (s *Service) Audit(ctx context.Context, workspaceID string, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	if f.To.IsZero() {
		f.To = s.now().Add(time.Hour)
	}
	es, err := s.st.audit(ctx, s.db, workspaceID, f)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return es, nil
}

// AuditActions lists the distinct actions recorded for a workspace, for
// the audit log's filter.
func (s *Service) AuditActions(ctx context.Context, workspaceID string) ([]string, error) {
	as, err := s.st.auditActions(ctx, s.db, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("list audit actions: %w", err)
	}
	return as, nil
}

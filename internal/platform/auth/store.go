package auth

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
)

//go:embed queries.sql
var queriesSQL string

type queries struct {
	CountUsers            string `query:"count-users"`
	InsertUser            string `query:"insert-user"`
	GetUser               string `query:"get-user"`
	GetUserByEmail        string `query:"get-user-by-email"`
	ListUsers             string `query:"list-users"`
	SetPassword           string `query:"set-password"`
	SetLastLogin          string `query:"set-last-login"`
	InsertSession         string `query:"insert-session"`
	GetSession            string `query:"get-session"`
	TouchSession          string `query:"touch-session"`
	DeleteSession         string `query:"delete-session"`
	DeleteUserSessions    string `query:"delete-user-sessions"`
	DeleteExpiredSessions string `query:"delete-expired-sessions"`
	InsertWorkspace       string `query:"insert-workspace"`
	GetWorkspace          string `query:"get-workspace"`
	ListWorkspaces        string `query:"list-workspaces"`
	RenameWorkspace       string `query:"rename-workspace"`
	InsertMembership      string `query:"insert-membership"`
	GetMembership         string `query:"get-membership"`
	SetMembershipRole     string `query:"set-membership-role"`
	DeleteMembership      string `query:"delete-membership"`
	CountOwners           string `query:"count-owners"`
	ListUserWorkspaces    string `query:"list-user-workspaces"`
	ListMembers           string `query:"list-members"`
	InsertInvitation      string `query:"insert-invitation"`
	GetInvitationByToken  string `query:"get-invitation-by-token"`
	GetInvitation         string `query:"get-invitation"`
	ListOpenInvitations   string `query:"list-open-invitations"`
	AcceptInvitation      string `query:"accept-invitation"`
	RevokeInvitation      string `query:"revoke-invitation"`
	InsertAPIKey          string `query:"insert-api-key"`
	GetAPIKeyByHash       string `query:"get-api-key-by-hash"`
	GetAPIKey             string `query:"get-api-key"`
	ListAPIKeys           string `query:"list-api-keys"`
	RevokeAPIKey          string `query:"revoke-api-key"`
	TouchAPIKey           string `query:"touch-api-key"`
	InsertAudit           string `query:"insert-audit"`
	RedactAudit           string `query:"redact-audit"`
	ListAudit             string `query:"list-audit"`
	ListAuditActions      string `query:"list-audit-actions"`
}

// store runs the package's SQL. Every function takes the Querier to run on,
// so the service can group writes and their audit entry in one transaction.
type store struct {
	q queries
}

func newStore() (*store, error) {
	s := &store{}
	if err := db.LoadQueries(queriesSQL, &s.q); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return s, nil
}

type scanner interface{ Scan(dest ...any) error }

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

func scanUser(s scanner) (*User, error) {
	var u User
	var last sql.NullTime
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.passwordHash, &u.CreatedAt, &last); err != nil {
		return nil, notFound(err)
	}
	u.LastLoginAt = nullTime(last)
	return &u, nil
}

func (s *store) countUsers(ctx context.Context, q db.Querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, s.q.CountUsers).Scan(&n)
	return n, err
}

func (s *store) insertUser(ctx context.Context, q db.Querier, u *User) error {
	_, err := q.ExecContext(ctx, s.q.InsertUser, u.ID, u.Email, u.Name, u.passwordHash, u.CreatedAt, u.CreatedAt)
	return err
}

func (s *store) user(ctx context.Context, q db.Querier, id string) (*User, error) {
	return scanUser(q.QueryRowContext(ctx, s.q.GetUser, id))
}

func (s *store) userByEmail(ctx context.Context, q db.Querier, email string) (*User, error) {
	return scanUser(q.QueryRowContext(ctx, s.q.GetUserByEmail, email))
}

func (s *store) users(ctx context.Context, q db.Querier) ([]User, error) {
	rows, err := q.QueryContext(ctx, s.q.ListUsers)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r scanner) (User, error) {
		u, err := scanUser(r)
		if err != nil {
			return User{}, err
		}
		return *u, nil
	})
}

// collect scans every row with scan, closing rows and checking rows.Err.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

type sessionRow struct {
	createdAt, lastSeen, expiresAt time.Time
	user                           *User
}

func (s *store) session(ctx context.Context, q db.Querier, tokenHash string) (*sessionRow, error) {
	var r sessionRow
	var u User
	var uid string
	var last sql.NullTime
	err := q.QueryRowContext(ctx, s.q.GetSession, tokenHash).Scan(&uid, &r.createdAt, &r.lastSeen, &r.expiresAt,
		&u.ID, &u.Email, &u.Name, &u.passwordHash, &u.CreatedAt, &last)
	if err != nil {
		return nil, notFound(err)
	}
	u.LastLoginAt = nullTime(last)
	r.user = &u
	return &r, nil
}

func (s *store) workspace(ctx context.Context, q db.Querier, id string) (*Workspace, error) {
	var w Workspace
	if err := q.QueryRowContext(ctx, s.q.GetWorkspace, id).Scan(&w.ID, &w.Name, &w.CreatedAt); err != nil {
		return nil, notFound(err)
	}
	return &w, nil
}

func (s *store) workspaces(ctx context.Context, q db.Querier) ([]Workspace, error) {
	rows, err := q.QueryContext(ctx, s.q.ListWorkspaces)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r scanner) (Workspace, error) {
		var w Workspace
		err := r.Scan(&w.ID, &w.Name, &w.CreatedAt)
		return w, err
	})
}

func (s *store) role(ctx context.Context, q db.Querier, workspaceID, userID string) (Role, error) {
	var r string
	if err := q.QueryRowContext(ctx, s.q.GetMembership, workspaceID, userID).Scan(&r); err != nil {
		return "", notFound(err)
	}
	return Role(r), nil
}

func (s *store) userWorkspaces(ctx context.Context, q db.Querier, userID string) ([]Membership, error) {
	rows, err := q.QueryContext(ctx, s.q.ListUserWorkspaces, userID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r scanner) (Membership, error) {
		var m Membership
		err := r.Scan(&m.ID, &m.Name, &m.CreatedAt, &m.Role)
		return m, err
	})
}

func (s *store) members(ctx context.Context, q db.Querier, workspaceID string) ([]Member, error) {
	rows, err := q.QueryContext(ctx, s.q.ListMembers, workspaceID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r scanner) (Member, error) {
		var m Member
		var last sql.NullTime
		err := r.Scan(&m.UserID, &m.Email, &m.Name, &m.Role, &m.Since, &last)
		m.LastLoginAt = nullTime(last)
		return m, err
	})
}

func scanInvitation(s scanner) (Invitation, error) {
	var i Invitation
	var acc, rev sql.NullTime
	err := s.Scan(&i.ID, &i.WorkspaceID, &i.WorkspaceName, &i.Email, &i.Role, &i.CreatedBy, &i.CreatedAt, &i.ExpiresAt, &acc, &rev)
	i.AcceptedAt, i.RevokedAt = nullTime(acc), nullTime(rev)
	return i, notFound(err)
}

func (s *store) invitations(ctx context.Context, q db.Querier, workspaceID string, now time.Time) ([]Invitation, error) {
	rows, err := q.QueryContext(ctx, s.q.ListOpenInvitations, workspaceID, now)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanInvitation)
}

func scanAPIKey(s scanner) (APIKey, error) {
	var k APIKey
	var scopes string
	var last, rev sql.NullTime
	err := s.Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.Prefix, &scopes, &k.CreatedBy, &k.CreatedAt, &last, &rev)
	if err != nil {
		return k, notFound(err)
	}
	for _, sc := range strings.Split(scopes, ",") {
		if sc != "" {
			k.Scopes = append(k.Scopes, Scope(sc))
		}
	}
	k.LastUsedAt, k.RevokedAt = nullTime(last), nullTime(rev)
	return k, nil
}

func (s *store) apiKeys(ctx context.Context, q db.Querier, workspaceID string) ([]APIKey, error) {
	rows, err := q.QueryContext(ctx, s.q.ListAPIKeys, workspaceID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAPIKey)
}

func (s *store) insertAudit(ctx context.Context, q db.Querier, e *AuditEntry) error {
	_, err := q.ExecContext(ctx, s.q.InsertAudit, e.ID, e.WorkspaceID, e.At, string(e.Actor.Type), e.Actor.ID, e.Actor.Name,
		e.Action, e.TargetType, e.TargetID, nullJSON(e.Before), nullJSON(e.After))
	return err
}

func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

func (s *store) audit(ctx context.Context, q db.Querier, workspaceID string, f AuditFilter) ([]AuditEntry, error) {
	rows, err := q.QueryContext(ctx, s.q.ListAudit, workspaceID,
		f.Action, f.Action, f.Action, f.ActorID, f.ActorID, f.TargetID, f.TargetID,
		f.From, f.To, f.Before, f.Before, f.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r scanner) (AuditEntry, error) {
		var e AuditEntry
		var before, after sql.NullString
		err := r.Scan(&e.ID, &e.WorkspaceID, &e.At, &e.Actor.Type, &e.Actor.ID, &e.Actor.Name,
			&e.Action, &e.TargetType, &e.TargetID, &before, &after)
		if before.Valid {
			e.Before = []byte(before.String)
		}
		if after.Valid {
			e.After = []byte(after.String)
		}
		e.At = e.At.UTC()
		return e, err
	})
}

func (s *store) auditActions(ctx context.Context, q db.Querier, workspaceID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, s.q.ListAuditActions, workspaceID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r scanner) (string, error) {
		var a string
		err := r.Scan(&a)
		return a, err
	})
}

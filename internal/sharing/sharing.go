// Package sharing manages shared links: read-only public dashboards of a
// site, each revocable and optionally protected by a password.
package sharing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/id"
)

// ErrNotFound means no such link, or a revoked one.
var ErrNotFound = errors.New("shared link not found")

// Link is one shared link of a site.
type Link struct {
	ID          string     `json:"id"`
	SiteID      string     `json:"site_id"`
	Name        string     `json:"name"`
	Slug        string     `json:"slug"`
	HasPassword bool       `json:"has_password"`
	CreatedAt   time.Time  `json:"created_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`

	passwordHash string
}

// Path is where the link's dashboard is served.
func (l *Link) Path() string { return "/share/" + l.Slug }

// Auditor records changes in the audit log.
type Auditor interface {
	Record(ctx context.Context, q db.Querier, workspaceID string, actor auth.Actor, action, targetType, targetID string, before, after any) error
}

// Service stores shared links. Callers check that the site belongs to the
// workspace they act in.
type Service struct {
	db     *db.DB
	audit  Auditor
	secret []byte
	now    func() time.Time
}

// NewService returns the service; secret signs the cookies that remember
// a password was given.
func NewService(d *db.DB, audit Auditor, secret []byte) *Service {
	return &Service{db: d, audit: audit, secret: secret, now: time.Now}
}

// minPassword is the shortest password a link may have.
const minPassword = 8

const linkColumns = "id, site_id, name, slug, password_hash, created_at, revoked_at"

func scanLink(r interface{ Scan(...any) error }) (*Link, error) {
	var l Link
	var revoked sql.NullTime
	if err := r.Scan(&l.ID, &l.SiteID, &l.Name, &l.Slug, &l.passwordHash, &l.CreatedAt, &revoked); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	l.HasPassword = l.passwordHash != ""
	l.CreatedAt = l.CreatedAt.UTC()
	if revoked.Valid {
		t := revoked.Time.UTC()
		l.RevokedAt = &t
	}
	return &l, nil
}

// List returns a site's links, newest first, revoked ones included.
func (s *Service) List(ctx context.Context, siteID string) ([]Link, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+linkColumns+" FROM shared_links WHERE site_id = ? ORDER BY created_at DESC", siteID)
	if err != nil {
		return nil, fmt.Errorf("list shared links: %w", err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, fmt.Errorf("list shared links: %w", err)
		}
		out = append(out, *l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list shared links: %w", err)
	}
	return out, nil
}

// Create makes a link to a site of workspaceID; password "" leaves it
// open to anyone with the link.
func (s *Service) Create(ctx context.Context, actor auth.Actor, workspaceID, siteID, name, password string) (*Link, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return nil, &auth.ValidationError{Field: "name", Message: "is required (who or what the link is for)"}
	case len(name) > 120:
		return nil, &auth.ValidationError{Field: "name", Message: "is longer than 120 characters"}
	case password != "" && len(password) < minPassword:
		return nil, &auth.ValidationError{Field: "password", Message: fmt.Sprintf("must be at least %d characters, or empty for none", minPassword)}
	}
	l := &Link{ID: id.New("share"), SiteID: siteID, Name: name, Slug: id.Token(24), CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if password != "" {
		h, err := auth.HashPassword(password)
		if err != nil {
			return nil, fmt.Errorf("create shared link: %w", err)
		}
		l.passwordHash, l.HasPassword = h, true
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO shared_links ("+linkColumns+") VALUES (?, ?, ?, ?, ?, ?, NULL)",
			l.ID, l.SiteID, l.Name, l.Slug, l.passwordHash, l.CreatedAt); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, workspaceID, actor, "shared_link.create", "shared_link", l.ID, nil, l)
	})
	if err != nil {
		return nil, fmt.Errorf("create shared link: %w", err)
	}
	return l, nil
}

// Revoke ends a link of a site of workspaceID.
func (s *Service) Revoke(ctx context.Context, actor auth.Actor, workspaceID, siteID, linkID string) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		before, err := scanLink(tx.QueryRowContext(ctx, "SELECT "+linkColumns+" FROM shared_links WHERE site_id = ? AND id = ? AND revoked_at IS NULL", siteID, linkID))
		if err != nil {
			return err
		}
		after := *before
		now := s.now().UTC().Truncate(time.Microsecond)
		after.RevokedAt = &now
		if _, err := tx.ExecContext(ctx, "UPDATE shared_links SET revoked_at = ? WHERE id = ?", now, linkID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, workspaceID, actor, "shared_link.revoke", "shared_link", linkID, before, after)
	})
	if err != nil {
		return fmt.Errorf("revoke shared link: %w", err)
	}
	return nil
}

// BySlug returns the live link with the slug.
func (s *Service) BySlug(ctx context.Context, slug string) (*Link, error) {
	l, err := scanLink(s.db.QueryRowContext(ctx, "SELECT "+linkColumns+" FROM shared_links WHERE slug = ? AND revoked_at IS NULL", slug))
	if err != nil {
		return nil, fmt.Errorf("find shared link: %w", err)
	}
	return l, nil
}

// CheckPassword reports whether password opens l.
func (s *Service) CheckPassword(l *Link, password string) (bool, error) {
	if !l.HasPassword {
		return true, nil
	}
	return auth.CheckPassword(l.passwordHash, password)
}

// Pass is the value of the cookie that lets a browser in after it gave
// l's password: it is bound to the link and its password, so it dies
// with either.
func (s *Service) Pass(l *Link) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("shared-link\x00" + l.ID + "\x00" + l.passwordHash))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ValidPass reports whether a cookie value is l's pass.
func (s *Service) ValidPass(l *Link, pass string) bool {
	return hmac.Equal([]byte(pass), []byte(s.Pass(l)))
}

// Package sites manages the websites and apps a workspace tracks: their
// domain, time zone, currency and public write key.
package sites

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	_ "time/tzdata" // time zones must validate on hosts without tzdata

	"golang.org/x/text/currency"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/id"
)

// ErrNotFound means no such site in the workspace.
var ErrNotFound = errors.New("site not found")

// ErrDomainTaken means another site already uses the domain.
var ErrDomainTaken = errors.New("a site with this domain already exists")

// Defaults for new sites.
const (
	DefaultTimezone = "UTC"
	DefaultCurrency = "EUR"
)

// Site is a tracked website or app.
type Site struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	Domain      string    `json:"domain"`
	Timezone    string    `json:"timezone"`
	Currency    string    `json:"currency"`
	WriteKey    string    `json:"write_key"`
	CreatedAt   time.Time `json:"created_at"`
	// CookieID makes the tracker keep a first-party cookie id, which then
	// identifies returning visitors instead of the daily hash.
	CookieID bool `json:"cookie_id"`
}

// Auditor records changes in the audit log.
type Auditor interface {
	Record(ctx context.Context, q db.Querier, workspaceID string, actor auth.Actor, action, targetType, targetID string, before, after any) error
}

// Service holds the rules for sites.
type Service struct {
	db    *db.DB
	st    *store
	audit Auditor
}

// NewService returns the service on a migrated database.
func NewService(d *db.DB, audit Auditor) (*Service, error) {
	st, err := newStore()
	if err != nil {
		return nil, err
	}
	return &Service{db: d, st: st, audit: audit}, nil
}

// Settings are the editable fields of a site.
type Settings struct {
	Domain   string
	Timezone string
	Currency string
}

var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// NormalizeDomain turns what people paste ("https://www.Example.com/") into
// the bare host mops uses ("www.example.com") and validates it.
func NormalizeDomain(s string) (string, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", &auth.ValidationError{Field: "domain", Message: "is not a valid domain"}
		}
		s = u.Host
	}
	s = strings.TrimSuffix(strings.SplitN(s, "/", 2)[0], ".")
	if s == "" {
		return "", &auth.ValidationError{Field: "domain", Message: "is required"}
	}
	if len(s) > 253 {
		return "", &auth.ValidationError{Field: "domain", Message: "is longer than 253 characters"}
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if !hostLabel.MatchString(l) {
			return "", &auth.ValidationError{Field: "domain", Message: fmt.Sprintf("%q is not a valid domain name (letters, digits, hyphens and dots)", s)}
		}
	}
	if len(labels) < 2 && s != "localhost" {
		return "", &auth.ValidationError{Field: "domain", Message: fmt.Sprintf("%q needs a top-level domain, e.g. example.com", s)}
	}
	return s, nil
}

func validateSettings(in Settings) (Settings, error) {
	var out Settings
	var err error
	if out.Domain, err = NormalizeDomain(in.Domain); err != nil {
		return out, err
	}
	out.Timezone = strings.TrimSpace(in.Timezone)
	if out.Timezone == "" {
		out.Timezone = DefaultTimezone
	}
	if _, err := time.LoadLocation(out.Timezone); err != nil || out.Timezone == "Local" {
		return out, &auth.ValidationError{Field: "timezone", Message: fmt.Sprintf("%q is not an IANA time zone such as Europe/Berlin", out.Timezone)}
	}
	out.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if out.Currency == "" {
		out.Currency = DefaultCurrency
	}
	if _, err := currency.ParseISO(out.Currency); err != nil || len(out.Currency) != 3 {
		return out, &auth.ValidationError{Field: "currency", Message: fmt.Sprintf("%q is not an ISO 4217 currency code such as EUR", out.Currency)}
	}
	return out, nil
}

// Create adds a site to the workspace.
func (s *Service) Create(ctx context.Context, actor auth.Actor, workspaceID string, in Settings) (*Site, error) {
	set, err := validateSettings(in)
	if err != nil {
		return nil, err
	}
	site := &Site{ID: id.New("site"), WorkspaceID: workspaceID, Domain: set.Domain, Timezone: set.Timezone,
		Currency: set.Currency, WriteKey: "wk_" + id.Token(20), CreatedAt: time.Now().UTC()}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.st.q.DomainTaken, site.Domain).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrDomainTaken
		}
		if _, err := tx.ExecContext(ctx, s.st.q.InsertSite, site.ID, site.WorkspaceID, site.Domain, site.Timezone,
			site.Currency, site.WriteKey, site.CreatedAt); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, workspaceID, actor, "site.create", "site", site.ID, nil, site)
	})
	if err != nil {
		return nil, fmt.Errorf("create site: %w", err)
	}
	return site, nil
}

// Get returns a site of the workspace; a site of another workspace is
// ErrNotFound.
func (s *Service) Get(ctx context.Context, workspaceID, siteID string) (*Site, error) {
	site, err := s.st.site(ctx, s.db, workspaceID, siteID)
	if err != nil {
		return nil, fmt.Errorf("get site: %w", err)
	}
	return site, nil
}

// Find returns the site with the id or domain, in any workspace. It is for
// routes whose caller is identified by the site itself (collection, the
// stats API after the key's workspace was checked).
func (s *Service) Find(ctx context.Context, idOrDomain string) (*Site, error) {
	site, err := scanSite(s.db.QueryRowContext(ctx, s.st.q.FindSite, idOrDomain, strings.ToLower(idOrDomain)))
	if err != nil {
		return nil, fmt.Errorf("find site: %w", err)
	}
	return site, nil
}

// ByWriteKey returns the site a write key belongs to.
func (s *Service) ByWriteKey(ctx context.Context, key string) (*Site, error) {
	site, err := scanSite(s.db.QueryRowContext(ctx, s.st.q.GetSiteByWriteKey, key))
	if err != nil {
		return nil, fmt.Errorf("find site by write key: %w", err)
	}
	return site, nil
}

// List returns the workspace's sites by domain.
func (s *Service) List(ctx context.Context, workspaceID string) ([]Site, error) {
	ss, err := s.st.list(ctx, s.db, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	return ss, nil
}

// Update changes a site's time zone, currency and cookie setting (the
// domain is fixed: it is how collected events find the site).
func (s *Service) Update(ctx context.Context, actor auth.Actor, workspaceID, siteID string, timezone, currency string, cookieID bool) (*Site, error) {
	var after Site
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		before, err := s.st.site(ctx, tx, workspaceID, siteID)
		if err != nil {
			return err
		}
		set, err := validateSettings(Settings{Domain: before.Domain, Timezone: timezone, Currency: currency})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.st.q.UpdateSite, set.Timezone, set.Currency, cookieID, workspaceID, siteID); err != nil {
			return err
		}
		after = *before
		after.Timezone, after.Currency, after.CookieID = set.Timezone, set.Currency, cookieID
		return s.audit.Record(ctx, tx, workspaceID, actor, "site.update", "site", siteID, before, after)
	})
	if err != nil {
		return nil, fmt.Errorf("update site: %w", err)
	}
	return &after, nil
}

// RotateWriteKey gives the site a new write key; the old one stops working.
func (s *Service) RotateWriteKey(ctx context.Context, actor auth.Actor, workspaceID, siteID string) (*Site, error) {
	var after Site
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		before, err := s.st.site(ctx, tx, workspaceID, siteID)
		if err != nil {
			return err
		}
		after = *before
		after.WriteKey = "wk_" + id.Token(20)
		if _, err := tx.ExecContext(ctx, s.st.q.SetWriteKey, after.WriteKey, workspaceID, siteID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, workspaceID, actor, "site.rotate_write_key", "site", siteID, before, after)
	})
	if err != nil {
		return nil, fmt.Errorf("rotate write key: %w", err)
	}
	return &after, nil
}

package report

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/stats"
)

// The digest kinds.
const (
	Weekly  = "weekly"
	Monthly = "monthly"
)

// maxRecipients bounds the addresses of one site's digest.
const maxRecipients = 50

// ErrUnknownSite means no site has the id or domain asked for.
var ErrUnknownSite = errors.New("unknown site")

// ErrSendingOff means no SMTP server is configured.
var ErrSendingOff = errors.New("sending email is off: no SMTP server is configured (MOPS_SMTP_URL)")

// ErrNoRecipients means a test was asked for a site without recipients.
var ErrNoRecipients = errors.New("no recipients saved")

// SiteFinder finds sites: within a workspace (pages), by id or domain
// (command line, scheduler).
type SiteFinder interface {
	Get(ctx context.Context, workspaceID, siteID string) (*sites.Site, error)
	Find(ctx context.Context, idOrDomain string) (*sites.Site, error)
}

// Auditor records changes in the audit log.
type Auditor interface {
	Record(ctx context.Context, q db.Querier, workspaceID string, actor auth.Actor, action, targetType, targetID string, before, after any) error
}

// Options configure a Service.
type Options struct {
	DB    *db.DB
	Sites SiteFinder
	Audit Auditor
	// SMTPURL is the mail server (smtp://user:password@host:587, or
	// smtps:// for implicit TLS); "" turns sending off.
	SMTPURL string
	// From is the sender address of digests, e.g. "mops <mops@example.com>".
	From string
	// BaseURL, when set, makes digests link back to mops.
	BaseURL string
	Logger  *slog.Logger
	// Ready reports whether the warehouse is up to date with the event
	// log; digests wait until it is. nil means always.
	Ready func(context.Context) bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service keeps digest settings and sends digests.
type Service struct {
	db      *db.DB
	st      *store
	stats   *stats.Service
	sites   SiteFinder
	audit   Auditor
	mailer  Mailer // nil: sending off
	from    string
	baseURL string
	logger  *slog.Logger
	ready   func(context.Context) bool
	now     func() time.Time

	mu    sync.Mutex // guards stop and done
	stop  context.CancelFunc
	done  chan struct{}
	runMu sync.Mutex // one RunDue at a time, so a period is never sent twice at once
}

// NewService returns the service on a migrated database. A bad SMTP URL
// or sender address is an error.
func NewService(o Options) (*Service, error) {
	st, err := newStore()
	if err != nil {
		return nil, err
	}
	s := &Service{db: o.DB, st: st, stats: stats.NewService(o.DB), sites: o.Sites, audit: o.Audit,
		from: o.From, baseURL: strings.TrimSuffix(o.BaseURL, "/"), logger: o.Logger, ready: o.Ready, now: o.Now}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if o.SMTPURL != "" {
		if s.mailer, err = NewSMTP(o.SMTPURL, o.From); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Sending reports whether digests can be sent (SMTP is configured).
func (s *Service) Sending() bool { return s.mailer != nil }

// Settings returns a site's digest settings: both kinds off and no
// recipients when they were never saved. A site of another workspace is
// sites.ErrNotFound.
func (s *Service) Settings(ctx context.Context, workspaceID, siteID string) (*Settings, error) {
	if _, err := s.sites.Get(ctx, workspaceID, siteID); err != nil {
		return nil, err
	}
	set, err := s.st.settings(ctx, s.db, workspaceID, siteID)
	if err != nil {
		return nil, fmt.Errorf("digest settings: %w", err)
	}
	if set == nil {
		set = &Settings{SiteID: siteID, WorkspaceID: workspaceID}
	}
	return set, nil
}

// SettingsInput is what the settings form sends.
type SettingsInput struct {
	Weekly, Monthly bool
	// Recipients are email addresses separated by commas, semicolons,
	// spaces or new lines.
	Recipients string
}

// ParseRecipients validates a list of addresses, lower-cases them and
// drops repeats. A bad address is an *auth.ValidationError on the field
// "recipients" that names it.
func ParseRecipients(raw string) ([]string, error) {
	fields := strings.FieldsFunc(raw, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	var out []string
	for _, f := range fields {
		email, err := auth.NormalizeEmail(f)
		if err != nil {
			return nil, &auth.ValidationError{Field: "recipients", Message: fmt.Sprintf("%q is not a valid email address", f)}
		}
		if !slices.Contains(out, email) {
			out = append(out, email)
		}
	}
	if len(out) > maxRecipients {
		return nil, &auth.ValidationError{Field: "recipients", Message: fmt.Sprintf("can hold at most %d addresses", maxRecipients)}
	}
	return out, nil
}

// SaveSettings changes a site's digest settings and records the change in
// the audit log. Turning a kind on starts it from now: the first digest is
// the next one due.
func (s *Service) SaveSettings(ctx context.Context, actor auth.Actor, workspaceID, siteID string, in SettingsInput) (*Settings, error) {
	recipients, err := ParseRecipients(in.Recipients)
	if err != nil {
		return nil, err
	}
	if (in.Weekly || in.Monthly) && len(recipients) == 0 {
		return nil, &auth.ValidationError{Field: "recipients", Message: "need at least one address to send digests to"}
	}
	if _, err := s.sites.Get(ctx, workspaceID, siteID); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var after *Settings
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		before, err := s.st.settings(ctx, tx, workspaceID, siteID)
		if err != nil {
			return err
		}
		after = &Settings{SiteID: siteID, WorkspaceID: workspaceID, Weekly: in.Weekly, Monthly: in.Monthly,
			Recipients: recipients, UpdatedAt: now}
		after.WeeklySince = keepSince(before, Weekly, in.Weekly, now)
		after.MonthlySince = keepSince(before, Monthly, in.Monthly, now)
		if err := s.st.saveSettings(ctx, tx, after); err != nil {
			return err
		}
		var b any
		if before != nil {
			b = before
		}
		return s.audit.Record(ctx, tx, workspaceID, actor, "site.digest_update", "site", siteID, b, after)
	})
	if err != nil {
		return nil, fmt.Errorf("save digest settings: %w", err)
	}
	return after, nil
}

// keepSince is when a kind counts as turned on after a save: unchanged
// while it stays on, now when it is turned on, nil when off.
func keepSince(before *Settings, kind string, on bool, now time.Time) *time.Time {
	if !on {
		return nil
	}
	if before != nil {
		if t := before.since(kind); t != nil {
			return t
		}
	}
	return &now
}

// Sends lists the latest digests of a site in the send log, newest first.
func (s *Service) Sends(ctx context.Context, workspaceID, siteID string, limit int) ([]Send, error) {
	out, err := s.st.sends(ctx, s.db, workspaceID, siteID, limit)
	if err != nil {
		return nil, fmt.Errorf("digest log: %w", err)
	}
	return out, nil
}

// Build gathers the report of a site for a period as of now.
func (s *Service) Build(ctx context.Context, site *sites.Site, period string, now time.Time) (*Report, error) {
	r, err := Build(ctx, s.stats, site, period, now)
	if err != nil {
		return nil, err
	}
	s.addLinks(r)
	return r, nil
}

// addLinks points the report at the site in mops, when mops knows its
// public URL.
func (s *Service) addLinks(r *Report) {
	if s.baseURL == "" {
		return
	}
	site := s.baseURL + "/w/" + r.Site.WorkspaceID + "/sites/" + r.Site.ID
	r.DashboardURL = site + "/dashboard"
	r.SettingsURL = site + "/digest"
}

// SendTest sends the last 7 days' report of a site to its saved
// recipients now, marked as a test, and records who asked. It returns the
// recipients.
func (s *Service) SendTest(ctx context.Context, actor auth.Actor, workspaceID, siteID string) ([]string, error) {
	if s.mailer == nil {
		return nil, ErrSendingOff
	}
	site, err := s.sites.Get(ctx, workspaceID, siteID)
	if err != nil {
		return nil, err
	}
	set, err := s.Settings(ctx, workspaceID, siteID)
	if err != nil {
		return nil, err
	}
	if len(set.Recipients) == 0 {
		return nil, ErrNoRecipients
	}
	r, err := s.Build(ctx, site, "7d", s.now())
	if err != nil {
		return nil, err
	}
	r.Heading = "Test digest"
	msg, err := digestMessage(r, set.Recipients, "[Test] ")
	if err != nil {
		return nil, err
	}
	if err := s.mailer.Send(ctx, msg); err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, s.db, workspaceID, actor, "site.digest_test", "site", siteID, nil,
		map[string]any{"recipients": set.Recipients, "period": r.Period.dateRange()}); err != nil {
		return nil, fmt.Errorf("digest test: %w", err)
	}
	return set.Recipients, nil
}

// digestMessage renders a report as an email to recipients.
func digestMessage(r *Report, recipients []string, subjectPrefix string) (*Message, error) {
	var html, text bytes.Buffer
	if err := Render(&html, r); err != nil {
		return nil, err
	}
	if err := RenderText(&text, r); err != nil {
		return nil, err
	}
	return &Message{
		To:      recipients,
		Subject: subjectPrefix + r.heading() + " · " + r.Site.Domain + " · " + r.Period.Label(),
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}

// Document is a rendered report, as `mops report` gets it.
type Document struct {
	SiteID string    `json:"site_id"`
	Domain string    `json:"domain"`
	Period [2]string `json:"period"` // first and last day (or instant, for 24h)
	HTML   string    `json:"html"`
	Text   string    `json:"text"`
}

// Generate builds and renders the report of the site with id or domain
// idOrDomain for period as of now. An unknown site is ErrUnknownSite, a
// bad period a *PeriodError, each with a message to show as is.
func Generate(ctx context.Context, svc *stats.Service, finder SiteFinder, idOrDomain, period string, now time.Time) (*Document, error) {
	site, err := finder.Find(ctx, strings.TrimSpace(idOrDomain))
	if errors.Is(err, sites.ErrNotFound) {
		return nil, fmt.Errorf("%w %q: no site has this id or domain (see mops site list)", ErrUnknownSite, idOrDomain)
	}
	if err != nil {
		return nil, err
	}
	r, err := Build(ctx, svc, site, period, now)
	if err != nil {
		return nil, err
	}
	var html, text bytes.Buffer
	if err := Render(&html, r); err != nil {
		return nil, err
	}
	if err := RenderText(&text, r); err != nil {
		return nil, err
	}
	dr := r.Period.dateRange()
	return &Document{SiteID: site.ID, Domain: site.Domain, Period: [2]string{dr[0], dr[1]}, HTML: html.String(), Text: text.String()}, nil
}

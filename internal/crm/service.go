// Package crm holds the company's first-party customer data: contacts,
// companies, deals in pipelines, the contact lifecycle, custom properties,
// notes, tasks and consent. Every write is normalised and validated, every
// change by a person is audited, and every query is scoped to one
// workspace.
package crm

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/currency"

	"github.com/mopshq/mops/internal/crm/normalize"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
)

// Auditor records changes in the audit log.
type Auditor interface {
	Record(ctx context.Context, q db.Querier, workspaceID string, actor auth.Actor, action, targetType, targetID string, before, after any) error
	// Redact blanks the recorded values about a target (GDPR erasure).
	Redact(ctx context.Context, q db.Querier, workspaceID, targetType, targetID string) error
}

// Members lists a workspace's members, to check record owners.
type Members interface {
	Members(ctx context.Context, workspaceID string) ([]auth.Member, error)
}

// Service holds the CRM's rules.
type Service struct {
	db      *db.DB
	st      *store
	mq      *mergeQueries
	audit   Auditor
	members Members
	now     func() time.Time
	jobs    *jobs

	// writeMu serialises writes, so the checks for an existing email or
	// domain and the write after them see the same data.
	writeMu sync.Mutex
}

// NewService returns the service on a migrated database.
func NewService(d *db.DB, audit Auditor, members Members) (*Service, error) {
	st, err := newStore()
	if err != nil {
		return nil, err
	}
	mq, err := loadMergeQueries()
	if err != nil {
		return nil, err
	}
	return &Service{db: d, st: st, mq: mq, audit: audit, members: members, jobs: newJobs(),
		now: func() time.Time { return time.Now().UTC() }}, nil
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// write runs fn in a transaction under the write lock, after the
// workspace's defaults (settings, lifecycle stages, the first pipeline)
// exist.
func (s *Service) write(ctx context.Context, ws string, fn func(tx *sql.Tx) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.ensureDefaults(ctx, tx, ws); err != nil {
			return fmt.Errorf("set up CRM defaults: %w", err)
		}
		return fn(tx)
	})
}

// writeWith is write with what validating a write needs loaded.
func (s *Service) writeWith(ctx context.Context, ws string, fn func(tx *sql.Tx, wc *writeCtx) error) error {
	return s.write(ctx, ws, func(tx *sql.Tx) error {
		wc, err := s.loadWriteCtx(ctx, tx, ws)
		if err != nil {
			return err
		}
		return fn(tx, wc)
	})
}

// Settings are a workspace's CRM settings.
type Settings struct {
	// PhoneRegion is the ISO 3166-1 region whose numbering plan applies to
	// phone numbers written without a country code.
	PhoneRegion string `json:"phone_region"`
	// Currency is the default currency of new deals.
	Currency string `json:"currency"`
}

// DefaultSettings are used until a workspace changes them.
func DefaultSettings() Settings { return Settings{PhoneRegion: "DE", Currency: "EUR"} }

// DefaultLifecycle is the lifecycle a workspace starts with.
func DefaultLifecycle() []LifecycleStage {
	return []LifecycleStage{
		{Key: "subscriber", Label: "Subscriber"},
		{Key: "lead", Label: "Lead"},
		{Key: "mql", Label: "Marketing qualified lead"},
		{Key: "sql", Label: "Sales qualified lead"},
		{Key: "opportunity", Label: "Opportunity"},
		{Key: "customer", Label: "Customer"},
		{Key: "evangelist", Label: "Evangelist"},
	}
}

// defaultPipeline is the pipeline a workspace starts with.
func defaultPipeline() Pipeline {
	return Pipeline{Name: "Sales", Stages: []Stage{
		{Name: "Discovery", Probability: 0.1, Outcome: Open},
		{Name: "Qualified", Probability: 0.25, Outcome: Open},
		{Name: "Proposal", Probability: 0.5, Outcome: Open},
		{Name: "Negotiation", Probability: 0.75, Outcome: Open},
		{Name: "Won", Probability: 1, Outcome: Won},
		{Name: "Lost", Probability: 0, Outcome: Lost},
	}}
}

func (s *Service) ensureDefaults(ctx context.Context, tx *sql.Tx, ws string) error {
	var region, cur string
	err := tx.QueryRowContext(ctx, s.st.q.GetSettings, ws).Scan(&region, &cur)
	if err == nil {
		return nil
	}
	if err != sql.ErrNoRows {
		return err
	}
	d := DefaultSettings()
	if _, err := tx.ExecContext(ctx, s.st.q.UpsertSettings, ws, d.PhoneRegion, d.Currency, s.now()); err != nil {
		return err
	}
	stages, err := s.lifecycle(ctx, tx, ws)
	if err != nil {
		return err
	}
	if len(stages) == 0 {
		for i, st := range DefaultLifecycle() {
			if _, err := tx.ExecContext(ctx, s.st.q.InsertLifecycleStage, ws, st.Key, st.Label, i); err != nil {
				return err
			}
		}
	}
	ps, err := s.pipelines(ctx, tx, ws)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		if _, err := s.insertPipeline(ctx, tx, ws, defaultPipeline()); err != nil {
			return err
		}
	}
	return nil
}

// Settings returns the workspace's CRM settings.
func (s *Service) Settings(ctx context.Context, ws string) (Settings, error) {
	return s.settings(ctx, s.db, ws)
}

func (s *Service) settings(ctx context.Context, q db.Querier, ws string) (Settings, error) {
	var set Settings
	err := q.QueryRowContext(ctx, s.st.q.GetSettings, ws).Scan(&set.PhoneRegion, &set.Currency)
	if err == sql.ErrNoRows {
		return DefaultSettings(), nil
	}
	if err != nil {
		return set, fmt.Errorf("read CRM settings: %w", err)
	}
	return set, nil
}

func validateCurrency(field, c string, fe *fieldErrors) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if _, err := currency.ParseISO(c); err != nil || len(c) != 3 {
		fe.add(field, fmt.Sprintf("%q is not an ISO 4217 currency code such as EUR", c))
	}
	return c
}

// UpdateSettings changes the workspace's CRM settings.
func (s *Service) UpdateSettings(ctx context.Context, actor auth.Actor, ws string, in Settings) (Settings, error) {
	var fe fieldErrors
	region, err := normalize.Region(in.PhoneRegion)
	if err != nil {
		fe.add("phone_region", msgOf(err))
	}
	out := Settings{PhoneRegion: region, Currency: validateCurrency("currency", in.Currency, &fe)}
	if err := fe.err(); err != nil {
		return out, err
	}
	err = s.write(ctx, ws, func(tx *sql.Tx) error {
		before, err := s.settings(ctx, tx, ws)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.st.q.UpsertSettings, ws, out.PhoneRegion, out.Currency, s.now()); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "crm.settings", "workspace", ws, before, out)
	})
	if err != nil {
		return out, fmt.Errorf("update CRM settings: %w", err)
	}
	return out, nil
}

// msgOf is the message of a normalize error without its field name.
func msgOf(err error) string {
	if fe, ok := err.(*normalize.FieldError); ok {
		return fe.Message
	}
	return err.Error()
}

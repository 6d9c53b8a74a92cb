package report

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
	GetSettings        string `query:"get-settings"`
	SaveSettings       string `query:"save-settings"`
	ListActiveSettings string `query:"list-active-settings"`
	GetSend            string `query:"get-send"`
	ClaimSend          string `query:"claim-send"`
	MarkSent           string `query:"mark-sent"`
	MarkFailed         string `query:"mark-failed"`
	ListSends          string `query:"list-sends"`
}

type store struct{ q queries }

func newStore() (*store, error) {
	s := &store{}
	if err := db.LoadQueries(queriesSQL, &s.q); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return s, nil
}

// Settings are a site's digest email settings.
type Settings struct {
	SiteID      string   `json:"site_id"`
	WorkspaceID string   `json:"workspace_id"`
	Weekly      bool     `json:"weekly"`
	Monthly     bool     `json:"monthly"`
	Recipients  []string `json:"recipients"`
	// WeeklySince and MonthlySince are when each kind was turned on; only
	// periods due after that are sent.
	WeeklySince  *time.Time `json:"weekly_since,omitempty"`
	MonthlySince *time.Time `json:"monthly_since,omitempty"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// since is when kind was turned on, or nil while it is off.
func (s *Settings) since(kind string) *time.Time {
	if kind == Weekly {
		return s.WeeklySince
	}
	return s.MonthlySince
}

// Send is one digest period in the send log.
type Send struct {
	Kind          string
	PeriodStart   time.Time // first day reported (a date)
	PeriodEnd     time.Time // last day reported
	Recipients    []string
	Attempts      int
	LastAttemptAt time.Time
	LastError     string
	SentAt        *time.Time
}

type scanner interface{ Scan(dest ...any) error }

func scanSettings(r scanner) (*Settings, error) {
	var s Settings
	var recipients string
	var weekly, monthly sql.NullTime
	if err := r.Scan(&s.SiteID, &s.WorkspaceID, &recipients, &weekly, &monthly, &s.UpdatedAt); err != nil {
		return nil, err
	}
	s.Recipients = splitList(recipients)
	if weekly.Valid {
		t := weekly.Time.UTC()
		s.WeeklySince, s.Weekly = &t, true
	}
	if monthly.Valid {
		t := monthly.Time.UTC()
		s.MonthlySince, s.Monthly = &t, true
	}
	s.UpdatedAt = s.UpdatedAt.UTC()
	return &s, nil
}

func scanSend(r scanner) (*Send, error) {
	var s Send
	var recipients string
	var sent sql.NullTime
	if err := r.Scan(&s.Kind, &s.PeriodStart, &s.PeriodEnd, &recipients, &s.Attempts, &s.LastAttemptAt, &s.LastError, &sent); err != nil {
		return nil, err
	}
	s.Recipients = splitList(recipients)
	s.LastAttemptAt = s.LastAttemptAt.UTC()
	if sent.Valid {
		t := sent.Time.UTC()
		s.SentAt = &t
	}
	return &s, nil
}

// splitList reads a comma-separated column.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// settings returns a site's settings; nil when it has none yet.
func (st *store) settings(ctx context.Context, q db.Querier, workspaceID, siteID string) (*Settings, error) {
	s, err := scanSettings(q.QueryRowContext(ctx, st.q.GetSettings, workspaceID, siteID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return s, err
}

func (st *store) saveSettings(ctx context.Context, q db.Querier, s *Settings) error {
	_, err := q.ExecContext(ctx, st.q.SaveSettings, s.SiteID, s.WorkspaceID, strings.Join(s.Recipients, ","),
		nullTime(s.WeeklySince), nullTime(s.MonthlySince), s.UpdatedAt)
	return err
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

func (st *store) activeSettings(ctx context.Context, q db.Querier) ([]*Settings, error) {
	rows, err := q.QueryContext(ctx, st.q.ListActiveSettings)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Settings
	for rows.Next() {
		s, err := scanSettings(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// send returns the log entry of a digest period; nil when there is none.
func (st *store) send(ctx context.Context, q db.Querier, siteID, kind string, start time.Time) (*Send, error) {
	s, err := scanSend(q.QueryRowContext(ctx, st.q.GetSend, siteID, kind, start.Format(time.DateOnly)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return s, err
}

// claimSend records an attempt to send a digest period, before it is made.
func (st *store) claimSend(ctx context.Context, q db.Querier, workspaceID, siteID, kind string, p Period, recipients []string, at time.Time) error {
	_, err := q.ExecContext(ctx, st.q.ClaimSend, siteID, workspaceID, kind, p.From.Format(time.DateOnly),
		p.Last().Format(time.DateOnly), strings.Join(recipients, ","), at)
	return err
}

func (st *store) markSent(ctx context.Context, q db.Querier, siteID, kind string, start, at time.Time) error {
	_, err := q.ExecContext(ctx, st.q.MarkSent, at, siteID, kind, start.Format(time.DateOnly))
	return err
}

func (st *store) markFailed(ctx context.Context, q db.Querier, siteID, kind string, start time.Time, reason string) error {
	_, err := q.ExecContext(ctx, st.q.MarkFailed, reason, siteID, kind, start.Format(time.DateOnly))
	return err
}

func (st *store) sends(ctx context.Context, q db.Querier, workspaceID, siteID string, limit int) ([]Send, error) {
	rows, err := q.QueryContext(ctx, st.q.ListSends, workspaceID, siteID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Send
	for rows.Next() {
		s, err := scanSend(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

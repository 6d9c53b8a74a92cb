// Package goals manages a site's goals: the pageviews and custom events
// that count as conversions, and revenue goals whose events carry an
// amount in a currency.
package goals

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/currency"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/id"
)

// ErrNotFound means no such goal on the site.
var ErrNotFound = errors.New("goal not found")

// ErrNameTaken means the site already has a goal of that name.
var ErrNameTaken = errors.New("a goal with this name already exists on the site")

// Goal is one conversion a site counts.
type Goal struct {
	ID     string `json:"id"`
	SiteID string `json:"site_id"`
	// PagePath is the path pattern of a page goal ("" for event goals):
	// * matches any characters but "/", ** any characters.
	PagePath string `json:"page_path,omitempty"`
	// EventName is the custom event of an event goal ("" for page goals).
	EventName string `json:"event_name,omitempty"`
	// Currency makes an event goal a revenue goal (ISO 4217).
	Currency    string    `json:"currency,omitempty"`
	DisplayName string    `json:"display_name"`
	CreatedAt   time.Time `json:"created_at"`
}

// IsPage reports whether g is reached by pageviews.
func (g *Goal) IsPage() bool { return g.PagePath != "" }

// PathPattern is the anchored regular expression (RE2) of a page goal's
// path: "/blog/*" matches "/blog/a" but not "/blog/a/b"; "/blog/**" both.
func PathPattern(path string) string {
	var sb strings.Builder
	sb.WriteString("^")
	for i := 0; i < len(path); {
		switch {
		case strings.HasPrefix(path[i:], "**"):
			sb.WriteString(".*")
			i += 2
		case path[i] == '*':
			sb.WriteString("[^/]*")
			i++
		default:
			j := i
			for j < len(path) && path[j] != '*' {
				j++
			}
			sb.WriteString(regexp.QuoteMeta(path[i:j]))
			i = j
		}
	}
	sb.WriteString("$")
	return sb.String()
}

// Input is what defines a new goal: a page path or an event name; a
// currency only with an event name. DisplayName defaults to "Visit
// <path>" or the event name.
type Input struct {
	PagePath    string `json:"page_path"`
	EventName   string `json:"event_name"`
	Currency    string `json:"currency"`
	DisplayName string `json:"display_name"`
}

// Name is the display name a goal made from in gets.
func (in Input) Name() string {
	switch {
	case strings.TrimSpace(in.DisplayName) != "":
		return strings.TrimSpace(in.DisplayName)
	case strings.TrimSpace(in.PagePath) != "":
		return "Visit " + strings.TrimSpace(in.PagePath)
	}
	return strings.TrimSpace(in.EventName)
}

func validate(in Input) (Goal, error) {
	g := Goal{PagePath: strings.TrimSpace(in.PagePath), EventName: strings.TrimSpace(in.EventName),
		Currency: strings.ToUpper(strings.TrimSpace(in.Currency)), DisplayName: strings.TrimSpace(in.DisplayName)}
	switch {
	case g.PagePath == "" && g.EventName == "":
		return g, &auth.ValidationError{Field: "event_name", Message: "or a page path is required"}
	case g.PagePath != "" && g.EventName != "":
		return g, &auth.ValidationError{Field: "page_path", Message: "and an event name cannot both be set: a goal is one or the other"}
	case g.PagePath != "" && !strings.HasPrefix(g.PagePath, "/"):
		return g, &auth.ValidationError{Field: "page_path", Message: fmt.Sprintf("%q must start with /", g.PagePath)}
	case len(g.PagePath) > 2000:
		return g, &auth.ValidationError{Field: "page_path", Message: "is longer than 2000 characters"}
	case len(g.EventName) > 120:
		return g, &auth.ValidationError{Field: "event_name", Message: "is longer than 120 characters"}
	case g.EventName == "pageview" || g.EventName == "engagement":
		return g, &auth.ValidationError{Field: "event_name", Message: fmt.Sprintf("%q is not a custom event; use a page path for pageview goals", g.EventName)}
	case g.Currency != "" && g.PagePath != "":
		return g, &auth.ValidationError{Field: "currency", Message: "applies to event goals only (pageviews carry no revenue)"}
	}
	if g.Currency != "" {
		if _, err := currency.ParseISO(g.Currency); err != nil || len(g.Currency) != 3 {
			return g, &auth.ValidationError{Field: "currency", Message: fmt.Sprintf("%q is not an ISO 4217 currency code such as EUR", g.Currency)}
		}
	}
	if g.DisplayName == "" {
		g.DisplayName = in.Name()
	}
	if len(g.DisplayName) > 120 {
		return g, &auth.ValidationError{Field: "display_name", Message: "is longer than 120 characters"}
	}
	return g, nil
}

// Auditor records changes in the audit log.
type Auditor interface {
	Record(ctx context.Context, q db.Querier, workspaceID string, actor auth.Actor, action, targetType, targetID string, before, after any) error
}

// Service stores goals. Callers check that the site belongs to the
// workspace they act in.
type Service struct {
	db    *db.DB
	audit Auditor
}

// NewService returns the service on a migrated database.
func NewService(d *db.DB, audit Auditor) *Service { return &Service{db: d, audit: audit} }

const goalColumns = "id, site_id, page_path, event_name, currency, display_name, created_at"

// List returns a site's goals by name.
func (s *Service) List(ctx context.Context, siteID string) ([]Goal, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+goalColumns+" FROM goals WHERE site_id = ? ORDER BY display_name", siteID)
	if err != nil {
		return nil, fmt.Errorf("list goals: %w", err)
	}
	defer rows.Close()
	out := []Goal{}
	for rows.Next() {
		var g Goal
		if err := rows.Scan(&g.ID, &g.SiteID, &g.PagePath, &g.EventName, &g.Currency, &g.DisplayName, &g.CreatedAt); err != nil {
			return nil, fmt.Errorf("list goals: %w", err)
		}
		g.CreatedAt = g.CreatedAt.UTC()
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list goals: %w", err)
	}
	return out, nil
}

// Create adds a goal to a site of workspaceID.
func (s *Service) Create(ctx context.Context, actor auth.Actor, workspaceID, siteID string, in Input) (*Goal, error) {
	g, err := validate(in)
	if err != nil {
		return nil, err
	}
	g.ID, g.SiteID, g.CreatedAt = id.New("goal"), siteID, time.Now().UTC().Truncate(time.Microsecond)
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM goals WHERE site_id = ? AND display_name = ?", siteID, g.DisplayName).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrNameTaken
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO goals ("+goalColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			g.ID, g.SiteID, g.PagePath, g.EventName, g.Currency, g.DisplayName, g.CreatedAt); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, workspaceID, actor, "goal.create", "goal", g.ID, nil, g)
	})
	if err != nil {
		return nil, fmt.Errorf("create goal: %w", err)
	}
	return &g, nil
}

// Delete removes a goal of a site of workspaceID. Its events stay: only
// the counting stops.
func (s *Service) Delete(ctx context.Context, actor auth.Actor, workspaceID, siteID, goalID string) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var g Goal
		err := tx.QueryRowContext(ctx, "SELECT "+goalColumns+" FROM goals WHERE site_id = ? AND id = ?", siteID, goalID).
			Scan(&g.ID, &g.SiteID, &g.PagePath, &g.EventName, &g.Currency, &g.DisplayName, &g.CreatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM goals WHERE site_id = ? AND id = ?", siteID, goalID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, workspaceID, actor, "goal.delete", "goal", g.ID, g, nil)
	})
	if err != nil {
		return fmt.Errorf("delete goal: %w", err)
	}
	return nil
}

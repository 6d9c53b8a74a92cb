package dashboard

import (
	"context"
	_ "embed"
	"fmt"
	"sync"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
)

//go:embed queries.sql
var queriesSQL string

type queries struct {
	PropertyNames string `query:"property-names"`
}

type store struct {
	db *db.DB
	q  queries

	mu    sync.Mutex
	props map[string]propertyNames // by site id
}

// propertyNames is a site's custom property names as found at a time.
type propertyNames struct {
	names []string
	at    time.Time
}

// propertyTTL is how long a site's property names are reused: they change
// rarely, and finding them reads a year of events (most of a second for ten
// million).
const propertyTTL = 5 * time.Minute

func newStore(d *db.DB) (*store, error) {
	s := &store{db: d, props: map[string]propertyNames{}}
	if err := db.LoadQueries(queriesSQL, &s.q); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return s, nil
}

// propertyNames lists up to limit custom property names of the site's
// events in the lookback before now, most used first; an answer found
// less than propertyTTL before now is reused.
func (s *store) propertyNames(ctx context.Context, siteID string, now time.Time, lookback time.Duration, limit int) ([]string, error) {
	s.mu.Lock()
	hit, ok := s.props[siteID]
	s.mu.Unlock()
	if ok && now.Sub(hit.at) < propertyTTL && !now.Before(hit.at) {
		return hit.names, nil
	}
	names, err := s.findPropertyNames(ctx, siteID, now.Add(-lookback), limit)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.props[siteID] = propertyNames{names, now}
	s.mu.Unlock()
	return names, nil
}

func (s *store) findPropertyNames(ctx context.Context, siteID string, since time.Time, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q.PropertyNames, siteID, since.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("property names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("property names: %w", err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("property names: %w", err)
	}
	return out, nil
}

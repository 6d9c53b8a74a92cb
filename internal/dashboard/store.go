package dashboard

import (
	"context"
	_ "embed"
	"fmt"
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
}

func newStore(d *db.DB) (*store, error) {
	s := &store{db: d}
	if err := db.LoadQueries(queriesSQL, &s.q); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return s, nil
}

// propertyNames lists up to limit custom property names of the site's
// events since since, most used first.
func (s *store) propertyNames(ctx context.Context, siteID string, since time.Time, limit int) ([]string, error) {
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

package sites

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"

	"github.com/mopshq/mops/internal/platform/db"
)

//go:embed queries.sql
var queriesSQL string

type queries struct {
	InsertSite        string `query:"insert-site"`
	GetSite           string `query:"get-site"`
	FindSite          string `query:"find-site"`
	GetSiteByWriteKey string `query:"get-site-by-write-key"`
	ListSites         string `query:"list-sites"`
	DomainTaken       string `query:"domain-taken"`
	UpdateSite        string `query:"update-site"`
	SetWriteKey       string `query:"set-write-key"`
}

type store struct{ q queries }

func newStore() (*store, error) {
	s := &store{}
	if err := db.LoadQueries(queriesSQL, &s.q); err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	return s, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanSite(r scanner) (*Site, error) {
	var s Site
	if err := r.Scan(&s.ID, &s.WorkspaceID, &s.Domain, &s.Timezone, &s.Currency, &s.WriteKey, &s.CreatedAt, &s.CookieID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	s.CreatedAt = s.CreatedAt.UTC()
	return &s, nil
}

func (st *store) site(ctx context.Context, q db.Querier, workspaceID, siteID string) (*Site, error) {
	return scanSite(q.QueryRowContext(ctx, st.q.GetSite, workspaceID, siteID))
}

func (st *store) list(ctx context.Context, q db.Querier, workspaceID string) ([]Site, error) {
	rows, err := q.QueryContext(ctx, st.q.ListSites, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Site
	for rows.Next() {
		s, err := scanSite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

package db

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateVisitsWithoutKey migrates a database holding visits from
// schema 4 to 5 (visits rebuilt without its primary key, a narrower
// staging table) and checks that every visit survives, also after the
// database is closed and opened again.
func TestMigrateVisitsWithoutKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mops.duckdb")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.migrate(ctx, ms[:4]); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO visits VALUES
		('s_b', 'site_a', 'v2', '', '2026-03-02 10:00:00', '2026-03-02 10:05:00', '/a', '/b', 'a.example', 'google.com',
		 'Google', 'Organic Search', '', '', '', '', '', 'Chrome', 'Windows', 'desktop', 'DE', 'Berlin', 'Berlin', 2, 3, 2, false, 300,
		 '2026-03-02 10:05:01'),
		('s_a', 'site_a', 'v1', 'u1', '2026-03-01 09:00:00.123456', '2026-03-01 09:00:00.123456', '/', '/', 'a.example', '',
		 '', 'Direct', 'news', 'email', 'spring', 'shoes', 'v2', 'Safari', 'iOS', 'mobile', 'FR', '', '', 1, 1, 1, true, 0,
		 '2026-03-01 09:00:01')`,
		`INSERT INTO visits_staging SELECT * FROM visits`,
	} {
		if _, err := d.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const dump = `SELECT string_agg(v::VARCHAR, '|' ORDER BY visit_id) FROM visits v`
	var before string
	if err := d.QueryRowContext(ctx, dump).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if n, err := d.migrate(ctx, ms[:5]); err != nil || n != 1 {
		t.Fatalf("migrate to 5 = %d, %v; want 1, nil", n, err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var after string
	if err := d.QueryRowContext(ctx, dump).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before || !strings.Contains(after, "s_a") || !strings.Contains(after, "s_b") {
		t.Fatalf("visits after the migration:\n%s\nwant\n%s", after, before)
	}
	for _, tc := range []struct {
		name, query, want string
	}{
		{"visits has no primary key",
			`SELECT count(*)::VARCHAR FROM duckdb_constraints() WHERE table_name = 'visits' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')`, "0"},
		{"visit_id is still required",
			`SELECT is_nullable FROM information_schema.columns WHERE table_name = 'visits' AND column_name = 'visit_id'`, "NO"},
		{"visits keeps its columns in order",
			`SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'visits'`,
			"visit_id,site_id,visitor_id,user_id,started_at,ended_at,entry_page,exit_page,hostname,referrer,source,channel," +
				"utm_source,utm_medium,utm_campaign,utm_term,utm_content,browser,os,device,country,region,city,pageviews,events," +
				"interactions,is_bounce,duration_s,updated_at"},
		{"visits_staging holds the changeable columns",
			`SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'visits_staging'`,
			"visit_id,stored_start,start_moved,user_id,ended_at,entry_page,exit_page,pageviews,events,interactions,is_bounce,duration_s,updated_at"},
		{"visits_staging starts empty", `SELECT count(*)::VARCHAR FROM visits_staging`, "0"},
		{"the old table is gone", `SELECT count(*)::VARCHAR FROM duckdb_tables() WHERE table_name = 'visits_v5'`, "0"},
	} {
		var got string
		if err := d.QueryRowContext(ctx, tc.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

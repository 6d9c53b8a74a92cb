package db

import (
	"context"
	"path/filepath"
	"testing"
)

// TestMigrateVisitorKey migrates a database holding events and visits from
// schema 8 to 9 and checks that the rows written before get their visitor
// key: the low half of the MD5 of the visitor id, read as a little-endian
// integer (the values below are worked out with Python's hashlib).
func TestMigrateVisitorKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "mops.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.migrate(ctx, ms[:8]); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO visits VALUES
		('s_a', 'site_a', 'v1', '', '2026-03-01 09:00:00', '2026-03-01 09:05:00', '/', '/b', 'a.example', '', '', 'Direct',
		 '', '', '', '', '', 'Safari', 'iOS', 'mobile', 'FR', '', '', 2, 2, 2, false, 300, '2026-03-01 09:05:01'),
		('s_b', 'site_a', 'v2', '', '2026-03-01 10:00:00', '2026-03-01 10:00:00', '/', '/', 'a.example', '', '', 'Direct',
		 '', '', '', '', '', 'Safari', 'iOS', 'mobile', 'FR', '', '', 1, 1, 1, true, 0, '2026-03-01 10:00:01')`,
		`INSERT INTO events (site_id, seq, event_id, ts, received_at, kind, name, visitor_id, visit_id, user_id, origin,
		 interactive, hostname, pathname, referrer, source, channel, utm_source, utm_medium, utm_campaign, utm_term,
		 utm_content, browser, browser_version, os, os_version, device, country, region, city, revenue_currency,
		 engaged_ms, scroll_depth)
		 SELECT site_id, 1, 'e_' || visit_id, started_at, started_at, 'pageview', 'pageview', visitor_id, visit_id, '',
		 'tracker', true, hostname, entry_page, '', '', 'Direct', '', '', '', '', '', browser, '', os, '', device, country,
		 '', '', '', 0, 0 FROM visits`,
	} {
		if _, err := d.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := d.migrate(ctx, ms[:9]); err != nil || n != 1 {
		t.Fatalf("migrate to 9 = %d, %v; want 1, nil", n, err)
	}
	want := map[string]uint64{"v1": 9213313379652005903, "v2": 5821611121215398510}
	for _, table := range []string{"events", "visits"} {
		rows, err := d.QueryContext(ctx, "SELECT visitor_id, visitor_key FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var id string
			var key uint64
			if err := rows.Scan(&id, &key); err != nil {
				t.Fatal(err)
			}
			if key != want[id] {
				t.Errorf("%s: visitor %s has key %d, want %d", table, id, key, want[id])
			}
			n++
		}
		if err := rows.Err(); err != nil || n != 2 {
			t.Fatalf("%s: %d rows (%v), want 2", table, n, err)
		}
		rows.Close()
	}
}

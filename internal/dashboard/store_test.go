package dashboard

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/db/dbtest"
)

// TestPropertyNamesAreReusedForTheirTTL checks that the custom property
// names are read again once propertyTTL has passed, and not before.
func TestPropertyNamesAreReusedForTheirTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.Open(t)
	st, err := newStore(d)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	add := func(id, props string) {
		t.Helper()
		_, err := d.ExecContext(ctx, `INSERT INTO events (site_id, seq, event_id, ts, received_at, kind, name, visitor_id,
			visit_id, user_id, origin, interactive, hostname, pathname, referrer, source, channel, utm_source, utm_medium,
			utm_campaign, utm_term, utm_content, browser, browser_version, os, os_version, device, country, region, city,
			props, revenue_currency, engaged_ms, scroll_depth, visitor_key)
			VALUES ('site_a', 1, ?, ?, ?, 'custom', 'Signup', 'v1', 's1', '', 'tracker', true, 'a.example', '/', '', '',
			'Direct', '', '', '', '', '', 'Chrome', '', 'Linux', '', 'Desktop', 'DE', '', '', `+props+`, '', 0, 0, 1)`,
			id, now.Add(-time.Hour), now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
	}
	names := func(at time.Time) []string {
		t.Helper()
		got, err := st.propertyNames(ctx, "site_a", at, propertyLookback, maxPropertyNames)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	add("e1", "MAP {'plan': 'pro'}")
	if got := names(now); !slices.Equal(got, []string{"plan"}) {
		t.Fatalf("names = %q, want [plan]", got)
	}
	add("e2", "MAP {'size': 'xl', 'plan': 'team'}")
	if got := names(now.Add(propertyTTL - time.Second)); !slices.Equal(got, []string{"plan"}) {
		t.Fatalf("names within the TTL = %q, want the first answer [plan]", got)
	}
	if got := names(now.Add(propertyTTL)); !slices.Equal(got, []string{"plan", "size"}) {
		t.Fatalf("names after the TTL = %q, want [plan size]", got)
	}
	if got, err := st.propertyNames(ctx, "site_b", now, propertyLookback, maxPropertyNames); err != nil || len(got) != 0 {
		t.Fatalf("another site's names = %q, %v; want none", got, err)
	}
}

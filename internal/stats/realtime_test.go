package stats

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
	"github.com/mopshq/mops/internal/sites"
)

// realtimeNow is the moment the realtime fixture is looked at.
var realtimeNow = time.Date(2026, 3, 10, 12, 0, 30, 0, time.UTC)

// The realtime fixture, at 12:00:30 UTC; the window of current visitors
// is (11:55:30, 12:00:30], the chart's minutes 11:31 to 12:00.
//
//	A  visit Google (started 11:40)  pageview /pricing 11:40:00, pageview /signup 11:57:10, Signup 11:57:20
//	B  visit direct                   pageview / 11:58:00, pageview /pricing 11:59:59
//	C  visit Google                   pageview / 11:55:30 (the window's open end), engagement 11:56:00
//	D  visit Twitter                  Outbound Link: Click on /blog 12:00:10 (no pageview)
//	E  no visit                       identify 11:59:00
//	F  visit direct                   pageview / 12:00:40 (after now)
//	G  visit Bing                     pageview /old 11:30:00 (before the chart), 11:31:00
//	H  visit Google                   pageview /pricing 11:59:00
//	another site's visitor X          pageview /pricing 11:59:00
type realtimeEvent struct {
	site, visitor, visit, at, kind, name, path string
}

var realtimeFixture = []realtimeEvent{
	{"site_a", "A", "VA", "11:40:00", "pageview", "pageview", "/pricing"},
	{"site_a", "A", "VA", "11:57:10", "pageview", "pageview", "/signup"},
	{"site_a", "A", "VA", "11:57:20", "custom", "Signup", "/signup"},
	{"site_a", "B", "VB", "11:58:00", "pageview", "pageview", "/"},
	{"site_a", "B", "VB", "11:59:59", "pageview", "pageview", "/pricing"},
	{"site_a", "C", "VC", "11:55:30", "pageview", "pageview", "/"},
	{"site_a", "C", "VC", "11:56:00", "engagement", "engagement", "/"},
	{"site_a", "D", "VD", "12:00:10", "custom", "Outbound Link: Click", "/blog"},
	{"site_a", "E", "", "11:59:00", "identify", "identify", ""},
	{"site_a", "F", "VF", "12:00:40", "pageview", "pageview", "/"},
	{"site_a", "G", "VG", "11:30:00", "pageview", "pageview", "/old"},
	{"site_a", "G", "VG", "11:31:00", "pageview", "pageview", "/old"},
	{"site_a", "H", "VH", "11:59:00", "pageview", "pageview", "/pricing"},
	{"site_b", "X", "VX", "11:59:00", "pageview", "pageview", "/pricing"},
}

// realtimeVisitSources are the sources of the fixture's visits.
var realtimeVisitSources = map[string]string{"VA": "Google", "VB": "", "VC": "Google", "VD": "Twitter",
	"VF": "", "VG": "Bing", "VH": "Google", "VX": "Google"}

func loadRealtimeFixture(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	starts := map[string]time.Time{}
	sitesOf := map[string]string{}
	visitorOf := map[string]string{}
	for i, e := range realtimeFixture {
		at, err := time.Parse(time.DateTime, "2026-03-10 "+e.at)
		if err != nil {
			t.Fatal(err)
		}
		if e.visit != "" {
			if s, ok := starts[e.visit]; !ok || at.Before(s) {
				starts[e.visit] = at
			}
			sitesOf[e.visit], visitorOf[e.visit] = e.site, e.visitor
		}
		_, err = d.ExecContext(ctx, `INSERT INTO events (site_id, seq, event_id, ts, received_at, kind, name, visitor_id, visit_id,
			user_id, origin, interactive, hostname, pathname, referrer, source, channel, utm_source, utm_medium, utm_campaign,
			utm_term, utm_content, browser, browser_version, os, os_version, device, country, region, city, props,
			revenue_amount, revenue_currency, engaged_ms, scroll_depth, traits, visitor_key)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', 'tracker', true, 'acme.example', ?, '', '', '', '', '', '', '', '',
			'Chrome', '131', 'Linux', '', 'Desktop', 'DE', '', '', NULL, NULL, '', 0, 0, NULL, md5_number_lower(?))`,
			e.site, i+1, "ev"+string(rune('a'+i)), at, at, e.kind, e.name, e.visitor, e.visit, e.path, e.visitor)
		if err != nil {
			t.Fatal(err)
		}
	}
	// Only the columns the realtime view reads matter; the rest are
	// plausible placeholders.
	for visit, start := range starts {
		_, err := d.ExecContext(ctx, `INSERT INTO visits VALUES (?, ?, ?, '', ?, ?, '/', '/', 'acme.example', '', ?, '',
			'', '', '', '', '', 'Chrome', 'Linux', 'Desktop', 'DE', '', '', 1, 1, 1, false, 0, ?, md5_number_lower(?))`,
			visit, sitesOf[visit], visitorOf[visit], start, start, realtimeVisitSources[visit], start, visitorOf[visit])
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestRealtimeByHand(t *testing.T) {
	d := dbtest.Open(t)
	loadRealtimeFixture(t, d)
	svc := NewService(d)
	site := &sites.Site{ID: "site_a", WorkspaceID: "ws_a", Domain: "acme.example", Timezone: "Europe/Berlin"}

	rt, err := svc.Realtime(context.Background(), site, realtimeNow)
	if err != nil {
		t.Fatal(err)
	}
	// Current: A (11:57), B (11:58, 11:59), D (12:00:10, a custom event), H
	// (11:59). Not C (11:55:30 is the window's open end; engagement is not
	// an event), E (identify), F (after now), G (too early), X (other site).
	if rt.Visitors != 4 {
		t.Errorf("visitors = %d, want 4", rt.Visitors)
	}
	// Pageviews in the window: /pricing by B and H, / by B, /signup by A.
	wantPages := []RealtimeCount{{"/pricing", 2}, {"/", 1}, {"/signup", 1}}
	if !reflect.DeepEqual(rt.Pages, wantPages) {
		t.Errorf("pages = %+v, want %+v", rt.Pages, wantPages)
	}
	// Sources of the current visitors' visits: Google (A, whose visit began
	// at 11:40, and H), direct (B), Twitter (D).
	wantSources := []RealtimeCount{{"Google", 2}, {"", 1}, {"Twitter", 1}}
	if !reflect.DeepEqual(rt.Sources, wantSources) {
		t.Errorf("sources = %+v, want %+v", rt.Sources, wantSources)
	}

	// Pageviews by minute from 11:31 to 12:00: G 11:31, A 11:40, C 11:55,
	// A 11:57, B 11:58, B and H 11:59; F (12:00:40) is after now.
	want := map[string]int{"11:31": 1, "11:40": 1, "11:55": 1, "11:57": 1, "11:58": 1, "11:59": 2}
	if len(rt.Minutes) != RealtimeMinutes {
		t.Fatalf("%d minutes, want %d", len(rt.Minutes), RealtimeMinutes)
	}
	if first, last := rt.Minutes[0].Minute, rt.Minutes[len(rt.Minutes)-1].Minute; !first.Equal(time.Date(2026, 3, 10, 11, 31, 0, 0, time.UTC)) ||
		!last.Equal(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("minutes run from %s to %s, want 11:31 to 12:00", first, last)
	}
	for _, m := range rt.Minutes {
		if got := m.Pageviews; got != want[m.Minute.Format("15:04")] {
			t.Errorf("pageviews in minute %s = %d, want %d", m.Minute.Format("15:04"), got, want[m.Minute.Format("15:04")])
		}
	}
	if rt.Pageviews != 7 {
		t.Errorf("pageviews = %d, want 7", rt.Pageviews)
	}

	// Four and a half minutes later the window is (12:00:00, 12:05:00]: D
	// and F (whose pageview at 12:00:40 is no longer in the future).
	later, err := svc.Realtime(context.Background(), site, realtimeNow.Add(270*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if later.Visitors != 2 || !reflect.DeepEqual(later.Pages, []RealtimeCount{{"/", 1}}) ||
		!reflect.DeepEqual(later.Sources, []RealtimeCount{{"", 1}, {"Twitter", 1}}) {
		t.Errorf("at 12:05: %d visitors, pages %+v, sources %+v; want D and F, F on / (direct), D from Twitter",
			later.Visitors, later.Pages, later.Sources)
	}
	// The chart has slid to 11:36–12:05: G's 11:31 is out, F's 12:00:40 in.
	if later.Pageviews != 7 || later.Minutes[len(later.Minutes)-1].Pageviews != 0 || later.Minutes[24].Pageviews != 1 {
		t.Errorf("at 12:05: %d pageviews (want 7), minutes %+v", later.Pageviews, later.Minutes)
	}

	// A site without events has zeros, not nulls.
	empty, err := svc.Realtime(context.Background(), &sites.Site{ID: "site_none", Domain: "none.example"}, realtimeNow)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Visitors != 0 || empty.Pages == nil || len(empty.Pages) != 0 || empty.Sources == nil || len(empty.Minutes) != RealtimeMinutes || empty.Pageviews != 0 {
		t.Errorf("empty site: %+v", empty)
	}
}

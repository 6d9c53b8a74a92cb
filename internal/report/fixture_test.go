package report

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/stats"
)

// The fixture: a site in Berlin (UTC+1 in winter), reported for "7d" on
// Monday 12 Jan 2026, i.e. 5–11 Jan, against 29 Dec – 4 Jan. Times are
// UTC; every expected number in the tests is counted by hand from this
// table.
//
//	visit visitor start (UTC)       source   device   country pages               duration
//	V1    A       2026-01-05 09:00  Google   Desktop  DE      / → /pricing        120 s
//	V2    B       2026-01-05 10:00  Google   Mobile   US      /blog               bounce
//	V3    A       2026-01-07 08:00  Direct   Desktop  DE      /pricing → /signup  300 s (+ Signup event)
//	V4    C       2026-01-11 22:30  Twitter  Mobile   FR      /blog               bounce (23:30 on 11 Jan in Berlin)
//	V5    D       2026-01-11 23:30  Google   Desktop  US      /                   bounce (00:30 on 12 Jan: today, not reported)
//	G1    G       2026-01-04 23:30  Bing     Tablet   AT      /blog               bounce (00:30 on 5 Jan: reported)
//	P1    E       2026-01-02 12:00  Google   Desktop  DE      /                   bounce (previous period)
//	P2    F       2026-01-03 12:00  Direct   Desktop  GB      / → /pricing        60 s (previous period)
type fixtureVisit struct {
	id, visitor, start, source, device, country string
	pages                                       []string
	custom                                      []string
	duration                                    int
}

var fixture = []fixtureVisit{
	{"V1", "A", "2026-01-05 09:00:00", "Google", "Desktop", "DE", []string{"/", "/pricing"}, nil, 120},
	{"V2", "B", "2026-01-05 10:00:00", "Google", "Mobile", "US", []string{"/blog"}, nil, 0},
	{"V3", "A", "2026-01-07 08:00:00", "Direct", "Desktop", "DE", []string{"/pricing", "/signup"}, []string{"Signup"}, 300},
	{"V4", "C", "2026-01-11 22:30:00", "Twitter", "Mobile", "FR", []string{"/blog"}, nil, 0},
	{"V5", "D", "2026-01-11 23:30:00", "Google", "Desktop", "US", []string{"/"}, nil, 0},
	{"G1", "G", "2026-01-04 23:30:00", "Bing", "Tablet", "AT", []string{"/blog"}, nil, 0},
	{"P1", "E", "2026-01-02 12:00:00", "Google", "Desktop", "DE", []string{"/"}, nil, 0},
	{"P2", "F", "2026-01-03 12:00:00", "Direct", "Desktop", "GB", []string{"/", "/pricing"}, nil, 60},
}

// fixtureNow is when the fixture's report is made: Monday 12 Jan 2026,
// 08:00 in Berlin.
var fixtureNow = time.Date(2026, 1, 12, 7, 0, 0, 0, time.UTC)

var channels = map[string]string{"Google": "Organic Search", "Bing": "Organic Search", "Direct": "Direct", "Twitter": "Organic Social"}

// insertVisits writes visits and their events into the warehouse tables
// the way the loader would.
func insertVisits(t testing.TB, d *db.DB, siteID string, visits []fixtureVisit) {
	t.Helper()
	ctx := context.Background()
	for _, v := range visits {
		start, err := time.Parse(time.DateTime, v.start)
		if err != nil {
			t.Fatal(err)
		}
		visitID := siteID + "-" + v.id
		at := start
		step := time.Duration(0)
		if len(v.pages) > 1 {
			step = time.Duration(v.duration) * time.Second / time.Duration(len(v.pages)-1)
		}
		seq := 0
		event := func(kind, name, path string, ts time.Time) {
			seq++
			_, err := d.ExecContext(ctx, `INSERT INTO events (site_id, seq, event_id, ts, received_at, kind, name, visitor_id, visit_id,
				user_id, origin, interactive, hostname, pathname, referrer, source, channel, utm_source, utm_medium, utm_campaign,
				utm_term, utm_content, browser, browser_version, os, os_version, device, country, region, city, props,
				revenue_amount, revenue_currency, engaged_ms, scroll_depth, traits, visitor_key)
				VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, '', 'tracker', true, 'acme.example', ?, '', ?, ?, '', '', '', '', '',
				'Firefox', '134', 'Linux', '', ?, ?, '', '', NULL, NULL, '', 0, 0, NULL, md5_number_lower(?))`,
				siteID, fmt.Sprintf("%s-%d", visitID, seq), ts, ts, kind, name, v.visitor, visitID,
				path, v.source, channels[v.source], v.device, v.country, v.visitor)
			if err != nil {
				t.Fatal(err)
			}
		}
		for i, p := range v.pages {
			event("pageview", "pageview", p, at)
			if i < len(v.pages)-1 {
				at = at.Add(step)
			}
		}
		for _, name := range v.custom {
			event("custom", name, v.pages[len(v.pages)-1], at)
		}
		n := len(v.pages)
		_, err = d.ExecContext(ctx, `INSERT INTO visits (visit_id, site_id, visitor_id, user_id, started_at, ended_at, entry_page,
			exit_page, hostname, referrer, source, channel, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
			browser, os, device, country, region, city, pageviews, events, interactions, is_bounce, duration_s, updated_at, visitor_key)
			VALUES (?, ?, ?, '', ?, ?, ?, ?, 'acme.example', '', ?, ?, '', '', '', '', '', 'Firefox', 'Linux', ?, ?, '', '',
			?, ?, ?, ?, ?, ?, md5_number_lower(?))`,
			visitID, siteID, v.visitor, start, start.Add(time.Duration(v.duration)*time.Second), v.pages[0], v.pages[n-1],
			v.source, channels[v.source], v.device, v.country, n, n+len(v.custom), n+len(v.custom),
			n == 1 && len(v.custom) == 0, v.duration, start, v.visitor)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// newFixture returns the stats engine over a fresh warehouse holding the
// fixture for the Berlin site, plus a copy of it under another site that
// must never be counted.
func newFixture(t testing.TB) (*db.DB, *stats.Service, *sites.Site) {
	t.Helper()
	d := dbtest.Open(t)
	site := &sites.Site{ID: "site_berlin", WorkspaceID: "ws_a", Domain: "acme.example", Timezone: "Europe/Berlin", Currency: "EUR"}
	insertVisits(t, d, site.ID, fixture)
	insertVisits(t, d, "site_other", fixture)
	return d, stats.NewService(d), site
}

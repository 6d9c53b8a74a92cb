package stats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
	"github.com/mopshq/mops/internal/sites"
)

// The fixture: five visits of four visitors on a site in Berlin (UTC+1
// in January). Every expected value below is counted by hand from it.
//
//	V1 A  2026-01-05 09:00 UTC  Google/Organic Search  Desktop DE  / → /blog → /pricing (+ outbound click)  3 pv, 4 ev, 120 s
//	V2 B  2026-01-05 10:00 UTC  Google/Organic Search  Mobile  US  /blog                       1 pv, bounce
//	V3 A  2026-01-06 08:00 UTC  Direct                 Desktop DE  /pricing → /signup (+ Signup plan=pro)  2 pv, 3 ev, 300 s
//	V4 C  2026-01-06 23:30 UTC  Twitter/Organic Social Mobile  FR  /blog   (00:30 on Jan 7 in Berlin)  bounce
//	V5 D  2026-01-04 22:30 UTC  Google/Organic Search  Desktop US  /       (23:30 on Jan 4 in Berlin)  bounce
//
// plus an engagement event in V1 and an identify of A, which are not
// events.
type fixtureVisit struct {
	id, visitor, start, source, channel, device, country string
	bounce                                               bool
	duration                                             int
	events                                               []fixtureEvent
}

type fixtureEvent struct {
	at, kind, name, path string
	props                map[string]string
}

var fixture = []fixtureVisit{
	{"V1", "A", "2026-01-05 09:00:00", "Google", "Organic Search", "Desktop", "DE", false, 120, []fixtureEvent{
		{"09:00:00", "pageview", "pageview", "/", nil},
		{"09:01:00", "pageview", "pageview", "/blog", nil},
		{"09:01:30", "engagement", "engagement", "/blog", nil},
		{"09:02:00", "pageview", "pageview", "/pricing", nil},
		{"09:02:00", "custom", "Outbound Link: Click", "/pricing", map[string]string{"url": "https://x.example/"}},
	}},
	{"V2", "B", "2026-01-05 10:00:00", "Google", "Organic Search", "Mobile", "US", true, 0, []fixtureEvent{
		{"10:00:00", "pageview", "pageview", "/blog", nil},
	}},
	{"V3", "A", "2026-01-06 08:00:00", "Direct", "Direct", "Desktop", "DE", false, 300, []fixtureEvent{
		{"08:00:00", "pageview", "pageview", "/pricing", nil},
		{"08:05:00", "pageview", "pageview", "/signup", nil},
		{"08:05:00", "custom", "Signup", "/signup", map[string]string{"plan": "pro"}},
		{"08:05:00", "identify", "identify", "", nil},
	}},
	{"V4", "C", "2026-01-06 23:30:00", "Twitter", "Organic Social", "Mobile", "FR", true, 0, []fixtureEvent{
		{"23:30:00", "pageview", "pageview", "/blog", nil},
	}},
	{"V5", "D", "2026-01-04 22:30:00", "Google", "Organic Search", "Desktop", "US", true, 0, []fixtureEvent{
		{"22:30:00", "pageview", "pageview", "/", nil},
	}},
}

func loadFixture(t *testing.T, d *db.DB, siteID string) {
	t.Helper()
	ctx := context.Background()
	for _, v := range fixture {
		start, err := time.Parse(time.DateTime, v.start)
		if err != nil {
			t.Fatal(err)
		}
		var pv, ev int
		var entry, exit string
		for _, e := range v.events {
			at, _ := time.Parse(time.DateTime, start.Format(time.DateOnly)+" "+e.at)
			visitID := v.id
			if e.kind == "identify" {
				visitID = ""
			}
			props := "NULL"
			if e.props != nil {
				var kv []string
				for k, val := range e.props {
					kv = append(kv, fmt.Sprintf("'%s': '%s'", k, val))
				}
				props = "MAP {" + strings.Join(kv, ", ") + "}"
			}
			_, err := d.ExecContext(ctx, `INSERT INTO events (site_id, seq, event_id, ts, received_at, kind, name, visitor_id, visit_id,
				user_id, origin, interactive, hostname, pathname, referrer, source, channel, utm_source, utm_medium, utm_campaign,
				utm_term, utm_content, browser, browser_version, os, os_version, device, country, region, city, props,
				revenue_amount, revenue_currency, engaged_ms, scroll_depth, traits, visitor_key)
				VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, '', 'tracker', ?, 'acme.example', ?, '', ?, ?, '', '', '', '', '', 'Chrome', '131',
				'Linux', '', ?, ?, '', '', `+props+`, NULL, '', 0, 0, NULL, md5_number_lower(?))`,
				siteID, fmt.Sprintf("%s-%s-%s", v.id, e.at, e.name), at, at, e.kind, e.name, v.visitor, visitID,
				e.kind != "engagement", e.path, v.source, v.channel, v.device, v.country, v.visitor)
			if err != nil {
				t.Fatal(err)
			}
			switch e.kind {
			case "pageview":
				pv++
				ev++
				if entry == "" {
					entry = e.path
				}
				exit = e.path
			case "custom":
				ev++
			}
		}
		_, err = d.ExecContext(ctx, `INSERT INTO visits VALUES (?, ?, ?, '', ?, ?, ?, ?, 'acme.example', '', ?, ?, '', '', '', '', '',
			'Chrome', 'Linux', ?, ?, '', '', ?, ?, ?, ?, ?, ?, md5_number_lower(?))`,
			v.id, siteID, v.visitor, start, start.Add(time.Duration(v.duration)*time.Second), entry, exit, v.source, v.channel,
			v.device, v.country, pv, ev, ev, v.bounce, v.duration, start, v.visitor)
		if err != nil {
			t.Fatal(err)
		}
	}
}

func newFixture(t *testing.T) (*Service, *sites.Site) {
	t.Helper()
	d := dbtest.Open(t)
	site := &sites.Site{ID: "site_a", WorkspaceID: "ws_a", Domain: "acme.example", Timezone: "Europe/Berlin", Currency: "EUR"}
	loadFixture(t, d, site.ID)
	// Another site's event on the same day must never be counted.
	_, err := d.Exec(`INSERT INTO visits SELECT * REPLACE ('site_b' AS site_id, 'X' || visit_id AS visit_id) FROM visits WHERE visit_id = 'V1'`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`INSERT INTO events SELECT * REPLACE ('site_b' AS site_id, 'X' || visit_id AS visit_id) FROM events WHERE visit_id = 'V1'`); err != nil {
		t.Fatal(err)
	}
	svc := NewService(d)
	svc.now = func() time.Time { return time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC) }
	return svc, site
}

func run(t *testing.T, svc *Service, site *sites.Site, query string) *Result {
	t.Helper()
	q, err := ParseQuery(strings.NewReader(query))
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	res, err := svc.Run(context.Background(), site, q)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return res
}

// rows renders results compactly: "dim1|dim2=m1,m2".
func rows(res *Result) []string {
	var out []string
	for _, r := range res.Results {
		var ms []string
		for _, m := range r.Metrics {
			ms = append(ms, fmt.Sprint(m))
		}
		out = append(out, strings.Join(r.Dimensions, "|")+"="+strings.Join(ms, ","))
	}
	return out
}

const jan56 = `"date_range": ["2026-01-05", "2026-01-06"]`

func TestMetricsByHand(t *testing.T) {
	svc, site := newFixture(t)
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"aggregate", `{"metrics": ["visitors", "visits", "pageviews", "events", "bounce_rate", "visit_duration", "views_per_visit"], ` + jan56 + `}`,
			// V1, V2, V3 started on Jan 5–6 in Berlin; V4 (Jan 7) and V5 (Jan 4) did not.
			// visitors A, B; pageviews 3+1+2; events 4+1+3; bounce 1 of 3; duration (120+0+300)/3; 6/3 views per visit.
			[]string{"=2,3,6,8,33,140,2"}},
		{"by day in Berlin", `{"metrics": ["visitors"], "date_range": ["2026-01-04", "2026-01-07"], "dimensions": ["time:day"]}`,
			[]string{"2026-01-04=1", "2026-01-05=2", "2026-01-06=1", "2026-01-07=1"}},
		{"by week, first bucket from the range's first day", `{"metrics": ["visitors"], "date_range": ["2026-01-01", "2026-01-14"], "dimensions": ["time:week"]}`,
			[]string{"2026-01-01=1", "2026-01-05=3"}},
		{"by hour", `{"metrics": ["visitors"], "date_range": ["2026-01-07", "2026-01-07"], "dimensions": ["time"]}`,
			[]string{"2026-01-07 00:00:00=1"}},
		{"by source", `{"metrics": ["visitors", "visits", "bounce_rate"], ` + jan56 + `, "dimensions": ["visit:source"]}`,
			[]string{"Google=2,2,50", "Direct=1,1,0"}},
		{"percentage", `{"metrics": ["visitors", "percentage"], ` + jan56 + `, "dimensions": ["visit:source"]}`,
			[]string{"Google=2,100", "Direct=1,50"}},
		{"by page: events of the period, bounce of the visits entering there", `{"metrics": ["visitors", "pageviews", "bounce_rate"], ` + jan56 + `, "dimensions": ["event:page"]}`,
			[]string{"/blog=2,2,100", "/=1,1,0", "/pricing=1,2,0", "/signup=1,1,0"}},
		{"page filter", `{"metrics": ["visitors", "visits", "pageviews", "bounce_rate"], ` + jan56 + `, "filters": [["is", "event:page", ["/blog"]]]}`,
			// /blog pageviews of A (V1) and B (V2); visits V1 and V2 include one; only V2 entered there, and bounced.
			[]string{"=2,2,2,100"}},
		{"pages of Google visits", `{"metrics": ["visitors", "pageviews"], ` + jan56 + `, "dimensions": ["event:page"], "filters": [["is", "visit:source", ["Google"]]]}`,
			[]string{"/blog=2,2", "/=1,1", "/pricing=1,1"}},
		{"by event name", `{"metrics": ["visitors", "events"], ` + jan56 + `, "dimensions": ["event:name"]}`,
			[]string{"pageview=2,6", "Outbound Link: Click=1,1", "Signup=1,1"}},
		{"props of a goal", `{"metrics": ["visitors", "events"], ` + jan56 + `, "dimensions": ["event:props:plan"], "filters": [["is", "event:name", ["Signup"]]]}`,
			[]string{"pro=1,1"}},
		{"props, none", `{"metrics": ["events"], ` + jan56 + `, "dimensions": ["event:props:plan"], "filters": [["is", "event:name", ["pageview"]]]}`,
			[]string{"(none)=6"}},
		{"has_done", `{"metrics": ["visitors", "visits"], ` + jan56 + `, "filters": [["has_done", ["is", "event:name", ["Signup"]]]]}`,
			[]string{"=1,2"}},
		{"has_not_done", `{"metrics": ["visitors", "visits"], ` + jan56 + `, "filters": [["has_not_done", ["is", "event:name", ["Signup"]]]]}`,
			[]string{"=1,1"}},
		{"contains, caseless", `{"metrics": ["visitors"], ` + jan56 + `, "filters": [["contains", "visit:entry_page", ["BLOG"], {"case_sensitive": false}]]}`,
			[]string{"=1"}},
		{"contains is case-sensitive by default", `{"metrics": ["visitors"], ` + jan56 + `, "filters": [["contains", "visit:entry_page", ["BLOG"]]]}`,
			[]string{"=0"}},
		{"matches", `{"metrics": ["visitors", "pageviews"], ` + jan56 + `, "filters": [["matches", "event:page", ["^/(pricing|signup)$"]]]}`,
			[]string{"=1,3"}},
		{"is_not", `{"metrics": ["visits"], ` + jan56 + `, "filters": [["is_not", "visit:source", ["Google"]]]}`,
			[]string{"=1"}},
		{"or", `{"metrics": ["visits"], ` + jan56 + `, "filters": [["or", [["is", "visit:device", ["Mobile"]], ["is", "visit:country", ["DE"]]]]]}`,
			[]string{"=3"}},
		{"not", `{"metrics": ["visits"], ` + jan56 + `, "filters": [["not", ["is", "visit:country", ["DE"]]]]}`,
			[]string{"=1"}},
		{"order and pagination", `{"metrics": ["visitors"], ` + jan56 + `, "dimensions": ["event:page"], "order_by": [["event:page", "desc"]], "pagination": {"limit": 2, "offset": 1}}`,
			[]string{"/pricing=1", "/blog=2"}},
		{"nothing in the period", `{"metrics": ["visitors", "bounce_rate"], "date_range": ["2025-01-01", "2025-01-31"]}`,
			[]string{"=0,0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, svc, site, `{"site_id": "acme.example", `+strings.TrimPrefix(tc.query, "{"))
			if got := rows(res); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestComparisonAndLabels(t *testing.T) {
	svc, site := newFixture(t)
	res := run(t, svc, site, `{"site_id": "acme.example", "metrics": ["visitors", "bounce_rate"], "date_range": ["2026-01-06", "2026-01-06"],
		"include": {"comparisons": {"mode": "previous_period"}}}`)
	// Jan 6: V3 (A), no bounce. Jan 5: V1 (A), V2 (B): 2 visitors, bounce 50.
	c := res.Results[0].Comparison
	if got := rows(res); !reflect.DeepEqual(got, []string{"=1,0"}) || c == nil ||
		!reflect.DeepEqual(c.Metrics, []float64{2, 50}) || *c.Change[0] != -50 || *c.Change[1] != -50 {
		t.Fatalf("comparison: %q %+v", rows(res), c)
	}
	if res.Query.Comparison == nil || res.Query.Comparison[0] != "2026-01-05T00:00:00+01:00" {
		t.Errorf("comparison range %v", res.Query.Comparison)
	}

	res = run(t, svc, site, `{"site_id": "acme.example", "metrics": ["visitors"], "date_range": ["2026-01-05", "2026-01-06"],
		"dimensions": ["time:day"], "include": {"time_labels": true, "total_rows": true, "comparisons": {"mode": "previous_period"}}}`)
	if !reflect.DeepEqual(res.Meta.TimeLabels, []string{"2026-01-05", "2026-01-06"}) || *res.Meta.TotalRows != 2 {
		t.Errorf("meta %+v", res.Meta)
	}
	// Jan 5 compares with Jan 3 (nothing), Jan 6 with Jan 4 (V5).
	if c := res.Results[1].Comparison; c.Dimensions[0] != "2026-01-04" || c.Metrics[0] != 1 || *c.Change[0] != 0 {
		t.Errorf("second bucket compared with %+v", c)
	}
	if c := res.Results[0].Comparison; c.Dimensions[0] != "2026-01-03" || c.Change[0] != nil {
		t.Errorf("first bucket compared with %+v", c)
	}
	if got := res.Query.DateRange; got != [2]string{"2026-01-05T00:00:00+01:00", "2026-01-06T23:59:59+01:00"} {
		t.Errorf("echoed range %v", got)
	}

	res = run(t, svc, site, `{"site_id": "acme.example", "metrics": ["visitors"], "date_range": "day", "dimensions": ["time:hour"], "include": {"time_labels": true}}`)
	if n := len(res.Meta.TimeLabels); n != 24 || res.Meta.TimeLabels[0] != "2026-01-10 00:00:00" {
		t.Errorf("hour labels of a day: %d, first %q", n, res.Meta.TimeLabels[0])
	}
}

func TestRelativeRanges(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC) // the day clocks go forward in Berlin
	for _, tc := range []struct{ name, first, last string }{
		{"day", "2026-03-29T00:00:00+01:00", "2026-03-29T23:59:59+02:00"},
		{"7d", "2026-03-22T00:00:00+01:00", "2026-03-28T23:59:59+01:00"},
		{"30d", "2026-02-27T00:00:00+01:00", "2026-03-28T23:59:59+01:00"},
		{"month", "2026-03-01T00:00:00+01:00", "2026-03-31T23:59:59+02:00"},
		{"6mo", "2025-10-01T00:00:00+02:00", "2026-03-31T23:59:59+02:00"},
		{"12mo", "2025-04-01T00:00:00+02:00", "2026-03-31T23:59:59+02:00"},
		{"year", "2026-01-01T00:00:00+01:00", "2026-12-31T23:59:59+01:00"},
		{"24h", "2026-03-28T13:00:00+01:00", "2026-03-29T13:59:59+02:00"},
	} {
		p, err := resolveRange(json.RawMessage(`"`+tc.name+`"`), berlin, now, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if p.first() != tc.first || p.last() != tc.last {
			t.Errorf("%s: %s – %s, want %s – %s", tc.name, p.first(), p.last(), tc.first, tc.last)
		}
	}
}

func TestInvalidQueries(t *testing.T) {
	svc, site := newFixture(t)
	for _, tc := range []struct{ query, want string }{
		{`{"metrics": ["visitorz"], ` + jan56 + `}`, `unknown metric "visitorz"`},
		{`{"metrics": [], ` + jan56 + `}`, `at least one metric`},
		{`{"metrics": ["visitors"]}`, `date_range is required`},
		{`{"metrics": ["visitors"], "date_range": "8d"}`, `unknown date_range "8d"`},
		{`{"metrics": ["visitors"], "date_range": ["2026-02-01", "2026-01-01"]}`, `is before`},
		{`{"metrics": ["visitors"], "date_range": ["2026-02-01", "yesterday"]}`, `"yesterday" is not a date`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "dimensions": ["visit:shoe_size"]}`, `unknown dimension "visit:shoe_size"`},
		{`{"metrics": ["views_per_visit"], ` + jan56 + `, "dimensions": ["event:page"]}`, `views_per_visit cannot be queried with event dimensions`},
		{`{"metrics": ["views_per_visit"], ` + jan56 + `, "filters": [["is", "event:page", ["/"]]]}`, `filter on event:page`},
		{`{"metrics": ["bounce_rate"], ` + jan56 + `, "dimensions": ["event:name"]}`, `session metric bounce_rate cannot be queried with event dimension event:name`},
		{`{"metrics": ["percentage"], ` + jan56 + `}`, `percentage needs a dimension`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "filters": [["matches", "event:page", ["(unclosed"]]]}`, `filters[0]: "(unclosed" is not a valid regular expression`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "filters": [["is", "visit:source"]]}`, `filters[0]: "is" takes a dimension`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "filters": [["equals", "visit:source", ["x"]]]}`, `unknown operator "equals"`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "filters": [["or", [["is", "visit:source", ["x"]], ["is", "event:page", ["/"]]]]]}`, `cannot mix visit and event dimensions`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "filters": [["has_done", ["is", "visit:source", ["x"]]]]}`, `"has_done" takes a filter on event dimensions`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "dimensions": ["time:day", "time:hour"]}`, `only one time dimension`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "order_by": [["pageviews", "desc"]]}`, `"pageviews" is neither a metric nor a dimension`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "pagination": {"limit": 0}}`, `pagination.limit`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "include": {"time_labels": true}}`, `time_labels needs a time dimension`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "include": {"comparisons": {"mode": "last_week"}}}`, `unknown mode "last_week"`},
		{`{"metrics": ["visitors"], ` + jan56 + `, "sort": "x"}`, `unknown field "sort"`},
		{`{"metrics": "visitors", ` + jan56 + `}`, `field metrics must be an array`},
		{`{"metrics": ["visitors"], `, `malformed JSON`},
	} {
		q, err := ParseQuery(strings.NewReader(`{"site_id": "acme.example", ` + strings.TrimPrefix(tc.query, "{")))
		if err == nil {
			_, err = svc.Run(context.Background(), site, q)
		}
		var ie *InvalidError
		if !errors.As(err, &ie) || !strings.Contains(ie.Message, tc.want) {
			t.Errorf("%s: error %v, want an InvalidError containing %q", tc.query, err, tc.want)
		}
	}
}

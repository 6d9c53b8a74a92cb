package stats

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mopshq/mops/internal/goals"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/sites"
)

// newGoalFixture is the fixture plus purchases, engagement and goals:
//
//	V1 A  09:03 Purchase 10.10 EUR;  /blog engagement 45 s at 80 % and 15 s at 90 %
//	V2 B  10:01 Purchase 20.00 USD;  /blog engagement 10 s at 20 %
//	V3 A  08:06 Purchase 49.90 EUR;  /pricing engagement 30 s at 40 %
//
// Goals: Signup (event), Purchase (event, EUR), Donation (event "Donate",
// USD, never reached), Visit /blog (page), Visit /p* (page).
func newGoalFixture(t *testing.T) (*Service, *sites.Site) {
	t.Helper()
	svc, site := newFixture(t)
	ctx := context.Background()
	// Copies of V1's first pageview (the other columns do not matter here)
	// turned into the extra events.
	extra := []struct {
		visit, at, kind, name, path string
		amount                      any
		currency                    string
		engagedMS, depth            int
	}{
		{"V1", "2026-01-05 09:03:00", "custom", "Purchase", "/pricing", 10.10, "EUR", 0, 0},
		{"V2", "2026-01-05 10:01:00", "custom", "Purchase", "/blog", 20.00, "USD", 0, 0},
		{"V3", "2026-01-06 08:06:00", "custom", "Purchase", "/signup", 49.90, "EUR", 0, 0},
		{"V1", "2026-01-05 09:01:40", "engagement", "engagement", "/blog", nil, "", 15000, 90},
		{"V2", "2026-01-05 10:00:10", "engagement", "engagement", "/blog", nil, "", 10000, 20},
		{"V3", "2026-01-06 08:04:00", "engagement", "engagement", "/pricing", nil, "", 30000, 40},
	}
	visitors := map[string]string{"V1": "A", "V2": "B", "V3": "A"}
	for i, e := range extra {
		_, err := svc.db.ExecContext(ctx, `INSERT INTO events SELECT * REPLACE (? AS event_id, ? AS visit_id, ? AS visitor_id,
			CAST(? AS TIMESTAMP) AS ts, ? AS kind, ? AS name, ? AS pathname, CAST(? AS DECIMAL(18, 4)) AS revenue_amount,
			? AS revenue_currency, ? AS engaged_ms, CAST(? AS SMALLINT) AS scroll_depth, md5_number_lower(?) AS visitor_key)
			FROM events WHERE site_id = ? AND visit_id = 'V1' AND kind = 'pageview' AND pathname = '/'`,
			"x"+string(rune('a'+i)), e.visit, visitors[e.visit], e.at, e.kind, e.name, e.path, e.amount, e.currency,
			e.engagedMS, e.depth, visitors[e.visit], site.ID)
		if err != nil {
			t.Fatal(err)
		}
	}
	// The fixture's own engagement event of V1 on /blog: 45 s at 80 %.
	if _, err := svc.db.ExecContext(ctx, `UPDATE events SET engaged_ms = 45000, scroll_depth = 80
		WHERE site_id = ? AND visit_id = 'V1' AND kind = 'engagement' AND engaged_ms = 0`, site.ID); err != nil {
		t.Fatal(err)
	}
	gs := goals.NewService(svc.db, auditNothing{})
	for _, in := range []goals.Input{
		{EventName: "Signup"},
		{EventName: "Purchase", Currency: "EUR"},
		{EventName: "Donate", Currency: "USD", DisplayName: "Donation"},
		{PagePath: "/blog"},
		{PagePath: "/p*"},
	} {
		if _, err := gs.Create(ctx, auth.Actor{Type: auth.ActorSystem, Name: "test"}, site.WorkspaceID, site.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	return svc, site
}

type auditNothing struct{}

func (auditNothing) Record(context.Context, db.Querier, string, auth.Actor, string, string, string, any, any) error {
	return nil
}

// jan47 holds all five visits: A, B, C, D.
const jan47 = `"date_range": ["2026-01-04", "2026-01-07"]`

func TestGoalsAndEngagementByHand(t *testing.T) {
	svc, site := newGoalFixture(t)
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"goals", `{"metrics": ["visitors", "events", "conversion_rate", "total_revenue", "average_revenue"], ` + jan47 + `, "dimensions": ["event:goal"]}`,
			// Visit /blog: pageviews of A (V1), B (V2), C (V4): 3 of 4 visitors. Purchase: A twice, B once; 10.10 + 49.90 EUR
			// (B's USD is not the goal's currency), averaged over the two EUR purchases. Signup: A. Visit /p*: /pricing of V1 and V3 (A).
			[]string{"Visit /blog=3,3,75,0,0", "Purchase=2,3,50,60,30", "Signup=1,1,25,0,0", "Visit /p*=1,2,25,0,0"}},
		{"goal filter by source", `{"metrics": ["visitors", "conversion_rate", "group_conversion_rate"], ` + jan47 + `, "dimensions": ["visit:source"], "filters": [["is", "event:goal", ["Visit /blog"]]]}`,
			// Google visitors A, B, D; A and B read /blog: 2 of 3. Twitter: C of C.
			[]string{"Google=2,50,66.67", "Twitter=1,25,100"}},
		{"one goal's revenue", `{"metrics": ["visitors", "total_revenue", "average_revenue"], ` + jan47 + `, "filters": [["is", "event:goal", ["Purchase", "Signup"]]]}`,
			[]string{"=2,60,30"}},
		{"goal filter on visits", `{"metrics": ["visitors", "visits", "bounce_rate"], ` + jan47 + `, "filters": [["is", "event:goal", ["Signup"]]]}`,
			[]string{"=1,1,0"}},
		{"has_done a goal", `{"metrics": ["visitors", "visits"], ` + jan47 + `, "filters": [["has_done", ["is", "event:goal", ["Signup"]]]]}`,
			[]string{"=1,2"}},
		{"goal contains, caseless", `{"metrics": ["events"], ` + jan47 + `, "filters": [["contains", "event:goal", ["VISIT"], {"case_sensitive": false}]]}`,
			// /blog ×3 and /pricing ×2 pageviews.
			[]string{"=5"}},
		{"time on page and scroll depth by page", `{"metrics": ["visitors", "time_on_page", "scroll_depth"], ` + jan47 + `, "dimensions": ["event:page"], "filters": [["is", "event:page", ["/blog", "/pricing"]]]}`,
			// /blog: V1 45+15 s, deepest 90; V2 10 s at 20: (60+10)/2 s, (90+20)/2 %. /pricing: V3 30 s at 40.
			[]string{"/blog=3,35,55", "/pricing=1,30,40"}},
		{"time on page overall", `{"metrics": ["time_on_page", "scroll_depth"], ` + jan47 + `}`,
			// (60+10+30)/3 = 33.3 s; (90+20+40)/3 = 50 %.
			[]string{"=33,50"}},
		{"time on page by source", `{"metrics": ["visitors", "time_on_page"], ` + jan47 + `, "dimensions": ["visit:source"]}`,
			[]string{"Google=3,35", "Direct=1,30", "Twitter=1,0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, svc, site, `{"site_id": "acme.example", `+strings.TrimPrefix(tc.query, "{"))
			if got := rows(res); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestNoGoals: a site without goals has no conversions, whatever is asked.
func TestNoGoals(t *testing.T) {
	svc, site := newFixture(t)
	for _, q := range []string{
		`{"metrics": ["visitors", "events", "conversion_rate", "total_revenue"], ` + jan47 + `, "dimensions": ["event:goal"]}`,
		`{"metrics": ["visitors", "group_conversion_rate"], ` + jan47 + `, "dimensions": ["visit:source"], "filters": [["is", "event:goal", ["Signup"]]]}`,
	} {
		if got := rows(run(t, svc, site, q)); len(got) != 0 {
			t.Errorf("%s: %q, want no rows", q, got)
		}
	}
}

func TestGoalQueriesRefused(t *testing.T) {
	svc, site := newGoalFixture(t)
	for _, tc := range []struct{ query, want string }{
		{`{"metrics": ["conversion_rate"], ` + jan47 + `}`, "conversion_rate needs an event:goal dimension or an event:goal filter"},
		{`{"metrics": ["total_revenue"], ` + jan47 + `, "dimensions": ["visit:source"]}`, "total_revenue needs an event:goal"},
		{`{"metrics": ["total_revenue"], ` + jan47 + `, "filters": [["is", "event:goal", ["Purchase", "Donation"]]]}`, "one currency"},
		{`{"metrics": ["bounce_rate"], ` + jan47 + `, "dimensions": ["event:goal"]}`, "cannot be queried with event dimension event:goal"},
		{`{"metrics": ["time_on_page"], ` + jan47 + `, "dimensions": ["event:name"]}`, "time_on_page comes from page engagement and cannot be queried with event:name"},
		{`{"metrics": ["scroll_depth"], ` + jan47 + `, "filters": [["is", "event:goal", ["Signup"]]]}`, "cannot be queried with event:goal"},
		{`{"metrics": ["visitors"], ` + jan47 + `, "filters": [["matches", "event:goal", ["Sign.*"]]]}`, "matches cannot be used on event:goal"},
	} {
		q, err := ParseQuery(strings.NewReader(tc.query))
		if err == nil {
			_, err = svc.Run(context.Background(), site, q)
		}
		var ie *InvalidError
		if !errors.As(err, &ie) || !strings.Contains(ie.Message, tc.want) {
			t.Errorf("%s: got %v, want an invalid-query error containing %q", tc.query, err, tc.want)
		}
	}
}

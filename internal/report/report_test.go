package report

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// ptr formats an optional number for comparisons ("nil" when absent).
func ptr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func TestBuildByHand(t *testing.T) {
	_, svc, site := newFixture(t)
	r, err := Build(context.Background(), svc, site, "7d", fixtureNow)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Period.Label(), "5–11 Jan 2026"; got != want {
		t.Errorf("period %q, want %q", got, want)
	}
	if r.Previous == nil || r.Previous.Label() != "29 Dec 2025 – 4 Jan 2026" {
		t.Fatalf("previous period %+v", r.Previous)
	}

	// Reported visits: V1, V2, V3, V4 and G1 (00:30 on 5 Jan in Berlin);
	// V5 is already 12 Jan there. Previous: P1, P2.
	//   visitors  A B C G = 4            before E F = 2        +100%
	//   visits    5                      before 2              +150%
	//   pageviews 2+1+2+1+1 = 7          before 1+2 = 3        +133% (133.3)
	//   views/visit 7/5 = 1.4            before 3/2 = 1.5      −7% (−6.7)
	//   bounce    V2 V4 G1 = 3/5 = 60%   before P1 = 1/2 = 50% +10 points
	//   duration  (120+300)/5 = 84 s     before 60/2 = 30 s    +180%
	want := []string{
		"visitors=4 before 2 change 100",
		"visits=5 before 2 change 150",
		"pageviews=7 before 3 change 133",
		"views_per_visit=1.4 before 1.5 change -7",
		"bounce_rate=60 before 50 change 10",
		"visit_duration=84 before 30 change 180",
	}
	var got []string
	for _, m := range r.Totals {
		got = append(got, fmt.Sprintf("%s=%v before %s change %s", m.Key, m.Value, ptr(m.Previous), ptr(m.Change)))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals\n got %q\nwant %q", got, want)
	}

	// Visitors per Berlin day, 5–11 Jan: 5th A B G, 7th A, 11th C. Before
	// (29 Dec – 4 Jan): 2 Jan E, 3 Jan F.
	if want := []float64{3, 0, 1, 0, 0, 0, 1}; !reflect.DeepEqual(r.Visitors.Current, want) {
		t.Errorf("daily visitors %v, want %v", r.Visitors.Current, want)
	}
	if want := []float64{0, 0, 0, 0, 1, 1, 0}; !reflect.DeepEqual(r.Visitors.Previous, want) {
		t.Errorf("previous daily visitors %v, want %v", r.Visitors.Previous, want)
	}
	if r.Visitors.Buckets[0] != "2026-01-05" || r.Visitors.Labels[6] != "11 Jan" || r.Visitors.Grain != "day" {
		t.Errorf("buckets %v labels %v grain %s", r.Visitors.Buckets, r.Visitors.Labels, r.Visitors.Grain)
	}

	list := func(l List) []string {
		var out []string
		for _, row := range l.Rows {
			out = append(out, fmt.Sprintf("%s %v/%v/%v %s", row.Name, row.Visitors, row.Share, row.Pageviews, ptr(row.Change)))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		l    List
		want []string
	}{
		// Google: A (V1), B (V2) = 2 of 4 visitors; before: E → +100%.
		// Direct: A (V3); before F → ±0. Bing and Twitter are new.
		{"sources", r.Sources, []string{"Google 2/50/0 100", "Bing 1/25/0 nil", "Direct 1/25/0 0", "Twitter 1/25/0 nil"}},
		// /blog: B, C, G; /pricing: A twice (V1, V3), before F → ±0;
		// /: A, before E and F → −50%.
		{"pages", r.Pages, []string{"/blog 3/0/3 nil", "/ 1/0/1 -50", "/pricing 1/0/2 0", "/signup 1/0/1 nil"}},
		{"countries", r.Countries, []string{"Austria 1/25/0 nil", "Germany 1/25/0 0", "France 1/25/0 nil", "United States 1/25/0 nil"}},
		{"devices", r.Devices, []string{"Mobile 2/50/0 nil", "Desktop 1/25/0 -50", "Tablet 1/25/0 nil"}},
	} {
		if got := list(tc.l); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	if r.Goals != nil {
		t.Errorf("a site without goals has a goals section: %+v", r.Goals)
	}
}

func TestPeriods(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// Thursday 15 Jan 2026, 10:00 in Berlin.
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		spec, cur, prev, grain string
	}{
		{"7d", "8–14 Jan 2026", "1–7 Jan 2026", "day"},
		{"30d", "16 Dec 2025 – 14 Jan 2026", "16 Nov – 15 Dec 2025", "day"},
		{"month", "December 2025", "November 2025", "day"},
		{"day", "Thu 15 Jan 2026", "Wed 14 Jan 2026", "hour"},
		{"year", "1–15 Jan 2026", "17–31 Dec 2025", "day"},
		{"6mo", "1 Aug 2025 – 15 Jan 2026", "14 Feb – 31 Jul 2025", "week"},
		{"2026-01-01,2026-01-31", "January 2026", "December 2025", "day"},
		{"2026-01-05..2026-01-11", "5–11 Jan 2026", "29 Dec 2025 – 4 Jan 2026", "day"},
		{`["2026-01-05","2026-01-05"]`, "Mon 5 Jan 2026", "Sun 4 Jan 2026", "hour"},
		{"2023-01-01,2025-12-31", "1 Jan 2023 – 31 Dec 2025", "1 Jan 2020 – 31 Dec 2022", "month"},
		{"24h", "14 Jan 10:00 – 15 Jan 2026 10:00", "13 Jan 10:00 – 14 Jan 2026 10:00", "hour"},
		{"400d", "11 Dec 2024 – 14 Jan 2026", "7 Nov 2023 – 10 Dec 2024", "week"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			cur, prev, ok, err := resolvePeriod(tc.spec, berlin, now)
			if err != nil || !ok {
				t.Fatalf("resolvePeriod(%q): %v %v", tc.spec, ok, err)
			}
			if cur.Label() != tc.cur || prev.Label() != tc.prev || cur.Grain != tc.grain {
				t.Errorf("resolvePeriod(%q) = %q vs %q (%s), want %q vs %q (%s)", tc.spec, cur.Label(), prev.Label(), cur.Grain,
					tc.cur, tc.prev, tc.grain)
			}
		})
	}
	for _, bad := range []string{"", "fortnight", "0d", "9999d", "2026-02-30,2026-03-01", "2026-03-01,2026-02-01", "[1,2]"} {
		_, _, _, err := resolvePeriod(bad, berlin, now)
		var pe *PeriodError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "use 7d") {
			t.Errorf("resolvePeriod(%q) = %v, want a PeriodError that lists the accepted periods", bad, err)
		}
	}
}

func TestBuildMonthAndAll(t *testing.T) {
	_, svc, site := newFixture(t)
	ctx := context.Background()
	// On 3 Feb, "month" is January (Berlin), which holds all eight visits
	// of seven visitors (A came twice). December before it is empty.
	r, err := Build(ctx, svc, site, "month", time.Date(2026, 2, 3, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Metric("visitors"); m.Value != 7 || ptr(m.Previous) != "0" || m.Change != nil {
		t.Errorf("January visitors %v before %s change %s, want 7, 0, nil", m.Value, ptr(m.Previous), ptr(m.Change))
	}
	if len(r.Visitors.Current) != 31 || len(r.Visitors.Previous) != 31 {
		t.Errorf("January has %d buckets (%d before), want 31", len(r.Visitors.Current), len(r.Visitors.Previous))
	}

	// "all" starts on the first day with data (2 Jan) and has no comparison.
	r, err = Build(ctx, svc, site, "all", fixtureNow)
	if err != nil {
		t.Fatal(err)
	}
	if r.Previous != nil || r.Period.Label() != "2–12 Jan 2026" {
		t.Errorf("all: %q, previous %v", r.Period.Label(), r.Previous)
	}
	// Through today (12 Jan), V5's visitor D counts too: A B C D E F G.
	if m := r.Metric("visitors"); m.Value != 7 || m.Previous != nil {
		t.Errorf("all: visitors %v (previous %s), want 7 and none", m.Value, ptr(m.Previous))
	}
	for _, v := range r.Visitors.Current {
		if math.IsNaN(v) {
			t.Errorf("all: NaN in %v", r.Visitors.Current)
		}
	}

	if _, err := Build(ctx, svc, site, "fortnight", fixtureNow); err == nil {
		t.Error("a bad period was accepted")
	}
}

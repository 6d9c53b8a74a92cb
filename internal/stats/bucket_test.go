package stats

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/db/dbtest"
)

// TestBucketFollowsTheZoneAcrossDST labels times every 17 minutes of
// periods that span the 2026 clock changes of Berlin and New York (and one
// zone without them) with the SQL of each grain, and compares every label
// with the one Go's time zone database gives.
func TestBucketFollowsTheZoneAcrossDST(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	ctx := context.Background()
	for _, tc := range []struct {
		zone     string
		from, to string // local dates
	}{
		{"Europe/Berlin", "2026-03-20", "2026-04-05"},
		{"Europe/Berlin", "2026-10-20", "2026-11-03"},
		{"Europe/Berlin", "2026-01-01", "2027-01-01"},
		{"America/New_York", "2026-03-01", "2026-03-15"},
		{"America/New_York", "2026-10-25", "2026-11-08"},
		{"Asia/Kolkata", "2026-05-28", "2026-06-03"},
		{"UTC", "2026-02-26", "2026-03-02"},
	} {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		from, _ := time.ParseInLocation(time.DateOnly, tc.from, loc)
		to, _ := time.ParseInLocation(time.DateOnly, tc.to, loc)
		per := period{From: from.UTC(), To: to.UTC(), loc: loc}
		step := 17 * time.Minute
		if to.Sub(from) > 60*24*time.Hour {
			step = 7*time.Hour + 13*time.Minute
		}
		for _, grain := range []string{"hour", "day", "week", "month"} {
			b := &builder{p: &plan{}, per: per}
			query := fmt.Sprintf("SELECT t, %s FROM (SELECT unnest(generate_series(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP) - INTERVAL 1 SECOND, to_seconds(?))) AS t)",
				b.bucket("t", grain))
			rows, err := d.QueryContext(ctx, query, per.From.Format(time.DateTime), per.To.Format(time.DateTime), int64(step.Seconds()))
			if err != nil {
				t.Fatalf("%s %s: %v", tc.zone, grain, err)
			}
			n := 0
			for rows.Next() {
				var at time.Time
				var got string
				if err := rows.Scan(&at, &got); err != nil {
					t.Fatal(err)
				}
				if want := goBucket(at.UTC(), grain, per); got != want {
					t.Errorf("%s %s: %s UTC labelled %q, want %q", tc.zone, grain, at.UTC().Format(time.DateTime), got, want)
				}
				n++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if want := int(per.To.Sub(per.From)/step) + 1; n < want-1 {
				t.Fatalf("%s %s: %d times labelled, want about %d", tc.zone, grain, n, want)
			}
		}
	}
}

// goBucket is the label of UTC time at, worked out with package time.
func goBucket(at time.Time, grain string, per period) string {
	local := at.In(per.loc)
	y, m, dd := local.Date()
	first := per.From.In(per.loc)
	switch grain {
	case "hour":
		return fmt.Sprintf("%04d-%02d-%02d %02d:00:00", y, m, dd, local.Hour())
	case "day":
		return local.Format(time.DateOnly)
	}
	day := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	if grain == "week" {
		day = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	} else {
		day = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	}
	if start := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC); day.Before(start) {
		day = start
	}
	return day.Format(time.DateOnly)
}

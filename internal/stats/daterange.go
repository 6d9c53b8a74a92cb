package stats

import (
	"encoding/json"
	"time"
)

// period is a resolved date range: [From, To) in UTC, and how it reads
// in the site's time zone.
type period struct {
	From, To time.Time
	loc      *time.Location
}

// first and last are the period's ends as the answer echoes them: local
// times, the last one inclusive to the second.
func (p period) first() string { return p.From.In(p.loc).Format(time.RFC3339) }
func (p period) last() string  { return p.To.Add(-time.Second).In(p.loc).Format(time.RFC3339) }

// midnight is the start of the local day of t.
func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// addDays moves a local midnight by n calendar days (DST-safe).
func addDays(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, t.Location())
}

// resolveRange turns a date_range into a period. Relative ranges follow
// Plausible: "day" is today, "Nd" the N whole days before today, "month"
// and "year" the current ones, "6mo"/"12mo" the current month and the 5
// or 11 before it, "24h" the last 24 hours, "all" everything from the
// site's first event (earliest) to today. Custom ranges are two dates
// (both days included) or two RFC 3339 date-times (both instants
// included, to the second).
func resolveRange(raw json.RawMessage, loc *time.Location, now, earliest time.Time) (period, error) {
	if len(raw) == 0 {
		return period{}, invalidf("date_range is required (e.g. \"7d\" or [\"2026-01-01\", \"2026-01-31\"])")
	}
	today := midnight(now, loc)
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		p := period{loc: loc}
		switch name {
		case "day":
			p.From, p.To = today, addDays(today, 1)
		case "24h":
			p.From, p.To = now.Add(-24*time.Hour), now
		case "7d", "28d", "30d", "91d":
			n := map[string]int{"7d": 7, "28d": 28, "30d": 30, "91d": 91}[name]
			p.From, p.To = addDays(today, -n), today
		case "month", "6mo", "12mo":
			back := map[string]int{"month": 0, "6mo": 5, "12mo": 11}[name]
			y, m, _ := today.Date()
			p.From, p.To = time.Date(y, m-time.Month(back), 1, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
		case "year":
			p.From, p.To = time.Date(today.Year(), 1, 1, 0, 0, 0, 0, loc), time.Date(today.Year()+1, 1, 1, 0, 0, 0, 0, loc)
		case "all":
			from := today
			if !earliest.IsZero() && earliest.Before(today) {
				from = midnight(earliest, loc)
			}
			p.From, p.To = from, addDays(today, 1)
		default:
			return period{}, invalidf("unknown date_range %q (day, 24h, 7d, 28d, 30d, 91d, month, 6mo, 12mo, year, all, or two dates)", name)
		}
		p.From, p.To = p.From.UTC(), p.To.UTC()
		return p, nil
	}
	var ends []string
	if err := json.Unmarshal(raw, &ends); err != nil || len(ends) != 2 {
		return period{}, invalidf("date_range must be a name like \"7d\" or two dates like [\"2026-01-01\", \"2026-01-31\"]")
	}
	return customRange(ends, loc)
}

// customRange resolves two dates or two date-times.
func customRange(ends []string, loc *time.Location) (period, error) {
	if d1, err1 := time.ParseInLocation(time.DateOnly, ends[0], loc); err1 == nil {
		d2, err2 := time.ParseInLocation(time.DateOnly, ends[1], loc)
		if err2 != nil {
			return period{}, invalidf("date_range: %q is not a date like 2026-01-31 (both ends must be dates, or both date-times)", ends[1])
		}
		if d2.Before(d1) {
			return period{}, invalidf("date_range: %s is before %s", ends[1], ends[0])
		}
		return period{From: d1.UTC(), To: addDays(d2, 1).UTC(), loc: loc}, nil
	}
	t1, err1 := time.Parse(time.RFC3339, ends[0])
	t2, err2 := time.Parse(time.RFC3339, ends[1])
	switch {
	case err1 != nil:
		return period{}, invalidf("date_range: %q is neither a date (2026-01-31) nor a date-time (2026-01-31T10:00:00+01:00)", ends[0])
	case err2 != nil:
		return period{}, invalidf("date_range: %q is not a date-time like 2026-01-31T10:00:00+01:00", ends[1])
	case t2.Before(t1):
		return period{}, invalidf("date_range: %s is before %s", ends[1], ends[0])
	}
	return period{From: t1.UTC(), To: t2.Add(time.Second).Truncate(time.Second).UTC(), loc: loc}, nil
}

// comparison returns the period results are compared with.
func comparison(c *Comparisons, p period) (period, error) {
	switch c.Mode {
	case "previous_period":
		q := period{loc: p.loc}
		if isWholeDays(p) {
			from, to := p.From.In(p.loc), p.To.In(p.loc)
			days := int(to.Sub(from).Round(24*time.Hour) / (24 * time.Hour))
			q.From, q.To = addDays(from, -days), from
			if c.MatchDayOfWeek {
				// Same weekdays: go back whole weeks.
				weeks := (days + 6) / 7
				q.From, q.To = addDays(from, -7*weeks), addDays(to, -7*weeks)
			}
		} else {
			d := p.To.Sub(p.From)
			q.From, q.To = p.From.Add(-d), p.From
		}
		q.From, q.To = q.From.UTC(), q.To.UTC()
		return q, nil
	case "year_over_year":
		from, to := p.From.In(p.loc), p.To.In(p.loc)
		q := period{loc: p.loc,
			From: time.Date(from.Year()-1, from.Month(), from.Day(), from.Hour(), from.Minute(), from.Second(), 0, p.loc).UTC(),
			To:   time.Date(to.Year()-1, to.Month(), to.Day(), to.Hour(), to.Minute(), to.Second(), 0, p.loc).UTC()}
		return q, nil
	case "custom":
		if len(c.DateRange) != 2 {
			return period{}, invalidf("include.comparisons: mode custom needs date_range with two dates")
		}
		q, err := customRange(c.DateRange, p.loc)
		if err != nil {
			return period{}, invalidf("include.comparisons: %v", err)
		}
		return q, nil
	}
	return period{}, invalidf("include.comparisons: unknown mode %q (previous_period, year_over_year, custom)", c.Mode)
}

// isWholeDays reports whether p starts and ends at local midnights.
func isWholeDays(p period) bool {
	return midnight(p.From, p.loc).Equal(p.From) && midnight(p.To, p.loc).Equal(p.To)
}

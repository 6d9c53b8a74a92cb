package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is the span a report covers, read in the site's time zone: From
// inclusive, To exclusive. Day-based periods run between local midnights.
type Period struct {
	From, To time.Time
	// Grain is the time bucket of the report's chart: hour, day, week or
	// month.
	Grain string
	// wholeDays is false only for "24h", the one period that does not
	// start at a midnight.
	wholeDays bool
}

// PeriodError is a period the report cannot be built for; its message
// says what is accepted.
type PeriodError struct{ Spec, Reason string }

func (e *PeriodError) Error() string {
	return fmt.Sprintf("period %q %s (use 7d, 28d, 30d, 91d or any Nd up to 731d, day, 24h, month, 6mo, 12mo, year, all, or two dates like 2026-01-01,2026-01-31)", e.Spec, e.Reason)
}

// maxDays bounds a relative "Nd" period.
const maxDays = 731

// resolvePeriod turns a period spec into the period reported and the one
// it is compared with, as of now in loc. The names follow the stats API's
// date ranges with two differences that suit a report of finished time:
// "month" is the last whole calendar month (the monthly digest, compared
// with the month before it), and ranges that reach past today ("6mo",
// "12mo", "year") end with today. "Nd" is the N whole days before today
// (the weekly digest is "7d" on a Monday); "day" is today so far, "24h"
// the last 24 hours; custom ranges are two dates, both included, written
// "2026-01-01,2026-01-31", "2026-01-01..2026-01-31" or as a JSON array.
// Every period but "month" is compared with as many days just before it.
// "all" needs the first day with data, which the caller looks up; it has
// no comparison (ok is false).
func resolvePeriod(spec string, loc *time.Location, now time.Time) (cur, prev Period, ok bool, err error) {
	s := strings.TrimSpace(spec)
	today := midnight(now, loc)
	tomorrow := addDays(today, 1)
	bad := func(reason string) error { return &PeriodError{Spec: spec, Reason: reason} }
	switch {
	case s == "":
		return cur, prev, false, bad("is empty")
	case s == "day":
		cur = dayPeriod(today, tomorrow)
	case s == "24h":
		end := now.In(loc).Truncate(time.Minute)
		cur = Period{From: end.Add(-24 * time.Hour), To: end, Grain: "hour"}
		return cur, Period{From: end.Add(-48 * time.Hour), To: end.Add(-24 * time.Hour), Grain: "hour"}, true, nil
	case s == "month":
		y, m, _ := today.Date()
		cur = dayPeriod(time.Date(y, m-1, 1, 0, 0, 0, 0, loc), time.Date(y, m, 1, 0, 0, 0, 0, loc))
		return cur, dayPeriod(time.Date(y, m-2, 1, 0, 0, 0, 0, loc), cur.From), true, nil
	case s == "6mo" || s == "12mo":
		back := map[string]int{"6mo": 5, "12mo": 11}[s]
		y, m, _ := today.Date()
		cur = dayPeriod(time.Date(y, m-time.Month(back), 1, 0, 0, 0, 0, loc), tomorrow)
	case s == "year":
		cur = dayPeriod(time.Date(today.Year(), 1, 1, 0, 0, 0, 0, loc), tomorrow)
	case s == "all":
		return Period{}, Period{}, false, nil
	case strings.HasSuffix(s, "d") && isDigits(s[:len(s)-1]):
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n < 1 || n > maxDays {
			return cur, prev, false, bad(fmt.Sprintf("must be between 1d and %dd", maxDays))
		}
		cur = dayPeriod(addDays(today, -n), today)
	default:
		from, to, err := parseDates(s, loc)
		if err != nil {
			return cur, prev, false, bad(err.Error())
		}
		cur = dayPeriod(from, addDays(to, 1))
	}
	days := cur.Days()
	return cur, dayPeriod(addDays(cur.From, -days), cur.From), true, nil
}

// allPeriod is the period "all": from the first day with data to today.
func allPeriod(first time.Time, loc *time.Location, now time.Time) Period {
	today := midnight(now, loc)
	from := midnight(first, loc)
	if first.IsZero() || from.After(today) {
		from = today
	}
	return dayPeriod(from, addDays(today, 1))
}

// dayPeriod is [from, to) between local midnights, with the chart grain
// its length calls for.
func dayPeriod(from, to time.Time) Period {
	p := Period{From: from, To: to, wholeDays: true}
	switch days := p.Days(); {
	case days <= 2:
		p.Grain = "hour"
	case days <= 92:
		p.Grain = "day"
	case days <= 2*366:
		p.Grain = "week"
	default:
		p.Grain = "month"
	}
	return p
}

// parseDates reads a custom range: two dates, or one date for one day.
func parseDates(s string, loc *time.Location) (from, to time.Time, err error) {
	var parts []string
	switch {
	case strings.HasPrefix(s, "["):
		if json.Unmarshal([]byte(s), &parts) != nil || len(parts) != 2 {
			return from, to, fmt.Errorf("is not a JSON array of two dates")
		}
	case strings.Contains(s, ".."):
		parts = strings.SplitN(s, "..", 2)
	case strings.Contains(s, ","):
		parts = strings.SplitN(s, ",", 2)
	default:
		if from, err = time.ParseInLocation(time.DateOnly, s, loc); err != nil {
			return from, to, fmt.Errorf("is not known")
		}
		return from, from, nil
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if from, err = time.ParseInLocation(time.DateOnly, parts[0], loc); err != nil {
		return from, to, fmt.Errorf("has %q, which is not a date like 2026-01-31", parts[0])
	}
	if to, err = time.ParseInLocation(time.DateOnly, parts[1], loc); err != nil {
		return from, to, fmt.Errorf("has %q, which is not a date like 2026-01-31", parts[1])
	}
	if to.Before(from) {
		return from, to, fmt.Errorf("ends before it starts")
	}
	return from, to, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Days is the number of calendar days the period touches.
func (p Period) Days() int {
	if !p.wholeDays {
		return 1
	}
	n := 0
	for d := p.From; d.Before(p.To); d = addDays(d, 1) {
		n++
	}
	return n
}

// Last is the last day of the period (for a day-based period, To minus one
// day).
func (p Period) Last() time.Time {
	if !p.wholeDays {
		return p.To
	}
	return addDays(p.To, -1)
}

// dateRange is the period as a stats date_range: two dates, or for "24h"
// two date-times (the end inclusive to the second).
func (p Period) dateRange() []string {
	if p.wholeDays {
		return []string{p.From.Format(time.DateOnly), p.Last().Format(time.DateOnly)}
	}
	return []string{p.From.Format(time.RFC3339), p.To.Add(-time.Second).Format(time.RFC3339)}
}

// Label names the period for people: "5–11 Jan 2026", "January 2026",
// "28 Dec 2025 – 3 Jan 2026", "Mon 5 Jan 2026", or for "24h" the two
// times.
func (p Period) Label() string {
	if !p.wholeDays {
		return p.From.Format("2 Jan 15:04") + " – " + p.To.Format("2 Jan 2006 15:04")
	}
	first, last := p.From, p.Last()
	switch {
	case first.Equal(last):
		return first.Format("Mon 2 Jan 2006")
	case first.Day() == 1 && addDays(last, 1).Day() == 1 && first.Month() == last.Month() && first.Year() == last.Year():
		return first.Format("January 2006")
	case first.Year() != last.Year():
		return first.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
	case first.Month() != last.Month():
		return first.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return first.Format("2") + "–" + last.Format("2 Jan 2006")
}

// midnight is the start of the local day of t.
func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// addDays moves a local midnight by n calendar days, whatever daylight
// saving time does in between.
func addDays(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, t.Location())
}

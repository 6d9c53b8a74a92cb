package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/ui/chart"
)

// formatValue formats a key number for people: counts with thousands
// separators, views per visit with two decimals, the bounce rate in
// percent, the visit duration in minutes and seconds.
func formatValue(key string, v float64) string {
	switch key {
	case "views_per_visit":
		return strconv.FormatFloat(v, 'f', 2, 64)
	case "bounce_rate":
		return chart.FormatNumber(math.Round(v)) + "%"
	case "visit_duration":
		return formatDuration(v)
	}
	return chart.FormatNumber(v)
}

// formatDuration formats whole seconds: "45s", "2m 05s", "1h 02m".
func formatDuration(seconds float64) string {
	s := int(math.Round(seconds))
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm %02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh %02dm", s/3600, s%3600/60)
}

// tone says whether a change is good news, bad news or neither.
type tone int

const (
	neutral tone = iota
	good
	bad
)

// lowerIsBetter lists the key numbers that improve when they fall.
func lowerIsBetter(key string) bool { return key == "bounce_rate" }

// changeText formats a change: "▲ 12%", "▼ 3 pts", "±0%"; "new" when the
// earlier value was zero, "" when there is nothing to compare with.
func changeText(key string, m Metric) (string, tone) {
	if m.Previous == nil {
		return "", neutral
	}
	if m.Change == nil {
		if m.Value > 0 {
			return "new", neutral
		}
		return "–", neutral
	}
	return signedChange(*m.Change, key == "bounce_rate", lowerIsBetter(key))
}

// signedChange formats a change in percent (or points) with an arrow.
func signedChange(c float64, points, lowerBetter bool) (string, tone) {
	unit := "%"
	if points {
		unit = " pts"
	}
	c = math.Round(c)
	switch {
	case c == 0:
		return "±0" + unit, neutral
	case c > 0:
		t := good
		if lowerBetter {
			t = bad
		}
		return "▲ " + chart.FormatNumber(c) + unit, t
	}
	t := bad
	if lowerBetter {
		t = good
	}
	return "▼ " + chart.FormatNumber(-c) + unit, t
}

// headline sums the period up in one sentence.
func headline(r *Report) string {
	m := r.Metric("visitors")
	n := chart.FormatNumber(m.Value) + " unique " + plural(m.Value, "visitor")
	switch {
	case r.Previous == nil:
		return n + " from " + r.Period.From.Format("2 Jan 2006") + " to " + r.Period.Last().Format("2 Jan 2006") + "."
	case m.Change == nil && m.Value > 0:
		return n + ", and none in the previous period."
	case m.Change == nil:
		return "No visitors in this period, nor in the one before."
	case math.Round(*m.Change) == 0:
		return n + ", about as many as in the previous period."
	case *m.Change > 0:
		return n + ", up " + chart.FormatNumber(math.Round(*m.Change)) + "% on the previous period."
	}
	return n + ", down " + chart.FormatNumber(math.Round(-*m.Change)) + "% on the previous period."
}

func plural(n float64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// grainNoun names a chart bucket: "day", "week"…
func grainNoun(grain string) string {
	if grain == "" {
		return "day"
	}
	return grain
}

// bucketLong names a bucket in full for sentences ("Tue 6 Jan",
// "the week of 5 Jan", "January 2026", "Mon 5 Jan 13:00").
func bucketLong(bucket, grain string) string {
	switch grain {
	case "hour":
		if t, err := time.Parse(time.DateTime, bucket); err == nil {
			return t.Format("Mon 2 Jan 15:04")
		}
	case "day":
		if t, err := time.Parse(time.DateOnly, bucket); err == nil {
			return t.Format("Mon 2 Jan")
		}
	case "week":
		if t, err := time.Parse(time.DateOnly, bucket); err == nil {
			return "the week of " + t.Format("2 Jan")
		}
	case "month":
		if t, err := time.Parse(time.DateOnly, bucket); err == nil {
			return t.Format("January 2006")
		}
	}
	return bucket
}

// busiest describes the bucket with the most visitors; "" when there were
// none.
func busiest(s Series) string {
	best := -1
	for i, v := range s.Current {
		if v > 0 && (best < 0 || v > s.Current[best]) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return fmt.Sprintf("Busiest %s: %s with %s unique %s.", grainNoun(s.Grain), bucketLong(s.Buckets[best], s.Grain),
		chart.FormatNumber(s.Current[best]), plural(s.Current[best], "visitor"))
}

// shorten cuts s to at most n characters, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// formatShare formats a share in percent, one decimal under 10%.
func formatShare(pct float64) string {
	return chart.FormatPercent(pct / 100)
}

// heading is what a report is called at its top.
func (r *Report) heading() string {
	if r.Heading != "" {
		return r.Heading
	}
	return "Traffic report"
}

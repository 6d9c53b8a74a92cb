package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/mopshq/mops/internal/platform/ui/chart"
)

// textWidth is the width the plain-text report keeps to.
const textWidth = 72

// RenderText writes r as plain text, for the text/plain part of a digest
// email and for terminals.
func RenderText(w io.Writer, r *Report) error {
	b := bufio.NewWriter(w)
	line := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }

	line("%s · %s", r.heading(), r.Site.Domain)
	if r.Previous != nil {
		line("%s, compared with %s", r.Period.Label(), r.Previous.Label())
	} else {
		line("%s", r.Period.Label())
	}
	line("")
	line("%s", headline(r))

	line("")
	line("KEY NUMBERS")
	for _, m := range r.Totals {
		change, _ := changeText(m.Key, m)
		line("  %s%s  %s", pad(m.Label, 24), padLeft(formatValue(m.Key, m.Value), 10), change)
	}

	line("")
	line("%s", strings.ToUpper("Unique visitors per "+grainNoun(r.Visitors.Grain)))
	for i, k := range r.Visitors.Buckets {
		before := ""
		if r.Visitors.Previous != nil && finite(r.Visitors.Previous[i]) {
			before = "  (before: " + chart.FormatNumber(r.Visitors.Previous[i]) + ")"
		}
		line("  %s%s%s", pad(bucketLong(k, r.Visitors.Grain), 24), padLeft(chart.FormatNumber(r.Visitors.Current[i]), 10), before)
	}

	compared := r.Previous != nil
	textList(line, "TOP SOURCES", r.Sources, false, compared)
	textList(line, "TOP PAGES", r.Pages, true, compared)
	textList(line, "TOP COUNTRIES", r.Countries, false, compared)
	textList(line, "DEVICES", r.Devices, false, false)

	if r.Goals != nil {
		line("")
		header := pad("GOALS", 34) + padLeft("Uniques", 10) + padLeft("Total", 8) + padLeft("Conv.", 8)
		if r.Goals.Revenue {
			header += "  Revenue"
		}
		line("%s", header)
		for _, g := range r.Goals.Rows {
			s := "  " + pad(shorten(g.Name, 30), 32) + padLeft(chart.FormatNumber(g.Visitors), 10) +
				padLeft(chart.FormatNumber(g.Conversions), 8) + padLeft(chart.FormatNumber(g.ConversionRate)+"%", 8)
			if r.Goals.Revenue && g.Revenue != 0 {
				s += "  " + formatMoney(g.Revenue, r.Site.Currency)
			}
			line("%s", s)
		}
	}

	line("")
	line("%s", strings.Repeat("-", textWidth))
	line("Made by mops on %s (%s).", r.Generated.In(r.Period.From.Location()).Format("2 Jan 2006 15:04"), r.Site.Timezone)
	if r.DashboardURL != "" {
		line("Dashboard: %s", r.DashboardURL)
	}
	if r.SettingsURL != "" {
		line("Change or stop these emails: %s", r.SettingsURL)
	}
	return b.Flush()
}

// textList writes one top list.
func textList(line func(string, ...any), title string, l List, pages, compared bool) {
	line("")
	second := "Share"
	if pages {
		second = "Views"
	}
	header := pad(title, 44) + padLeft("Visitors", 10) + padLeft(second, 8)
	if compared {
		header += padLeft("Change", 9)
	}
	line("%s", header)
	if len(l.Rows) == 0 {
		line("  No data for this period.")
		return
	}
	for _, row := range l.Rows {
		s := "  " + pad(shorten(row.Name, 40), 42) + padLeft(chart.FormatNumber(row.Visitors), 10)
		if pages {
			s += padLeft(chart.FormatNumber(row.Pageviews), 8)
		} else {
			s += padLeft(formatShare(row.Share), 8)
		}
		if compared {
			change := "new"
			if row.Change != nil {
				change, _ = signedChange(*row.Change, false, false)
			}
			s += padLeft(change, 9)
		}
		line("%s", strings.TrimRight(s, " "))
	}
	if l.More > 0 {
		line("  and %d more", l.More)
	}
}

// pad fills s with spaces to n characters.
func pad(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s + " "
}

// padLeft right-aligns s in n characters.
func padLeft(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return strings.Repeat(" ", n-k) + s
	}
	return " " + s
}

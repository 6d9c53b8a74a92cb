package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/mopshq/mops/internal/platform/ui/chart"
)

//go:embed email/report.html
var emailFiles embed.FS

// reportTemplate is the email document, parsed once.
var reportTemplate = template.Must(template.ParseFS(emailFiles, "email/report.html"))

// Chart and layout sizes of the email: 640px wide, 24px padding.
const (
	contentWidth = 592
	chartHeight  = 220
	nameChars    = 60 // longest name shown in a top list
)

// Colours of the email; charts bring their own (the chart package's).
const (
	colorGood  = "#047857"
	colorBad   = "#be123c"
	colorMuted = "#64748b"
)

type htmlView struct {
	Title, Heading, Domain, PeriodLabel, CompareLabel, Headline string
	Metrics                                                     [][]metricView
	ChartTitle                                                  string
	Chart                                                       template.HTML
	ChartCaption                                                string
	Lists                                                       []listView
	DevicesChart                                                template.HTML
	DevicesCaption                                              string
	Goals                                                       *listView
	Generated, DashboardURL, SettingsURL                        string
}

type metricView struct {
	Label, Value, Change string
	ChangeStyle          template.CSS
}

type listView struct {
	Title, NameHeader string
	NameWidth         string // share of the table the name column takes
	Columns           []string
	Rows              []listRowView
	More              int
}

type listRowView struct {
	Name, FullName string
	BarStyle       template.CSS
	Cells          []cellView
}

type cellView struct {
	Text  string
	Style template.CSS
}

// Render writes r as one self-contained HTML document for email: inline
// styles only, layout tables, charts as inline SVG, no scripts and no
// external resources (the only links are the optional dashboard and
// settings links).
func Render(w io.Writer, r *Report) error {
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, newHTMLView(r)); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func newHTMLView(r *Report) *htmlView {
	v := &htmlView{
		Title:        r.heading() + " · " + r.Site.Domain + " · " + r.Period.Label(),
		Heading:      r.heading(),
		Domain:       r.Site.Domain,
		PeriodLabel:  r.Period.Label(),
		Headline:     headline(r),
		Generated:    r.Generated.In(r.Period.From.Location()).Format("2 Jan 2006 15:04") + " (" + r.Site.Timezone + ")",
		DashboardURL: r.DashboardURL,
		SettingsURL:  r.SettingsURL,
	}
	if r.Previous != nil {
		v.CompareLabel = r.Previous.Label()
	}
	var row []metricView
	for _, m := range r.Totals {
		text, t := changeText(m.Key, m)
		row = append(row, metricView{Label: m.Label, Value: formatValue(m.Key, m.Value), Change: text, ChangeStyle: toneStyle(t)})
		if len(row) == 3 {
			v.Metrics = append(v.Metrics, row)
			row = nil
		}
	}
	if row != nil {
		v.Metrics = append(v.Metrics, row)
	}

	v.ChartTitle = "Unique visitors per " + grainNoun(r.Visitors.Grain)
	series := []chart.Series{{Name: r.Period.Label(), Values: r.Visitors.Current}}
	if r.Visitors.Previous != nil {
		series = append(series, chart.Series{Name: r.Previous.Label(), Values: r.Visitors.Previous, Comparison: true})
	}
	v.Chart = chart.Line{Title: v.ChartTitle, Width: contentWidth, Height: chartHeight, Labels: r.Visitors.Labels,
		Series: series, Area: true}.SVG()
	v.ChartCaption = busiest(r.Visitors)
	if r.Visitors.Previous != nil && v.ChartCaption != "" {
		v.ChartCaption += " The dashed line is the previous period."
	}

	compared := r.Previous != nil
	v.Lists = append(v.Lists,
		shareList("Top sources", "Source", r.Sources, compared),
		pageList(r.Pages, compared),
		shareList("Top countries", "Country", r.Countries, compared))

	var labels, parts []string
	var values []float64
	for _, d := range r.Devices.Rows {
		labels = append(labels, d.Name)
		values = append(values, d.Visitors)
		parts = append(parts, d.Name+" "+formatShare(d.Share))
	}
	v.DevicesChart = chart.HBar{Title: "Unique visitors by device", Width: contentWidth, Labels: labels, Values: values,
		Color: chart.PaletteColor(1)}.SVG()
	v.DevicesCaption = strings.Join(parts, " · ")

	if r.Goals != nil {
		g := &listView{Title: "Goals", NameHeader: "Goal", Columns: []string{"Uniques", "Total", "Conv. rate"}}
		if r.Goals.Revenue {
			g.Columns = append(g.Columns, "Revenue")
		}
		peak := 0.0
		for _, row := range r.Goals.Rows {
			peak = max(peak, row.Visitors)
		}
		for _, row := range r.Goals.Rows {
			rv := listRowView{Name: shorten(row.Name, nameChars), FullName: row.Name, BarStyle: barStyle(row.Visitors, peak),
				Cells: []cellView{{Text: chart.FormatNumber(row.Visitors)}, {Text: chart.FormatNumber(row.Conversions)},
					{Text: chart.FormatNumber(row.ConversionRate) + "%"}}}
			if r.Goals.Revenue {
				money := cellView{Text: "–", Style: mutedStyle}
				if row.Revenue != 0 {
					money = cellView{Text: formatMoney(row.Revenue, r.Site.Currency)}
				}
				rv.Cells = append(rv.Cells, money)
			}
			g.Rows = append(g.Rows, rv)
		}
		v.Goals = g
	}
	for i := range v.Lists {
		v.Lists[i].NameWidth = nameWidth(len(v.Lists[i].Columns))
	}
	if v.Goals != nil {
		v.Goals.NameWidth = nameWidth(len(v.Goals.Columns))
	}
	return v
}

// shareList is a top list with visitors, their share and their change.
func shareList(title, nameHeader string, l List, compared bool) listView {
	v := listView{Title: title, NameHeader: nameHeader, Columns: []string{"Visitors", "Share"}, More: l.More}
	if compared {
		v.Columns = append(v.Columns, "Change")
	}
	peak := 0.0
	for _, row := range l.Rows {
		peak = max(peak, row.Visitors)
	}
	for _, row := range l.Rows {
		rv := listRowView{Name: shorten(row.Name, nameChars), FullName: row.Name, BarStyle: barStyle(row.Visitors, peak),
			Cells: []cellView{{Text: chart.FormatNumber(row.Visitors)}, {Text: formatShare(row.Share), Style: mutedStyle}}}
		if compared {
			rv.Cells = append(rv.Cells, rowChange(row))
		}
		v.Rows = append(v.Rows, rv)
	}
	return v
}

// pageList is the top pages: visitors, pageviews and the visitors' change.
func pageList(l List, compared bool) listView {
	v := listView{Title: "Top pages", NameHeader: "Page", Columns: []string{"Visitors", "Pageviews"}, More: l.More}
	if compared {
		v.Columns = append(v.Columns, "Change")
	}
	peak := 0.0
	for _, row := range l.Rows {
		peak = max(peak, row.Visitors)
	}
	for _, row := range l.Rows {
		rv := listRowView{Name: shorten(row.Name, nameChars), FullName: row.Name, BarStyle: barStyle(row.Visitors, peak),
			Cells: []cellView{{Text: chart.FormatNumber(row.Visitors)}, {Text: chart.FormatNumber(row.Pageviews), Style: mutedStyle}}}
		if compared {
			rv.Cells = append(rv.Cells, rowChange(row))
		}
		v.Rows = append(v.Rows, rv)
	}
	return v
}

// nameWidth leaves the number columns room: 55% of the width for names
// beside three columns, 40% beside four.
func nameWidth(columns int) string {
	if columns > 3 {
		return "40%"
	}
	return "55%"
}

// rowChange is a top list row's change cell.
func rowChange(row ListRow) cellView {
	if row.Change == nil {
		return cellView{Text: "new", Style: mutedStyle}
	}
	text, t := signedChange(*row.Change, false, false)
	return cellView{Text: text, Style: toneStyle(t)}
}

const mutedStyle = template.CSS("color:" + colorMuted)

func toneStyle(t tone) template.CSS {
	switch t {
	case good:
		return "color:" + colorGood
	case bad:
		return "color:" + colorBad
	}
	return mutedStyle
}

// barStyle draws a row's bar as a share of the top row's value.
func barStyle(v, peak float64) template.CSS {
	pct := 0.0
	if peak > 0 && finite(v) && v > 0 {
		pct = max(math.Round(100*v/peak), 1)
	}
	return template.CSS(fmt.Sprintf("width:%g%%", pct))
}

// formatMoney formats an amount in a currency: "1,234.50 EUR".
func formatMoney(v float64, currency string) string {
	s := chart.FormatNumber(math.Round(v*100) / 100)
	if whole, frac, ok := strings.Cut(s, "."); ok && len(frac) == 1 {
		s = whole + "." + frac + "0"
	}
	return s + " " + currency
}

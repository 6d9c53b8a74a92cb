package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestNiceTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		min, max float64
		maxTicks int
		want     []float64
	}{
		{"typical", 0, 97, 5, []float64{0, 20, 40, 60, 80, 100}},
		{"unit range", 0, 1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{"all zero", 0, 0, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{"flat positive reaches zero", 5, 5, 5, []float64{0, 1, 2, 3, 4, 5}},
		{"flat negative reaches zero", -3, -3, 3, []float64{-3, -2, -1, 0}},
		{"exact max", 0, 100, 5, []float64{0, 20, 40, 60, 80, 100}},
		{"thousands", 0, 1234, 5, []float64{0, 500, 1000, 1500}},
		{"straddles zero", -37, 82, 5, []float64{-50, 0, 50, 100}},
		{"all negative", -10, -3, 5, []float64{-10, -8, -6, -4, -2}},
		{"reversed", 97, 0, 5, []float64{0, 20, 40, 60, 80, 100}},
		{"float noise", 0, 0.3, 3, []float64{0, 0.1, 0.2, 0.3}},
		{"small", 0, 0.042, 4, []float64{0, 0.02, 0.04, 0.06}},
		{"offset range", 15, 97, 4, []float64{0, 50, 100}},
		{"bumps step to fit", 11, 29, 1, []float64{0, 50}},
		{"default maxTicks", 0, 10, 0, []float64{0, 2, 4, 6, 8, 10}},
		{"two ticks", 0, 7, 2, []float64{0, 5, 10}},
		{"NaN", math.NaN(), 1, 5, nil},
		{"Inf", 0, math.Inf(1), 5, nil},
		{"overflowing range", -1e308, 1e308, 5, nil},
	}
	for _, tt := range tests {
		got := NiceTicks(tt.min, tt.max, tt.maxTicks)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: NiceTicks(%v, %v, %d) = %v, want %v", tt.name, tt.min, tt.max, tt.maxTicks, got, tt.want)
		}
	}
}

func TestNiceTicksProperties(t *testing.T) {
	t.Parallel()
	for _, r := range [][2]float64{{0, 1}, {0, 3.7}, {-12, 5}, {0, 999999}, {1e-6, 3e-6}, {-0.5, 0.25}, {0, 123456789}} {
		for maxTicks := 1; maxTicks <= 10; maxTicks++ {
			ticks := NiceTicks(r[0], r[1], maxTicks)
			if len(ticks) < 2 || len(ticks) > max(maxTicks, 2)+1 {
				t.Errorf("NiceTicks(%v, %v, %d) = %v: want 2..%d ticks", r[0], r[1], maxTicks, ticks, maxTicks+1)
				continue
			}
			if ticks[0] > r[0] || ticks[len(ticks)-1] < r[1] {
				t.Errorf("NiceTicks(%v, %v, %d) = %v does not cover the range", r[0], r[1], maxTicks, ticks)
			}
			step := ticks[1] - ticks[0]
			mant := step / math.Pow(10, math.Floor(math.Log10(step)))
			if m := math.Round(mant*1e6) / 1e6; m != 1 && m != 2 && m != 5 {
				t.Errorf("NiceTicks(%v, %v, %d) = %v: step %v is not 1, 2 or 5 × 10^n", r[0], r[1], maxTicks, ticks, step)
			}
		}
	}
}

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{7, "7"},
		{999, "999"},
		{1000, "1,000"},
		{1234, "1,234"},
		{1234567, "1,234,567"},
		{-1234567, "-1,234,567"},
		{1234.5, "1,234.5"},
		{1234.567, "1,234.57"},
		{0.25, "0.25"},
		{0.1, "0.1"},
		{2.999, "3"},
		{-0.001, "0"},
		{-0.5, "-0.5"},
		{100000.004, "100,000"},
		{math.NaN(), "–"},
		{math.Inf(1), "∞"},
		{math.Inf(-1), "-∞"},
	}
	for _, tt := range tests {
		if got := FormatNumber(tt.in); got != tt.want {
			t.Errorf("FormatNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatPercent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0%"},
		{1, "100%"},
		{0.42, "42%"},
		{1300.0 / 4200, "31%"},
		{390.0 / 10000, "3.9%"},
		{0.05, "5%"},
		{0.0996, "10%"},
		{0.12345, "12%"},
		{0.125, "13%"},
		{0.0004, "0%"},
		{0.001, "0.1%"},
		{1.5, "150%"},
		{-0.05, "-5%"},
		{-0.0001, "0%"},
		{math.NaN(), "–"},
		{math.Inf(1), "–"},
	}
	for _, tt := range tests {
		if got := FormatPercent(tt.in); got != tt.want {
			t.Errorf("FormatPercent(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// days returns n day labels from Monday 3 November 2025.
func days(n int) []string {
	start := time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC)
	out := make([]string, n)
	for i := range out {
		out[i] = start.AddDate(0, 0, i).Format("Mon 2 Jan")
	}
	return out
}

// visitors returns n days of plausible traffic with a weekly rhythm.
func visitors(n int, base float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		weekly := 1.0
		if d := i % 7; d == 5 || d == 6 {
			weekly = 0.62
		}
		out[i] = math.Round(base * weekly * (1 + 0.006*float64(i) + 0.08*math.Sin(float64(i)*1.3)))
	}
	return out
}

// cases are the golden-file charts, by file name.
func cases() []struct {
	name  string
	chart interface{ SVG() template.HTML }
} {
	nan := math.NaN()
	hours := make([]string, 24)
	for i := range hours {
		hours[i] = strconv.Itoa(i)
	}
	week := make([][]float64, 7)
	for d := range week {
		week[d] = make([]float64, 24)
		for hr := range week[d] {
			v := 40 + 220*math.Exp(-math.Pow(float64(hr)-14, 2)/18)
			if d >= 5 {
				v *= 0.55
			}
			if hr < 6 {
				v = 6 + float64((d*7+hr*3)%11)
			}
			week[d][hr] = math.Round(v)
		}
	}
	cohorts := []string{"Week of 6 Oct", "Week of 13 Oct", "Week of 20 Oct", "Week of 27 Oct", "Week of 3 Nov"}
	retention := make([][]float64, len(cohorts))
	for i := range retention {
		for wk := 0; wk < len(cohorts)-i+3; wk++ {
			retention[i] = append(retention[i], math.Round(100*math.Pow(0.62, float64(wk))*(1-0.02*float64(i))))
		}
	}
	retention[1][2] = nan

	return []struct {
		name  string
		chart interface{ SVG() template.HTML }
	}{
		{"line_visitors_compare", Line{
			Title:  "Visitors, last 30 days",
			Labels: days(30),
			Series: []Series{
				{Name: "Visitors", Values: visitors(30, 1200)},
				{Name: "Previous period", Values: visitors(30, 1050)[3:], Comparison: true},
			},
		}},
		{"line_area_single", Line{
			Title:  "Pageviews",
			Labels: days(14),
			Series: []Series{{Name: "Pageviews", Values: visitors(14, 5400)}},
			Area:   true,
		}},
		{"line_nan_gaps", Line{
			Title:  "Conversions with tracking outage",
			Labels: days(12),
			Series: []Series{
				{Name: "Conversions", Values: []float64{12, 15, 14, nan, nan, 18, 21, nan, 19, 22, 25, 24}},
				{Name: "Signups", Values: []float64{4, 6, nan, 5, 7, 8, 9, 8, nan, 11, nan, 12}},
			},
			Area: true,
		}},
		{"line_negative", Line{
			Title:  "Net subscribers",
			Labels: []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug"},
			Series: []Series{{Name: "Net", Values: []float64{120, 45, -30, -82.5, 10, 64, 150, 98}}},
			Area:   true,
		}},
		{"line_empty", Line{Title: "Visitors", Labels: days(7), Series: []Series{{Name: "Visitors", Values: make([]float64, 7)}}}},
		{"bar_daily", Bar{
			Title:  "Signups per day",
			Labels: days(10),
			Values: []float64{34, 41, 38, 52, 47, 21, 18, 44, 50, 61},
		}},
		{"bar_negative", Bar{
			Title:  "Revenue change vs last month (€)",
			Labels: []string{"Search", "Social", "Email", "Referral", "Direct", "Display"},
			Values: []float64{1250.5, -430, 860, -1175, 310, 0},
			Color:  PaletteColor(1),
		}},
		{"hbar_top_pages", HBar{
			Title:  "Top pages",
			Labels: []string{"/", "/pricing", "/blog/how-we-cut-our-cloud-bill-in-half-without-rewriting-anything", "/docs/getting-started", "/about", "/blog", "/signup", "/changelog"},
			Values: []float64{18240, 7412, 5320, 3310, 1980, 1544, 1201, 640},
		}},
		{"hbar_top_sources", HBar{
			Title:  "Top sources",
			Labels: []string{"Google", "Direct / None", "news.ycombinator.com", "Twitter", "Newsletter"},
			Values: []float64{9120, 4410, 2980, 1204, 877},
			Color:  PaletteColor(1),
			Width:  480,
		}},
		{"stacked_channels", StackedBar{
			Title:  "Sessions by channel",
			Labels: []string{"Week 40", "Week 41", "Week 42", "Week 43", "Week 44", "Week 45", "Week 46", "Week 47"},
			Series: []Series{
				{Name: "Organic search", Values: []float64{4200, 4350, 4410, 4800, 5020, 4980, 5300, 5610}},
				{Name: "Direct", Values: []float64{2100, 2050, 2230, 2190, 2400, 2380, 2500, 2610}},
				{Name: "Social", Values: []float64{900, 1400, 760, 820, 2900, 1100, 950, 1010}},
				{Name: "Email", Values: []float64{300, 1200, 280, 310, 1350, 290, 330, 1400}},
				{Name: "Paid", Values: []float64{0, 0, 500, 640, 700, 720, 710, nan}},
			},
		}},
		{"funnel_signup", Funnel{
			Title: "Signup funnel",
			Steps: []FunnelStep{
				{Name: "Visited site", Value: 10000},
				{Name: "Viewed pricing", Value: 4200},
				{Name: "Started signup", Value: 1300},
				{Name: "Activated account", Value: 390},
			},
		}},
		{"heatmap_week_hour", Heatmap{
			Title:  "Visitors by hour",
			Rows:   []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
			Cols:   hours,
			Values: week,
		}},
		{"heatmap_cohorts", Heatmap{
			Title:      "Retention by signup cohort (%)",
			Rows:       cohorts,
			Cols:       []string{"W0", "W1", "W2", "W3", "W4", "W5", "W6", "W7"},
			Values:     retention,
			ShowValues: true,
			Format:     func(v float64) string { return FormatNumber(v) + "%" },
		}},
		{"funnel_empty", Funnel{Title: "Checkout funnel", Steps: []FunnelStep{{Name: "Cart", Value: 0}, {Name: "Paid", Value: 0}}}},
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range cases() {
		path := filepath.Join("testdata", tc.name+".golden.svg")
		got := []byte(tc.chart.SVG())
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test -update to create it)", tc.name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: SVG differs from %s (run go test -update and review the diff)", tc.name, path)
		}
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, tc := range cases() {
		a, b := tc.chart.SVG(), tc.chart.SVG()
		if a != b {
			t.Errorf("%s: two renders differ", tc.name)
		}
	}
}

// wellFormed parses svg as XML and returns the element names it holds and
// its character data.
func wellFormed(t *testing.T, name string, svg template.HTML) (elems []string, text string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	var sb strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: SVG is not well-formed XML: %v\n%s", name, err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			elems = append(elems, tok.Name.Local)
		case xml.CharData:
			sb.Write(tok)
			sb.WriteByte('\n')
		}
	}
	return elems, sb.String()
}

func TestWellFormedAndAccessible(t *testing.T) {
	t.Parallel()
	for _, tc := range cases() {
		svg := tc.chart.SVG()
		elems, _ := wellFormed(t, tc.name, svg)
		if len(elems) < 2 || elems[0] != "svg" || elems[1] != "title" {
			t.Errorf("%s: want <svg> with a leading <title>, got elements %v", tc.name, elems[:min(len(elems), 3)])
		}
		s := string(svg)
		for _, want := range []string{`role="img"`, `aria-label="`, `viewBox="0 0 `, `width="100%"`, `xmlns="http://www.w3.org/2000/svg"`} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: missing %s", tc.name, want)
			}
		}
		if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
			t.Errorf("%s: SVG contains NaN or Inf", tc.name)
		}
	}
}

func TestFunnelPercentages(t *testing.T) {
	t.Parallel()
	f := Funnel{Steps: []FunnelStep{{"Visit", 10000}, {"Pricing", 4200}, {"Signup", 1300}, {"Paid", 390}}}
	_, text := wellFormed(t, "funnel", f.SVG())
	for _, want := range []string{
		"10,000", "4,200", "1,300", "390", // counts
		"42%", "13%", "3.9%", // of first step
		"31%", "30%", // step to step: 1300/4200, 390/1300
		"−5,800", "−2,900", "−910", // drop-off
	} {
		if !strings.Contains(text, want) {
			t.Errorf("funnel 10000→4200→1300→390: text lacks %q; text:\n%s", want, text)
		}
	}
}

var rectRE = regexp.MustCompile(`<rect x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)" fill="#4f46e5"/>`)

func TestBarHeightsProportional(t *testing.T) {
	t.Parallel()
	b := Bar{Labels: []string{"a", "b"}, Values: []float64{50, 100}}
	m := rectRE.FindAllStringSubmatch(string(b.SVG()), -1)
	if len(m) != 2 {
		t.Fatalf("Bar{50, 100}: want 2 bar rects, found %d", len(m))
	}
	h0, _ := strconv.ParseFloat(m[0][2], 64)
	h1, _ := strconv.ParseFloat(m[1][2], 64)
	if r := h0 / h1; math.Abs(r-0.5) > 0.005 {
		t.Errorf("Bar{50, 100}: heights %v and %v, ratio %v, want 0.5", h0, h1, r)
	}
	// Both bars stand on the same baseline.
	y0, _ := strconv.ParseFloat(m[0][1], 64)
	y1, _ := strconv.ParseFloat(m[1][1], 64)
	if math.Abs((y0+h0)-(y1+h1)) > 0.02 {
		t.Errorf("Bar{50, 100}: bar bottoms %v and %v differ", y0+h0, y1+h1)
	}
}

func TestBarNegativeHangsBelowZero(t *testing.T) {
	t.Parallel()
	b := Bar{Labels: []string{"up", "down"}, Values: []float64{100, -50}}
	m := rectRE.FindAllStringSubmatch(string(b.SVG()), -1)
	if len(m) != 2 {
		t.Fatalf("Bar{100, -50}: want 2 bar rects, found %d", len(m))
	}
	upY, _ := strconv.ParseFloat(m[0][1], 64)
	upH, _ := strconv.ParseFloat(m[0][2], 64)
	downY, _ := strconv.ParseFloat(m[1][1], 64)
	downH, _ := strconv.ParseFloat(m[1][2], 64)
	if math.Abs(upY+upH-downY) > 0.02 {
		t.Errorf("Bar{100, -50}: positive bar ends at %v but negative starts at %v; want both at the zero line", upY+upH, downY)
	}
	if r := downH / upH; math.Abs(r-0.5) > 0.005 {
		t.Errorf("Bar{100, -50}: heights ratio %v, want 0.5", r)
	}
}

func TestEscaping(t *testing.T) {
	t.Parallel()
	evil := `<script>alert("x")</script> & 'co'`
	charts := map[string]interface{ SVG() template.HTML }{
		"line":    Line{Title: evil, Labels: []string{evil, "b"}, Series: []Series{{Name: evil, Values: []float64{1, 2}}, {Name: "x", Values: []float64{2, 1}}}},
		"bar":     Bar{Title: evil, Labels: []string{evil}, Values: []float64{3}, Color: `red"/><script>`},
		"hbar":    HBar{Title: evil, Labels: []string{evil}, Values: []float64{3}, Color: `"><script>`},
		"stacked": StackedBar{Title: evil, Labels: []string{evil}, Series: []Series{{Name: evil, Values: []float64{3}}}},
		"funnel":  Funnel{Title: evil, Steps: []FunnelStep{{evil, 10}, {evil, 5}}},
		"heatmap": Heatmap{Title: evil, Rows: []string{evil}, Cols: []string{evil}, Values: [][]float64{{1, 2}}},
		"empty":   Line{Title: evil},
		"format":  Bar{Values: []float64{1}, Format: func(float64) string { return evil }},
	}
	for name, c := range charts {
		svg := string(c.SVG())
		if strings.Contains(svg, "<script") {
			t.Errorf("%s: label %q reached the SVG unescaped", name, evil)
		}
		if !strings.Contains(svg, "&lt;script&gt;") {
			t.Errorf("%s: escaped label %q not found", name, evil)
		}
		_, text := wellFormed(t, name, template.HTML(svg))
		if name != "format" && !strings.Contains(text, evil) && !strings.Contains(svg, `aria-label="&lt;script&gt;`) {
			t.Errorf("%s: label %q does not round-trip through XML", name, evil)
		}
	}
}

func TestNaNBreaksLine(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	l := Line{Labels: []string{"a", "b", "c", "d", "e", "f"}, Series: []Series{{Name: "v", Values: []float64{1, 2, nan, 4, 5, nan}}}}
	svg := string(l.SVG())
	paths := regexp.MustCompile(`<path d="([^"]*)" fill="none"`).FindAllStringSubmatch(svg, -1)
	if len(paths) != 1 {
		t.Fatalf("want 1 line path, got %d", len(paths))
	}
	d := paths[0][1]
	if got := strings.Count(d, "M"); got != 2 {
		t.Errorf("values 1,2,NaN,4,5,NaN: path %q has %d subpaths, want 2", d, got)
	}
	if got := strings.Count(d, "L"); got != 2 {
		t.Errorf("values 1,2,NaN,4,5,NaN: path %q has %d segments, want 2", d, got)
	}
	if !strings.Contains(svg, "<title>c — v: no data</title>") {
		t.Errorf("tooltip for the NaN point should say no data")
	}
}

func TestComparisonDashed(t *testing.T) {
	t.Parallel()
	l := Line{Labels: []string{"a", "b"}, Series: []Series{{Name: "Now", Values: []float64{1, 2}}, {Name: "Before", Values: []float64{2, 1}, Comparison: true}}}
	svg := string(l.SVG())
	paths := regexp.MustCompile(`<path d="[^"]*" ([^/]*)/>`).FindAllStringSubmatch(svg, -1)
	if len(paths) != 2 {
		t.Fatalf("want 2 paths, got %d", len(paths))
	}
	// The comparison is drawn first, dashed, in the primary's colour.
	if !strings.Contains(paths[0][1], "stroke-dasharray") || strings.Contains(paths[1][1], "stroke-dasharray") {
		t.Errorf("want only the comparison path dashed: %q / %q", paths[0][1], paths[1][1])
	}
	if !strings.Contains(paths[0][1], PaletteColor(0)) {
		t.Errorf("comparison should reuse the primary colour %s: %q", PaletteColor(0), paths[0][1])
	}
	if !strings.Contains(svg, "<title>a — Now: 1 · Before: 2</title>") {
		t.Errorf("hover tooltip listing both series not found")
	}
}

func TestEmptyCharts(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	charts := map[string]interface{ SVG() template.HTML }{
		"line zero value":  Line{},
		"line no series":   Line{Labels: []string{"a"}},
		"line all NaN":     Line{Series: []Series{{Values: []float64{nan, nan}}}},
		"line all zero":    Line{Series: []Series{{Values: []float64{0, 0, 0}}}},
		"bar zero value":   Bar{},
		"bar all zero":     Bar{Labels: []string{"a"}, Values: []float64{0}},
		"hbar zero value":  HBar{},
		"hbar negative":    HBar{Labels: []string{"a"}, Values: []float64{-3}},
		"stacked empty":    StackedBar{Labels: []string{"a"}},
		"funnel no steps":  Funnel{},
		"funnel zero":      Funnel{Steps: []FunnelStep{{"a", 0}, {"b", 5}}},
		"heatmap nil":      Heatmap{},
		"heatmap all NaN":  Heatmap{Rows: []string{"r"}, Cols: []string{"c"}, Values: [][]float64{{nan}}},
		"heatmap all zero": Heatmap{Values: [][]float64{{0, 0}, {0}}},
	}
	for name, c := range charts {
		svg := c.SVG()
		_, text := wellFormed(t, name, svg)
		if !strings.Contains(text, "No data for this period") {
			t.Errorf("%s: want the no-data notice, got %s", name, svg)
		}
	}
}

func TestOddInputsDoNotPanic(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	long := strings.Repeat("very long label ", 20)
	charts := map[string]interface{ SVG() template.HTML }{
		"line one point":        Line{Labels: []string{"only"}, Series: []Series{{Name: "v", Values: []float64{5}}}},
		"line ragged":           Line{Labels: []string{"a"}, Series: []Series{{Values: []float64{1, 2, 3}}, {Values: []float64{inf}, Comparison: true}}},
		"line tiny":             Line{Width: 1, Height: 1, Labels: []string{long, long}, Series: []Series{{Name: long, Values: []float64{1, -1}}}},
		"line only comparisons": Line{Series: []Series{{Values: []float64{1, 2}, Comparison: true}, {Values: []float64{2, 1}, Comparison: true}}},
		"line many points":      Line{Labels: days(400), Series: []Series{{Values: visitors(400, 10)}}},
		"line huge values":      Line{Series: []Series{{Values: []float64{1e300, -1e300}}}},
		"line overflow":         Line{Series: []Series{{Values: []float64{1e308, -1e308}}}},
		"bar overflow":          Bar{Values: []float64{math.MaxFloat64, -math.MaxFloat64}},
		"line bad utf8":         Line{Title: "\xff\x00\x01", Labels: []string{"\xfe"}, Series: []Series{{Name: "\x02", Values: []float64{1}}}},
		"bar many":              Bar{Labels: days(365), Values: visitors(365, 100)},
		"bar negative width":    Bar{Width: -5, Height: -5, Values: []float64{1, nan, inf}},
		"hbar ragged":           HBar{Labels: []string{"a", "b", "c"}, Values: []float64{1}},
		"hbar fixed height":     HBar{Height: 50, Labels: days(40), Values: visitors(40, 50)},
		"stacked negative":      StackedBar{Series: []Series{{Values: []float64{-1, 2}}, {Values: []float64{nan, 3, 4}}}},
		"funnel growing":        Funnel{Steps: []FunnelStep{{"a", 10}, {"b", 20}, {"c", nan}, {"d", -4}}},
		"funnel many steps":     Funnel{Steps: slices.Repeat([]FunnelStep{{long, 100}, {long, 50}}, 10)},
		"heatmap negative":      Heatmap{Values: [][]float64{{-5, 5}, {nan}}},
		"heatmap one row":       Heatmap{Rows: []string{long}, Cols: days(60), Values: [][]float64{visitors(60, 9)}},
	}
	for name, c := range charts {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: SVG panicked: %v", name, r)
				}
			}()
			svg := c.SVG()
			wellFormed(t, name, svg)
			if strings.Contains(string(svg), "NaN") || strings.Contains(string(svg), "Inf") {
				t.Errorf("%s: SVG contains NaN or Inf", name)
			}
		}()
	}
}

func TestXLabelsThinned(t *testing.T) {
	t.Parallel()
	l := Line{Labels: days(30), Series: []Series{{Name: "v", Values: visitors(30, 100)}}}
	svg := string(l.SVG())
	shown := 0
	for _, d := range days(30) {
		if strings.Contains(svg, ">"+d+"</text>") {
			shown++
		}
	}
	if shown < 4 || shown > maxXLabels {
		t.Errorf("30 day labels: %d shown, want 4..%d", shown, maxXLabels)
	}
}

func TestLongLabelTruncated(t *testing.T) {
	t.Parallel()
	long := "/blog/how-we-cut-our-cloud-bill-in-half-without-rewriting-anything-at-all-really"
	svg := string(HBar{Width: 400, Labels: []string{long}, Values: []float64{1}}.SVG())
	if !strings.Contains(svg, "…</text>") {
		t.Errorf("long label %q not truncated with an ellipsis", long)
	}
	if !strings.Contains(svg, "<title>"+long+"</title>") {
		t.Errorf("long label %q lost its full text", long)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		width float64
		want  string
	}{
		{"short", 100, "short"},
		{"abcdefghij", 40, "abcd…"},
		{"ab cdefgh", 30, "ab…"},
		{"日本語のラベル", 40, "日本…"},
		{"abc", 0, "…"},
	}
	for _, tt := range tests {
		if got, _ := truncate(tt.in, tt.width, 12); got != tt.want {
			t.Errorf("truncate(%q, %v) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func TestHeatColor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		t    float64
		want string
	}{
		{-1, "#eef2ff"}, {0, "#eef2ff"}, {0.25, "#c7d2fe"}, {0.75, "#4f46e5"}, {1, "#312e81"}, {2, "#312e81"},
	}
	for _, tt := range tests {
		if got := heatColor(tt.t); got != tt.want {
			t.Errorf("heatColor(%v) = %s, want %s", tt.t, got, tt.want)
		}
	}
}

func TestSeriesColors(t *testing.T) {
	t.Parallel()
	got := seriesColors([]Series{{}, {}, {Comparison: true}, {Comparison: true}, {Comparison: true}})
	want := []string{PaletteColor(0), PaletteColor(1), PaletteColor(0), PaletteColor(1), PaletteColor(2)}
	if !slices.Equal(got, want) {
		t.Errorf("seriesColors(2 primaries, 3 comparisons) = %v, want %v", got, want)
	}
	if PaletteColor(-1) != PaletteColor(7) || PaletteColor(8) != PaletteColor(0) {
		t.Errorf("PaletteColor does not cycle")
	}
}

func ExampleFunnel() {
	f := Funnel{Title: "Signup", Steps: []FunnelStep{{"Visit", 10000}, {"Signup", 4200}}}
	svg := string(f.SVG())
	fmt.Println(strings.HasPrefix(svg, "<svg"), strings.Contains(svg, "42%"))
	// Output: true true
}

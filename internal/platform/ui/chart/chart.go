// Package chart renders charts as standalone, server-side SVG.
//
// The same markup is embedded in the web UI and in exported HTML and email
// reports, so every chart carries its own look: colours, fonts and sizes are
// inline presentation attributes taken from a fixed, colour-blind-friendly
// palette, and no external CSS, script or element id is needed (several
// charts can share one page). Each chart kind is a plain struct whose SVG
// method returns the markup as template.HTML; all caller text (titles,
// labels, series names) is escaped.
//
// Rendering is pure and deterministic: the same input always gives
// byte-identical SVG, with coordinates written to at most two decimals.
// Charts scale with their container (viewBox plus width="100%"); Width and
// Height only set the drawing's aspect ratio and its text-to-chart scale (at
// least 160×100). Hovering a data point shows an SVG <title> tooltip; since
// print and email have no hover, the bar, bar-list and funnel charts also
// write their key numbers as visible text.
//
// Empty input (no points, or all values zero or missing) renders a framed
// "No data for this period" notice rather than an empty plot, and no
// input makes SVG panic.
package chart

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Default drawing size, used when a chart's Width or Height is zero.
const (
	DefaultWidth  = 720
	DefaultHeight = 240
)

// Smallest drawing size; smaller requests are enlarged to this.
const (
	minWidth  = 160
	minHeight = 100
)

// Fixed look shared by every chart.
const (
	fontFamily      = "system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif"
	fontSize        = 12.0
	colorBackground = "#ffffff"
	colorText       = "#475569" // axis labels, legend
	colorTextStrong = "#0f172a" // values, HBar labels
	colorMuted      = "#94a3b8" // empty-state text, secondary figures
	colorGrid       = "#e2e8f0" // grid lines, frames
	colorAxis       = "#94a3b8" // the zero line
	colorDrop       = "#be123c" // funnel drop-off figures
	dashPattern     = "5 4"     // comparison series
	comparisonAlpha = "0.6"     // comparison series opacity
	noDataText      = "No data for this period"
	ellipsis        = "…"
)

// palette is the series colour order: indigo, teal, amber, rose, sky,
// violet, lime, slate. Neighbours differ in hue and lightness so that the
// first four stay distinguishable under the common colour-vision
// deficiencies.
var palette = [...]string{
	"#4f46e5", // indigo-600
	"#0d9488", // teal-600
	"#d97706", // amber-600
	"#e11d48", // rose-600
	"#0284c7", // sky-600
	"#7c3aed", // violet-600
	"#65a30d", // lime-600
	"#475569", // slate-600
}

// PaletteColor returns the i-th series colour as "#rrggbb", cycling through
// the eight-colour palette (indigo, teal, amber, rose, sky, violet, lime,
// slate). Pages that draw their own legend next to a chart use it to match
// the chart's colours.
func PaletteColor(i int) string {
	n := len(palette)
	return palette[((i%n)+n)%n]
}

// Series is one named sequence of values, one per x position.
type Series struct {
	// Name is shown in the legend and tooltips.
	Name string
	// Values holds one value per label; NaN (or ±Inf) marks a missing
	// value, which breaks a line into a gap.
	Values []float64
	// Comparison marks a previous-period series, drawn dashed and lighter
	// in the colour of the primary series it compares with.
	Comparison bool
}

// seriesColors assigns palette colours: primary series take palette colours
// in order, and the k-th comparison series reuses the colour of the k-th
// primary series (or, without primaries, palette colours in order).
func seriesColors(series []Series) []string {
	colors := make([]string, len(series))
	var primary []string
	for i, s := range series {
		if !s.Comparison {
			colors[i] = PaletteColor(len(primary))
			primary = append(primary, colors[i])
		}
	}
	k := 0
	for i, s := range series {
		if s.Comparison {
			if k < len(primary) {
				colors[i] = primary[k]
			} else {
				colors[i] = PaletteColor(k)
			}
			k++
		}
	}
	return colors
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// valueAt returns vs[i], or NaN when i is out of range.
func valueAt(vs []float64, i int) float64 {
	if i < 0 || i >= len(vs) {
		return math.NaN()
	}
	return vs[i]
}

// labelAt returns ls[i], or "" when i is out of range.
func labelAt(ls []string, i int) string {
	if i < 0 || i >= len(ls) {
		return ""
	}
	return ls[i]
}

// size resolves a chart's requested size.
func size(w, h int) (float64, float64) {
	if w <= 0 {
		w = DefaultWidth
	}
	if h <= 0 {
		h = DefaultHeight
	}
	return float64(max(w, minWidth)), float64(max(h, minHeight))
}

// formatter returns f, or FormatNumber when f is nil.
func formatter(f func(float64) string) func(float64) string {
	if f == nil {
		return FormatNumber
	}
	return f
}

// num formats an SVG coordinate or length with at most two decimals.
func num(v float64) string {
	if !finite(v) {
		return "0"
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// esc escapes s for use as XML/HTML text or a double-quoted attribute value;
// invalid UTF-8 and characters XML forbids become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // strings.Builder never fails.
	return b.String()
}

// textWidth estimates the rendered width of s in a sans-serif font of the
// given size. The estimate errs wide so that layout leaves room.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w * size
}

// runeWidth is the approximate advance of r in ems.
func runeWidth(r rune) float64 {
	switch {
	case r >= 0x1100 && r <= 0x115f, r >= 0x2e80 && r <= 0xa4cf,
		r >= 0xac00 && r <= 0xd7a3, r >= 0xf900 && r <= 0xfaff,
		r >= 0xfe30 && r <= 0xfe4f, r >= 0xff00 && r <= 0xff60,
		r >= 0xffe0 && r <= 0xffe6, r >= 0x1f300 && r <= 0x1faff:
		return 1.0
	case strings.ContainsRune(" .,:;'|!ijlI()[]/", r):
		return 0.32
	case r == 'm' || r == 'w' || r == 'M' || r == 'W' || r == '@' || r == '%':
		return 0.85
	case r >= 'A' && r <= 'Z':
		return 0.66
	default:
		return 0.56
	}
}

// truncate shortens s with an ellipsis so that it fits maxWidth at the given
// font size, reporting whether it did.
func truncate(s string, maxWidth, size float64) (string, bool) {
	if textWidth(s, size) <= maxWidth {
		return s, false
	}
	budget := maxWidth - textWidth(ellipsis, size)
	w := 0.0
	end := 0
	for i, r := range s {
		rw := runeWidth(r) * size
		if w+rw > budget {
			break
		}
		w += rw
		end = i + len(string(r))
	}
	return strings.TrimRight(s[:end], " ") + ellipsis, true
}

// canvas accumulates one SVG document.
type canvas struct {
	b    strings.Builder
	w, h float64
}

// newCanvas opens an SVG document of the given size. The title becomes the
// accessible name; fallback is used when title is empty.
func newCanvas(w, h float64, title, fallback string) *canvas {
	c := &canvas{w: w, h: h}
	label := title
	if label == "" {
		label = fallback
	}
	c.printf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="100%%" role="img" aria-label="%s" font-family="%s" font-size="%s">`,
		num(w), num(h), esc(label), fontFamily, num(fontSize))
	if title != "" {
		c.printf(`<title>%s</title>`, esc(title))
	}
	c.printf(`<rect width="%s" height="%s" fill="%s"/>`, num(w), num(h), colorBackground)
	return c
}

// printf appends formatted markup; callers escape text themselves.
func (c *canvas) printf(format string, args ...any) {
	fmt.Fprintf(&c.b, format, args...)
}

// done closes the document and returns it.
func (c *canvas) done() template.HTML {
	c.b.WriteString("</svg>")
	return template.HTML(c.b.String()) // every caller string went through esc
}

// text writes s at (x, y); extra is a raw attribute string (e.g. anchor,
// fill) that must not hold caller text.
func (c *canvas) text(x, y float64, s, extra string) {
	c.printf(`<text x="%s" y="%s"%s>%s</text>`, num(x), num(y), extra, esc(s))
}

// label writes s at (x, y), truncated to maxWidth with an ellipsis; a
// truncated label carries its full text as a tooltip.
func (c *canvas) label(x, y float64, s string, maxWidth, size float64, extra string) {
	short, cut := truncate(s, maxWidth, size)
	if !cut {
		c.text(x, y, s, extra)
		return
	}
	c.printf(`<g><title>%s</title>`, esc(s))
	c.text(x, y, short, extra)
	c.b.WriteString(`</g>`)
}

// empty renders the notice shown for a chart without data.
func empty(w, h float64, title, fallback string) template.HTML {
	c := newCanvas(w, h, title, fallback)
	c.printf(`<rect x="0.5" y="0.5" width="%s" height="%s" rx="6" fill="none" stroke="%s"/>`,
		num(w-1), num(h-1), colorGrid)
	c.text(w/2, h/2, noDataText, fmt.Sprintf(` dy="0.35em" text-anchor="middle" font-size="13" fill="%s"`, colorMuted))
	return c.done()
}

// legendItem is one entry of a legend.
type legendItem struct {
	name   string
	color  string
	dashed bool // comparison line
	box    bool // square swatch (bars) instead of a line
}

const (
	legendRow    = 18.0  // height of one legend line
	legendSwatch = 16.0  // swatch width
	legendGap    = 16.0  // space between entries
	legendMaxTxt = 180.0 // longest legend name, in px
)

// placeLegend lays items out left to right, wrapping at width. It returns
// each item's offset from the legend origin and the total height.
func placeLegend(items []legendItem, width float64) (xs, ys []float64, height float64) {
	x, row := 0.0, 0
	for _, it := range items {
		name, _ := truncate(it.name, legendMaxTxt, fontSize)
		iw := legendSwatch + 6 + textWidth(name, fontSize)
		if x > 0 && x+iw > width {
			x, row = 0, row+1
		}
		xs = append(xs, x)
		ys = append(ys, float64(row)*legendRow)
		x += iw + legendGap
	}
	if len(items) == 0 {
		return nil, nil, 0
	}
	return xs, ys, float64(row+1) * legendRow
}

// legend draws items with the legend's top-left corner at (x0, y0).
func (c *canvas) legend(items []legendItem, x0, y0, width float64) {
	xs, ys, _ := placeLegend(items, width)
	c.b.WriteString(`<g>`)
	for i, it := range items {
		x, cy := x0+xs[i], y0+ys[i]+legendRow/2
		col := esc(it.color)
		switch {
		case it.box:
			c.printf(`<rect x="%s" y="%s" width="10" height="10" rx="2" fill="%s"/>`, num(x+3), num(cy-5), col)
		case it.dashed:
			c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="4 3" stroke-opacity="%s"/>`,
				num(x), num(cy), num(x+legendSwatch), num(cy), col, comparisonAlpha)
		default:
			c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2.5" stroke-linecap="round"/>`,
				num(x+1), num(cy), num(x+legendSwatch-1), num(cy), col)
		}
		c.label(x+legendSwatch+6, cy, it.name, legendMaxTxt, fontSize, fmt.Sprintf(` dy="0.35em" fill="%s"`, colorText))
	}
	c.b.WriteString(`</g>`)
}

// yAxis maps values to vertical positions over nice ticks.
type yAxis struct {
	ticks       []float64
	lo, hi      float64
	top, bottom float64
}

// newYAxis builds an axis covering [lo, hi] (which callers widen to include
// zero) between the pixel rows top and bottom.
func newYAxis(lo, hi, top, bottom float64) yAxis {
	n := int(math.Floor((bottom - top) / 36))
	n = min(max(n, 2), 6)
	ticks := NiceTicks(lo, hi, n)
	if len(ticks) < 2 {
		ticks = []float64{0, 1}
	}
	return yAxis{ticks: ticks, lo: ticks[0], hi: ticks[len(ticks)-1], top: top, bottom: bottom}
}

// y returns the pixel row of v.
func (a yAxis) y(v float64) float64 {
	return a.bottom - (v-a.lo)/(a.hi-a.lo)*(a.bottom-a.top)
}

// labelWidth is the width of the widest tick label.
func (a yAxis) labelWidth(format func(float64) string) float64 {
	w := 0.0
	for _, t := range a.ticks {
		w = max(w, textWidth(format(t), fontSize))
	}
	return w
}

// draw writes the horizontal grid lines from left to right, a darker line at
// zero, and the tick labels right-aligned left of the plot.
func (a yAxis) draw(c *canvas, left, right float64, format func(float64) string) {
	c.b.WriteString(`<g>`)
	for _, t := range a.ticks {
		y := a.y(t)
		stroke := colorGrid
		if t == 0 {
			stroke = colorAxis
		}
		c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1" shape-rendering="crispEdges"/>`,
			num(left), num(y), num(right), num(y), stroke)
		c.text(left-8, y, format(t), fmt.Sprintf(` dy="0.35em" text-anchor="end" fill="%s"`, colorText))
	}
	c.b.WriteString(`</g>`)
}

const (
	maxXLabels     = 8     // most x-axis labels shown
	maxXLabelWidth = 110.0 // longest x-axis label, in px
)

// xLabelsWidth is the width of the widest x label after truncation.
func xLabelsWidth(labels []string) float64 {
	w := 0.0
	for _, l := range labels {
		w = max(w, textWidth(l, fontSize))
	}
	return min(w, maxXLabelWidth)
}

// xLabelStep returns k such that showing every k-th of n labels, each up to
// labelW wide, fits plotW with at most maxXLabels labels.
func xLabelStep(n int, labelW, plotW float64) int {
	if n <= 0 {
		return 1
	}
	fit := int(plotW / (labelW + 14))
	fit = min(max(fit, 1), maxXLabels)
	return (n + fit - 1) / fit
}

// xLabels draws every step-th label of n centred at x(i) on baseline y,
// each truncated to room px.
func (c *canvas) xLabels(labels []string, n, step int, x func(int) float64, y, room float64) {
	room = min(room, maxXLabelWidth)
	c.b.WriteString(`<g>`)
	for i := 0; i < n; i += step {
		l := labelAt(labels, i)
		if l == "" {
			continue
		}
		c.label(x(i), y, l, room, fontSize, fmt.Sprintf(` text-anchor="middle" fill="%s"`, colorText))
	}
	c.b.WriteString(`</g>`)
}

// hit writes a transparent hover target over the rectangle with the given
// tooltip.
func (c *canvas) hit(x, y, w, h float64, tip string) {
	c.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="#ffffff" fill-opacity="0"><title>%s</title></rect>`,
		num(x), num(y), num(max(w, 0)), num(max(h, 0)), esc(tip))
}

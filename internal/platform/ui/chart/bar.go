package chart

import (
	"fmt"
	"html/template"
	"strings"
)

// Bar is a vertical bar chart of one series, one bar per label. Negative
// values hang below the zero line.
type Bar struct {
	// Title is the accessible name (SVG <title> and aria-label).
	Title string
	// Width and Height set the drawing size in px; zero means
	// DefaultWidth × DefaultHeight.
	Width, Height int
	// Labels names each bar; the x axis shows at most eight of them.
	Labels []string
	// Values holds one value per label; NaN leaves the slot empty.
	Values []float64
	// Color is the bar colour as a CSS colour; "" means the first palette
	// colour.
	Color string
	// Format formats values for the axis, value labels and tooltips; nil
	// means FormatNumber.
	Format func(float64) string
}

// Value labels are written above bars only up to this many bars.
const barValuesMax = 31

// SVG renders the chart.
func (b Bar) SVG() template.HTML {
	w, h := size(b.Width, b.Height)
	format := formatter(b.Format)
	n := max(len(b.Labels), len(b.Values))
	lo, hi, nonzero := 0.0, 0.0, false
	for _, v := range b.Values {
		if finite(v) {
			lo, hi = min(lo, v), max(hi, v)
			nonzero = nonzero || v != 0
		}
	}
	if n == 0 || !nonzero {
		return empty(w, h, b.Title, "Bar chart")
	}
	color := esc(b.Color)
	if color == "" {
		color = PaletteColor(0)
	}

	top, bottom := 20.0, h-10
	if hasText(b.Labels) {
		bottom = h - 28
	}
	if lo < 0 && n <= barValuesMax {
		bottom -= 16 // room for value labels under negative bars
	}
	axis := newYAxis(lo, hi, top, bottom)
	left, right := barBounds(w, n, axis.labelWidth(format), b.Labels)
	band := (right - left) / float64(n)
	barW := min(band*0.72, 64)
	x := func(i int) float64 { return left + (float64(i)+0.5)*band }

	c := newCanvas(w, h, b.Title, "Bar chart")
	axis.draw(c, left, right, format)
	zero := axis.y(0)
	valueStyle := fmt.Sprintf(` text-anchor="middle" font-size="11" fill="%s"`, colorTextStrong)
	for i := range n {
		v := valueAt(b.Values, i)
		if !finite(v) {
			continue
		}
		tip := format(v)
		if lb := labelAt(b.Labels, i); lb != "" {
			tip = lb + ": " + tip
		}
		y := axis.y(v)
		c.b.WriteString(`<g>`)
		c.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`,
			num(x(i)-barW/2), num(min(y, zero)), num(barW), num(abs(zero-y)), color)
		c.hit(left+float64(i)*band, top, band, bottom-top, tip)
		c.b.WriteString(`</g>`)
		if s := format(v); n <= barValuesMax && textWidth(s, 11) <= band-4 {
			ty := y - 5
			if v < 0 {
				ty = y + 13
			}
			c.text(x(i), ty, s, valueStyle)
		}
	}
	if hasText(b.Labels) {
		step := xLabelStep(n, xLabelsWidth(b.Labels), right-left)
		c.xLabels(b.Labels, n, step, x, h-10, band*float64(step)-6)
	}
	return c.done()
}

// StackedBar is a vertical stacked bar chart: one column per label, one
// coloured segment per series, with a legend. Negative and missing values
// count as zero, and Series.Comparison is ignored.
type StackedBar struct {
	// Title is the accessible name (SVG <title> and aria-label).
	Title string
	// Width and Height set the drawing size in px; zero means
	// DefaultWidth × DefaultHeight.
	Width, Height int
	// Labels names each column; the x axis shows at most eight of them.
	Labels []string
	// Series are stacked bottom-up in order, coloured in palette order.
	Series []Series
	// Format formats values for the axis, totals and tooltips; nil means
	// FormatNumber.
	Format func(float64) string
}

// SVG renders the chart.
func (s StackedBar) SVG() template.HTML {
	w, h := size(s.Width, s.Height)
	format := formatter(s.Format)
	n := len(s.Labels)
	for _, se := range s.Series {
		n = max(n, len(se.Values))
	}
	totals := make([]float64, n)
	peak := 0.0
	for i := range n {
		for _, se := range s.Series {
			totals[i] += stackValue(se.Values, i)
		}
		peak = max(peak, totals[i])
	}
	if peak == 0 {
		return empty(w, h, s.Title, "Stacked bar chart")
	}

	items := make([]legendItem, len(s.Series))
	for i, se := range s.Series {
		items[i] = legendItem{name: se.Name, color: PaletteColor(i), box: true}
	}
	_, _, legendH := placeLegend(items, w-24)
	top := 10 + legendH + 18
	bottom := h - 10
	if hasText(s.Labels) {
		bottom = h - 28
	}
	axis := newYAxis(0, peak, top, bottom)
	left, right := barBounds(w, n, axis.labelWidth(format), s.Labels)
	band := (right - left) / float64(n)
	barW := min(band*0.72, 64)
	x := func(i int) float64 { return left + (float64(i)+0.5)*band }

	c := newCanvas(w, h, s.Title, "Stacked bar chart")
	axis.draw(c, left, right, format)
	totalStyle := fmt.Sprintf(` text-anchor="middle" font-size="11" fill="%s"`, colorTextStrong)
	for i := range n {
		if totals[i] == 0 {
			continue
		}
		parts := make([]string, 0, len(s.Series)+1)
		base := 0.0
		c.b.WriteString(`<g>`)
		for k, se := range s.Series {
			v := stackValue(se.Values, i)
			name := se.Name
			if name == "" {
				name = fmt.Sprintf("Series %d", k+1)
			}
			parts = append(parts, name+": "+format(v))
			if v == 0 {
				continue
			}
			y0, y1 := axis.y(base), axis.y(base+v)
			c.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="%s" stroke-width="1"/>`,
				num(x(i)-barW/2), num(y1), num(barW), num(y0-y1), PaletteColor(k), colorBackground)
			base += v
		}
		parts = append(parts, "Total: "+format(totals[i]))
		tip := strings.Join(parts, " · ")
		if lb := labelAt(s.Labels, i); lb != "" {
			tip = lb + " — " + tip
		}
		c.hit(left+float64(i)*band, top, band, bottom-top, tip)
		c.b.WriteString(`</g>`)
		if t := format(totals[i]); n <= barValuesMax && textWidth(t, 11) <= band-4 {
			c.text(x(i), axis.y(totals[i])-5, t, totalStyle)
		}
	}
	if hasText(s.Labels) {
		step := xLabelStep(n, xLabelsWidth(s.Labels), right-left)
		c.xLabels(s.Labels, n, step, x, h-10, band*float64(step)-6)
	}
	c.legend(items, left, 6, w-left-12)
	return c.done()
}

// barBounds returns the plot's left and right edges for n bars in a chart
// w wide, leaving room for y labels axisW wide and for x labels centred on
// the outer bars to stay inside the drawing.
func barBounds(w float64, n int, axisW float64, labels []string) (left, right float64) {
	left, right = max(axisW+14, 24), w-12
	// Half a label, less the half band it can borrow from its own bar.
	over := xLabelsWidth(labels)/2 + 4 - (right-left)/float64(n)/2
	return max(left, over), w - max(12, over)
}

// stackValue is vs[i] for stacking: missing and negative values count as 0.
func stackValue(vs []float64, i int) float64 {
	v := valueAt(vs, i)
	if !finite(v) || v < 0 {
		return 0
	}
	return v
}

// hasText reports whether any of ls is non-empty.
func hasText(ls []string) bool {
	for _, l := range ls {
		if l != "" {
			return true
		}
	}
	return false
}

// abs is the absolute value of v.
func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

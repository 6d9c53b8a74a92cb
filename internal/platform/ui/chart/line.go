package chart

import (
	"fmt"
	"html/template"
	"strings"
)

// Line is a multi-series line chart over shared x labels, e.g. daily
// visitors with a dashed previous-period comparison.
type Line struct {
	// Title is the accessible name (SVG <title> and aria-label).
	Title string
	// Width and Height set the drawing size in px; zero means
	// DefaultWidth × DefaultHeight.
	Width, Height int
	// Labels names each x position; the x axis shows at most eight of them.
	Labels []string
	// Series are drawn in palette order; comparison series are dashed. A
	// legend is shown when there is more than one series.
	Series []Series
	// Area fills the region between each primary series and zero.
	Area bool
	// Format formats values for the y axis and tooltips; nil means
	// FormatNumber.
	Format func(float64) string
}

// Points are marked with dots when a chart has at most this many.
const lineDotsMax = 16

// SVG renders the chart.
func (l Line) SVG() template.HTML {
	w, h := size(l.Width, l.Height)
	format := formatter(l.Format)

	n := len(l.Labels)
	lo, hi, nonzero := 0.0, 0.0, false
	for _, s := range l.Series {
		n = max(n, len(s.Values))
		for _, v := range s.Values {
			if finite(v) {
				lo, hi = min(lo, v), max(hi, v)
				nonzero = nonzero || v != 0
			}
		}
	}
	if n == 0 || !nonzero {
		return empty(w, h, l.Title, "Line chart")
	}

	colors := seriesColors(l.Series)
	var items []legendItem
	if len(l.Series) > 1 {
		for i, s := range l.Series {
			items = append(items, legendItem{name: s.Name, color: colors[i], dashed: s.Comparison})
		}
	}

	// Horizontal layout depends on the y labels, which depend on the
	// vertical layout, which depends on the legend's wrapping: settle the
	// legend against the full width first.
	_, _, legendH := placeLegend(items, w-24)
	top := 10.0
	if legendH > 0 {
		top += legendH + 8
	}
	bottom := h - 10
	hasLabels := hasText(l.Labels)
	if hasLabels {
		bottom = h - 28
	}
	axis := newYAxis(lo, hi, top, bottom)
	labelW := xLabelsWidth(l.Labels)
	left := max(axis.labelWidth(format)+14, labelW/2+4, 24)
	right := w - max(16, labelW/2+4)
	plotW := right - left

	x := func(i int) float64 {
		if n == 1 {
			return left + plotW/2
		}
		return left + float64(i)*plotW/float64(n-1)
	}
	band := plotW
	if n > 1 {
		band = plotW / float64(n-1)
	}

	c := newCanvas(w, h, l.Title, "Line chart")
	axis.draw(c, left, right, format)

	zero := axis.y(0)
	if l.Area {
		for i, s := range l.Series {
			if s.Comparison {
				continue
			}
			for _, seg := range segments(s.Values, n) {
				var p strings.Builder
				fmt.Fprintf(&p, "M%s %s", num(x(seg[0])), num(zero))
				for j := seg[0]; j < seg[1]; j++ {
					fmt.Fprintf(&p, "L%s %s", num(x(j)), num(axis.y(s.Values[j])))
				}
				fmt.Fprintf(&p, "L%s %sZ", num(x(seg[1]-1)), num(zero))
				c.printf(`<path d="%s" fill="%s" fill-opacity="0.12"/>`, p.String(), colors[i])
			}
		}
	}

	// Comparison series first, so primary lines are drawn over them.
	for _, cmp := range []bool{true, false} {
		for i, s := range l.Series {
			if s.Comparison != cmp {
				continue
			}
			l.drawSeries(c, s, colors[i], n, x, axis)
		}
	}

	if hasLabels {
		step := xLabelStep(n, labelW, plotW)
		c.xLabels(l.Labels, n, step, x, h-10, band*float64(step)-8)
	}

	// Hover targets: one column per x position listing every series.
	c.b.WriteString(`<g>`)
	for i := range n {
		x0 := max(x(i)-band/2, left)
		x1 := min(x(i)+band/2, right)
		if n == 1 {
			x0, x1 = left, right
		}
		c.hit(x0, top, x1-x0, bottom-top, l.tooltip(i, format))
	}
	c.b.WriteString(`</g>`)

	if len(items) > 0 {
		c.legend(items, left, 6, w-left-12)
	}
	return c.done()
}

// drawSeries draws one series as a polyline broken at missing values, with
// dots for isolated points (and for every point on short primary series).
func (l Line) drawSeries(c *canvas, s Series, color string, n int, x func(int) float64, axis yAxis) {
	style := fmt.Sprintf(`fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"`, color)
	if s.Comparison {
		style += fmt.Sprintf(` stroke-dasharray="%s" stroke-opacity="%s"`, dashPattern, comparisonAlpha)
	}
	var p strings.Builder
	var dots []int
	for _, seg := range segments(s.Values, n) {
		if seg[1]-seg[0] == 1 {
			dots = append(dots, seg[0])
			continue
		}
		for j := seg[0]; j < seg[1]; j++ {
			cmd := "L"
			if j == seg[0] {
				cmd = "M"
			}
			fmt.Fprintf(&p, "%s%s %s", cmd, num(x(j)), num(axis.y(s.Values[j])))
		}
		if !s.Comparison && n <= lineDotsMax {
			for j := seg[0]; j < seg[1]; j++ {
				dots = append(dots, j)
			}
		}
	}
	if p.Len() > 0 {
		c.printf(`<path d="%s" %s/>`, p.String(), style)
	}
	opacity := ""
	if s.Comparison {
		opacity = fmt.Sprintf(` fill-opacity="%s"`, comparisonAlpha)
	}
	for _, j := range dots {
		c.printf(`<circle cx="%s" cy="%s" r="3" fill="%s"%s/>`, num(x(j)), num(axis.y(s.Values[j])), color, opacity)
	}
}

// tooltip describes x position i: "Mon 3 Nov — Visitors: 1,234 ·
// Previous period: 1,100".
func (l Line) tooltip(i int, format func(float64) string) string {
	parts := make([]string, 0, len(l.Series))
	for _, s := range l.Series {
		v := valueAt(s.Values, i)
		val := "no data"
		if finite(v) {
			val = format(v)
		}
		if s.Name == "" {
			parts = append(parts, val)
		} else {
			parts = append(parts, s.Name+": "+val)
		}
	}
	tip := strings.Join(parts, " · ")
	if lb := labelAt(l.Labels, i); lb != "" {
		tip = lb + " — " + tip
	}
	return tip
}

// segments splits the first n positions of vs into runs of finite values,
// each as a half-open index range [start, end).
func segments(vs []float64, n int) [][2]int {
	var segs [][2]int
	start := -1
	for i := 0; i <= n; i++ {
		ok := i < n && finite(valueAt(vs, i))
		switch {
		case ok && start < 0:
			start = i
		case !ok && start >= 0:
			segs = append(segs, [2]int{start, i})
			start = -1
		}
	}
	return segs
}

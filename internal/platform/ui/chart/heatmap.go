package chart

import (
	"fmt"
	"html/template"
	"math"
)

// Heatmap is a grid of cells whose colour deepens with the value, e.g.
// weekday × hour of day, or signup cohort × week. Row labels run down the
// left, column labels across the top, and a small scale sits underneath.
type Heatmap struct {
	// Title is the accessible name (SVG <title> and aria-label).
	Title string
	// Width sets the drawing width in px; zero means DefaultWidth.
	Width int
	// Height sets the drawing height in px; zero sizes the chart to fit
	// 26 px per row.
	Height int
	// Rows labels each row, top to bottom.
	Rows []string
	// Cols labels each column, left to right; when they cannot all fit,
	// every k-th is shown.
	Cols []string
	// Values is indexed [row][col]; NaN and missing cells are left blank.
	// Colour intensity runs from the smaller of 0 and the minimum up to
	// the maximum.
	Values [][]float64
	// ShowValues writes each value inside its cell when it fits.
	ShowValues bool
	// Format formats values for tooltips, cells and the scale; nil means
	// FormatNumber.
	Format func(float64) string
}

// heatStops is the sequential indigo scale, light to dark.
var heatStops = [...][3]float64{
	{0xee, 0xf2, 0xff}, // indigo-50
	{0xc7, 0xd2, 0xfe}, // indigo-200
	{0x81, 0x8c, 0xf8}, // indigo-400
	{0x4f, 0x46, 0xe5}, // indigo-600
	{0x31, 0x2e, 0x81}, // indigo-900
}

const (
	heatRow    = 26.0 // row height when Height is zero
	heatTop    = 24.0 // room for column labels
	heatBottom = 30.0 // room for the scale
	heatPad    = 8.0
)

// SVG renders the chart.
func (m Heatmap) SVG() template.HTML {
	rows := max(len(m.Rows), len(m.Values))
	cols := len(m.Cols)
	for _, r := range m.Values {
		cols = max(cols, len(r))
	}
	height := m.Height
	if height <= 0 && rows > 0 {
		height = int(heatTop + float64(rows)*heatRow + heatBottom)
	}
	w, h := size(m.Width, height)
	format := formatter(m.Format)

	lo, hi, nonzero := 0.0, 0.0, false
	for _, r := range m.Values {
		for _, v := range r {
			if finite(v) {
				lo, hi = min(lo, v), max(hi, v)
				nonzero = nonzero || v != 0
			}
		}
	}
	if rows == 0 || cols == 0 || !nonzero || hi == lo {
		return empty(w, h, m.Title, "Heatmap")
	}

	rowLabelW := 0.0
	for _, r := range m.Rows {
		rowLabelW = max(rowLabelW, textWidth(r, fontSize))
	}
	rowLabelW = min(rowLabelW, 140)
	left := heatPad + rowLabelW + 8
	right := w - heatPad
	top, bottom := heatTop, h-heatBottom
	cw := (right - left) / float64(cols)
	ch := (bottom - top) / float64(rows)
	gap := min(2, cw/4, ch/4)

	c := newCanvas(w, h, m.Title, "Heatmap")
	labelStyle := fmt.Sprintf(` fill="%s"`, colorText)

	// Column labels, thinned when they would overlap.
	colLabelW := xLabelsWidth(m.Cols)
	step := 1
	if colLabelW+6 > cw {
		step = int(math.Ceil((colLabelW + 6) / cw))
	}
	c.b.WriteString(`<g>`)
	for j := 0; j < cols; j += step {
		if l := labelAt(m.Cols, j); l != "" {
			c.label(left+(float64(j)+0.5)*cw, top-8, l, cw*float64(step)-4, 11,
				` text-anchor="middle" font-size="11"`+labelStyle)
		}
	}
	c.b.WriteString(`</g><g>`)
	for i := range rows {
		if l := labelAt(m.Rows, i); l != "" {
			c.label(left-8, top+(float64(i)+0.5)*ch, l, rowLabelW, fontSize,
				` dy="0.35em" text-anchor="end"`+labelStyle)
		}
	}
	c.b.WriteString(`</g>`)

	c.b.WriteString(`<g>`)
	for i := range rows {
		var row []float64
		if i < len(m.Values) {
			row = m.Values[i]
		}
		for j := range cols {
			v := valueAt(row, j)
			if !finite(v) {
				continue
			}
			t := (v - lo) / (hi - lo)
			x, y := left+float64(j)*cw, top+float64(i)*ch
			tip := format(v)
			switch rl, cl := labelAt(m.Rows, i), labelAt(m.Cols, j); {
			case rl != "" && cl != "":
				tip = rl + " · " + cl + ": " + tip
			case rl+cl != "":
				tip = rl + cl + ": " + tip
			}
			c.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s"><title>%s</title></rect>`,
				num(x+gap/2), num(y+gap/2), num(cw-gap), num(ch-gap), heatColor(t), esc(tip))
			if s := format(v); m.ShowValues && textWidth(s, 10) <= cw-4 && ch >= 12 {
				fill := colorTextStrong
				if t > 0.55 {
					fill = colorBackground
				}
				c.printf(`<text x="%s" y="%s" dy="0.35em" text-anchor="middle" font-size="10" fill="%s" pointer-events="none">%s</text>`,
					num(x+cw/2), num(y+ch/2), fill, esc(s))
			}
		}
	}
	c.b.WriteString(`</g>`)

	// Scale: low value, five swatches, high value, right-aligned.
	sy := h - heatBottom/2
	hiText := format(hi)
	x := right - textWidth(hiText, 11)
	c.b.WriteString(`<g>`)
	c.text(right, sy, hiText, ` dy="0.35em" text-anchor="end" font-size="11"`+labelStyle)
	x -= 6 + 5*14
	for k := range 5 {
		c.printf(`<rect x="%s" y="%s" width="12" height="12" rx="2" fill="%s"/>`,
			num(x+float64(k)*14), num(sy-6), heatColor(float64(k)/4))
	}
	c.text(x-6, sy, format(lo), ` dy="0.35em" text-anchor="end" font-size="11"`+labelStyle)
	c.b.WriteString(`</g>`)
	return c.done()
}

// heatColor maps t in [0, 1] onto the sequential scale as "#rrggbb".
func heatColor(t float64) string {
	t = min(max(t, 0), 1)
	pos := t * float64(len(heatStops)-1)
	k := min(int(pos), len(heatStops)-2)
	f := pos - float64(k)
	a, b := heatStops[k], heatStops[k+1]
	var rgb [3]int
	for i := range rgb {
		rgb[i] = int(math.Round(a[i] + (b[i]-a[i])*f))
	}
	return fmt.Sprintf("#%02x%02x%02x", rgb[0], rgb[1], rgb[2])
}

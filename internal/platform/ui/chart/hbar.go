package chart

import (
	"fmt"
	"html/template"
)

// HBar is a ranked list of horizontal bars, as used for "top pages" and
// "top sources": each row shows its label over a tinted bar whose length is
// proportional to the row's value relative to the largest, and the value
// right-aligned. Rows keep the caller's order; negative values draw no bar.
type HBar struct {
	// Title is the accessible name (SVG <title> and aria-label).
	Title string
	// Width sets the drawing width in px; zero means DefaultWidth.
	Width int
	// Height sets the drawing height in px; zero sizes the chart to fit
	// 30 px per row.
	Height int
	// Labels names each row.
	Labels []string
	// Values holds one value per label; NaN is shown as "–" with no bar.
	Values []float64
	// Color is the bar colour as a CSS colour (drawn as a light tint); ""
	// means the first palette colour.
	Color string
	// Format formats the values; nil means FormatNumber.
	Format func(float64) string
}

const (
	hbarRow = 30.0 // row height when Height is zero
	hbarPad = 8.0  // outer padding
)

// SVG renders the chart.
func (b HBar) SVG() template.HTML {
	n := max(len(b.Labels), len(b.Values))
	height := b.Height
	if height <= 0 && n > 0 {
		height = int(float64(n)*hbarRow + 2*hbarPad)
	}
	w, h := size(b.Width, height)
	format := formatter(b.Format)

	peak := 0.0
	valueW := 0.0
	for i := range n {
		v := valueAt(b.Values, i)
		if finite(v) {
			peak = max(peak, v)
		}
		valueW = max(valueW, textWidth(b.value(v, format), fontSize))
	}
	if n == 0 || peak <= 0 {
		return empty(w, h, b.Title, "Bar list")
	}
	color := esc(b.Color)
	if color == "" {
		color = PaletteColor(0)
	}

	rowH := (h - 2*hbarPad) / float64(n)
	barH := max(rowH-6, 1)
	x0 := hbarPad
	x1 := w - hbarPad - valueW - 16
	c := newCanvas(w, h, b.Title, "Bar list")
	labelStyle := fmt.Sprintf(` dy="0.35em" fill="%s"`, colorTextStrong)
	valueStyle := fmt.Sprintf(` dy="0.35em" text-anchor="end" font-weight="600" fill="%s"`, colorTextStrong)
	for i := range n {
		v := valueAt(b.Values, i)
		lb := labelAt(b.Labels, i)
		y := hbarPad + float64(i)*rowH
		cy := y + rowH/2
		c.b.WriteString(`<g>`)
		if finite(v) && v > 0 {
			bw := max(v/peak*(x1-x0), 3)
			c.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="%s" fill-opacity="0.16"/>`,
				num(x0), num(cy-barH/2), num(bw), num(barH), color)
		}
		c.label(x0+8, cy, lb, x1-x0-16, fontSize, labelStyle)
		c.text(w-hbarPad, cy, b.value(v, format), valueStyle)
		c.hit(0, y, w, rowH, lb+": "+b.value(v, format))
		c.b.WriteString(`</g>`)
	}
	return c.done()
}

// value formats one row's value.
func (b HBar) value(v float64, format func(float64) string) string {
	if !finite(v) {
		return "–"
	}
	return format(v)
}

package chart

import (
	"fmt"
	"html/template"
)

// FunnelStep is one step of a conversion funnel.
type FunnelStep struct {
	// Name labels the step, e.g. "Visited pricing".
	Name string
	// Value is how many reached the step; NaN and negatives count as 0.
	Value float64
}

// Funnel is a conversion funnel: one column per step, the solid bar
// showing the step's count against a light full-height bar for the first
// step, so the tinted part is what has dropped off. Above each column it
// writes the count and the percentage of the first step ("42% of total");
// between columns, the step-to-step conversion and the number who dropped
// off. Each column's tooltip repeats all of these.
type Funnel struct {
	// Title is the accessible name (SVG <title> and aria-label).
	Title string
	// Width and Height set the drawing size in px; zero means
	// DefaultWidth × DefaultHeight.
	Width, Height int
	// Steps are drawn left to right.
	Steps []FunnelStep
	// Color is the bar colour as a CSS colour; "" means the first palette
	// colour.
	Color string
	// Format formats counts; nil means FormatNumber. Percentages always use
	// FormatPercent.
	Format func(float64) string
}

const funnelPad = 12.0

// SVG renders the chart. A funnel whose first step is zero renders the
// "No data" notice.
func (f Funnel) SVG() template.HTML {
	w, h := size(f.Width, f.Height)
	format := formatter(f.Format)
	n := len(f.Steps)
	if n == 0 || f.value(0) <= 0 {
		return empty(w, h, f.Title, "Funnel")
	}
	color := esc(f.Color)
	if color == "" {
		color = PaletteColor(0)
	}
	first := f.value(0)
	scale := first
	for i := range n {
		scale = max(scale, f.value(i))
	}

	top, bottom := 46.0, h-28
	plotH := bottom - top
	band := (w - 2*funnelPad) / float64(n)
	barW := band * 0.56
	gap := band - barW
	colX := func(i int) float64 { return funnelPad + float64(i)*band + gap/2 }

	c := newCanvas(w, h, f.Title, "Funnel")
	strong := fmt.Sprintf(` text-anchor="middle" font-size="13" font-weight="600" fill="%s"`, colorTextStrong)
	muted := fmt.Sprintf(` text-anchor="middle" font-size="11" fill="%s"`, colorText)
	for i, st := range f.Steps {
		v := f.value(i)
		x := colX(i)
		cx := x + barW/2
		bh := v / scale * plotH
		c.b.WriteString(`<g>`)
		c.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="%s" fill-opacity="0.12"/>`,
			num(x), num(bottom-first/scale*plotH), num(barW), num(first/scale*plotH), color)
		if bh > 0 {
			c.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="%s"/>`,
				num(x), num(bottom-bh), num(barW), num(bh), color)
		}
		c.label(cx, 18, format(v), band-4, 13, strong)
		c.text(cx, 34, FormatPercent(v/first)+" of total", muted)
		c.label(cx, h-10, st.Name, band-6, fontSize, fmt.Sprintf(` text-anchor="middle" fill="%s"`, colorText))
		c.hit(funnelPad+float64(i)*band, 0, band, h, f.tooltip(i, format))
		c.b.WriteString(`</g>`)
	}

	// Step-to-step conversion and drop-off in the gaps between columns.
	for i := 1; i < n; i++ {
		prev, v := f.value(i-1), f.value(i)
		conv := "–"
		if prev > 0 {
			conv = FormatPercent(v / prev)
		}
		drop := "−" + format(max(prev-v, 0))
		if max(textWidth(conv, 12), textWidth(drop, 11)) > gap-6 {
			continue // too narrow; the tooltip still has it
		}
		gx := funnelPad + float64(i)*band
		my := top + plotH/2
		c.b.WriteString(`<g>`)
		c.text(gx, my-18, "→", fmt.Sprintf(` text-anchor="middle" font-size="14" fill="%s"`, colorMuted))
		c.text(gx, my, conv, fmt.Sprintf(` text-anchor="middle" font-size="12" font-weight="600" fill="%s"`, colorTextStrong))
		c.text(gx, my+15, drop, fmt.Sprintf(` text-anchor="middle" font-size="11" fill="%s"`, colorDrop))
		c.b.WriteString(`</g>`)
	}
	return c.done()
}

// value returns step i's value, with NaN and negatives as 0.
func (f Funnel) value(i int) float64 {
	v := f.Steps[i].Value
	if !finite(v) || v < 0 {
		return 0
	}
	return v
}

// tooltip describes step i: "2. Signed up: 4,200 · 42% of total ·
// 42% of previous step · 5,800 dropped off".
func (f Funnel) tooltip(i int, format func(float64) string) string {
	v, first := f.value(i), f.value(0)
	tip := fmt.Sprintf("%d. %s: %s", i+1, f.Steps[i].Name, format(v))
	if i == 0 {
		return tip
	}
	tip += " · " + FormatPercent(v/first) + " of total"
	if prev := f.value(i - 1); prev > 0 {
		tip += " · " + FormatPercent(v/prev) + " of previous step · " + format(max(prev-v, 0)) + " dropped off"
	}
	return tip
}

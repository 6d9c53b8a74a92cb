package chart

import (
	"math"
	"strconv"
	"strings"
)

// FormatNumber formats v for display: thousands separated by commas, no
// decimals for whole numbers, otherwise rounded to at most two decimals with
// trailing zeros dropped ("1,234", "-1,234.5", "0.25"). NaN is "–", and
// infinities are "∞" and "-∞". It is the default Format of every chart.
func FormatNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	var b strings.Builder
	if v < 0 && (strings.Trim(whole, "0") != "" || frac != "") {
		b.WriteByte('-')
	}
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// FormatPercent formats the fraction f as a percentage: 0.42 → "42%",
// 0.039 → "3.9%", 1.5 → "150%". Values under 10% keep one decimal when it is
// not zero; others are rounded to whole percent (halves away from zero). NaN
// and infinities are "–".
func FormatPercent(f float64) string {
	if !finite(f) {
		return "–"
	}
	p := f * 100
	r := math.Round(p*10) / 10
	var s string
	if math.Abs(r) < 10 {
		s = strconv.FormatFloat(r, 'f', 1, 64)
		s = strings.TrimSuffix(s, ".0")
	} else {
		s = strconv.FormatFloat(math.Round(p), 'f', 0, 64)
	}
	if s == "-0" {
		s = "0"
	}
	return s + "%"
}

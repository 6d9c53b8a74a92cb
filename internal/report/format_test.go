package report

import (
	"testing"
)

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{formatValue("visitors", 14894), "14,894"},
		{formatValue("views_per_visit", 2.6), "2.60"},
		{formatValue("bounce_rate", 43), "43%"},
		{formatValue("visit_duration", 45), "45s"},
		{formatValue("visit_duration", 94), "1m 34s"},
		{formatValue("visit_duration", 3725), "1h 02m"},
		{formatMoney(106366.355, "EUR"), "106,366.36 EUR"},
		{formatMoney(12.5, "USD"), "12.50 USD"},
		{formatShare(7.3), "7.3%"},
		{formatShare(49.4), "49%"},
		{dimensionName("visit:source", ""), "Direct / None"},
		{dimensionName("visit:country", "DE"), "Germany"},
		{dimensionName("visit:country", ""), "Unknown"},
		{dimensionName("visit:country", "ZZ"), "ZZ"},
		{dimensionName("visit:device", "mobile"), "Mobile"},
		{dimensionName("event:page", " "), "(not set)"},
		{shorten("/products/a-very-long-product-name", 12), "/products/a…"},
		{shorten("/short", 12), "/short"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		change       float64
		points, down bool
		text         string
		tone         tone
	}{
		{12.4, false, false, "▲ 12%", good},
		{-3, false, false, "▼ 3%", bad},
		{3, true, true, "▲ 3 pts", bad},
		{-3, true, true, "▼ 3 pts", good},
		{0.4, false, false, "±0%", neutral},
	} {
		text, tn := signedChange(tc.change, tc.points, tc.down)
		if text != tc.text || tn != tc.tone {
			t.Errorf("signedChange(%v, %v, %v) = %q %v, want %q %v", tc.change, tc.points, tc.down, text, tn, tc.text, tc.tone)
		}
	}
}

package useragent

import (
	"fmt"
	"testing"
)

// benchmarkInputs returns n user agents in a realistic mix: 80% are drawn
// from the popular strings of the test table (cache hits after the first
// round), 20% are distinct variants of real templates that the cache has
// never seen (each variant recurs only after far more distinct strings
// than DefaultCacheSize, so it has been evicted by then).
func benchmarkInputs(n int) []string {
	var popular []string
	for _, tc := range parseCases {
		if len(tc.ua) <= MaxLength {
			popular = append(popular, tc.ua)
		}
	}
	templates := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.%d.%d Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/%dE%d Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; SM-S%dB) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.%d Mobile Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.%d.%d",
		"Mozilla/5.0 (Linux; Android 14; Pixel %d Build/AP2A.%d; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.107 Mobile Safari/537.36",
		"Mozilla/5.0 (compatible; ExampleBot/%d.%d; +https://example.com/bot)",
	}
	const distinct = 50_000
	out := make([]string, n)
	for i := range out {
		if i%5 == 4 {
			k := (i / 5) % distinct
			out[i] = fmt.Sprintf(templates[k%len(templates)], k/1000, k%1000)
		} else {
			out[i] = popular[i%len(popular)]
		}
	}
	return out
}

// BenchmarkParse measures Parse on the 80% repeat / 20% unique mix with the
// default cache. Run with -cpu=1 for the per-core rate; ingestion needs at
// least 50,000 user agents per second, i.e. at most 20,000 ns/op.
func BenchmarkParse(b *testing.B) {
	inputs := benchmarkInputs(5 * 50_000 * 2)
	p := NewParser(DefaultCacheSize)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.Parse(inputs[i%len(inputs)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ua/s")
}

// BenchmarkParseUncached is the worst case: every user agent is parsed.
func BenchmarkParseUncached(b *testing.B) {
	inputs := benchmarkInputs(5 * 50_000 * 2)
	p := NewParser(0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.Parse(inputs[i%len(inputs)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ua/s")
}

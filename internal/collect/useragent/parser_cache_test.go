package useragent

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestParseCachedResultMatchesUncached(t *testing.T) {
	t.Parallel()
	p := NewParser(DefaultCacheSize)
	for _, tc := range parseCases {
		first := p.Parse(tc.ua)
		second := p.Parse(tc.ua) // from the cache
		if want := parse(tc.ua); first != want || second != want {
			t.Errorf("Parse(%q): first %+v, cached %+v, want %+v", tc.ua, first, second, want)
		}
	}
}

func TestParseCacheIsBounded(t *testing.T) {
	t.Parallel()
	const size = 10
	p := NewParser(size)
	for i := range 100 {
		p.Parse(fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/%d.0", i))
	}
	if n := p.cache.Len(); n != size {
		t.Fatalf("cache holds %d entries after 100 distinct user agents, want %d", n, size)
	}
	// The most recent stay; the oldest were evicted.
	if !p.cache.Contains("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/99.0") {
		t.Error("most recent user agent was evicted")
	}
	if p.cache.Contains("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/0.0") {
		t.Error("oldest user agent is still cached")
	}
}

func TestParseDoesNotCacheOverlongUserAgents(t *testing.T) {
	t.Parallel()
	p := NewParser(10)
	p.Parse(strings.Repeat("a", MaxLength+1))
	if n := p.cache.Len(); n != 0 {
		t.Errorf("cache holds %d entries after an over-long user agent, want 0", n)
	}
}

func TestParseWithoutCache(t *testing.T) {
	t.Parallel()
	p := NewParser(0)
	for _, tc := range parseCases {
		if got := p.Parse(tc.ua); got != tc.want {
			t.Errorf("Parse(%q) without cache = %+v, want %+v", tc.ua, got, tc.want)
		}
	}
}

// TestParseConcurrent is for -race: one Parser shared by many goroutines.
func TestParseConcurrent(t *testing.T) {
	t.Parallel()
	p := NewParser(8) // smaller than the table, so entries churn
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, tc := range parseCases {
				if got := p.Parse(tc.ua); got != tc.want {
					t.Errorf("Parse(%q) = %+v, want %+v", tc.ua, got, tc.want)
				}
			}
		})
	}
	wg.Wait()
}

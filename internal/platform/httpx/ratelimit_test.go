package httpx

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestLimiterAllow(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	l := NewLimiter(1, 2, 100) // one token per second, bursts of 2
	l.now = clock.Now

	steps := []struct {
		advance time.Duration
		ok      bool
		retry   time.Duration
	}{
		{0, true, 0},
		{0, true, 0},
		{0, false, time.Second},
		{500 * time.Millisecond, false, 500 * time.Millisecond},
		{500 * time.Millisecond, true, 0},
		{0, false, time.Second},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		ok, retry := l.Allow("k")
		if ok != s.ok || retry != s.retry {
			t.Fatalf("step %d (after +%v): Allow = %v, %v; want %v, %v", i, s.advance, ok, retry, s.ok, s.retry)
		}
	}
}

func TestLimiterMiddleware(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		perSecond float64
		burst     int
		requests  []string // keys, in order
		want      []int    // statuses
	}{
		{"burst then 429", 0.01, 3, []string{"a", "a", "a", "a"}, []int{200, 200, 200, 429}},
		{"keys are independent", 0.01, 1, []string{"a", "b", "a", "b", "c"}, []int{200, 200, 429, 429, 200}},
		{"disabled", 0, 1, []string{"a", "a", "a", "a", "a"}, []int{200, 200, 200, 200, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := NewLimiter(tt.perSecond, tt.burst, 100)
			key := func(r *http.Request) string { return r.Header.Get("X-Key") }
			ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
			srv := httptest.NewServer(l.Middleware(key)(ok))
			t.Cleanup(srv.Close)

			for i, k := range tt.requests {
				res := send(t, srv, http.MethodGet, "/", http.Header{"X-Key": {k}}, "")
				if res.status != tt.want[i] {
					t.Fatalf("request %d (key %q): status = %d, want %d", i, k, res.status, tt.want[i])
				}
				if res.status != http.StatusTooManyRequests {
					continue
				}
				if got := errorMessage(t, res.body); got != "too many requests" {
					t.Errorf("request %d (key %q): message = %q, want too many requests", i, k, got)
				}
				secs, err := strconv.Atoi(res.header.Get("Retry-After"))
				if err != nil || secs < 1 {
					t.Errorf("request %d (key %q): Retry-After = %q, want whole seconds ≥ 1", i, k, res.header.Get("Retry-After"))
				}
			}
		})
	}
}

func TestLimiterEviction(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	l := NewLimiter(1, 5, 10) // a bucket refills fully in 5s
	l.now = clock.Now

	for i := range 100 {
		l.Allow(fmt.Sprintf("k%d", i))
		if n := l.Len(); n > 10 {
			t.Fatalf("after %d keys: Len = %d, want ≤ 10", i+1, n)
		}
	}
	// The most recently used key survives; its bucket is still drained.
	for range 4 {
		l.Allow("k99")
	}
	if ok, _ := l.Allow("k99"); ok {
		t.Errorf("Allow(k99) after using its burst = true, want false (bucket evicted too early)")
	}
	// Once every bucket has refilled, a new key sweeps the stale ones out.
	clock.Advance(5 * time.Second)
	l.Allow("fresh")
	if n := l.Len(); n != 1 {
		t.Errorf("after all buckets went idle: Len = %d, want 1", n)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	t.Parallel()
	l := NewLimiter(1000, 10, 50)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				l.Allow(fmt.Sprintf("g%d-%d", g, i%80))
			}
		})
	}
	wg.Wait()
	if n := l.Len(); n > 50 {
		t.Errorf("Len = %d after concurrent use, want ≤ 50", n)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want int64
	}{
		{0, 1},
		{time.Nanosecond, 1},
		{time.Second, 1},
		{time.Second + time.Millisecond, 2},
		{100 * time.Second, 100},
		{time.Duration(1<<63 - 1), int64((1<<63 - 1) / time.Second)},
	}
	for _, tt := range tests {
		if got := retryAfterSeconds(tt.in); got != tt.want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

package httpx

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for Backoff.Now and Limiter.now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	// Each step is applied in order to one Backoff with base 1s, max 8s and
	// 5 free attempts; the waits are worked out by hand.
	type step struct {
		op      string // "fail", "ok", "wait" (advance the clock)
		advance time.Duration
		lock    time.Duration // what Failure returns
		wait    time.Duration // Wait afterwards
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"free attempts then doubling up to max", []step{
			{op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"},
			{op: "fail", lock: 1 * time.Second, wait: 1 * time.Second},
			{op: "wait", advance: 400 * time.Millisecond, wait: 600 * time.Millisecond},
			{op: "wait", advance: 600 * time.Millisecond, wait: 0},
			{op: "fail", lock: 2 * time.Second, wait: 2 * time.Second},
			{op: "wait", advance: 2 * time.Second},
			{op: "fail", lock: 4 * time.Second, wait: 4 * time.Second},
			{op: "wait", advance: 4 * time.Second},
			{op: "fail", lock: 8 * time.Second, wait: 8 * time.Second},
			{op: "wait", advance: 8 * time.Second},
			{op: "fail", lock: 8 * time.Second, wait: 8 * time.Second},
		}},
		{"success resets", []step{
			{op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"},
			{op: "fail", lock: time.Second, wait: time.Second},
			{op: "ok", wait: 0},
			{op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"},
			{op: "fail", lock: time.Second, wait: time.Second},
		}},
		{"streak forgotten after max without lock-out", []step{
			{op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"},
			{op: "fail", lock: time.Second, wait: time.Second},
			// Locked until +1s, forgotten at +1s+8s.
			{op: "wait", advance: 9 * time.Second},
			{op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"},
			{op: "fail", lock: time.Second, wait: time.Second},
		}},
		{"streak kept just before forgetting", []step{
			{op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"}, {op: "fail"},
			{op: "fail", lock: time.Second, wait: time.Second},
			{op: "wait", advance: 9*time.Second - time.Millisecond},
			{op: "fail", lock: 2 * time.Second, wait: 2 * time.Second},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			b := NewBackoff(time.Second, 8*time.Second, 100)
			b.Now = clock.Now
			const key = "alice@example.com"
			for i, s := range tt.steps {
				switch s.op {
				case "fail":
					if got := b.Failure(key); got != s.lock {
						t.Fatalf("step %d (%s): Failure = %v, want %v", i, s.op, got, s.lock)
					}
				case "ok":
					b.Success(key)
				case "wait":
					clock.Advance(s.advance)
				}
				if got := b.Wait(key); got != s.wait {
					t.Fatalf("step %d (%s %v): Wait = %v, want %v", i, s.op, s.advance, got, s.wait)
				}
			}
		})
	}
}

func TestBackoffKeysIndependentAndBounded(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := NewBackoff(time.Second, time.Minute, 3)
	b.Now = clock.Now
	b.FreeAttempts = 0
	if got := b.Failure("a"); got != time.Second {
		t.Fatalf("Failure(a) with no free attempts = %v, want 1s", got)
	}
	if got := b.Wait("b"); got != 0 {
		t.Errorf("Wait(b) after a failed = %v, want 0", got)
	}
	for i := range 10 {
		b.Failure(fmt.Sprintf("k%d", i))
		if n := b.Len(); n > 3 {
			t.Fatalf("after %d keys: Len = %d, want ≤ 3", i+2, n)
		}
	}
	if got := b.Wait("k9"); got != time.Second {
		t.Errorf("Wait(k9), the newest key = %v, want 1s", got)
	}
}

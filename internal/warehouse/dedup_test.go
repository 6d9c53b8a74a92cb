package warehouse

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/mopshq/mops/internal/warehouse/event"
)

func TestLoaderDeduplicatesEventIDsForADayAcrossRestarts(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ld, stop := r.startLoader(t)

	ev := func(id string, after time.Duration) event.Event {
		e := pv(id, "v1", "/"+id, after)
		e.Received = t0.Add(after)
		return e
	}
	// A message with a repeated id, and a site whose event has the same id.
	other := pv("a", "v1", "/a", 0)
	other.SiteID = "site_b"
	r.publish(t, other)
	last := r.publish(t, ev("a", 0), ev("b", 0), ev("a", time.Second))
	waitFor(t, ld, last)
	stop()

	// Re-sent while stopped, 23 hours later: still a duplicate after the
	// restart. 25 hours after the first, it is a new event.
	r.publish(t, ev("b", 23*time.Hour))
	ld2, stop2 := r.startLoader(t)
	defer stop2()
	last = r.publish(t, ev("a", 26*time.Hour), ev("c", 26*time.Hour))
	waitFor(t, ld2, last)

	got := map[string]int{}
	rows, err := r.db.Query("SELECT site_id || ':' || event_id, count(*) FROM events GROUP BY ALL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		got[k] = n
	}
	if d1, d2, l2 := counterValue(t, ld.duplicates), counterValue(t, ld2.duplicates), counterValue(t, ld2.loaded); d1 != 1 || d2 != 1 || l2 != 2 {
		t.Errorf("duplicates counted %v before and %v after the restart, loaded after %v; want 1, 1, 2", d1, d2, l2)
	}
	want := map[string]int{"site_a:a": 2, "site_a:b": 1, "site_a:c": 1, "site_b:a": 1}
	if len(got) != len(want) {
		t.Fatalf("loaded %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s loaded %d times, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

func TestRecentIDsWindow(t *testing.T) {
	t.Parallel()
	r := newRecentIDs()
	at := time.Date(2026, 5, 1, 10, 30, 0, 0, time.UTC)
	if r.seen("s", "x", at) {
		t.Fatal("a new id was reported as seen")
	}
	for _, tc := range []struct {
		after time.Duration
		seen  bool
	}{{0, true}, {time.Hour, true}, {24 * time.Hour, true}, {-2 * time.Hour, true}} {
		if got := r.seen("s", "x", at.Add(tc.after)); got != tc.seen {
			t.Errorf("id again %v later: seen = %v, want %v", tc.after, got, tc.seen)
		}
	}
	if r.seen("s2", "x", at) || r.seen("s", "y", at) {
		t.Error("another site's or another id was reported as seen")
	}
	// Re-sightings do not extend the window: 26 hours after the first
	// sighting the id is new again, and the oldest hours are forgotten.
	if r.seen("s", "x", at.Add(26*time.Hour)) || r.seen("s", "y", at.Add(26*time.Hour)) {
		t.Error("an id first seen 26 hours earlier is still remembered")
	}
	r.forget()
	if n := r.len(); n != 2 {
		t.Errorf("remembered %d ids after a sweep, want 2 (x and y at 26 h)", n)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestRecentIDsMatchesAMap checks the merged representation against the
// plain rule, kept in a map: an id is a duplicate when it was first
// received within the window; ids are dropped once no later hour can
// reach them, at the same sweeps.
func TestRecentIDsMatchesAMap(t *testing.T) {
	t.Parallel()
	r := newRecentIDs()
	r.mergeAt = 7
	model := map[string]int64{}
	var latest, swept int64
	rng := rand.New(rand.NewPCG(1, 2))
	hour := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).Unix() / 3600 // absolute hours, as the sweeps count them
	for step := range 20000 {
		if rng.IntN(50) == 0 {
			hour += int64(rng.IntN(4)) // time moves on, sometimes by hours
		}
		h := hour - int64(rng.IntN(3)) // some events arrive from slower clocks
		id := fmt.Sprintf("e%d", rng.IntN(400))
		first, ok := model[id]
		want := ok && max(first-h, h-first) <= 24
		if !want {
			model[id] = h
			if h > latest {
				latest = h
				if latest-swept >= sweepEvery {
					swept = latest
					for k, fh := range model {
						if fh < latest-24 {
							delete(model, k)
						}
					}
				}
			}
		}
		if got := r.seen("s", id, time.Unix(h*3600, 0)); got != want {
			t.Fatalf("step %d: %s in hour %d: seen = %v, want %v", step, id, h, got, want)
		}
		if r.len() != len(model) {
			t.Fatalf("step %d: remembers %d ids, want %d", step, r.len(), len(model))
		}
	}
	if len(r.keys) == 0 || !slices.IsSorted(r.keys) {
		t.Errorf("merged ids: %d, sorted %v", len(r.keys), slices.IsSorted(r.keys))
	}
}

// BenchmarkRecentIDs measures checking and remembering new ids while two
// million are remembered, and the memory that takes per id.
func BenchmarkRecentIDs(b *testing.B) {
	const held = 2_000_000
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := newRecentIDs()
	for i := range held {
		r.seen("site", strconv.Itoa(i), at)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perID := float64(after.HeapAlloc-before.HeapAlloc) / held
	for i := 0; b.Loop(); i++ {
		if r.seen("site", strconv.Itoa(held+i), at) {
			b.Fatal("a new id was seen")
		}
	}
	b.ReportMetric(perID, "B/id")
}

package warehouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/warehouse/event"
)

// BenchmarkCommit measures the loader's write path on its own: batches of
// 20,000 custom events from 100,000 visitors, sessionised and committed
// (events, visits, position). MOPS_BENCH_NO_VISITS=1 leaves the visits out.
//
//	go test -run XXX -bench Commit -benchtime 10x ./internal/warehouse/
func BenchmarkCommit(b *testing.B) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(b.TempDir(), "mops.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	st, _ := newStore(d)
	z := newSessionizer()
	base := time.Now().UTC()
	const batch = 20000
	n := 0
	b.ResetTimer()
	var tAppend, tZ time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		rows := make([]row, 0, batch)
		touched := map[string]*Session{}
		for j := 0; j < batch; j++ {
			n++
			e := &event.Event{ID: fmt.Sprintf("msg-%d", n), SiteID: "s_bench", Kind: event.KindCustom, Name: "Signup",
				Time: base.Add(time.Duration(n) * time.Microsecond), Received: base, VisitorID: fmt.Sprintf("anon-%d", n%100000),
				Origin: event.OriginSegment, Interactive: true, Hostname: "bench.example", Path: "/pricing",
				Browser: "Chrome", BrowserVersion: "120.0", OS: "Windows", OSVersion: "10", Device: "desktop", Country: "DE",
				Source: "Google", Channel: "Organic Search", Props: map[string]string{"plan": "pro"}}
			r := row{seq: uint64(n), ev: e}
			if s := z.add(e, base); s != nil {
				r.session = s.ID
				touched[s.ID] = s
			}
			rows = append(rows, r)
		}
		t1 := time.Now()
		tZ += t1.Sub(t0)
		if os.Getenv("MOPS_BENCH_NO_VISITS") != "" {
			touched = nil
		}
		if err := st.commit(ctx, "EVENTS", rows, touched, uint64(n), base); err != nil {
			b.Fatal(err)
		}
		tAppend += time.Since(t1)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
	b.ReportMetric(float64(tZ.Nanoseconds())/float64(n), "ns-build/event")
	b.ReportMetric(float64(tAppend.Nanoseconds())/float64(n), "ns-commit/event")
}

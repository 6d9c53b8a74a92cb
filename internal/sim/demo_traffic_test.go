package sim_test

import (
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/sim"
	"github.com/mopshq/mops/internal/stats"
)

// TestDemoTrafficLoadsOnceAndResumes checks the demo's traffic load: it
// runs once, revokes its ingest key, and a load cut short is resumed with
// the same events, which the warehouse de-duplicates.
func TestDemoTrafficLoadsOnceAndResumes(t *testing.T) {
	ctx := context.Background()
	cfg := app.Defaults()
	cfg.Data = t.TempDir()
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	deps := sim.Deps{Auth: a.Auth, Sites: a.Sites, Goals: a.Goals, DataDir: cfg.Data}
	demo, err := sim.Ensure(ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	const scale = 0.01
	truth, err := sim.LoadDemoTrafficScaled(ctx, deps, demo, a.Handler(), nil, scale)
	if err != nil || truth == nil || truth.Messages == 0 {
		t.Fatalf("first load = %+v, %v", truth, err)
	}
	marker := filepath.Join(cfg.Data, "demo-traffic")
	b, _ := os.ReadFile(marker)
	if !strings.HasSuffix(strings.TrimSpace(string(b)), " done") {
		t.Fatalf("marker after the load = %q, want it to end with done", b)
	}
	keys, err := a.Auth.APIKeys(ctx, demo.WorkspaceID)
	if err != nil || len(keys) != 1 || keys[0].RevokedAt == nil {
		t.Fatalf("demo workspace keys = %+v, %v; want the one import key, revoked", keys, err)
	}
	loadCtx, stopLoader := context.WithCancel(ctx)
	loaded := make(chan struct{})
	go func() { _ = a.Loader.Run(loadCtx); close(loaded) }()
	defer func() { stopLoader(); <-loaded }()
	// stored waits until the warehouse has loaded the whole log and counts
	// its events.
	stored := func() int {
		t.Helper()
		var last uint64
		for _, s := range a.Log.Health(ctx).Streams {
			last = s.LastSeq
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := a.Loader.WaitFor(wctx, last); err != nil {
			t.Fatalf("warehouse did not load the log: %v", err)
		}
		var n int
		if err := a.Store.DB.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := stored()
	if before != truth.Messages {
		t.Fatalf("warehouse holds %d events, the truth sent %d", before, truth.Messages)
	}

	// A second start does nothing.
	if again, err := sim.LoadDemoTrafficScaled(ctx, deps, demo, a.Handler(), nil, scale); err != nil || again != nil {
		t.Fatalf("second load = %v, %v; want nothing done", again, err)
	}
	// A load that was cut short (no "done") is run again with the same end
	// time: the same messages, de-duplicated by the warehouse.
	end := strings.Fields(string(b))[0]
	if err := os.WriteFile(marker, []byte(end+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	resumed, err := sim.LoadDemoTrafficScaled(ctx, deps, demo, a.Handler(), nil, scale)
	if err != nil || resumed == nil || resumed.Messages != truth.Messages {
		t.Fatalf("resumed load = %+v, %v", resumed, err)
	}
	if after := stored(); after != before {
		t.Fatalf("warehouse holds %d events after the resumed load, want still %d", after, before)
	}
	if _, err := time.Parse(time.RFC3339Nano, end); err != nil {
		t.Fatalf("marker end time %q: %v", end, err)
	}

	// The shop's revenue goal counts every order the truth sent, and
	// their revenue to the cent.
	q, err := stats.ParseQuery(strings.NewReader(`{"metrics": ["events", "total_revenue"], "date_range": "all",
		"dimensions": ["event:goal"], "filters": [["is", "event:goal", ["Order Completed"]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := stats.NewService(a.Store.DB).Run(ctx, &demo.Sites[0], q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 1 || res.Results[0].Metrics[0] != float64(truth.Orders) ||
		math.Round(100*res.Results[0].Metrics[1]) != float64(truth.RevenueCents) {
		t.Errorf("order goal of %s: %+v; the truth sent %d orders worth %d cents", demo.Sites[0].Domain, res.Results, truth.Orders, truth.RevenueCents)
	}
}

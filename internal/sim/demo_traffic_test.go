package sim_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/sim"
)

// TestDemoTrafficLoadsOnceAndResumes checks the demo's traffic load: it
// runs once, revokes its ingest key, and a load cut short is resumed with
// the same events, which the log de-duplicates.
func TestDemoTrafficLoadsOnceAndResumes(t *testing.T) {
	ctx := context.Background()
	cfg := app.Defaults()
	cfg.Data = t.TempDir()
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	deps := sim.Deps{Auth: a.Auth, Sites: a.Sites, DataDir: cfg.Data}
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
	stored := func() uint64 {
		for _, s := range a.Log.Health(ctx).Streams {
			return s.Messages
		}
		return 0
	}
	before := stored()
	if before != uint64(truth.Messages) {
		t.Fatalf("log holds %d messages, the truth sent %d", before, truth.Messages)
	}

	// A second start does nothing.
	if again, err := sim.LoadDemoTrafficScaled(ctx, deps, demo, a.Handler(), nil, scale); err != nil || again != nil {
		t.Fatalf("second load = %v, %v; want nothing done", again, err)
	}
	// A load that was cut short (no "done") is run again with the same end
	// time: the same messages, de-duplicated by the log.
	end := strings.Fields(string(b))[0]
	if err := os.WriteFile(marker, []byte(end+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	resumed, err := sim.LoadDemoTrafficScaled(ctx, deps, demo, a.Handler(), nil, scale)
	if err != nil || resumed == nil || resumed.Messages != truth.Messages {
		t.Fatalf("resumed load = %+v, %v", resumed, err)
	}
	if after := stored(); after != before {
		t.Fatalf("log holds %d messages after the resumed load, want still %d", after, before)
	}
	if _, err := time.Parse(time.RFC3339Nano, end); err != nil {
		t.Fatalf("marker end time %q: %v", end, err)
	}
}

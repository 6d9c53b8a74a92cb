package sim

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
)

// demoSeed makes the demo traffic the same on every machine.
const demoSeed = 20260301

// LoadDemoTraffic sends the demo company's last 90 days of traffic through
// h (the server's handler) unless a previous start already did. A marker
// file in the data dir records the traffic's end time, so a load cut short
// by a stop is resumed with the same events (their ids repeat, and the
// event log drops the duplicates). The ingest key it uses is revoked when
// it is done.
func LoadDemoTraffic(ctx context.Context, d Deps, t *Truth, h http.Handler, progress func(sent, total int)) (*TrafficTruth, error) {
	return loadDemoTraffic(ctx, d, t, h, progress, 1)
}

func loadDemoTraffic(ctx context.Context, d Deps, t *Truth, h http.Handler, progress func(sent, total int), scale float64) (*TrafficTruth, error) {
	marker := filepath.Join(d.DataDir, "demo-traffic")
	end := time.Now().UTC().Truncate(time.Millisecond)
	if b, err := os.ReadFile(marker); err == nil {
		fields := strings.Fields(string(b))
		if len(fields) == 2 && fields[1] == "done" {
			return nil, nil
		}
		if len(fields) >= 1 {
			if prev, err := time.Parse(time.RFC3339Nano, fields[0]); err == nil {
				end = prev
			}
		}
	}
	if err := os.WriteFile(marker, []byte(end.Format(time.RFC3339Nano)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("demo traffic: %w", err)
	}
	actor := auth.Actor{Type: auth.ActorSystem, Name: "demo generator"}
	secret, key, err := d.Auth.CreateAPIKey(ctx, actor, t.WorkspaceID, "demo traffic import", []auth.Scope{auth.ScopeIngest})
	if err != nil {
		return nil, fmt.Errorf("demo traffic: %w", err)
	}
	defer func() { _, _ = d.Auth.RevokeAPIKey(context.WithoutCancel(ctx), actor, t.WorkspaceID, key.ID) }()
	writeKeys := map[string]string{}
	var specs []SiteSpec
	for _, s := range t.Sites {
		writeKeys[s.Domain] = s.WriteKey
		specs = append(specs, SiteSpec{Domain: s.Domain, Timezone: s.Timezone, Currency: s.Currency})
	}
	truth, err := LoadTraffic(ctx, h, TrafficConfig{Days: 90, End: end, Seed: demoSeed, Scale: scale, Sites: specs}, writeKeys, secret, progress)
	if err != nil {
		return nil, fmt.Errorf("demo traffic: %w", err)
	}
	if err := os.WriteFile(marker, []byte(end.Format(time.RFC3339Nano)+" done\n"), 0o600); err != nil {
		return nil, fmt.Errorf("demo traffic: %w", err)
	}
	return truth, nil
}

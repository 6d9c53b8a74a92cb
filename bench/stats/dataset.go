package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/mopshq/mops/internal/sim"
)

// The one site all traffic goes to: the demo shop.
const (
	siteDomain   = "trailhead.example"
	siteTimezone = "Europe/Berlin"
)

// metaFile, in the data dir, describes a complete data set; partialFile
// marks one being generated.
const (
	metaFile    = "bench-stats.json"
	partialFile = "bench-stats.partial"
	metaVersion = 1
)

// datasetMeta is what the benchmark knows about a generated data dir.
type datasetMeta struct {
	Version  int     `json:"version"`
	Target   int     `json:"target_events"`
	Days     int     `json:"days"`
	Seed     uint64  `json:"seed"`
	Scale    float64 `json:"scale"`
	Domain   string  `json:"domain"`
	Timezone string  `json:"timezone"`
	// End is the newest time an event may have; the data's last day is
	// End's day in the site's zone, its first day Days-1 days before.
	End      time.Time `json:"end"`
	FirstDay string    `json:"first_day"`
	LastDay  string    `json:"last_day"`

	Workspace string `json:"workspace_id"`
	SiteID    string `json:"site_id"`
	WriteKey  string `json:"write_key"`
	ReadKey   string `json:"read_key"` // scopes read and write (goals are created with it)
	UserEmail string `json:"user_email"`
	UserPass  string `json:"user_password"`

	// What the simulator sent, counted as mops counts it.
	Visits    int `json:"visits"`
	Pageviews int `json:"pageviews"`
	Events    int `json:"events"` // pageviews + custom events
	Visitors  int `json:"visitors"`
	Messages  int `json:"messages"` // Segment messages, identify calls included

	GeneratedAt time.Time `json:"generated_at"`
	SendSeconds float64   `json:"send_seconds"` // planning and sending, until the last batch was acknowledged
	LoadSeconds float64   `json:"load_seconds"` // from the start until the warehouse held everything
	WarehouseMB float64   `json:"warehouse_mb"` // mops.duckdb after the load
	// The server while it loaded: its peak RSS, and its Go heap (live and
	// not yet collected) when everything was in.
	LoadRSSPeakMB float64 `json:"load_rss_peak_mb,omitempty"`
	LoadGoHeapMB  float64 `json:"load_go_heap_mb,omitempty"`
	Reused        bool    `json:"-"`
}

type dataset struct {
	Dir  string
	Meta *datasetMeta
}

func (d *dataset) duckdbPath() string { return filepath.Join(d.Dir, "mops.duckdb") }

// ensureDataset returns the data set of o: the cached one in o.dataDir
// when -reuse is set and it matches, else a new one generated there.
func ensureDataset(ctx context.Context, o options, bin string) (*dataset, error) {
	ds := &dataset{Dir: o.dataDir}
	if o.reuse {
		b, err := os.ReadFile(filepath.Join(o.dataDir, metaFile))
		if err == nil {
			var m datasetMeta
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(o.dataDir, metaFile), err)
			}
			if m.Version == metaVersion && m.Target == o.events && m.Days == o.days && m.Seed == o.seed {
				m.Reused = true
				ds.Meta = &m
				logf("reusing %s: %s events, %s visits generated %s", o.dataDir, thousands(m.Events), thousands(m.Visits), m.GeneratedAt.Format(time.DateTime))
				return ds, nil
			}
			logf("%s holds another data set (events %d, days %d, seed %d); generating again", o.dataDir, m.Target, m.Days, m.Seed)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	if err := resetDataDir(o.dataDir); err != nil {
		return nil, err
	}
	m, err := generate(ctx, o, bin)
	if err != nil {
		return nil, err
	}
	ds.Meta = m
	return ds, nil
}

// resetDataDir empties dir, refusing to touch a non-empty directory the
// benchmark did not make.
func resetDataDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		_, e1 := os.Stat(filepath.Join(dir, metaFile))
		_, e2 := os.Stat(filepath.Join(dir, partialFile))
		if e1 != nil && e2 != nil {
			return fmt.Errorf("-data %s is not empty and was not made by this benchmark; remove it or choose another directory", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, partialFile), nil, 0o600)
}

// dataEnd is the newest event time of a new data set: the last moment of
// yesterday in the site's zone, so every day of it is complete.
func dataEnd(now time.Time, loc *time.Location) time.Time {
	y, mo, d := now.In(loc).Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, loc).Add(-time.Millisecond).UTC()
}

// generate creates the workspace, site, keys and user, then sends the
// simulated traffic to a real server and waits until the warehouse holds
// it.
func generate(ctx context.Context, o options, bin string) (*datasetMeta, error) {
	loc, err := time.LoadLocation(siteTimezone)
	if err != nil {
		return nil, err
	}
	m := &datasetMeta{Version: metaVersion, Target: o.events, Days: o.days, Seed: o.seed, Domain: siteDomain, Timezone: siteTimezone}
	m.End = dataEnd(time.Now(), loc)
	last := m.End.In(loc)
	m.LastDay = last.Format(time.DateOnly)
	m.FirstDay = time.Date(last.Year(), last.Month(), last.Day()-(o.days-1), 0, 0, 0, 0, loc).Format(time.DateOnly)
	spec := []sim.SiteSpec{{Domain: siteDomain, Timezone: siteTimezone, Currency: "EUR"}}

	// The simulator's volume is a scale of the demo shop's; one day's worth
	// at scale 1 tells which scale gives the events asked for.
	probe, err := sim.PlanTraffic(sim.TrafficConfig{Days: o.days, End: m.End, Seed: o.seed, Scale: 1, Sites: spec})
	if err != nil {
		return nil, err
	}
	m.Scale = float64(o.events) / float64(probe.Events)
	if m.Scale > 100 {
		return nil, fmt.Errorf("%d events over %d days needs the simulator at scale %.0f; it goes to 100: raise -days", o.events, o.days, m.Scale)
	}
	logf("simulator scale %.2f (%s events over %d days at scale 1)", m.Scale, thousands(probe.Events), o.days)

	// Fixture, through the CLI before the server starts.
	var ws struct {
		ID string `json:"workspace_id"`
	}
	if err := mopsCLI(ctx, bin, o.dataDir, "", &ws, "workspace", "create", "Stats bench"); err != nil {
		return nil, err
	}
	var site struct {
		ID       string `json:"site_id"`
		WriteKey string `json:"write_key"`
	}
	if err := mopsCLI(ctx, bin, o.dataDir, "", &site, "site", "create", "--workspace", ws.ID, "--domain", siteDomain, "--timezone", siteTimezone, "--currency", "EUR"); err != nil {
		return nil, err
	}
	var readKey, ingestKey struct {
		Key string `json:"key"`
	}
	if err := mopsCLI(ctx, bin, o.dataDir, "", &readKey, "apikey", "create", "--workspace", ws.ID, "--scopes", "read,write", "--name", "stats bench"); err != nil {
		return nil, err
	}
	if err := mopsCLI(ctx, bin, o.dataDir, "", &ingestKey, "apikey", "create", "--workspace", ws.ID, "--scopes", "ingest", "--name", "stats bench history"); err != nil {
		return nil, err
	}
	m.Workspace, m.SiteID, m.WriteKey, m.ReadKey = ws.ID, site.ID, site.WriteKey, readKey.Key
	if m.Workspace == "" || m.WriteKey == "" || m.ReadKey == "" || ingestKey.Key == "" {
		return nil, fmt.Errorf("setup returned empty ids: workspace %q, write key %q, read key %q", ws.ID, site.WriteKey, readKey.Key)
	}
	m.UserEmail, m.UserPass = "analyst@stats-bench.example", randomHex(12)
	if err := mopsCLI(ctx, bin, o.dataDir, m.UserPass+"\n", nil, "user", "create", "--email", m.UserEmail, "--name", "Stats Bench",
		"--password-stdin", "--workspace", ws.ID, "--role", "analyst"); err != nil {
		return nil, err
	}

	srv, err := startServer(bin, o.dataDir, o.serveArgs)
	if err != nil {
		return nil, err
	}
	defer func() {
		if srv.alive() {
			_, _ = srv.stop(120 * time.Second)
		}
	}()
	logf("mops serve pid %d at %s; planning and sending the traffic", srv.pid, srv.base)
	rss := newRSSSampler(srv.pid, time.Second)
	defer rss.Close()
	start := time.Now()
	lastLog := time.Now()
	fw := newForwarder(srv.base)
	truth, err := sim.LoadTraffic(ctx, fw, sim.TrafficConfig{Days: o.days, End: m.End, Seed: o.seed, Scale: m.Scale, Sites: spec},
		map[string]string{siteDomain: site.WriteKey}, ingestKey.Key, func(sent, total int) {
			if sent == 0 {
				logf("planned %s messages in %s; sending", thousands(total), time.Since(start).Round(time.Second))
			}
			if time.Since(lastLog) >= 15*time.Second || sent == total {
				lastLog = time.Now()
				pos, _ := readPosition(ctx, srv.base)
				logf("sent %s of %s messages (%.0f%%), warehouse backlog %s", thousands(sent), thousands(total),
					100*float64(sent)/float64(max(total, 1)), thousands(int(pos.Backlog())))
			}
		})
	if err != nil {
		return nil, fmt.Errorf("send traffic: %w", err)
	}
	m.SendSeconds = time.Since(start).Seconds()
	m.Visits, m.Pageviews, m.Events, m.Visitors, m.Messages = truth.Visits, truth.Pageviews, truth.Events, truth.Visitors, truth.Messages
	logf("sent %s messages (%s events, %s visits) in %s; waiting for the warehouse", thousands(truth.Messages),
		thousands(truth.Events), thousands(truth.Visits), time.Since(start).Round(time.Second))
	if err := waitLoaded(ctx, srv.base, 60*time.Minute); err != nil {
		return nil, err
	}
	m.LoadSeconds = time.Since(start).Seconds()
	m.LoadRSSPeakMB = mb(rss.Peak())
	if mt, err := readMetrics(ctx, srv.base); err == nil {
		m.LoadGoHeapMB = mt["go_memstats_heap_alloc_bytes"] / (1 << 20)
	}
	logf("the warehouse holds everything %s after the start", time.Since(start).Round(time.Second))
	if err := newMopsClient(srv.base, m).checkTotals(ctx, m); err != nil {
		return nil, err
	}
	if _, err := srv.stop(120 * time.Second); err != nil {
		return nil, fmt.Errorf("stop after the load: %w", err)
	}
	if fi, err := os.Stat(filepath.Join(o.dataDir, "mops.duckdb")); err == nil {
		m.WarehouseMB = mb(fi.Size())
	}
	m.GeneratedAt = time.Now().UTC()
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(o.dataDir, metaFile), b, 0o600); err != nil {
		return nil, err
	}
	_ = os.Remove(filepath.Join(o.dataDir, partialFile))
	return m, nil
}

// waitLoaded polls until the warehouse holds every event collection
// acknowledged, at most limit.
func waitLoaded(ctx context.Context, base string, limit time.Duration) error {
	start, lastLog := time.Now(), time.Now()
	for {
		pos, err := readPosition(ctx, base)
		if err != nil {
			return err
		}
		if pos.Backlog() == 0 {
			return nil
		}
		if time.Since(start) > limit {
			return fmt.Errorf("the warehouse still had %s events to load after %s", thousands(int(pos.Backlog())), limit)
		}
		if time.Since(lastLog) >= 15*time.Second {
			lastLog = time.Now()
			logf("warehouse backlog %s events", thousands(int(pos.Backlog())))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// forwarder is the http.Handler the simulator posts to: it sends each
// request over HTTP to the server at base and copies the answer back, so
// the traffic takes the real network path into mops.
type forwarder struct {
	base   string
	client *http.Client
}

func newForwarder(base string) *forwarder {
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, DisableCompression: true, IdleConnTimeout: time.Minute}
	return &forwarder{base: base, client: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

func (f *forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadGateway)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, f.base+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := f.client.Do(req)
	if err != nil {
		http.Error(w, "forward to mops: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type", "Retry-After"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// thousands formats n with thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

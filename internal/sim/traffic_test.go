package sim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/sim"
	"github.com/mopshq/mops/internal/sites"
)

// demoApp is a real mops (DuckDB file, embedded JetStream, loader) with the
// demo company's two sites and an ingest key.
type demoApp struct {
	*app.App
	sites     map[string]*sites.Site // by domain
	writeKeys map[string]string
	ingestKey string
}

func newDemoApp(t *testing.T) *demoApp {
	t.Helper()
	ctx := context.Background()
	cfg := app.Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.Version = "test"
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	loaderCtx, stopLoader := context.WithCancel(context.Background())
	loaderDone := make(chan struct{})
	go func() { _ = a.Loader.Run(loaderCtx); close(loaderDone) }()
	t.Cleanup(func() {
		stopLoader()
		<-loaderDone
		if err := a.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	owner, err := a.Auth.CreateUser(ctx, auth.CLIActor(), "owner@trailhead.example", "Owner", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := a.Auth.CreateWorkspace(ctx, auth.CLIActor(), sim.WorkspaceName, owner)
	if err != nil {
		t.Fatal(err)
	}
	d := &demoApp{App: a, sites: map[string]*sites.Site{}, writeKeys: map[string]string{}}
	for _, s := range sim.Sites() {
		site, err := a.Sites.Create(ctx, auth.CLIActor(), ws.ID, sites.Settings{Domain: s.Domain, Timezone: s.Timezone, Currency: s.Currency})
		if err != nil {
			t.Fatal(err)
		}
		d.sites[s.Domain], d.writeKeys[s.Domain] = site, site.WriteKey
	}
	if d.ingestKey, _, err = a.Auth.CreateAPIKey(ctx, auth.CLIActor(), ws.ID, "demo traffic", []auth.Scope{auth.ScopeIngest}); err != nil {
		t.Fatal(err)
	}
	return d
}

// waitLoaded waits until the warehouse holds everything the log has.
func (d *demoApp) waitLoaded(t *testing.T, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last uint64
	for _, s := range d.Log.Health(ctx).Streams {
		if s.Name == eventlog.StreamEvents {
			last = s.LastSeq
		}
	}
	if last == 0 {
		t.Fatal("the event log is empty")
	}
	if err := d.Loader.WaitFor(ctx, last); err != nil {
		t.Fatalf("loader did not reach %d: %v", last, err)
	}
}

// warehouseCounts reads from the warehouse what the truth says of one site.
func (d *demoApp) warehouseCounts(t *testing.T, siteID string, loc *time.Location) *sim.TrafficTruth {
	t.Helper()
	got := &sim.TrafficTruth{VisitsByChannel: map[string]int{}, VisitsByDay: map[string]int{},
		VisitsByDevice: map[string]int{}, VisitsByCountry: map[string]int{}}
	var unassigned int
	err := d.DB.QueryRow(`SELECT
			count(*) FILTER (WHERE kind = 'pageview'),
			count(*) FILTER (WHERE kind IN ('pageview', 'custom')),
			count(*) FILTER (WHERE kind = 'custom' AND name = 'Order Completed'),
			CAST(coalesce(sum(revenue_amount) FILTER (WHERE kind = 'custom' AND name = 'Order Completed'), 0) * 100 AS BIGINT),
			count(*) FILTER (WHERE kind = 'custom' AND name = 'Signup'),
			count(*) FILTER (WHERE kind = 'identify'),
			count(*),
			count(*) FILTER (WHERE kind IN ('pageview', 'custom') AND visit_id = '')
		FROM events WHERE site_id = ?`, siteID).Scan(&got.Pageviews, &got.Events, &got.Orders, &got.RevenueCents,
		&got.Signups, &got.Identifies, &got.Messages, &unassigned)
	if err != nil {
		t.Fatal(err)
	}
	if unassigned != 0 {
		t.Errorf("%d pageviews/custom events belong to no visit", unassigned)
	}
	got.Revenue = float64(got.RevenueCents) / 100
	var vpv, vev int
	err = d.DB.QueryRow(`SELECT count(*), count(*) FILTER (WHERE is_bounce), count(DISTINCT visitor_id),
			coalesce(sum(pageviews), 0), coalesce(sum(events), 0), coalesce(sum(duration_s), 0)
		FROM visits WHERE site_id = ?`, siteID).Scan(&got.Visits, &got.Bounces, &got.Visitors, &vpv, &vev, &got.DurationSeconds)
	if err != nil {
		t.Fatal(err)
	}
	if vpv != got.Pageviews || vev != got.Events {
		t.Errorf("visits table sums %d pageviews and %d events, the events table has %d and %d", vpv, vev, got.Pageviews, got.Events)
	}
	rows, err := d.DB.Query(`SELECT started_at, channel, device, country FROM visits WHERE site_id = ?`, siteID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var started time.Time
		var channel, device, country string
		if err := rows.Scan(&started, &channel, &device, &country); err != nil {
			t.Fatal(err)
		}
		got.VisitsByDay[started.In(loc).Format(time.DateOnly)]++
		got.VisitsByChannel[channel]++
		got.VisitsByDevice[device]++
		got.VisitsByCountry[country]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// compareTruth reports every number mops shows differently from the truth.
func compareTruth(t *testing.T, what string, got, want *sim.TrafficTruth) {
	t.Helper()
	ints := []struct {
		name      string
		got, want int64
	}{
		{"visits", int64(got.Visits), int64(want.Visits)},
		{"pageviews", int64(got.Pageviews), int64(want.Pageviews)},
		{"events", int64(got.Events), int64(want.Events)},
		{"bounces", int64(got.Bounces), int64(want.Bounces)},
		{"orders", int64(got.Orders), int64(want.Orders)},
		{"revenue (cents)", got.RevenueCents, want.RevenueCents},
		{"visitors", int64(got.Visitors), int64(want.Visitors)},
		{"signups", int64(got.Signups), int64(want.Signups)},
		{"identifies", int64(got.Identifies), int64(want.Identifies)},
		{"messages stored", int64(got.Messages), int64(want.Messages)},
		{"sum of visit durations (s)", got.DurationSeconds, want.DurationSeconds},
	}
	for _, c := range ints {
		if c.got != c.want {
			t.Errorf("%s: mops has %d %s, the generator sent %d", what, c.got, c.name, c.want)
		}
	}
	for _, m := range []struct {
		name      string
		got, want map[string]int
	}{
		{"visits by channel", got.VisitsByChannel, want.VisitsByChannel},
		{"visits by day", got.VisitsByDay, want.VisitsByDay},
		{"visits by device", got.VisitsByDevice, want.VisitsByDevice},
		{"visits by country", got.VisitsByCountry, want.VisitsByCountry},
	} {
		for _, k := range slices.Sorted(maps.Keys(union(m.got, m.want))) {
			if m.got[k] != m.want[k] {
				t.Errorf("%s: %s[%s]: mops has %d, the generator sent %d", what, m.name, k, m.got[k], m.want[k])
			}
		}
	}
}

func union(a, b map[string]int) map[string]int {
	out := maps.Clone(a)
	for k, v := range b {
		out[k] += v
	}
	return out
}

// TestLoadTrafficMatchesWarehouse sends the demo traffic through the real
// ingestion path and checks every number against what the generator says it
// sent.
func TestLoadTrafficMatchesWarehouse(t *testing.T) {
	t.Parallel()
	d := newDemoApp(t)
	ctx := context.Background()
	var calls, lastSent, lastTotal int
	progress := func(sent, total int) {
		if sent < lastSent || sent > total {
			t.Errorf("progress went from %d to %d of %d", lastSent, sent, total)
		}
		calls, lastSent, lastTotal = calls+1, sent, total
	}
	cfg := sim.TrafficConfig{Days: 90, Seed: 7, Scale: 0.03}
	start := time.Now()
	truth, err := sim.LoadTraffic(ctx, d.Handler(), cfg, d.writeKeys, d.ingestKey, progress)
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Since(start)
	d.waitLoaded(t, 3*time.Minute)
	t.Logf("sent %d messages (%d visits, %d events) in %v; loaded after %v", truth.Messages, truth.Visits, truth.Events, sent, time.Since(start))
	if lastSent != truth.Messages || lastTotal != truth.Messages || calls < 2 {
		t.Errorf("progress ended at %d of %d after %d calls, want %d of %d", lastSent, lastTotal, calls, truth.Messages, truth.Messages)
	}
	if truth.Visits < 1000 || truth.Orders == 0 || truth.Signups == 0 {
		t.Fatalf("too little traffic to check anything: %+v", truth)
	}

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	total := &sim.TrafficTruth{VisitsByChannel: map[string]int{}, VisitsByDay: map[string]int{},
		VisitsByDevice: map[string]int{}, VisitsByCountry: map[string]int{}}
	for domain, site := range d.sites {
		want := truth.PerSite[domain]
		if want == nil {
			t.Fatalf("no truth for %s", domain)
		}
		got := d.warehouseCounts(t, site.ID, berlin)
		compareTruth(t, domain, got, want)
		sim.AddTruth(total, got)
	}
	compareTruth(t, "all sites", total, truth)
	if truth.Revenue != float64(truth.RevenueCents)/100 {
		t.Errorf("Revenue %v and RevenueCents %d disagree", truth.Revenue, truth.RevenueCents)
	}
}

// captured is one request LoadTraffic made.
type captured struct {
	seq        int
	auth, addr string
	body       []byte
}

// recorder is a stand-in server that keeps every request and answers 200
// (or what answer says).
type recorder struct {
	mu     sync.Mutex
	reqs   []captured
	answer func(n int, w http.ResponseWriter) bool // true when it answered
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := make([]byte, 0, r.ContentLength)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Body.Read(buf)
		body = append(body, buf[:n]...)
		if err != nil {
			break
		}
	}
	rc.mu.Lock()
	n := len(rc.reqs)
	rc.reqs = append(rc.reqs, captured{seq: n, auth: r.Header.Get("Authorization"), addr: r.RemoteAddr, body: body})
	answer := rc.answer
	rc.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/batch" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, fmt.Sprintf("unexpected %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type")), http.StatusBadRequest)
		return
	}
	if answer != nil && answer(n, w) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"success":true}` + "\n"))
}

type sentMessage struct {
	Type        string          `json:"type"`
	MessageID   string          `json:"messageId"`
	AnonymousID string          `json:"anonymousId"`
	UserID      string          `json:"userId"`
	Event       string          `json:"event"`
	Timestamp   time.Time       `json:"timestamp"`
	Properties  json.RawMessage `json:"properties"`
	Traits      json.RawMessage `json:"traits"`
	Context     struct {
		UserAgent string `json:"userAgent"`
		IP        string `json:"ip"`
		Location  struct {
			Country string `json:"country"`
		} `json:"location"`
	} `json:"context"`
}

// recount counts what the captured requests carry by the contract's
// rules, independently of the generator, per write key.
func recount(t *testing.T, reqs []captured, end time.Time, loc *time.Location) map[string]*sim.TrafficTruth {
	t.Helper()
	type ev struct {
		at            time.Time
		page, counted bool
		revenue       int64
		order         bool
	}
	byVisitor := map[[2]string][]ev{}
	ids := map[string]bool{}
	out := map[string]*sim.TrafficTruth{}
	slices.SortFunc(reqs, func(a, b captured) int { return a.seq - b.seq })
	for _, rq := range reqs {
		if len(rq.body) > 500<<10 {
			t.Errorf("request %d is %d bytes", rq.seq, len(rq.body))
		}
		var env struct {
			WriteKey string            `json:"writeKey"`
			Batch    []json.RawMessage `json:"batch"`
		}
		if err := json.Unmarshal(rq.body, &env); err != nil {
			t.Fatalf("request %d: %v", rq.seq, err)
		}
		if len(env.Batch) == 0 || len(env.Batch) > 100 {
			t.Errorf("request %d has %d messages", rq.seq, len(env.Batch))
		}
		tr := out[env.WriteKey]
		if tr == nil {
			tr = &sim.TrafficTruth{VisitsByChannel: map[string]int{}, VisitsByDay: map[string]int{},
				VisitsByDevice: map[string]int{}, VisitsByCountry: map[string]int{}}
			out[env.WriteKey] = tr
		}
		for _, raw := range env.Batch {
			if len(raw) > 32<<10 {
				t.Errorf("a message is %d bytes", len(raw))
			}
			var m sentMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			tr.Messages++
			if ids[m.MessageID] || m.MessageID == "" {
				t.Errorf("messageId %q is empty or repeated", m.MessageID)
			}
			ids[m.MessageID] = true
			if m.AnonymousID == "" || m.Context.UserAgent == "" || m.Context.Location.Country == "" || m.Timestamp.IsZero() {
				t.Errorf("message lacks anonymousId, userAgent, country or timestamp: %s", raw)
			}
			if m.Timestamp.After(end) {
				t.Errorf("message %s is at %v, after the end %v", m.MessageID, m.Timestamp, end)
			}
			e := ev{at: m.Timestamp}
			switch m.Type {
			case "page":
				e.page, e.counted = true, true
			case "track":
				e.counted = true
				switch m.Event {
				case "Order Completed":
					var p struct {
						Revenue  json.Number `json:"revenue"`
						Currency string      `json:"currency"`
					}
					if err := json.Unmarshal(m.Properties, &p); err != nil {
						t.Fatal(err)
					}
					euros, cents, _ := strings.Cut(p.Revenue.String(), ".")
					e1, err1 := strconv.ParseInt(euros, 10, 64)
					c1, err2 := strconv.ParseInt(cents, 10, 64)
					if err1 != nil || err2 != nil || len(cents) != 2 || p.Currency != "EUR" {
						t.Fatalf("order revenue %q %q", p.Revenue, p.Currency)
					}
					e.order, e.revenue = true, e1*100+c1
					if e.revenue < 4000 || e.revenue > 40000 {
						t.Errorf("order of %d cents, want 40–400 EUR", e.revenue)
					}
				case "Signup":
					tr.Signups++
				}
			case "identify":
				tr.Identifies++
				if m.UserID == "" || !strings.Contains(string(m.Traits), `"email":`) {
					t.Errorf("identify without userId or email: %s", raw)
				}
			default:
				t.Errorf("unexpected message type %q", m.Type)
			}
			k := [2]string{env.WriteKey, m.AnonymousID}
			if prev := byVisitor[k]; len(prev) > 0 && m.Type != "identify" {
				// The server assigns visits in arrival order: each visitor's
				// events must arrive in time order.
				var last time.Time
				for _, p := range prev {
					if p.counted && p.at.After(last) {
						last = p.at
					}
				}
				if e.at.Before(last) {
					t.Errorf("visitor %s: an event at %v arrived after one at %v", m.AnonymousID, e.at, last)
				}
			}
			byVisitor[k] = append(byVisitor[k], e)
		}
	}
	// Visits by the contract: gaps under 30 minutes.
	for k, evs := range byVisitor {
		tr := out[k[0]]
		tr.Visitors++
		var visitStart, prev time.Time
		pages, tracks := 0, 0
		closeVisit := func() {
			if pages+tracks == 0 {
				return
			}
			tr.Visits++
			tr.VisitsByDay[visitStart.In(loc).Format(time.DateOnly)]++
			tr.DurationSeconds += int64(prev.Sub(visitStart) / time.Second)
			if pages == 1 && tracks == 0 {
				tr.Bounces++
			}
		}
		for _, e := range evs {
			if !e.counted {
				continue
			}
			if pages+tracks > 0 && e.at.Sub(prev) >= 30*time.Minute {
				closeVisit()
				pages, tracks = 0, 0
			}
			if pages+tracks == 0 {
				visitStart = e.at
				if !e.page {
					t.Errorf("a visit of %s begins with a custom event", k[1])
				}
			}
			prev = e.at
			if e.page {
				pages++
				tr.Pageviews++
			} else {
				tracks++
			}
			tr.Events++
			if e.order {
				tr.Orders++
				tr.RevenueCents += e.revenue
			}
		}
		closeVisit()
	}
	return out
}

// TestLoadTrafficIsDeterministicAndKeepsTheRules runs the generator against
// a stand-in server twice and recounts what it sent.
func TestLoadTrafficIsDeterministicAndKeepsTheRules(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 5, 20, 14, 30, 0, 0, time.UTC)
	cfg := sim.TrafficConfig{Days: 90, End: end, Seed: 42, Scale: 0.03}
	keys := map[string]string{"trailhead.example": "wk_shop", "blog.trailhead.example": "wk_blog"}
	run := func(cfg sim.TrafficConfig) (*sim.TrafficTruth, *recorder) {
		rc := &recorder{}
		truth, err := sim.LoadTraffic(context.Background(), rc, cfg, keys, "ingest-secret", nil)
		if err != nil {
			t.Fatal(err)
		}
		return truth, rc
	}
	first, rc1 := run(cfg)
	second, rc2 := run(cfg)
	if !reflect.DeepEqual(first, second) {
		t.Error("two runs with the same configuration give different truths")
	}
	bodies := func(rc *recorder) []string {
		var out []string
		for _, r := range rc.reqs {
			out = append(out, string(r.body))
		}
		sort.Strings(out)
		return out
	}
	if !slices.Equal(bodies(rc1), bodies(rc2)) {
		t.Error("two runs with the same configuration send different requests")
	}
	if other, _ := run(sim.TrafficConfig{Days: 90, End: end, Seed: 43, Scale: 0.03}); reflect.DeepEqual(first, other) {
		t.Error("another seed gives the same truth")
	}
	planned, err := sim.PlanTraffic(cfg)
	if err != nil || !reflect.DeepEqual(planned, first) {
		t.Errorf("PlanTraffic = %+v, %v; want what LoadTraffic sent", planned, err)
	}

	addrs := map[string]bool{}
	for _, r := range rc1.reqs {
		if r.auth != "Bearer ingest-secret" {
			t.Fatalf("Authorization = %q", r.auth)
		}
		addrs[r.addr] = true
	}
	if len(addrs) < 2 {
		t.Errorf("all requests come from %v; spread them over addresses to stay under the per-address rate limit", addrs)
	}

	// What was sent, recounted by the contract's rules, is the truth.
	got := recount(t, rc1.reqs, end, berlin)
	for domain, key := range keys {
		want, g := first.PerSite[domain], got[key]
		if g == nil {
			t.Fatalf("nothing sent for %s", domain)
		}
		g.VisitsByChannel, g.VisitsByDevice, g.VisitsByCountry = want.VisitsByChannel, want.VisitsByDevice, want.VisitsByCountry
		compareTruth(t, domain+" (recounted)", g, want)
	}

	// The shape of the traffic.
	shop := first.PerSite["trailhead.example"]
	var weekend, weekday, nWeekend, nWeekday float64
	lastDay := end.In(berlin).Format(time.DateOnly)
	for day, n := range shop.VisitsByDay {
		if day == lastDay {
			continue // not over yet
		}
		d, _ := time.Parse(time.DateOnly, day)
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			weekend, nWeekend = weekend+float64(n), nWeekend+1
		} else {
			weekday, nWeekday = weekday+float64(n), nWeekday+1
		}
	}
	if len(shop.VisitsByDay) != 90 {
		t.Errorf("the shop has visits on %d days, want 90", len(shop.VisitsByDay))
	}
	if weekend/nWeekend <= 1.15*weekday/nWeekday {
		t.Errorf("weekend days average %.1f visits, weekdays %.1f: want clear weekend peaks", weekend/nWeekend, weekday/nWeekday)
	}
	rate := func(k string) float64 {
		return float64(first.VisitsByChannel[k]) / float64(first.Visits)
	}
	for _, k := range []string{"Organic Search", "Paid Search", "Organic Social", "Paid Social", "Email", "Referral", "Direct"} {
		if rate(k) < 0.02 {
			t.Errorf("channel %s has %.1f%% of the visits", k, 100*rate(k))
		}
	}
	if b := float64(shop.Bounces) / float64(shop.Visits); b < 0.38 || b > 0.55 {
		t.Errorf("the shop's bounce rate is %.0f%%", 100*b)
	}
	if m := float64(first.VisitsByDevice["mobile"]) / float64(first.Visits); m < 0.48 || m > 0.62 {
		t.Errorf("%.0f%% of visits are on mobile, want about 55%%", 100*m)
	}
	if first.Visitors >= first.Visits || first.Identifies == 0 {
		t.Errorf("%d visitors for %d visits, %d identified: want returning and identified visitors", first.Visitors, first.Visits, first.Identifies)
	}
}

func TestLoadTrafficRetriesTooManyRequestsAndReportsErrors(t *testing.T) {
	t.Parallel()
	cfg := sim.TrafficConfig{Days: 3, End: time.Now().Add(-time.Hour), Seed: 1, Scale: 0.05}
	keys := map[string]string{"trailhead.example": "wk_shop", "blog.trailhead.example": "wk_blog"}

	limited := &recorder{answer: func(n int, w http.ResponseWriter) bool {
		if n > 0 {
			return false
		}
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"error":"too many requests"}`, http.StatusTooManyRequests)
		return true
	}}
	truth, err := sim.LoadTraffic(context.Background(), limited, cfg, keys, "k", nil)
	if err != nil {
		t.Fatalf("a 429 then 200: %v", err)
	}
	sent := 0
	for _, r := range limited.reqs[1:] {
		var env struct{ Batch []json.RawMessage }
		_ = json.Unmarshal(r.body, &env)
		sent += len(env.Batch)
	}
	if sent != truth.Messages {
		t.Errorf("%d messages accepted, truth says %d", sent, truth.Messages)
	}

	failing := &recorder{answer: func(n int, w http.ResponseWriter) bool {
		http.Error(w, `{"error":"batch[3]: timestamp is more than 30 days old"}`, http.StatusBadRequest)
		return true
	}}
	_, err = sim.LoadTraffic(context.Background(), failing, cfg, keys, "k", nil)
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "more than 30 days old") {
		t.Errorf("error = %v, want one naming the status and the body", err)
	}

	if _, err := sim.LoadTraffic(context.Background(), &recorder{}, cfg, map[string]string{"trailhead.example": "x"}, "k", nil); err == nil {
		t.Error("no error without a write key for the blog")
	}
}

// TestLoadTrafficFullScale measures the demo's full volume against an
// in-process server. It is slow; run it with MOPS_SIM_FULL=1.
func TestLoadTrafficFullScale(t *testing.T) {
	if os.Getenv("MOPS_SIM_FULL") == "" {
		t.Skip("set MOPS_SIM_FULL=1 to load the full demo traffic")
	}
	d := newDemoApp(t)
	start := time.Now()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(30 * time.Second):
				t.Logf("after %v the warehouse holds stream sequence %d", time.Since(start).Round(time.Second), d.Loader.LastSeq())
			}
		}
	}()
	truth, err := sim.LoadTraffic(context.Background(), d.Handler(), sim.TrafficConfig{Seed: 1}, d.writeKeys, d.ingestKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Since(start)
	d.waitLoaded(t, 2*time.Hour)
	t.Logf("full scale: %d visits, %d pageviews, %d events, %d messages, %d orders (%.2f EUR); sent in %v, loaded after %v",
		truth.Visits, truth.Pageviews, truth.Events, truth.Messages, truth.Orders, truth.Revenue, sent, time.Since(start))
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for domain, site := range d.sites {
		compareTruth(t, domain, d.warehouseCounts(t, site.ID, berlin), truth.PerSite[domain])
	}
}

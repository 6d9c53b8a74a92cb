package warehouse

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/warehouse/event"
)

type rig struct {
	db  *db.DB
	log *eventlog.Log
	dir string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	d, err := db.Open(ctx, filepath.Join(dir, "mops.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(ctx, eventlog.Config{Dir: filepath.Join(dir, "js")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = l.Close(context.Background())
		_ = d.Close()
	})
	return &rig{db: d, log: l, dir: dir}
}

// publish puts events on the log as one message, as collection does, and
// returns its sequence.
func (r *rig) publish(t *testing.T, evs ...event.Event) uint64 {
	t.Helper()
	b := event.AppendBatchHeader(nil)
	for i := range evs {
		b = event.AppendEvent(b, &evs[i])
	}
	return r.publishData(t, evs[0].SiteID, b)
}

// publishJSON puts one event on the log the way older versions did.
func (r *rig) publishJSON(t *testing.T, e event.Event) uint64 {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return r.publishData(t, e.SiteID, b)
}

func (r *rig) publishData(t *testing.T, site string, data []byte) uint64 {
	t.Helper()
	subj, _ := eventlog.EventSubject(site)
	msg := nats.NewMsg(subj)
	msg.Data = data
	ack, err := r.log.Publish(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

// startLoader runs a loader until the returned stop is called.
func (r *rig) startLoader(t *testing.T) (*Loader, func()) {
	t.Helper()
	ld, err := NewLoader(r.db, r.log, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = ld.Run(ctx); close(done) }()
	return ld, func() { cancel(); <-done }
}

func waitFor(t *testing.T, ld *Loader, seq uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ld.WaitFor(ctx, seq); err != nil {
		t.Fatalf("loader did not reach seq %d (at %d): %v", seq, ld.LastSeq(), err)
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func pv(id, visitor, path string, at time.Duration) event.Event {
	return event.Event{ID: id, SiteID: "site_a", Kind: event.KindPageview, Name: "pageview", Time: t0.Add(at),
		Received: t0.Add(at), VisitorID: visitor, Path: path, Hostname: "a.example", Interactive: true,
		Source: "Google", Channel: "Organic Search", Origin: event.OriginTracker}
}

type visitRow struct {
	Visitor, Entry, Exit, Source    string
	Pageviews, Events, Interactions int
	Bounce                          bool
	Duration                        int
}

func visits(t *testing.T, d *db.DB) []visitRow {
	t.Helper()
	rows, err := d.Query(`SELECT visitor_id, entry_page, exit_page, source, pageviews, events, interactions, is_bounce, duration_s
		FROM visits ORDER BY visitor_id, started_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []visitRow
	for rows.Next() {
		var v visitRow
		if err := rows.Scan(&v.Visitor, &v.Entry, &v.Exit, &v.Source, &v.Pageviews, &v.Events, &v.Interactions, &v.Bounce, &v.Duration); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestLoaderSessionisesAndResumesExactlyOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ld, stop := r.startLoader(t)

	signup := event.Event{ID: "e3", SiteID: "site_a", Kind: event.KindCustom, Name: "Signup", Time: t0.Add(6 * time.Minute),
		VisitorID: "v1", Path: "/b", Interactive: true, Props: map[string]string{"plan": "pro"},
		Revenue: &event.Revenue{Amount: "49.995", Currency: "EUR"}}
	engage := event.Event{ID: "e6", SiteID: "site_a", Kind: event.KindEngagement, Name: "engagement", Time: t0.Add(time.Minute),
		VisitorID: "v2", Path: "/a", EngagedMS: 42000, ScrollDepth: 80}
	lone := event.Event{ID: "e7", SiteID: "site_a", Kind: event.KindEngagement, Name: "engagement", Time: t0, VisitorID: "v3"}
	var last uint64
	for _, e := range []event.Event{
		pv("e1", "v1", "/a", 0),
		pv("e2", "v1", "/b", 5*time.Minute),
		signup,
		pv("e4", "v1", "/c", 40*time.Minute), // 34 minutes after the last event: a new visit
		pv("e5", "v2", "/a", 0),
		engage,
		lone,
	} {
		last = r.publish(t, e)
	}
	waitFor(t, ld, last)
	stop()

	// Sent again with the same id while the loader is down, then e8 in a
	// message of the old JSON form.
	r.publish(t, pv("e5", "v2", "/a", time.Minute))

	// Restart: the open visit of v1 continues, nothing is loaded twice.
	ld2, stop2 := r.startLoader(t)
	defer stop2()
	last = r.publishJSON(t, pv("e8", "v1", "/d", 45*time.Minute))
	waitFor(t, ld2, last)

	var n int
	if err := r.db.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil || n != 8 {
		t.Fatalf("events loaded = %d, %v; want 8 (each once)", n, err)
	}
	want := []visitRow{
		{"v1", "/a", "/b", "Google", 2, 3, 3, false, 360},
		{"v1", "/c", "/d", "Google", 2, 2, 2, false, 300},
		{"v2", "/a", "/a", "Google", 1, 1, 1, true, 0},
	}
	got := visits(t, r.db)
	if len(got) != len(want) {
		t.Fatalf("visits = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("visit %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	var sess string
	var plan string
	var amount float64
	if err := r.db.QueryRow(`SELECT visit_id, props['plan'], revenue_amount::DOUBLE FROM events WHERE event_id = 'e3'`).Scan(&sess, &plan, &amount); err != nil {
		t.Fatal(err)
	}
	if sess == "" || plan != "pro" || amount != 49.995 {
		t.Fatalf("signup row: session %q plan %q amount %v", sess, plan, amount)
	}
	if err := r.db.QueryRow(`SELECT visit_id FROM events WHERE event_id = 'e7'`).Scan(&sess); err != nil || sess != "" {
		t.Fatalf("an engagement without a visit got session %q (%v)", sess, err)
	}
	// Every row carries its visitor's key, the value DuckDB computes.
	for _, table := range []string{"events", "visits"} {
		var wrong int
		if err := r.db.QueryRow(`SELECT count(*) FROM ` + table +
			` WHERE visitor_key IS DISTINCT FROM md5_number_lower(visitor_id)`).Scan(&wrong); err != nil || wrong != 0 {
			t.Fatalf("%s: %d rows with a visitor key other than md5_number_lower(visitor_id) (%v)", table, wrong, err)
		}
	}
	var seq uint64
	if err := r.db.QueryRow(`SELECT last_seq FROM loader_state`).Scan(&seq); err != nil || seq != last {
		t.Fatalf("stored position = %d, %v; want %d", seq, err, last)
	}
}

func TestLoaderSkipsUndecodableMessage(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ld, stop := r.startLoader(t)
	defer stop()
	msg := nats.NewMsg("events.site_a")
	msg.Data = []byte("{not json")
	if _, err := r.log.Publish(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	last := r.publish(t, pv("ok", "v1", "/", 0))
	waitFor(t, ld, last)
	var n int
	if err := r.db.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil || n != 1 {
		t.Fatalf("events = %d, %v; want 1", n, err)
	}
}

func TestLoaderClearReplays(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ld, stop := r.startLoader(t)
	last := r.publish(t, pv("a", "v1", "/", 0))
	last2 := r.publish(t, pv("b", "v1", "/x", time.Minute))
	if last2 > last {
		last = last2
	}
	waitFor(t, ld, last)
	stop()
	if err := ld.Clear(context.Background()); err != nil {
		t.Fatal(err)
	}
	ld2, stop2 := r.startLoader(t)
	defer stop2()
	waitFor(t, ld2, last)
	got := visits(t, r.db)
	if len(got) != 1 || got[0].Pageviews != 2 || got[0].Duration != 60 {
		t.Fatalf("visits after replay = %+v, want one visit of 2 pageviews and 60 s", got)
	}
}

func TestDecimal4(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"49", 490000, true}, {"49.995", 499950, true}, {"0.00005", 1, true}, {"-0.00005", -1, true},
		{"12.34564", 123456, true}, {"abc", 0, false}, {"1e30", 0, false}, {"", 0, false},
	} {
		d, ok := decimal4(tc.in)
		if ok != tc.ok || (ok && d.Value.Int64() != tc.want) {
			t.Errorf("decimal4(%q) = %v, %v; want %d, %v", tc.in, d.Value, ok, tc.want, tc.ok)
		}
	}
}

func TestVisitorKeyIsDuckDBsMD5NumberLower(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for _, id := range []string{"", "v1", "c_0f8e2a", "7f3a9c1e5b2d4f60", "anonymous-🦊-ü"} {
		var want uint64
		if err := r.db.QueryRow("SELECT md5_number_lower(?)", id).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := VisitorKey(id); got != want {
			t.Errorf("VisitorKey(%q) = %d, DuckDB says %d", id, got, want)
		}
	}
}

package warehouse

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/warehouse/event"
)

// The load BenchmarkCommit writes.
const (
	benchVisitors = 100_000   // distinct visitors, visited in turn
	benchBatch    = 20_000    // events per batch, the loader's batch size
	benchHistory  = 1_000_000 // visits already in the table, from before the run
)

// BenchmarkCommit measures the loader's write path on a visit-heavy load:
// batches of 20,000 events (pageviews, custom events with and without
// props or revenue, engagement, a few late events) from 100,000 visitors,
// so that each batch touches about 20,000 visits, most of them already
// written, in a table that already holds a million older visits. Before
// the timer starts it loads enough batches for every visitor to have a
// visit, and checkpoints.
//
// It reports, per event: building the batch (sessionising, the rows),
// appending the events, writing the visits, and committing (stream
// position, COMMIT with any automatic checkpoint) plus the CHECKPOINT
// that ends the run, so that putting checkpoints off is not counted as a
// saving. DuckDB runs with the threads and memory limit the server sets by
// default. Use at least 10 batches, and more to see checkpoint costs
// settle:
//
//	go test -run '^$' -bench Commit -benchtime 20x ./internal/warehouse/
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
	// What app.tuneWarehouse sets with the default --memory-limit-mb (448).
	for _, q := range []string{fmt.Sprintf("SET threads = %d", max(runtime.NumCPU()/2, 1)), "SET memory_limit = '112MB'"} {
		if _, err := d.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	st, err := newStore(d)
	if err != nil {
		b.Fatal(err)
	}
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	seedVisitHistory(b, d, base, benchHistory)

	load := newBenchLoad(benchVisitors, base)
	z := newSessionizer()
	var t benchTimes
	for range benchVisitors / benchBatch {
		loadBenchBatch(b, ctx, d, st, z, load.next(benchBatch), &t)
	}
	if _, err := d.ExecContext(ctx, "CHECKPOINT"); err != nil {
		b.Fatal(err)
	}

	t = benchTimes{}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		evs := load.next(benchBatch)
		b.StartTimer()
		loadBenchBatch(b, ctx, d, st, z, evs, &t)
	}
	t0 := time.Now()
	if _, err := d.ExecContext(ctx, "CHECKPOINT"); err != nil {
		b.Fatal(err)
	}
	t.commit += time.Since(t0)
	b.StopTimer()

	var rows, ids int
	if err := d.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT visit_id) FROM visits").Scan(&rows, &ids); err != nil || rows != ids {
		b.Fatalf("visits: %d rows for %d ids (%v); want one row per visit", rows, ids, err)
	}
	n := float64(b.N * benchBatch)
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / n }
	b.ReportMetric(per(t.build+t.events+t.visits+t.commit), "ns/event")
	b.ReportMetric(per(t.build), "ns-build/event")
	b.ReportMetric(per(t.events), "ns-events/event")
	b.ReportMetric(per(t.visits), "ns-visits/event")
	b.ReportMetric(per(t.commit), "ns-commit+ckpt/event")
	b.ReportMetric(float64(t.touched)/float64(b.N), "visits/batch")
	if fi, err := os.Stat(d.Path()); err == nil {
		b.ReportMetric(float64(fi.Size())/1e6, "MB-file")
	}
}

type benchTimes struct {
	build, events, visits, commit time.Duration
	touched                       int // visits written
}

// loadBenchBatch writes a batch the way store.commit does, a step at a
// time so that each step can be timed.
func loadBenchBatch(b *testing.B, ctx context.Context, d *db.DB, st *store, z *sessionizer, evs []event.Event, t *benchTimes) {
	b.Helper()
	now := evs[len(evs)-1].Received
	t0 := time.Now()
	rows := make([]row, 0, len(evs))
	touched := map[string]*Session{}
	for i := range evs {
		e := &evs[i]
		r := row{seq: benchSeq(e.ID), ev: e}
		if s := z.add(e, now); s != nil {
			r.session = s.ID
			touched[s.ID] = s
		}
		rows = append(rows, r)
	}
	t1 := time.Now()

	conn, err := d.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	exec("BEGIN TRANSACTION")
	if err := appendRows(conn, "events", len(rows), func(i int, dst []driver.Value) []driver.Value { return eventValues(dst, rows[i]) }); err != nil {
		b.Fatal(err)
	}
	t2 := time.Now()
	if err := st.writeVisits(ctx, conn, touched, now); err != nil {
		b.Fatal(err)
	}
	t3 := time.Now()
	exec(st.q.SetLastSeq, "EVENTS", rows[len(rows)-1].seq, now)
	exec("COMMIT")
	t4 := time.Now()

	t.build += t1.Sub(t0)
	t.events += t2.Sub(t1)
	t.visits += t3.Sub(t2)
	t.commit += t4.Sub(t3)
	t.touched += len(touched)
}

// benchSeq is the stream sequence of a generated event: its number.
func benchSeq(id string) uint64 {
	n, _ := strconv.ParseUint(id[1:], 10, 64)
	return n
}

// seedVisitHistory fills visits with n visits that ended a day or more
// before base, oldest first.
func seedVisitHistory(b *testing.B, d *db.DB, base time.Time, n int) {
	b.Helper()
	_, err := d.Exec(`INSERT INTO visits SELECT
		's_' || md5(i::TEXT)[:24], 'site_bench', md5((i % 200000)::TEXT)[:16], '', ts, ts + INTERVAL 3 MINUTE,
		'/', '/pricing', 'bench.example', '', 'Google', 'Organic Search', '', '', '', '', '',
		'Chrome', 'Windows', 'desktop', 'DE', 'Berlin', 'Berlin', 3, 4, 3, false, 180, ts + INTERVAL 30 MINUTE,
		md5_number_lower(md5((i % 200000)::TEXT)[:16])
		FROM (SELECT i, ?::TIMESTAMP - INTERVAL 1 DAY - to_seconds(2 * i) AS ts FROM range(?) r(i))
		ORDER BY ts`, base, n)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.Exec("CHECKPOINT"); err != nil {
		b.Fatal(err)
	}
}

// benchLoad generates the events of a fixed set of visitors, one event per
// visitor in turn. Each visitor keeps a clock of its own: its next event
// usually comes seconds to minutes after the last, in the same visit; one
// time in ten it comes more than half an hour later and starts a new
// visit; one time in a thousand it is late, from before its visit started.
type benchLoad struct {
	r        *rand.Rand
	visitors []benchVisitor
	n        int       // events generated
	wall     time.Time // when the last event was received
}

type benchVisitor struct {
	id                       string
	at, start                time.Time // its last event, and the start of its visit
	browser, os, device      string
	country, city            string
	source, channel, referer string
}

var (
	benchSources = [][3]string{{"Google", "Organic Search", "google.com"}, {"", "Direct", ""},
		{"Facebook", "Organic Social", "facebook.com"}, {"Newsletter", "Email", ""}, {"Bing", "Paid Search", "bing.com"},
		{"Hacker News", "Referral", "news.ycombinator.com/item"}}
	benchBrowsers = [][3]string{{"Chrome", "Windows", "desktop"}, {"Safari", "iOS", "mobile"}, {"Firefox", "Linux", "desktop"},
		{"Chrome", "Android", "mobile"}, {"Edge", "Windows", "desktop"}, {"Safari", "Mac", "desktop"}}
	benchPlaces = [][2]string{{"DE", "Berlin"}, {"US", "Seattle"}, {"FR", "Lyon"}, {"GB", "Leeds"}, {"BR", "Recife"}}
	benchCustom = []string{"Signup", "Outbound Link: Click", "File Download", "Purchase", "Newsletter"}
)

func newBenchLoad(visitors int, base time.Time) *benchLoad {
	g := &benchLoad{r: rand.New(rand.NewPCG(1, 2)), wall: base}
	g.visitors = make([]benchVisitor, visitors)
	for i := range g.visitors {
		br, pl := benchBrowsers[g.r.IntN(len(benchBrowsers))], benchPlaces[g.r.IntN(len(benchPlaces))]
		v := &g.visitors[i]
		*v = benchVisitor{id: fmt.Sprintf("%016x", g.r.Uint64()), browser: br[0], os: br[1], device: br[2],
			country: pl[0], city: pl[1]}
		v.at = base.Add(-time.Duration(g.r.IntN(3600)) * time.Second)
		g.newVisit(v)
	}
	return g
}

func (g *benchLoad) newVisit(v *benchVisitor) {
	s := benchSources[g.r.IntN(len(benchSources))]
	v.source, v.channel, v.referer = s[0], s[1], s[2]
	v.start = v.at
}

// next returns the next n events.
func (g *benchLoad) next(n int) []event.Event {
	evs := make([]event.Event, n)
	for i := range evs {
		g.n++
		g.wall = g.wall.Add(5 * time.Millisecond)
		v := &g.visitors[g.n%len(g.visitors)]
		at := v.at
		switch k := g.r.IntN(1000); {
		case k < 100:
			v.at = v.at.Add(time.Duration(31+g.r.IntN(600)) * time.Minute)
			at = v.at
			g.newVisit(v)
		case k < 101:
			at = v.start.Add(-time.Duration(1+g.r.IntN(600)) * time.Second)
			v.start = at
		default:
			v.at = v.at.Add(time.Duration(5+g.r.IntN(600)) * time.Second)
			at = v.at
		}
		e := event.Event{ID: "e" + strconv.Itoa(g.n), SiteID: "site_bench", Kind: event.KindPageview, Name: "pageview",
			Time: at, Received: g.wall, VisitorID: v.id, Origin: event.OriginTracker, Interactive: true,
			Hostname: "bench.example", Path: "/docs/page-" + strconv.Itoa(g.r.IntN(300)), Referrer: v.referer,
			Source: v.source, Channel: v.channel, Browser: v.browser, BrowserVersion: "120.0", OS: v.os, OSVersion: "14",
			Device: v.device, Country: v.country, Region: v.city, City: v.city}
		if v.channel == "Email" {
			e.UTMSource, e.UTMMedium, e.UTMCampaign = "newsletter", "email", "spring-sale"
		}
		switch k := g.r.IntN(100); {
		case k < 70: // a pageview, one in ten with props
			if g.r.IntN(10) == 0 {
				e.Props = map[string]string{"author": "a" + strconv.Itoa(g.r.IntN(20))}
			}
		case k < 90: // a custom event, most with props, purchases with revenue
			e.Kind, e.Name = event.KindCustom, benchCustom[g.r.IntN(len(benchCustom))]
			if g.r.IntN(4) > 0 {
				e.Props = map[string]string{"plan": "pro", "variant": strconv.Itoa(g.r.IntN(3))}
			}
			if e.Name == "Purchase" {
				e.Revenue = &event.Revenue{Amount: strconv.Itoa(10+g.r.IntN(500)) + ".95", Currency: "EUR"}
			}
		default: // engagement: joins a visit, counts in none
			e.Kind, e.Name, e.Interactive = event.KindEngagement, "engagement", false
			e.EngagedMS, e.ScrollDepth = int64(g.r.IntN(120000)), g.r.IntN(101)
		}
		evs[i] = e
	}
	return evs
}

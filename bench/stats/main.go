// Command stats benchmarks mops's stats queries on a large data set and
// runs the same aggregates as plain SQL on PostgreSQL beside it.
//
// It generates the demo shop's traffic with the simulator (about 10
// million events by default), sends it over HTTP to a real `mops serve`,
// waits until the warehouse holds all of it, then measures the dashboard
// (seven panels queried at once, as a browser does), each query on its
// own, and how soon a new pageview shows up in the live stream. With -pg
// it copies the same events into PostgreSQL, stored the way a
// Postgres-based analytics tool stores them, runs the same aggregates
// there, checks that both answer the same and prints the speed ratio.
//
//	go run ./bench/stats [-events 10000000] [-data DIR -reuse] [-pg DSN]
//	bench/stats/run.sh [flags]     # the same with a throwaway PostgreSQL 15
//
// See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Targets the run is judged against.
const (
	targetDashboardP50 = 300 * time.Millisecond
	targetQueryP50     = 100 * time.Millisecond
	targetRealtime     = 2 * time.Second
)

type options struct {
	events    int
	days      int
	seed      uint64
	dataDir   string
	reuse     bool
	pgDSN     string
	rounds    int
	minRounds int
	budget    time.Duration
	mops      string
	serveArgs []string
	realtimeN int
}

func main() {
	var o options
	var serveArgs string
	flag.IntVar(&o.events, "events", 10_000_000, "events to generate (pageviews and custom events); the visits follow from the simulator, about one per 3 events")
	flag.IntVar(&o.days, "days", 60, "days of traffic; the dashboard shows the last 30, compared with the 30 before")
	flag.Uint64Var(&o.seed, "seed", 20260301, "simulator seed")
	flag.StringVar(&o.dataDir, "data", "", "mops data dir to generate into, kept after the run (default: a directory under the system temp dir named after -events and -days)")
	flag.BoolVar(&o.reuse, "reuse", false, "reuse the data in -data when it was generated completely with the same -events, -days and -seed (otherwise it is generated again)")
	flag.StringVar(&o.pgDSN, "pg", "", "PostgreSQL connection string (e.g. postgres://postgres@127.0.0.1:55432/postgres); empty: measure mops only")
	flag.IntVar(&o.rounds, "n", 20, "measured rounds of the dashboard and of each single query")
	flag.DurationVar(&o.budget, "budget", 5*time.Minute, "a measuring phase (one system's dashboard rounds, or its single-query rounds) stops early once it has taken this long and done 5 rounds")
	flag.StringVar(&o.mops, "mops", "", "use this mops binary instead of building ./cmd/mops")
	flag.StringVar(&serveArgs, "serve-args", "", "extra flags for `mops serve`, space separated (e.g. --memory-limit-mb=1024)")
	flag.IntVar(&o.realtimeN, "realtime", 20, "pageviews whose way into the live stream and the query API is timed")
	flag.Parse()
	if o.events < 1000 || o.days < 2 || o.rounds < 1 || o.realtimeN < 1 {
		fatalf("-events must be at least 1000, -days at least 2, -n and -realtime at least 1")
	}
	if o.days < 60 {
		fmt.Fprintf(os.Stderr, "bench/stats: -days %d: the previous period of the 30-day dashboard is only partly covered\n", o.days)
	}
	o.minRounds = min(5, o.rounds)
	o.serveArgs = strings.Fields(serveArgs)
	if o.dataDir == "" {
		o.dataDir = filepath.Join(os.TempDir(), fmt.Sprintf("mops-bench-stats-%d-%dd", o.events, o.days))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o)
	if rep != nil {
		printReport(os.Stdout, rep)
	}
	if err != nil {
		fatalf("%v", err)
	}
	if len(rep.Mismatches) > 0 {
		fatalf("%d answer(s) differ between mops and PostgreSQL (see MISMATCH above)", len(rep.Mismatches))
	}
	if len(rep.Failures) > 0 {
		fatalf("%d quer(ies) failed on the server (see FAILED above)", len(rep.Failures))
	}
}

// more reports whether a phase that started at start and has done
// rounds is due another: until -n, or once it has the minimum, until
// -budget has passed.
func (o options) more(start time.Time, rounds int) bool {
	return rounds < o.rounds && (rounds < o.minRounds || time.Since(start) < o.budget)
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/stats: "+format+"\n", args...)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(ctx context.Context, o options) (*report, error) {
	rep := &report{Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), Cores: runtime.NumCPU(), GoVersion: runtime.Version(),
		Command: strings.TrimSpace("go run ./bench/stats " + strings.Join(os.Args[1:], " "))}
	tmp, err := os.MkdirTemp("", "mops-bench-stats-bin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := o.mops
	if bin == "" {
		logf("building ./cmd/mops")
		if bin, err = buildMops(ctx, tmp); err != nil {
			return nil, err
		}
	}

	// 1. The data: generated into the data dir, or the cached copy.
	ds, err := ensureDataset(ctx, o, bin)
	if err != nil {
		return nil, err
	}
	rep.Data = ds.Meta

	// 2. The same events in PostgreSQL, read from the warehouse file while
	// no server holds it.
	var pg *pgBench
	if o.pgDSN != "" {
		if pg, err = preparePostgres(ctx, o.pgDSN, ds); err != nil {
			return rep, err
		}
		defer pg.Close()
		rep.PG = &pg.info
	}

	// 3. mops serving the data set, its answer cache off where it has one.
	args, note := withoutCache(ctx, bin, o.serveArgs)
	if note != "" {
		rep.Notes = append(rep.Notes, note)
	}
	srv, err := startServer(bin, ds.Dir, args)
	if err != nil {
		return rep, err
	}
	defer func() {
		if srv.alive() {
			_, _ = srv.stop(60 * time.Second)
		}
		rep.LogProblems, rep.LogSamples = srv.logProblems()
	}()
	rep.ServeArgs = strings.Join(srv.args, " ")
	logf("mops serve pid %d at %s", srv.pid, srv.base)
	rss := newRSSSampler(srv.pid, 50*time.Millisecond)
	defer rss.Close()
	m := newMopsClient(srv.base, ds.Meta)
	// The loader restores its state before it loads anything new; the
	// measurements start once it has committed a first pageview.
	started := time.Now()
	if err := m.advanceWithin(ctx, 15*time.Minute); err != nil {
		return rep, err
	}
	rep.LoaderReady = time.Since(started)
	if rss, err := vmRSS(srv.pid); err == nil {
		rep.RSSReadyMB = mb(rss)
	}
	logf("the loader committed a first pageview %s after the server listened (RSS %.0f MB)", rep.LoaderReady.Round(time.Millisecond), rep.RSSReadyMB)
	if err := m.checkTotals(ctx, ds.Meta); err != nil {
		return rep, err
	}
	qs, err := dashboardQueries(ctx, m, ds.Meta)
	if err != nil {
		return rep, err
	}
	rep.Notes = append(rep.Notes, qs.notes...)
	rep.Window = qs.window

	rss.PhasePeak()
	if err := measureMops(ctx, o, m, srv, qs, rep); err != nil {
		return rep, err
	}
	if rep.Browser, err = measureBrowser(ctx, o, m, srv.base, ds.Meta, qs.window); err != nil {
		return rep, err
	}
	rep.RSSQueriesMB = mb(rss.PhasePeak())
	rep.Cache = detectCache(ctx, m, qs, rep)

	if pg != nil {
		if err := measurePostgres(ctx, o, pg, qs, rep, srv.pid); err != nil {
			return rep, err
		}
		rep.Mismatches = compareAnswers(qs, rep)
	}

	// 4. Realtime: a pageview sent now, seen in the live stream and in
	// the query API.
	rss.PhasePeak()
	rt, err := measureRealtime(ctx, o, m, srv.base, ds.Meta)
	if err != nil {
		return rep, err
	}
	rep.Realtime = rt
	rep.RSSPeakMB = mb(max(rss.Peak(), rss.PhasePeak()))

	logf("stopping the server")
	if _, err := srv.stop(60 * time.Second); err != nil {
		logf("stop: %v", err)
	}
	return rep, nil
}

// withoutCache adds --stats-cache=0 to the server's flags when the
// binary has that flag and the flags do not set it already, and says so.
func withoutCache(ctx context.Context, bin string, args []string) ([]string, string) {
	for _, a := range args {
		if strings.HasPrefix(a, "--stats-cache") {
			return args, "the server's answer cache is set by -serve-args (" + a + ")"
		}
	}
	help, _ := exec.CommandContext(ctx, bin, "serve", "--help").CombinedOutput()
	if !strings.Contains(string(help), "--stats-cache") {
		return args, "the server has no --stats-cache flag: rounds are kept cold by the pageview loaded before each"
	}
	return append(slices.Clone(args), "--stats-cache=0"), "the server's answer cache is off (--stats-cache=0); a pageview loaded before each round would empty it too"
}

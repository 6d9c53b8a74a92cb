// Command ingest benchmarks mops's event intake end to end on one machine:
// it builds the mops binary, starts `mops serve` on a fresh data dir and
// measures, over loopback, single events through POST /api/event, Segment
// batches through POST /v1/batch, the time from an event's
// acknowledgement until the warehouse holds it (the live event stream),
// and the server's memory — beside the requests/s of a no-op net/http
// handler driven by the same client, the ceiling of this machine.
//
//	go run ./bench/ingest [-duration 10s] [-concurrency 64] [-short] [-json]
//
// See README.md.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Targets the run is judged against.
const (
	targetSingle  = 20_000  // events/s
	targetBatched = 150_000 // events/s
	targetLagP99  = 2_000   // ms
	targetRSSMB   = 500     // MB
)

type options struct {
	duration      time.Duration
	concurrency   int
	sweep         []int
	short         bool
	json          bool
	mops          string
	batchSize     int
	visitors      int
	probeRate     int
	probeDuration time.Duration
	drainLimit    time.Duration
	perfDir       string
	keep          bool
	quietWait     time.Duration
	client        clientKind
	clientLoops   int
	singleConc    int
	batchConc     int
	phases        map[string]bool
}

// report is the whole result; -json prints it.
type report struct {
	Date      string `json:"date"`
	Cores     int    `json:"cores"`
	GoVersion string `json:"go_version"`
	Command   string `json:"command"`

	Noop    loadResult   `json:"noop_ceiling"`
	Single  loadResult   `json:"single"`
	Batched loadResult   `json:"batched"`
	Probe   probeResult  `json:"ack_to_queryable"`
	Sweep   []sweepPoint `json:"sweep,omitempty"`

	BatchSize   int           `json:"batch_size"`
	RSSPeakMB   float64       `json:"server_rss_peak_mb"`
	RSSEndMB    float64       `json:"server_rss_end_mb"`
	MemEnd      *memBreakdown `json:"server_memory_end,omitempty"`
	StopSeconds float64       `json:"server_stop_seconds"`
	LogProblems int           `json:"server_log_warnings"`
	LogSamples  []string      `json:"server_log_samples,omitempty"`
	PerfReports []perfReport  `json:"perf,omitempty"`
	Targets     targets       `json:"targets"`
}

type targets struct {
	SingleOK  bool `json:"single_met"`
	BatchedOK bool `json:"batched_met"`
	LagOK     bool `json:"ack_to_queryable_met"`
	RSSOK     bool `json:"rss_met"`
}

type sweepPoint struct {
	Phase        string  `json:"phase"`
	Concurrency  int     `json:"concurrency"`
	EventsPerSec float64 `json:"events_per_s"`
	P50ms        float64 `json:"p50_ms"`
	P99ms        float64 `json:"p99_ms"`
	ServerCPU    float64 `json:"server_cpu"`
	ClientCPU    float64 `json:"client_cpu"`
	Errors       int64   `json:"errors"`
}

func main() {
	var o options
	var sweep string
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of each throughput phase (after a warm-up of a tenth of it, at most 1 s)")
	flag.IntVar(&o.concurrency, "concurrency", 64, "concurrent connections/workers of the throughput phases")
	flag.IntVar(&o.singleConc, "single-concurrency", 0, "concurrency of the no-op and single-event phases (default: -concurrency)")
	flag.IntVar(&o.batchConc, "batch-concurrency", 0, "concurrency of the batched phase (default: -concurrency)")
	flag.StringVar(&sweep, "sweep", "", "comma-separated concurrency levels to try in each throughput phase, e.g. 32,64,128,256; the table shows the best")
	flag.BoolVar(&o.short, "short", false, "smoke test: 2 s phases, concurrency 16, 2 s probe phase (explicit flags still win)")
	flag.BoolVar(&o.json, "json", false, "print the result as JSON instead of the table")
	flag.StringVar(&o.mops, "mops", "", "use this mops binary instead of building ./cmd/mops")
	flag.IntVar(&o.batchSize, "batch-size", 100, "messages per /v1/batch request")
	flag.IntVar(&o.visitors, "visitors", 100_000, "distinct anonymousIds the batched phase cycles through")
	flag.IntVar(&o.probeRate, "probe-rate", 2000, "events/s of the acknowledgement-to-queryable phase")
	flag.DurationVar(&o.probeDuration, "probe-duration", 5*time.Second, "length of the acknowledgement-to-queryable phase")
	flag.DurationVar(&o.drainLimit, "drain-limit", 120*time.Second, "how long to wait, after a phase, for the warehouse to load the backlog")
	flag.StringVar(&o.perfDir, "perf", "", "record the server with `perf record -g` during the mops throughput phases and write perf.data files and reports to this directory")
	flag.DurationVar(&o.quietWait, "quiet-wait", 60*time.Second, "before each phase, wait at most this long for other processes to use < 0.2 cores (0: do not wait)")
	flag.StringVar((*string)(&o.client), "client", string(clientLoop), "HTTP client of the load: loop (epoll event loops, Linux), raw (minimal HTTP/1.1, one goroutine and keep-alive connection per worker) or std (net/http Client, MaxIdleConnsPerHost = concurrency)")
	flag.IntVar(&o.clientLoops, "client-loops", 1, "event loops (OS threads) of -client loop")
	phases := flag.String("phases", "noop,single,probe,batched", "phases to run, in this order whatever the list's order")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binary, data dir)")
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.short {
		if !set["duration"] {
			o.duration = 2 * time.Second
		}
		if !set["concurrency"] {
			o.concurrency = 16
		}
		if !set["probe-duration"] {
			o.probeDuration = 2 * time.Second
		}
		if !set["drain-limit"] {
			o.drainLimit = 30 * time.Second
		}
		if !set["quiet-wait"] {
			o.quietWait = 10 * time.Second
		}
	}
	o.phases = map[string]bool{}
	for _, p := range strings.Split(*phases, ",") {
		switch p = strings.TrimSpace(p); p {
		case "noop", "single", "probe", "batched":
			o.phases[p] = true
		case "":
		default:
			fatalf("-phases: unknown phase %q (noop, single, probe, batched)", p)
		}
	}
	for _, f := range strings.Split(sweep, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			fatalf("-sweep: %q is not a positive number", f)
		}
		o.sweep = append(o.sweep, n)
	}
	if o.singleConc < 0 || o.batchConc < 0 {
		fatalf("-single-concurrency and -batch-concurrency must be positive")
	}
	if o.duration <= 0 || o.concurrency < 1 || o.batchSize < 1 || o.visitors < 1 || o.probeRate < 1 || o.probeDuration <= 0 {
		fatalf("-duration, -concurrency, -batch-size, -visitors, -probe-rate and -probe-duration must be positive")
	}
	// The client allocates a little per request; collecting less often
	// leaves more of the shared cores to the server.
	debug.SetGCPercent(400)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o)
	if err != nil {
		fatalf("%v", err)
	}
	if o.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
		return
	}
	printTable(os.Stdout, rep, o)
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/ingest: "+format+"\n", args...)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func numCPU() int { return runtime.NumCPU() }

func warmupFor(d time.Duration) time.Duration { return min(time.Second, d/10+100*time.Millisecond) }

func run(ctx context.Context, o options) (*report, error) {
	rep := &report{Date: time.Now().Format("2006-01-02 15:04 MST"), Cores: numCPU(), GoVersion: runtime.Version(),
		Command: strings.TrimSpace("go run ./bench/ingest " + strings.Join(os.Args[1:], " ")), BatchSize: o.batchSize}
	tmp, err := os.MkdirTemp("", "mops-bench-ingest-")
	if err != nil {
		return nil, err
	}
	if o.keep {
		logf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin := o.mops
	if bin == "" {
		logf("building ./cmd/mops")
		if bin, err = buildMops(ctx, tmp); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(tmp, "data")
	fx, err := createFixture(ctx, bin, data)
	if err != nil {
		return nil, err
	}
	logf("workspace %s, site %s", fx.Workspace, fx.SiteID)
	srv, err := startServer(bin, data)
	if err != nil {
		return nil, err
	}
	defer func() {
		if srv.alive() {
			_, _ = srv.stop(60 * time.Second)
		}
	}()
	logf("mops serve pid %d at %s", srv.pid, srv.base)
	rss := newRSSSampler(srv.pid, 100*time.Millisecond)
	defer rss.Close()
	if o.perfDir != "" {
		if err := os.MkdirAll(o.perfDir, 0o755); err != nil {
			return nil, err
		}
	}

	// Levels per phase: the sweep, else the phase's own flag, else
	// -concurrency. The no-op ceiling uses the single-event phase's setup.
	levels := func(own int) []int {
		if len(o.sweep) > 0 {
			return o.sweep
		}
		if own > 0 {
			return []int{own}
		}
		return []int{o.concurrency}
	}
	warm := warmupFor(o.duration)
	// quiet waits for other processes on the machine to leave the cores
	// alone, so they do not count against the server.
	quiet := func(pid int) {
		if o.quietWait <= 0 {
			return
		}
		if others := waitQuiet(ctx, pid, 0.2, o.quietWait); others >= 0.2 {
			logf("other processes still use %.2f cores after waiting %s; measuring anyway", others, o.quietWait)
		}
	}

	// 1. The ceiling: a no-op handler in this process, same client. The
	// loop client's single thread can be the no-op's bottleneck, so then
	// the raw client is tried too and the better one is the ceiling.
	bodies := singleBodies(5000)
	singleTarget := func(url string) target {
		return target{url: url, headers: pageHeaders(), okStatus: http.StatusAccepted, eventsPerReq: 1,
			body: func(seq uint64, buf []byte) []byte { return append(buf, bodies[seq%uint64(len(bodies))]...) }}
	}
	if o.phases["noop"] {
		noopURL, closeNoop, err := startNoop()
		if err != nil {
			return nil, err
		}
		clients := []clientKind{o.client}
		if o.client == clientLoop {
			clients = append(clients, clientRaw)
		}
		for _, kind := range clients {
			r, err := best(ctx, "noop", levels(o.singleConc), rep, func(c int) (loadResult, error) {
				quiet(srv.pid)
				logf("no-op ceiling, %s client, concurrency %d, %s", kind, c, o.duration)
				return runLoad(ctx, kind, o.clientLoops, singleTarget(noopURL+"/api/event"), c, warm, o.duration, 0)
			})
			if err != nil {
				closeNoop()
				return nil, err
			}
			if r.ReqPerSec > rep.Noop.ReqPerSec {
				rep.Noop = r
			}
		}
		closeNoop()
	}

	// afterPhase records memory and waits for the warehouse to catch up,
	// so the next phase starts on an idle server.
	afterPhase := func(r *loadResult, name string) error {
		now, _ := rss.sample()
		r.RSSAfterMB = mb(now, 0)
		r.MemAfter, _ = memorySnapshot(ctx, srv.base, srv.pid)
		logf("%s: %s events/s; waiting for the warehouse to load the backlog", name, thousands(r.EventsPerSec))
		cu, err := waitLoaded(ctx, srv.base, o.drainLimit)
		if err != nil {
			return fmt.Errorf("after %s: %w", name, err)
		}
		r.CatchUp = &cu
		r.MemLoaded, _ = memorySnapshot(ctx, srv.base, srv.pid)
		r.RSSPeakMB = mb(rss.PhasePeak(), 0)
		if !cu.Complete {
			logf("the warehouse had not caught up %s after the %s phase; going on", o.drainLimit, name)
		}
		return nil
	}
	mopsLoad := func(name string, t target, c int) (loadResult, error) {
		if !srv.alive() {
			return loadResult{}, fmt.Errorf("the server exited: %v", srv.err)
		}
		quiet(srv.pid)
		rss.PhasePeak()
		var perf *perfRun
		if o.perfDir != "" {
			perf = startPerf(srv.pid, filepath.Join(o.perfDir, fmt.Sprintf("%s-c%d", name, c)), warm+o.duration)
		}
		r, err := runLoad(ctx, o.client, o.clientLoops, t, c, warm, o.duration, srv.pid)
		if err != nil {
			return r, err
		}
		if perf != nil {
			if p, err := perf.finish(fmt.Sprintf("%s (concurrency %d)", name, c)); err != nil {
				logf("perf: %v", err)
			} else {
				p.ServerCPU = r.CPU.Server
				rep.PerfReports = append(rep.PerfReports, *p)
			}
		}
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		return r, afterPhase(&r, name)
	}

	// 2. Single events.
	if o.phases["single"] {
		rep.Single, err = best(ctx, "single", levels(o.singleConc), rep, func(c int) (loadResult, error) {
			logf("single /api/event, concurrency %d, %s", c, o.duration)
			return mopsLoad("single", singleTarget(srv.base+"/api/event"), c)
		})
		if err != nil {
			return nil, err
		}
	}

	// 3. Acknowledgement to queryable, at moderate load, on a server whose
	// warehouse has caught up (afterPhase waited for that).
	if o.phases["probe"] {
		quiet(srv.pid)
		logf("ack → queryable: %d events/s for %s", o.probeRate, o.probeDuration)
		rss.PhasePeak()
		rep.Probe, err = runProbe(ctx, o.client, srv.base, fx.ReadKey, o.probeRate, o.probeDuration, 32, srv.pid)
		if err != nil {
			return nil, err
		}
		rep.Probe.RSSPeakMB = mb(rss.PhasePeak(), 0)
	}

	// 4. Batches. Last, because a backlog the warehouse has not loaded yet
	// would be in the way of every later phase.
	runID := randomHex(6)
	batchHeaders := []http.Header{{"Content-Type": {"application/json"}, "User-Agent": {"analytics-go (bench)"}}}
	if o.phases["batched"] {
		rep.Batched, err = best(ctx, "batched", levels(o.batchConc), rep, func(c int) (loadResult, error) {
			logf("batched /v1/batch ×%d, concurrency %d, %s", o.batchSize, c, o.duration)
			t := target{url: srv.base + "/v1/batch", headers: batchHeaders, okStatus: http.StatusOK, okBody: []byte(`"success":true`),
				eventsPerReq: o.batchSize, body: batchBody(fmt.Sprintf("%s-c%d", runID, c), fx.WriteKey, o.batchSize, o.visitors)}
			return mopsLoad("batched", t, c)
		})
		if err != nil {
			return nil, err
		}
	}

	// 5. Memory, then stop.
	rep.MemEnd, _ = memorySnapshot(ctx, srv.base, srv.pid)
	rssNow, hwm := rss.sample()
	rep.RSSEndMB = mb(rssNow, 0)
	rep.RSSPeakMB = mb(rss.Peak(), hwm)
	logf("stopping the server (SIGTERM)")
	took, err := srv.stop(60 * time.Second)
	rep.StopSeconds = took.Seconds()
	if err != nil {
		logf("stop: %v", err)
	}
	rep.LogProblems, rep.LogSamples = srv.logProblems()
	rep.Targets = targets{
		SingleOK:  rep.Single.EventsPerSec >= targetSingle && len(rep.Single.Errors) == 0,
		BatchedOK: rep.Batched.EventsPerSec >= targetBatched && len(rep.Batched.Errors) == 0,
		LagOK:     rep.Probe.P99ms >= 0 && rep.Probe.P99ms < targetLagP99,
		RSSOK:     rep.RSSPeakMB < targetRSSMB,
	}
	return rep, nil
}

// best runs a phase at every level and returns the one with the highest
// throughput among those without errors (or the highest overall when all
// had errors).
func best(ctx context.Context, phase string, levels []int, rep *report, f func(c int) (loadResult, error)) (loadResult, error) {
	var top loadResult
	topClean := false
	for i, c := range levels {
		r, err := f(c)
		if err != nil {
			return r, err
		}
		var nerr int64
		for _, v := range r.Errors {
			nerr += v
		}
		if len(levels) > 1 {
			rep.Sweep = append(rep.Sweep, sweepPoint{Phase: phase, Concurrency: c, EventsPerSec: r.EventsPerSec,
				P50ms: r.P50ms, P99ms: r.P99ms, ServerCPU: r.CPU.Server, ClientCPU: r.CPU.Client, Errors: nerr})
		}
		clean := nerr == 0
		if i == 0 || (clean && !topClean) || (clean == topClean && r.EventsPerSec > top.EventsPerSec) {
			top, topClean = r, clean
		}
		if ctx.Err() != nil {
			return top, ctx.Err()
		}
	}
	return top, nil
}

// startNoop serves a handler that reads the body and answers 202.
func startNoop() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = s.Close() }, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func mb(a, b int64) float64 { return float64(max(a, b)) / (1 << 20) }

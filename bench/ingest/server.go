package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// buildMops builds ./cmd/mops into dir and returns the binary's path. The
// program runs from the repository root.
func buildMops(ctx context.Context, dir string) (string, error) {
	if _, err := os.Stat(filepath.Join("cmd", "mops")); err != nil {
		return "", fmt.Errorf("./cmd/mops not found: run from the repository root (or pass -mops PATH)")
	}
	bin := filepath.Join(dir, "mops")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/mops")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/mops: %w", err)
	}
	return bin, nil
}

// mopsJSON runs one `mops … --json` command on the data dir and decodes its
// output into v.
func mopsJSON(ctx context.Context, bin, data string, v any, args ...string) error {
	full := append([]string{"--data", data}, args...)
	full = append(full, "--json")
	cmd := exec.CommandContext(ctx, bin, full...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mops %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		return fmt.Errorf("mops %s: decode %q: %w", strings.Join(args, " "), out.String(), err)
	}
	return nil
}

// fixture is what the benchmark creates before the server starts.
type fixture struct {
	Workspace string
	SiteID    string
	WriteKey  string
	ReadKey   string
}

func createFixture(ctx context.Context, bin, data string) (fixture, error) {
	var f fixture
	var ws struct {
		ID string `json:"workspace_id"`
	}
	if err := mopsJSON(ctx, bin, data, &ws, "workspace", "create", "Bench"); err != nil {
		return f, err
	}
	var site struct {
		ID       string `json:"site_id"`
		WriteKey string `json:"write_key"`
	}
	if err := mopsJSON(ctx, bin, data, &site, "site", "create", "--workspace", ws.ID, "--domain", siteDomain); err != nil {
		return f, err
	}
	var key struct {
		Key string `json:"key"`
	}
	if err := mopsJSON(ctx, bin, data, &key, "apikey", "create", "--workspace", ws.ID, "--scopes", "read"); err != nil {
		return f, err
	}
	if ws.ID == "" || site.WriteKey == "" || key.Key == "" {
		return f, fmt.Errorf("setup returned empty ids: workspace %q, write key %q, key %q", ws.ID, site.WriteKey, key.Key)
	}
	return fixture{Workspace: ws.ID, SiteID: site.ID, WriteKey: site.WriteKey, ReadKey: key.Key}, nil
}

// server is a running `mops serve`.
type server struct {
	cmd  *exec.Cmd
	pid  int
	base string // http://127.0.0.1:PORT
	done chan struct{}
	err  error // set before done is closed

	mu       sync.Mutex
	problems []string // distinct WARN and ERROR lines of its log, without time
	counts   []int
	seen     map[string]int
	nProblem int
}

var timeRE = regexp.MustCompile(`time=\S+ |"time":"[^"]*",`)

var listeningRE = regexp.MustCompile(`listening on (http://[^\s"\\]+)`)

// startServer runs `mops serve` and waits for its "listening on" line.
func startServer(bin, data string) (*server, error) {
	// The ready line is logged at info; nothing per request is (that is
	// debug), so info costs nothing under load.
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", "127.0.0.1:0", "--rate-limit-ip", "0", "--log-level", "info")
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start mops serve: %w", err)
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{}), seen: map[string]int{}}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var early []string
		for sc.Scan() {
			line := sc.Text()
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
			if len(early) < 50 {
				early = append(early, line)
			}
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") ||
				strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) || strings.HasPrefix(line, "mops: ") {
				key := timeRE.ReplaceAllString(line, "")
				s.mu.Lock()
				s.nProblem++
				if _, ok := s.seen[key]; !ok && len(s.problems) < 10 {
					s.seen[key] = len(s.problems)
					s.problems = append(s.problems, key)
					s.counts = append(s.counts, 0)
				}
				if i, ok := s.seen[key]; ok {
					s.counts[i]++
				}
				s.mu.Unlock()
			}
		}
		s.err = cmd.Wait()
		if s.err != nil && len(early) > 0 {
			s.err = fmt.Errorf("%w; its log began:\n%s", s.err, strings.Join(early, "\n"))
		}
		close(s.done)
	}()
	select {
	case addr := <-ready:
		s.base = addr
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("mops serve exited before listening: %v", s.err)
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-s.done
		return nil, fmt.Errorf("mops serve did not log %q within 60 s", "listening on")
	}
}

// stop sends SIGTERM and waits (bounded) for the process to exit.
func (s *server) stop(grace time.Duration) (time.Duration, error) {
	start := time.Now()
	select {
	case <-s.done:
		return 0, fmt.Errorf("server had already exited: %v", s.err)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return time.Since(start), s.err
	case <-time.After(grace):
		_ = s.cmd.Process.Kill()
		<-s.done
		return time.Since(start), fmt.Errorf("server did not stop within %s of SIGTERM; killed", grace)
	}
}

func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

func (s *server) logProblems() (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.problems))
	for i, p := range s.problems {
		out[i] = fmt.Sprintf("%d× %s", s.counts[i], p)
	}
	return s.nProblem, out
}

// --- /proc measurements ---------------------------------------------------

// memStatus returns VmRSS and VmHWM of a process in bytes.
func memStatus(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) < 1 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		n *= 1024 // kB
		if k == "VmRSS" {
			rss = n
		} else {
			hwm = n
		}
	}
	return rss, hwm, nil
}

// clockTick is USER_HZ, 100 on every Linux this runs on.
const clockTick = 100

// procCPU returns the user+system CPU time of a process.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	// After the comm: state(3) … utime(14) stime(15) → indices 11, 12.
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * time.Second / clockTick
}

// selfCPU returns this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU returns the busy CPU time of the whole machine (all cores).
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 7 { // steal, guest (already in user), guest_nice
			break
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / clockTick
}

// cpuMeter measures CPU use of the server, this client and the whole
// machine between start and stop.
type cpuMeter struct {
	pid                    int
	t0                     time.Time
	srv0, self0, machine0  time.Duration
	Server, Client, Others float64 // cores
	Machine                float64
}

func startCPU(pid int) *cpuMeter {
	m := &cpuMeter{pid: pid, t0: time.Now(), self0: selfCPU(), machine0: machineCPU()}
	if pid > 0 {
		m.srv0 = procCPU(pid)
	}
	return m
}

func (m *cpuMeter) stop() {
	el := time.Since(m.t0).Seconds()
	if el <= 0 {
		return
	}
	if m.pid > 0 {
		m.Server = (procCPU(m.pid) - m.srv0).Seconds() / el
	}
	m.Client = (selfCPU() - m.self0).Seconds() / el
	m.Machine = (machineCPU() - m.machine0).Seconds() / el
	m.Others = max(m.Machine-m.Server-m.Client, 0)
}

// rssSampler polls the server's VmRSS and remembers the peak.
type rssSampler struct {
	pid       int
	mu        sync.Mutex
	peak      int64
	phasePeak int64 // since the last PhasePeak call
	stop      chan struct{}
	done      chan struct{}
}

func newRSSSampler(pid int, every time.Duration) *rssSampler {
	r := &rssSampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			r.sample()
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

func (r *rssSampler) sample() (rss, hwm int64) {
	rss, hwm, err := memStatus(r.pid)
	if err != nil {
		return 0, 0
	}
	r.mu.Lock()
	r.peak = max(r.peak, rss, hwm)
	r.phasePeak = max(r.phasePeak, rss)
	r.mu.Unlock()
	return rss, hwm
}

func (r *rssSampler) Peak() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak
}

// PhasePeak returns the highest VmRSS sampled since the last call.
func (r *rssSampler) PhasePeak() int64 {
	r.sample()
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.phasePeak
	r.phasePeak = 0
	return p
}

func (r *rssSampler) Close() { close(r.stop); <-r.done }

// --- warehouse position -----------------------------------------------------

// readMetrics reads the server's /metrics and returns each metric's value
// summed over its labels.
func readMetrics(ctx context.Context, base string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name := line[:i]
		if j := strings.IndexByte(name, '{'); j >= 0 {
			name = name[:j]
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[name] += v
		}
	}
	return out, sc.Err()
}

// warehouseLag returns how many events collection acknowledged that the
// loader has not yet written (or passed over as duplicates).
func warehouseLag(ctx context.Context, base string) (float64, error) {
	m, err := readMetrics(ctx, base)
	if err != nil {
		return 0, err
	}
	return max(m["mops_events_accepted_total"]-m["mops_warehouse_events_loaded_total"]-m["mops_warehouse_events_duplicate_total"], 0), nil
}

// catchUp is how long the warehouse took, after a phase, to hold every
// event the log had acknowledged.
type catchUp struct {
	Backlog  float64 `json:"backlog_events"` // events acknowledged but not yet in DuckDB when the phase ended
	Seconds  float64 `json:"seconds"`        // until DuckDB held them all
	Complete bool    `json:"complete"`       // false: gave up waiting
	Rate     float64 `json:"drain_events_per_s,omitempty"`
}

// waitLoaded polls until the warehouse holds every event collection
// acknowledged, at most limit.
func waitLoaded(ctx context.Context, base string, limit time.Duration) (catchUp, error) {
	start := time.Now()
	var cu catchUp
	first := true
	for {
		lag, err := warehouseLag(ctx, base)
		if err != nil {
			return cu, err
		}
		if first {
			cu.Backlog, first = lag, false
		}
		if lag == 0 {
			cu.Seconds, cu.Complete = time.Since(start).Seconds(), true
			if cu.Backlog > 0 && cu.Seconds > 0 {
				cu.Rate = cu.Backlog / cu.Seconds
			}
			return cu, nil
		}
		if time.Since(start) > limit {
			cu.Seconds = time.Since(start).Seconds()
			return cu, nil
		}
		select {
		case <-ctx.Done():
			return cu, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitQuiet waits, at most limit, until the processes other than this one
// and the server use less than maxOther cores, measured over one second.
// It returns what the others used at the last measurement.
func waitQuiet(ctx context.Context, pid int, maxOther float64, limit time.Duration) float64 {
	deadline := time.Now().Add(limit)
	for {
		m := startCPU(pid)
		select {
		case <-ctx.Done():
			return 0
		case <-time.After(time.Second):
		}
		m.stop()
		if m.Others < maxOther || time.Now().After(deadline) {
			return m.Others
		}
	}
}

// memBreakdown splits the server's resident memory into what the Go
// runtime holds (from its /metrics) and the rest — DuckDB's native
// allocations, cgo, the binary's pages.
type memBreakdown struct {
	RSSMB       float64 `json:"rss_mb"`
	GoHeapLive  float64 `json:"go_heap_alloc_mb"` // live objects + garbage not yet collected
	GoHeapInUse float64 `json:"go_heap_inuse_mb"` // spans in use
	GoRuntime   float64 `json:"go_runtime_mb"`    // all the runtime got from the OS and has not released
	NativeMB    float64 `json:"native_other_mb"`  // RSS − Go runtime: DuckDB, cgo, binary
}

// memorySnapshot reads the Go runtime's memory from /metrics and the RSS
// from /proc.
func memorySnapshot(ctx context.Context, base string, pid int) (*memBreakdown, error) {
	m, err := readMetrics(ctx, base)
	if err != nil {
		return nil, err
	}
	rss, _, err := memStatus(pid)
	if err != nil {
		return nil, err
	}
	const mb = 1 << 20
	goRT := m["go_memstats_sys_bytes"] - m["go_memstats_heap_released_bytes"]
	return &memBreakdown{RSSMB: float64(rss) / mb, GoHeapLive: m["go_memstats_heap_alloc_bytes"] / mb,
		GoHeapInUse: m["go_memstats_heap_inuse_bytes"] / mb, GoRuntime: goRT / mb,
		NativeMB: max(float64(rss)-goRT, 0) / mb}, nil
}

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

// mopsCLI runs one `mops … --json` command on the data dir (through the
// server's admin socket when one runs) and decodes its output into v.
func mopsCLI(ctx context.Context, bin, data, stdin string, v any, args ...string) error {
	full := append([]string{"--data", data}, args...)
	full = append(full, "--json")
	cmd := exec.CommandContext(ctx, bin, full...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mops %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		return fmt.Errorf("mops %s: decode %q: %w", strings.Join(args, " "), out.String(), err)
	}
	return nil
}

// server is a running `mops serve`.
type server struct {
	cmd  *exec.Cmd
	pid  int
	args []string // the flags it was started with, after --data
	base string   // http://127.0.0.1:PORT
	done chan struct{}
	err  error // set before done is closed

	mu       sync.Mutex
	problems []string // distinct WARN and ERROR lines of its log, without the time
	counts   []int
	seen     map[string]int
	nProblem int
}

var (
	timeRE      = regexp.MustCompile(`time=\S+ |"time":"[^"]*",`)
	listeningRE = regexp.MustCompile(`listening on (http://[^\s"\\]+)`)
)

// startServer runs `mops serve` on data and waits for its "listening on"
// line. extra flags come after the benchmark's own, so they win.
func startServer(bin, data string, extra []string) (*server, error) {
	args := append([]string{"--addr", "127.0.0.1:0", "--rate-limit-ip", "0", "--log-level", "info"}, extra...)
	cmd := exec.Command(bin, append([]string{"serve", "--data", data}, args...)...)
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start mops serve: %w", err)
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, args: args, done: make(chan struct{}), seen: map[string]int{}}
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
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") || strings.HasPrefix(line, "mops: ") {
				s.problem(timeRE.ReplaceAllString(line, ""))
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
	case <-time.After(120 * time.Second):
		_ = cmd.Process.Kill()
		<-s.done
		return nil, fmt.Errorf("mops serve did not log %q within 120 s", "listening on")
	}
}

func (s *server) problem(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nProblem++
	i, ok := s.seen[key]
	if !ok {
		if len(s.problems) >= 10 {
			return
		}
		i = len(s.problems)
		s.seen[key] = i
		s.problems = append(s.problems, key)
		s.counts = append(s.counts, 0)
	}
	s.counts[i]++
}

// stop sends SIGTERM and waits (bounded) for the process to exit.
func (s *server) stop(grace time.Duration) (time.Duration, error) {
	start := time.Now()
	if !s.alive() {
		return 0, fmt.Errorf("server had already exited: %v", s.err)
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

// --- /proc ----------------------------------------------------------------

// vmRSS returns the resident memory of a process in bytes.
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n * 1024, nil
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// procCPU returns the user+system CPU time of a process (USER_HZ = 100).
func procCPU(pid int) time.Duration {
	_, own, _ := procStat(pid)
	return own
}

// procStat returns a process's command name, its user+system CPU time
// and that of its children it has waited for.
func procStat(pid int) (comm string, own, children time.Duration) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, 0
	}
	s := string(b)
	i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if i < 0 || j < i {
		return "", 0, 0
	}
	f := strings.Fields(s[j+1:])
	if len(f) < 15 {
		return "", 0, 0
	}
	n := func(k int) time.Duration {
		v, _ := strconv.ParseInt(f[k], 10, 64)
		return time.Duration(v) * time.Second / 100
	}
	return s[i+1 : j], n(11) + n(12), n(13) + n(14)
}

// postgresCPU is the CPU time of every postgres process, with the
// parallel workers that already exited (the postmaster's children).
func postgresCPU() time.Duration {
	entries, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if comm, own, children := procStat(pid); comm == "postgres" {
			sum += own + children
		}
	}
	return sum
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU is the busy CPU time of the whole machine (all cores).
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
	for i, v := range f[1:8] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * time.Second / 100
}

// cpuMeter measures, over a phase, the cores used by processes other than
// the benchmark, the mops server and PostgreSQL: what the machine lent
// to others while it was measuring.
type cpuMeter struct {
	pid           int
	t0            time.Time
	machine, ours time.Duration
}

func (m *cpuMeter) ourCPU() time.Duration { return selfCPU() + procCPU(m.pid) + postgresCPU() }

func startCPU(mopsPID int) *cpuMeter {
	m := &cpuMeter{pid: mopsPID, t0: time.Now(), machine: machineCPU()}
	m.ours = m.ourCPU()
	return m
}

// others returns the cores the other processes used on average since start.
func (m *cpuMeter) others() float64 {
	el := time.Since(m.t0).Seconds()
	if el <= 0 {
		return 0
	}
	return max((machineCPU()-m.machine-(m.ourCPU()-m.ours)).Seconds()/el, 0)
}

// rssSampler polls a process's VmRSS and remembers the peak.
type rssSampler struct {
	pid             int
	mu              sync.Mutex
	peak, phasePeak int64
	stop, done      chan struct{}
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

func (r *rssSampler) sample() {
	rss, err := vmRSS(r.pid)
	if err != nil {
		return
	}
	r.mu.Lock()
	r.peak = max(r.peak, rss)
	r.phasePeak = max(r.phasePeak, rss)
	r.mu.Unlock()
}

// Peak is the highest VmRSS sampled.
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

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// --- /metrics ---------------------------------------------------------------

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
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[name] += v
		}
	}
	return out, sc.Err()
}

// loaderPosition is what the warehouse has taken from the event log.
type loaderPosition struct {
	Accepted, Loaded float64 // events accepted by collection; loaded or passed over as duplicates
}

func (p loaderPosition) Backlog() float64 { return max(p.Accepted-p.Loaded, 0) }

func readPosition(ctx context.Context, base string) (loaderPosition, error) {
	m, err := readMetrics(ctx, base)
	if err != nil {
		return loaderPosition{}, err
	}
	return loaderPosition{Accepted: m["mops_events_accepted_total"],
		Loaded: m["mops_warehouse_events_loaded_total"] + m["mops_warehouse_events_duplicate_total"]}, nil
}

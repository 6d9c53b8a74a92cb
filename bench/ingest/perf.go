package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The server exposes no pprof, so -perf samples it from outside with Linux
// perf (Go binaries keep frame pointers, so Go stacks unwind; DuckDB's C++
// frames mostly do not) and sorts every sample into a category by the
// frames on its stack.

type perfRun struct {
	cmd    *exec.Cmd
	prefix string
	done   chan error
}

// startPerf samples the server's stacks for d with `perf record`.
func startPerf(pid int, prefix string, d time.Duration) *perfRun {
	cmd := exec.Command("perf", "record", "-F", "999", "-g", "-p", strconv.Itoa(pid), "-o", prefix+".perf.data",
		"--", "sleep", strconv.FormatFloat(d.Seconds(), 'f', 1, 64))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		logf("perf record: %v (is perf installed?)", err)
		return nil
	}
	p := &perfRun{cmd: cmd, prefix: prefix, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	return p
}

// perfShare is one category's share of the server's CPU samples.
type perfShare struct {
	Category string  `json:"category"`
	Percent  float64 `json:"percent"`
}

// perfReport is what finish found.
type perfReport struct {
	Phase     string      `json:"phase"`
	Samples   int         `json:"samples"`
	ServerCPU float64     `json:"server_cpu_cores"`
	Breakdown []perfShare `json:"breakdown"`
	Files     []string    `json:"files"`
}

// finish waits for the recording, writes flat and inclusive symbol
// reports beside it and returns the category breakdown.
func (p *perfRun) finish(phase string) (*perfReport, error) {
	select {
	case err := <-p.done:
		if err != nil {
			return nil, fmt.Errorf("perf record: %w", err)
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		return nil, fmt.Errorf("perf record did not finish")
	}
	data := p.prefix + ".perf.data"
	rep := &perfReport{Phase: phase, Files: []string{data}}
	for _, v := range []struct{ suffix, children string }{{"-self.txt", "--no-children"}, {"-inclusive.txt", "--children"}} {
		out, err := os.Create(p.prefix + v.suffix)
		if err != nil {
			return nil, err
		}
		c := exec.Command("perf", "report", "-i", data, "--stdio", v.children, "--sort", "symbol", "--percent-limit", "0.5", "-g", "none")
		c.Stdout, c.Stderr = out, io.Discard
		err = c.Run()
		out.Close()
		if err != nil {
			return nil, fmt.Errorf("perf report: %w", err)
		}
		rep.Files = append(rep.Files, p.prefix+v.suffix)
	}
	c := exec.Command("perf", "script", "-i", data, "-F", "tid,period,ip,sym")
	c.Stderr = io.Discard
	stdout, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("perf script: %w", err)
	}
	weights, n := categorize(stdout)
	if err := c.Wait(); err != nil {
		return nil, fmt.Errorf("perf script: %w", err)
	}
	var total float64
	for _, w := range weights {
		total += w
	}
	for k, w := range weights {
		rep.Breakdown = append(rep.Breakdown, perfShare{Category: k, Percent: 100 * w / max(total, 1)})
	}
	sort.Slice(rep.Breakdown, func(i, j int) bool { return rep.Breakdown[i].Percent > rep.Breakdown[j].Percent })
	rep.Samples = n
	f, err := os.Create(p.prefix + "-breakdown.txt")
	if err == nil {
		for _, s := range rep.Breakdown {
			fmt.Fprintf(f, "%6.1f%%  %s\n", s.Percent, s.Category)
		}
		f.Close()
		rep.Files = append(rep.Files, p.prefix+"-breakdown.txt")
	}
	return rep, nil
}

// categories are tried in order; a sample goes to the first whose marker
// appears in any frame of its stack.
var categories = []struct{ name, marker string }{
	{"Go GC (background marking and assists)", "runtime.gcBgMarkWorker"},
	{"Go GC (background marking and assists)", "runtime.gcAssistAlloc"},
	{"loader: DuckDB append/commit (Go side and cgo)", "internal/warehouse.(*store)"},
	{"loader: DuckDB append/commit (Go side and cgo)", "github.com/duckdb/"},
	{"loader: read log, decode, sessionise", "internal/warehouse.(*Loader)"},
	{"live event stream", "internal/warehouse.(*Handler)"},
	{"JetStream server (stream, file store)", "github.com/nats-io/nats-server/"},
	{"NATS client (publish acks, consumer)", "github.com/nats-io/nats.go"},
	{"Prometheus metrics", "github.com/prometheus/"},
	{"collect: encode events + publish to the log", "internal/collect.(*publisher)"},
	{"collect: encode events + publish to the log", "internal/platform/eventlog."},
	{"collect: user-agent parsing", "internal/collect/useragent."},
	{"collect: decode, validate, enrich", "internal/collect."},
	{"middleware (auth session, CSRF, headers, log)", "github.com/mopshq/mops/internal/"},
	{"HTTP: read and parse request", "net/http.(*conn).readRequest"},
	{"HTTP: write response", "net/http.(*response).finishRequest"},
	{"HTTP: write response", "net/http.(*chunkWriter)"},
	{"HTTP: other (conn loop, mux)", "net/http."},
	{"Go scheduler, sysmon, netpoll", "runtime.sysmon"},
	{"Go scheduler, sysmon, netpoll", "runtime.mcall"},
	{"Go scheduler, sysmon, netpoll", "runtime.schedule"},
	{"Go scheduler, sysmon, netpoll", "runtime.mstart"},
	{"other goroutines", "runtime.goexit"},
	{"DuckDB native threads", "duckdb::"},
}

// categorize reads `perf script -F tid,period,ip,sym` and returns the
// sampled period per category and the number of samples.
func categorize(r io.Reader) (map[string]float64, int) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var frames []string
	period := 0.0
	n := 0
	flush := func() {
		if len(frames) == 0 && period == 0 {
			return
		}
		n++
		cat := ""
	outer:
		for _, c := range categories {
			for _, f := range frames {
				if strings.Contains(f, c.marker) {
					cat = c.name
					break outer
				}
			}
		}
		if cat == "" {
			user := false
			for _, f := range frames {
				if strings.Contains(f, "[unknown]") || strings.Contains(f, "__") || strings.Contains(f, "pthread") || strings.Contains(f, "malloc") {
					user = true
				}
			}
			if user {
				cat = "native, unresolved stacks (DuckDB worker threads, libc)"
			} else {
				cat = "kernel / other"
			}
		}
		out[cat] += max(period, 1)
		frames, period = frames[:0], 0
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if line[0] != '\t' { // "  tid  period"
			flush()
			f := strings.Fields(line)
			if len(f) >= 2 {
				period, _ = strconv.ParseFloat(f[1], 64)
			}
			continue
		}
		// "\t  addr symbol"
		f := strings.Fields(line)
		if len(f) >= 2 {
			frames = append(frames, strings.Join(f[1:], " "))
		}
	}
	flush()
	return out, n
}

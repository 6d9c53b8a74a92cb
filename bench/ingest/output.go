package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// thousands formats v rounded to a whole number with comma separators.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func verdict(ok bool, missBy string) string {
	if ok {
		return "met"
	}
	return "MISSED" + missBy
}

// shortfall says by how much got is below want, in percent.
func shortfall(got, want float64) string {
	if got >= want || want == 0 {
		return ""
	}
	return fmt.Sprintf(" by %.0f%%", 100*(want-got)/want)
}

func lagMS(v float64) string {
	if v < 0 {
		return "lost"
	}
	return thousands(v) + " ms"
}

func printTable(w io.Writer, r *report, o options) {
	fmt.Fprintf(w, "mops ingest benchmark — %s, %d cores, Go %s\n", r.Date, r.Cores, strings.TrimPrefix(r.GoVersion, "go"))
	line := func(label, value, target string) {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("%-26s%-50s%s", label, value, target), " "))
	}
	ran := func(c *cpuUse) bool { return c != nil }
	if ran(r.Noop.CPU) {
		note := ""
		if r.Noop.Client != string(o.client) {
			note = "(" + r.Noop.Client + " client: the faster here)"
		}
		line("no-op net/http ceiling", fmt.Sprintf("%7s req/s", thousands(r.Noop.ReqPerSec)), note)
	} else {
		line("no-op net/http ceiling", "  (not run)", "")
	}
	loadLine := func(label string, lr loadResult, target float64, ok bool) {
		if !ran(lr.CPU) {
			line(label, "  (not run)", "")
			return
		}
		errs := ""
		var n int64
		for _, v := range lr.Errors {
			n += v
		}
		if n > 0 {
			errs = fmt.Sprintf(", %s errors", thousands(float64(n)))
		}
		line(label, fmt.Sprintf("%7s events/s   p50 %.1f ms  p99 %.1f ms", thousands(lr.EventsPerSec), lr.P50ms, lr.P99ms),
			fmt.Sprintf("(target ≥ %s: %s%s)", thousands(target), verdict(ok, shortfall(lr.EventsPerSec, target)), errs))
	}
	loadLine("single  /api/event", r.Single, targetSingle, r.Targets.SingleOK)
	loadLine(fmt.Sprintf("batched /v1/batch (%d)", r.BatchSize), r.Batched, targetBatched, r.Targets.BatchedOK)
	if ran(r.Probe.CPU) {
		lagMiss := ""
		if r.Probe.P99ms > targetLagP99 {
			lagMiss = fmt.Sprintf(" by %s ms", thousands(r.Probe.P99ms-targetLagP99))
		}
		line("ack → queryable", fmt.Sprintf("p50 %s  p99 %s  max %s", lagMS(r.Probe.P50ms), lagMS(r.Probe.P99ms), lagMS(r.Probe.Maxms)),
			fmt.Sprintf("(target p99 < %s ms: %s)", thousands(targetLagP99), verdict(r.Targets.LagOK, lagMiss)))
	} else {
		line("ack → queryable", "  (not run)", "")
	}
	rssMiss := ""
	if r.RSSPeakMB >= targetRSSMB {
		rssMiss = fmt.Sprintf(" by %s MB", thousands(r.RSSPeakMB-targetRSSMB))
	}
	line("server RSS peak", fmt.Sprintf("%7s MB", thousands(r.RSSPeakMB)),
		fmt.Sprintf("(target < %d MB: %s)", targetRSSMB, verdict(r.Targets.RSSOK, rssMiss)))

	fmt.Fprintf(w, "\nphase details — client %s, %s measured per phase after a %s warm-up; CPU in cores of %d ('client' is this program, 'other' the rest of the machine)\n",
		clientName(o), o.duration, warmupFor(o.duration), r.Cores)
	fmt.Fprintf(w, "  %-8s %5s %10s %11s %8s %8s %8s  %6s %6s %6s  %s\n", "phase", "conc", "req/s", "events/s", "p50 ms", "p99 ms", "max ms", "server", "client", "other", "notes")
	for _, p := range []struct {
		name string
		r    loadResult
	}{{"no-op", r.Noop}, {"single", r.Single}, {"batched", r.Batched}} { // the probe phase ran between single and batched
		var notes []string
		if p.r.Client != "" && p.r.Client != string(o.client) {
			notes = append(notes, p.r.Client+" client")
		}
		if p.r.RSSAfterMB > 0 {
			notes = append(notes, fmt.Sprintf("RSS %s MB at the end, %s MB peak incl. the wait", thousands(p.r.RSSAfterMB), thousands(p.r.RSSPeakMB)))
		}
		if cu := p.r.CatchUp; cu != nil {
			if cu.Complete {
				s := fmt.Sprintf("warehouse caught up %.1f s after (backlog %s events", cu.Seconds, thousands(cu.Backlog))
				if cu.Rate > 0 {
					s += fmt.Sprintf(", loads ≥ %s/s", thousands(cu.Rate))
				}
				notes = append(notes, s+")")
			} else {
				notes = append(notes, fmt.Sprintf("warehouse NOT caught up after %.0f s (backlog %s events)", cu.Seconds, thousands(cu.Backlog)))
			}
		}
		if p.r.CPU == nil {
			fmt.Fprintf(w, "  %-8s (not run)\n", p.name)
			continue
		}
		server := "   (in)"
		if p.name != "no-op" {
			server = fmt.Sprintf("%6.2f", p.r.CPU.Server)
		}
		fmt.Fprintf(w, "  %-8s %5d %10s %11s %8.1f %8.1f %8.1f  %6s %6.2f %6.2f  %s\n", p.name, p.r.Concurrency,
			thousands(p.r.ReqPerSec), thousands(p.r.EventsPerSec), p.r.P50ms, p.r.P99ms, p.r.Maxms,
			server, p.r.CPU.Client, p.r.CPU.Others, strings.Join(notes, "; "))
		printErrors(w, p.name, p.r.Errors, p.r.ErrorSamples)
		printMem(w, "right after", p.r.MemAfter)
		printMem(w, "warehouse caught up", p.r.MemLoaded)
	}
	pr := r.Probe
	if pr.CPU == nil {
		fmt.Fprintf(w, "  %-8s (not run)\n", "probe")
	} else {
		fmt.Fprintf(w, "  %-8s %5d %10s %11s %8.1f %8.1f %8s  %6.2f %6.2f %6.2f  %d sent, %d acknowledged, %d seen in the live stream, %d missing; RSS peak %s MB\n",
			"probe", 32, thousands(pr.AckedPerSec), thousands(pr.AckedPerSec), pr.ReqP50ms, pr.ReqP99ms, "", pr.CPU.Server, pr.CPU.Client, pr.CPU.Others,
			pr.Sent, pr.Acked, pr.Seen, pr.Missing, thousands(pr.RSSPeakMB))
		printErrors(w, "probe", pr.Errors, nil)
	}
	if len(r.Sweep) > 0 {
		fmt.Fprintf(w, "\nconcurrency sweep (%s measured each)\n", o.duration)
		fmt.Fprintf(w, "  %-8s %5s %11s %8s %8s  %6s %6s %6s\n", "phase", "conc", "events/s", "p50 ms", "p99 ms", "server", "client", "errors")
		for _, s := range r.Sweep {
			fmt.Fprintf(w, "  %-8s %5d %11s %8.1f %8.1f  %6.2f %6.2f %6d\n", s.Phase, s.Concurrency, thousands(s.EventsPerSec), s.P50ms, s.P99ms, s.ServerCPU, s.ClientCPU, s.Errors)
		}
	}
	var warn []string
	for _, p := range []struct {
		name string
		c    *cpuUse
	}{{"no-op", r.Noop.CPU}, {"single", r.Single.CPU}, {"batched", r.Batched.CPU}, {"probe", r.Probe.CPU}} {
		if p.c != nil && p.c.Others > 0.25 {
			warn = append(warn, fmt.Sprintf("other processes used %.2f cores during the %s phase: its numbers are low", p.c.Others, p.name))
		}
	}
	for _, s := range warn {
		fmt.Fprintln(w, "warning: "+s)
	}
	printMem(w, "at the end", r.MemEnd)
	fmt.Fprintf(w, "server: RSS at the end %s MB, stopped %.1f s after SIGTERM, %d warnings/errors logged\n",
		thousands(r.RSSEndMB), r.StopSeconds, r.LogProblems)
	for _, l := range r.LogSamples {
		fmt.Fprintln(w, "  log: "+truncate(l, 300))
	}
	for _, p := range r.PerfReports {
		fmt.Fprintf(w, "\nwhere the server's CPU went — %s: %.2f cores, %d perf samples (perf's own overhead included)\n", p.Phase, p.ServerCPU, p.Samples)
		for _, s := range p.Breakdown {
			if s.Percent < 0.5 {
				continue
			}
			fmt.Fprintf(w, "  %5.1f%%  %4.2f cores  %s\n", s.Percent, s.Percent/100*p.ServerCPU, s.Category)
		}
		fmt.Fprintf(w, "  files: %s\n", strings.Join(p.Files, " "))
	}
}

func printErrors(w io.Writer, phase string, errs map[string]int64, samples map[string]string) {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		line := fmt.Sprintf("    %s errors: %s × %s", phase, thousands(float64(errs[k])), k)
		if s := samples[k]; s != "" {
			line += ": " + strings.TrimSpace(s)
		}
		fmt.Fprintln(w, line)
	}
}

func clientName(o options) string {
	switch o.client {
	case clientStd:
		return "net/http Client (keep-alive)"
	case clientLoop:
		return fmt.Sprintf("HTTP/1.1 from %d epoll event loop(s) (one keep-alive connection per concurrent request)", o.clientLoops)
	}
	return "raw HTTP/1.1 (one goroutine and keep-alive connection per worker)"
}

func printMem(w io.Writer, when string, m *memBreakdown) {
	if m == nil {
		return
	}
	fmt.Fprintf(w, "    memory %s: RSS %s MB ≈ Go runtime %s MB (heap in use %s, allocated %s) + native/other %s MB (DuckDB, cgo, binary)\n",
		when, thousands(m.RSSMB), thousands(m.GoRuntime), thousands(m.GoHeapInUse), thousands(m.GoHeapLive), thousands(m.NativeMB))
}

package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// report is everything a run measured.
type report struct {
	Date, GoVersion, Command string
	Cores                    int
	Data                     *datasetMeta
	Window                   window
	ServeArgs                string
	Notes                    []string

	DashboardMops, DashboardPG           samples
	DashboardMopsFirst, DashboardPGFirst time.Duration
	DashboardMopsCPU                     time.Duration // server CPU per dashboard
	DashboardMopsFailedRounds            int           // rounds in which a panel failed (timed all the same)
	OthersMops, OthersPG                 float64       // cores other processes used while each system was measured
	Queries                              []*queryTimes
	Browser                              *browserResult
	Cache                                cacheCheck

	PG           *pgInfo
	Mismatches   []string
	RowsCompared int

	Realtime *realtimeResult

	LoaderReady             time.Duration // from listening until the loader committed a first pageview
	RSSReadyMB              float64       // the server's RSS then
	RSSQueriesMB, RSSPeakMB float64
	LogProblems             int
	LogSamples              []string

	mu       sync.Mutex
	Failures map[string]*failure // by query ("dashboard: " + panel for the dashboard's)
}

func verdict(ok bool, over string) string {
	if ok {
		return "met"
	}
	return "MISSED" + over
}

func ratio(pg, mops time.Duration) string {
	if pg <= 0 || mops <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f×", float64(pg)/float64(mops))
}

// printReport writes the result table.
func printReport(w io.Writer, r *report) {
	fmt.Fprintf(w, "\nmops stats benchmark — %s, %d cores, %s\n", r.Date, r.Cores, r.GoVersion)
	fmt.Fprintf(w, "command: %s\n", r.Command)
	if d := r.Data; d != nil {
		fmt.Fprintf(w, "data: %s events (%s pageviews, %s custom), %s visits, %s visitors; %d days %s – %s, site %s (%s), simulator scale %.2f\n",
			thousands(d.Events), thousands(d.Pageviews), thousands(d.Events-d.Pageviews), thousands(d.Visits), thousands(d.Visitors),
			d.Days, d.FirstDay, d.LastDay, d.Domain, d.Timezone, d.Scale)
		how := "generated now"
		if d.Reused {
			how = "cached, generated " + d.GeneratedAt.Format("2006-01-02 15:04 MST")
		}
		fmt.Fprintf(w, "load (%s): %s Segment messages sent over HTTP in %s, all in the warehouse after %s (%s events/s); mops.duckdb %.0f MB\n",
			how, thousands(d.Messages), dur(d.SendSeconds), dur(d.LoadSeconds), thousands(int(float64(d.Events)/max(d.LoadSeconds, 0.001))), d.WarehouseMB)
		if d.LoadRSSPeakMB > 0 {
			fmt.Fprintf(w, "  mops while loading: RSS peak %.0f MB, Go heap %.0f MB when everything was in\n", d.LoadRSSPeakMB, d.LoadGoHeapMB)
		}
	}
	if r.Window.First != "" {
		fmt.Fprintf(w, "dashboard period: %s – %s (30 days), compared with %s – %s\n", r.Window.First, r.Window.Last, r.Window.PrevFirst, r.Window.PrevEnd)
	}
	if r.ServeArgs != "" {
		fmt.Fprintf(w, "mops serve %s\n", r.ServeArgs)
	}
	if r.LoaderReady > 0 {
		fmt.Fprintf(w, "  the loader committed a first pageview %s after the server listened (restoring its state); RSS then %.0f MB\n",
			r.LoaderReady.Round(100*time.Millisecond), r.RSSReadyMB)
	}
	if p := r.PG; p != nil {
		fmt.Fprintf(w, "PostgreSQL: %s\n", strings.SplitN(p.Version, ",", 2)[0])
		var set []string
		for _, s := range p.Settings {
			set = append(set, s[0]+"="+s[1])
		}
		fmt.Fprintf(w, "  settings: %s\n", strings.Join(set, ", "))
		load := fmt.Sprintf("loaded in %s (COPY %s, indexes + VACUUM ANALYZE %s)", dur(p.LoadSeconds), dur(p.CopySeconds), dur(p.IndexSeconds))
		if p.Reused {
			load = "loaded by an earlier run"
		}
		fmt.Fprintf(w, "  session %s rows, %.0f MB with indexes; website_event %s rows, %.0f MB with indexes; %s\n",
			thousands(int(p.SessionRows)), p.SessionMB, thousands(int(p.EventRows)), p.EventMB, load)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}

	if len(r.Queries) > 0 {
		fmt.Fprintf(w, "\n%-38s %10s %10s %10s %10s %8s %5s %7s\n", "query (each alone)", "mops p50", "p95", "pg p50", "p95", "pg/mops", "rows", "rounds")
		for _, q := range r.Queries {
			fmt.Fprintf(w, "%-38s %10s %10s %10s %10s %8s %5d %7s\n", q.Name, ms(q.Mops.q(0.5)), ms(q.Mops.q(0.95)),
				ms(q.PG.q(0.5)), ms(q.PG.q(0.95)), ratio(q.PG.q(0.5), q.Mops.q(0.5)), q.Rows, fmt.Sprintf("%d/%d", len(q.Mops), len(q.PG)))
		}
		fmt.Fprintf(w, "%-38s %10s %10s %10s %10s %8s %5s %7s\n", "dashboard (7 panels at once)", ms(r.DashboardMops.q(0.5)), ms(r.DashboardMops.q(0.95)),
			ms(r.DashboardPG.q(0.5)), ms(r.DashboardPG.q(0.95)), ratio(r.DashboardPG.q(0.5), r.DashboardMops.q(0.5)), "",
			fmt.Sprintf("%d/%d", len(r.DashboardMops), len(r.DashboardPG)))
		if r.DashboardMopsFailedRounds > 0 {
			fmt.Fprintf(w, "FAILED: in %d of mops's %d dashboard rounds a panel failed; those rounds are timed until the last answer, error or not\n",
				r.DashboardMopsFailedRounds, len(r.DashboardMops))
		}
		var failed []string
		for name := range r.Failures {
			failed = append(failed, name)
		}
		slices.Sort(failed)
		for _, name := range failed {
			f := r.Failures[name]
			fmt.Fprintf(w, "FAILED %s: %d time(s), e.g. %.300s\n", name, f.Count, strings.ReplaceAll(f.Sample, "\\n", " "))
		}
		fmt.Fprintf(w, "first dashboard after start: mops %s, PostgreSQL %s; mops server CPU per dashboard %s\n",
			ms(r.DashboardMopsFirst), ms(r.DashboardPGFirst), ms(r.DashboardMopsCPU))
		if b := r.Browser; b != nil && len(b.Total) > 0 {
			fmt.Fprintf(w, "dashboard page as a browser loads it (the page, then its %d requests, %d connections; %d loads): p50 %s, p95 %s (the page alone p50 %s)\n",
				len(b.Requests), browserConns, len(b.Total), ms(b.Total.q(0.5)), ms(b.Total.q(0.95)), ms(b.Page.q(0.5)))
			fmt.Fprintf(w, "  requests: %s\n", strings.Join(b.Requests, "; "))
		}
		fmt.Fprintf(w, "other processes on the machine used %.2f of %d cores on average while mops was measured, %.2f while PostgreSQL was\n",
			r.OthersMops, r.Cores, r.OthersPG)
		c := r.Cache
		fmt.Fprintf(w, "result cache: KPI query repeated at once %s, same period spelled as date-times %s, rounds p50 %s",
			ms(c.Repeat), ms(c.Equivalent), ms(c.Cold))
		switch {
		case c.Cold > 0 && c.Repeat > 0 && c.Repeat*3 < c.Cold:
			fmt.Fprintf(w, " — the repeat was answered from a cache; the rounds were not\n")
		case c.Cold > 0 && c.Equivalent > 3*c.Cold:
			fmt.Fprintf(w, " — WARNING: a query never asked before is much slower than the rounds: they may have been cached\n")
		default:
			fmt.Fprintf(w, " — no cache seen\n")
		}
	}
	if r.PG != nil {
		if len(r.Mismatches) == 0 && r.RowsCompared > 0 {
			fmt.Fprintf(w, "answers: every query's rows equal in mops and PostgreSQL (%d rows, counts exact, rounded metrics within one unit)\n", r.RowsCompared)
		}
		for _, m := range r.Mismatches {
			fmt.Fprintf(w, "MISMATCH %s\n", m)
		}
	}
	if rt := r.Realtime; rt != nil {
		fmt.Fprintln(w)
		for _, s := range append(rt.Streams, rt.Query) {
			lost := ""
			if s.Lost > 0 {
				lost = fmt.Sprintf(", %d never seen within 10 s", s.Lost)
			}
			fmt.Fprintf(w, "realtime, pageview sent → in %s: p50 %s, p99 %s, max %s (%d pageviews%s)\n",
				s.Name, ms(s.Lag.q(0.5)), ms(s.Lag.q(0.99)), ms(s.Lag.q(1)), len(s.Lag)+s.Lost, lost)
		}
		fmt.Fprintf(w, "pageview acknowledged (202) after: p50 %s, p99 %s\n", ms(rt.Ack.q(0.5)), ms(rt.Ack.q(0.99)))
		if rt.Note != "" {
			fmt.Fprintf(w, "note: %s\n", rt.Note)
		}
	}
	if r.RSSQueriesMB > 0 {
		fmt.Fprintf(w, "mops RSS: peak %.0f MB while the queries ran, %.0f MB over the whole run\n", r.RSSQueriesMB, r.RSSPeakMB)
	}

	// Targets.
	if len(r.Queries) > 0 {
		fmt.Fprintln(w)
		d := r.DashboardMops.q(0.5)
		fmt.Fprintf(w, "target dashboard p50 < %s: %s (%s)\n", ms(targetDashboardP50), verdict(d < targetDashboardP50, ""), ms(d))
		if b := r.Browser; b != nil && len(b.Total) > 0 {
			d := b.Total.q(0.5)
			fmt.Fprintf(w, "target dashboard p50 < %s, the page as a browser loads it: %s (%s)\n", ms(targetDashboardP50), verdict(d < targetDashboardP50, ""), ms(d))
		}
		var slow []string
		for _, q := range r.Queries {
			if q.Mops.q(0.5) >= targetQueryP50 {
				slow = append(slow, fmt.Sprintf("%s %s", q.Name, ms(q.Mops.q(0.5))))
			}
		}
		fmt.Fprintf(w, "target each query p50 < %s: %s\n", ms(targetQueryP50), verdict(len(slow) == 0, ": "+strings.Join(slow, ", ")))
		if rt := r.Realtime; rt != nil && len(rt.Streams) > 0 {
			s := rt.Streams[0]
			ok := s.Lost == 0 && s.Lag.q(0.99) < targetRealtime
			fmt.Fprintf(w, "target realtime < %s (%s, p99): %s (%s)\n", ms(targetRealtime), s.Name, verdict(ok, ""), ms(s.Lag.q(0.99)))
		}
	}
	if r.LogProblems > 0 {
		fmt.Fprintf(w, "\nserver logged %d warnings/errors:\n", r.LogProblems)
		for _, s := range r.LogSamples {
			fmt.Fprintf(w, "  %.400s\n", strings.ReplaceAll(s, "\\n", " "))
		}
	}
}

func dur(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Second).String()
}

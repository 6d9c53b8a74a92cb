package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// samples are the durations of one measurement.
type samples []time.Duration

// q is the nearest-rank quantile (0 < p ≤ 1).
func (s samples) q(p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := slices.Clone(s)
	slices.Sort(c)
	i := int(float64(len(c))*p+0.999999) - 1
	return c[min(max(i, 0), len(c)-1)]
}

// failure is a query the server answered with an error of its own.
type failure struct {
	Count  int
	Sample string
}

// serverFailure records err against the query when the server answered
// it with an error of its own (5xx) and reports whether it did; any
// other error ends the run.
func (r *report) serverFailure(name string, err error) bool {
	var qe *queryError
	if !errors.As(err, &qe) || qe.status < 500 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Failures == nil {
		r.Failures = map[string]*failure{}
	}
	f := r.Failures[name]
	if f == nil {
		f = &failure{Sample: fmt.Sprintf("status %d: %s", qe.status, qe.body)}
		r.Failures[name] = f
	}
	f.Count++
	return true
}

// failures counts the failed calls so far.
func (r *report) failures() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, f := range r.Failures {
		n += f.Count
	}
	return n
}

// queryTimes are one query's measurements on both systems.
type queryTimes struct {
	Name     string
	Mops, PG samples
	Rows     int
	PGSQL    int
}

// runDashboard sends the seven panels at once, as a browser does, and
// returns when the last has answered; answers, if not nil, gets each
// panel's answer.
func runDashboard(ctx context.Context, qs *querySet, one func(ctx context.Context, i int, p *panel) (*answer, error), answers map[string]*answer) (time.Duration, error) {
	var wg sync.WaitGroup
	errs := make([]error, len(qs.dashboard))
	got := make([]*answer, len(qs.dashboard))
	start := time.Now()
	for i, p := range qs.dashboard {
		wg.Go(func() { got[i], errs[i] = one(ctx, i, p) })
	}
	wg.Wait()
	took := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return took, err
	}
	if answers != nil {
		for i, p := range qs.dashboard {
			answers[p.name] = got[i]
		}
	}
	return took, nil
}

// measureMops times the dashboard and each query on the server. Before
// every round the warehouse's position moves (see advance), so a result
// cache keyed on it cannot answer.
func measureMops(ctx context.Context, o options, m *mopsClient, srv *server, qs *querySet, rep *report) error {
	one := func(ctx context.Context, _ int, p *panel) (*answer, error) {
		b, err := m.query(ctx, p.body)
		if err != nil {
			if rep.serverFailure("dashboard: "+p.name, err) {
				return nil, nil
			}
			return nil, err
		}
		return decodeAnswer(b)
	}
	// The first dashboard after the start: DuckDB's buffers are empty (the
	// file may be in the OS's page cache).
	first, err := runDashboard(ctx, qs, one, qs.mops)
	if err != nil {
		return err
	}
	rep.DashboardMopsFirst = first
	logf("mops: first dashboard after the start %s; up to %d rounds of the dashboard", ms(first), o.rounds)
	var cpu time.Duration
	meter := startCPU(srv.pid)
	defer func() { rep.OthersMops = meter.others() }()
	for start := time.Now(); o.more(start, len(rep.DashboardMops)); {
		if err := m.advance(ctx); err != nil {
			return err
		}
		c0, f0 := procCPU(srv.pid), rep.failures()
		took, err := runDashboard(ctx, qs, one, nil)
		if err != nil {
			return err
		}
		if rep.failures() > f0 {
			rep.DashboardMopsFailedRounds++
		}
		cpu += procCPU(srv.pid) - c0
		rep.DashboardMops = append(rep.DashboardMops, took)
	}
	rep.DashboardMopsCPU = cpu / time.Duration(len(rep.DashboardMops))

	logf("mops: up to %d rounds of each of the %d queries, one at a time", o.rounds, len(qs.singles))
	rep.Queries = make([]*queryTimes, len(qs.singles))
	for i, p := range qs.singles {
		rep.Queries[i] = &queryTimes{Name: p.name, PGSQL: p.pgSQL}
	}
	for start, round := time.Now(), 0; o.more(start, round); round++ {
		if err := m.advance(ctx); err != nil {
			return err
		}
		for i, p := range qs.singles {
			start := time.Now()
			b, err := m.query(ctx, p.body)
			took := time.Since(start)
			if err != nil {
				if rep.serverFailure(p.name, err) {
					continue
				}
				return err
			}
			rep.Queries[i].Mops = append(rep.Queries[i].Mops, took)
			if qs.mops[p.name] == nil {
				if qs.mops[p.name], err = decodeAnswer(b); err != nil {
					return err
				}
			}
			rep.Queries[i].Rows = len(qs.mops[p.name].Rows)
		}
	}
	return nil
}

// cacheCheck is what the benchmark found out about a result cache.
type cacheCheck struct {
	Repeat     time.Duration // the KPI query again at once, nothing new loaded
	Equivalent time.Duration // the same period written as date-times, never asked before
	Cold       time.Duration // p50 of the measured rounds
}

// detectCache asks the KPI query again without moving the warehouse, and
// the same period in another spelling: a cache shows as a fast repeat; a
// cache the rounds did not get past shows as an equivalent query much
// slower than the rounds.
func detectCache(ctx context.Context, m *mopsClient, qs *querySet, rep *report) cacheCheck {
	var c cacheCheck
	kpi := qs.dashboard[0]
	for _, q := range rep.Queries {
		if q.Name == kpi.name {
			c.Cold = q.Mops.q(0.5)
		}
	}
	if _, err := m.query(ctx, kpi.body); err != nil {
		logf("cache check: %v", err)
		return c
	}
	start := time.Now()
	if _, err := m.query(ctx, kpi.body); err != nil {
		logf("cache check: %v", err)
		return c
	}
	c.Repeat = time.Since(start)
	var body map[string]any
	_ = json.Unmarshal(kpi.body, &body)
	loc := qs.window.From.Location()
	if l, err := time.LoadLocation(siteTimezone); err == nil {
		loc = l
	}
	body["date_range"] = []string{qs.window.From.In(loc).Format(time.RFC3339), qs.window.To.Add(-time.Second).In(loc).Format(time.RFC3339)}
	b, _ := json.Marshal(body)
	if err := m.advance(ctx); err != nil {
		logf("cache check: %v", err)
		return c
	}
	start = time.Now()
	if _, err := m.query(ctx, b); err != nil {
		logf("cache check: %v", err)
		return c
	}
	c.Equivalent = time.Since(start)
	return c
}

// measurePostgres runs the same rounds on PostgreSQL: the dashboard's
// panels at once on seven connections, then each query alone.
func measurePostgres(ctx context.Context, o options, pg *pgBench, qs *querySet, rep *report, mopsPID int) error {
	one := func(ctx context.Context, i int, p *panel) (*answer, error) {
		return p.pg(ctx, pg.conns[i], qs.window)
	}
	first, err := runDashboard(ctx, qs, one, qs.pg)
	if err != nil {
		return err
	}
	rep.DashboardPGFirst = first
	logf("PostgreSQL: first dashboard %s; up to %d rounds of the dashboard", ms(first), o.rounds)
	meter := startCPU(mopsPID)
	defer func() { rep.OthersPG = meter.others() }()
	for start := time.Now(); o.more(start, len(rep.DashboardPG)); {
		took, err := runDashboard(ctx, qs, one, nil)
		if err != nil {
			return err
		}
		rep.DashboardPG = append(rep.DashboardPG, took)
	}
	logf("PostgreSQL: up to %d rounds of each query, one at a time", o.rounds)
	for start, round := time.Now(), 0; o.more(start, round); round++ {
		for i, p := range qs.singles {
			start := time.Now()
			a, err := p.pg(ctx, pg.conns[0], qs.window)
			took := time.Since(start)
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			rep.Queries[i].PG = append(rep.Queries[i].PG, took)
			if round == 0 && qs.pg[p.name] == nil {
				qs.pg[p.name] = a
			}
		}
	}
	return nil
}

func ms(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0f ms", float64(d)/1e6)
}

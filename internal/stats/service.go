package stats

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/mopshq/mops/internal/goals"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/sites"
)

// Service answers stats queries.
type Service struct {
	db      *db.DB
	goals   *goals.Service
	now     func() time.Time
	cache   *cache
	version func() uint64
}

// NewService returns a Service reading d.
func NewService(d *db.DB) *Service {
	return &Service{db: d, goals: goals.NewService(d, nil), now: time.Now}
}

// UseCache keeps up to entries recent answers (0: none), each valid while
// version (the loader's position) stays where it was when the answer was
// computed. Call it before the service is used.
func (s *Service) UseCache(entries int, version func() uint64) {
	if entries <= 0 {
		s.cache, s.version = nil, nil
		return
	}
	s.cache, s.version = newCache(entries), version
}

// Result is the answer to a query.
type Result struct {
	Results []Row `json:"results"`
	Meta    Meta  `json:"meta"`
	Query   Echo  `json:"query"`
}

// Row is one result row: the dimensions' values and the metrics in the
// query's order.
type Row struct {
	Dimensions []string       `json:"dimensions"`
	Metrics    []float64      `json:"metrics"`
	Comparison *ComparisonRow `json:"comparison,omitempty"`
}

// ComparisonRow is a row's values in the comparison period and the change:
// percent (rounded) for counts, points for bounce_rate; null when the
// comparison value is zero.
type ComparisonRow struct {
	Dimensions []string   `json:"dimensions"`
	Metrics    []float64  `json:"metrics"`
	Change     []*float64 `json:"change"`
}

// Meta is what the answer says about itself.
type Meta struct {
	TimeLabels      []string `json:"time_labels,omitempty"`
	TotalRows       *int     `json:"total_rows,omitempty"`
	ImportsIncluded bool     `json:"imports_included"`
}

// Echo is the query as it was understood: the date range resolved to
// local date-times, filters and order normalised.
type Echo struct {
	SiteID     string      `json:"site_id"`
	Metrics    []string    `json:"metrics"`
	DateRange  [2]string   `json:"date_range"`
	Dimensions []string    `json:"dimensions"`
	Filters    []*filter   `json:"filters"`
	OrderBy    [][2]string `json:"order_by"`
	Include    Include     `json:"include"`
	Pagination Pagination  `json:"pagination"`
	Comparison *[2]string  `json:"comparison_date_range,omitempty"`
}

// Run answers q for site. Answers may come from the cache: callers must
// not change them.
func (s *Service) Run(ctx context.Context, site *sites.Site, q *Query) (_ *Result, err error) {
	var earliest time.Time
	if strings.Trim(string(q.DateRange), `" `) == "all" {
		var t sql.NullTime
		if err := s.db.QueryRowContext(ctx, "SELECT min(ts) FROM events WHERE site_id = ?", site.ID).Scan(&t); err != nil {
			return nil, fmt.Errorf("stats: first event of %s: %w", site.Domain, err)
		}
		earliest = t.Time
	}
	var gs []goals.Goal
	if mentionsGoals(q) {
		var err error
		if gs, err = s.goals.List(ctx, site.ID); err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
	}
	p, err := newPlan(q, site.Timezone, s.now(), earliest, gs)
	if err != nil {
		return nil, err
	}
	res := &Result{Results: []Row{}, Meta: Meta{ImportsIncluded: true}, Query: p.echo(site.Domain)}
	var key string
	var version uint64
	if s.cache != nil {
		// The echo holds the resolved dates, so "day" is another key
		// tomorrow; goals change what event:goal means.
		b, err := json.Marshal([]any{site.ID, site.Timezone, res.Query, gs})
		if err != nil {
			return nil, fmt.Errorf("stats: cache key: %w", err)
		}
		key, version = string(b), s.version()
		if hit := s.cache.get(key, version); hit != nil {
			return hit, nil
		}
		defer func() {
			if err == nil {
				s.cache.put(key, version, res)
			}
		}()
	}
	rows, err := s.rows(ctx, site.ID, p, p.period)
	if err != nil {
		return nil, err
	}
	p.sort(rows)
	if p.include.TotalRows {
		n := len(rows)
		res.Meta.TotalRows = &n
	}
	var labels []string
	if p.timeDim >= 0 {
		labels = timeLabels(p.period, p.dims[p.timeDim].grain)
		if p.include.TimeLabels {
			res.Meta.TimeLabels = labels
		}
	}
	var compared map[string]*aggRow
	var cmpLabels []string
	if p.compare != nil {
		crows, err := s.rows(ctx, site.ID, p, *p.compare)
		if err != nil {
			return nil, err
		}
		compared = make(map[string]*aggRow, len(crows))
		for _, r := range crows {
			compared[r.key()] = r
		}
		if p.timeDim >= 0 {
			cmpLabels = timeLabels(*p.compare, p.dims[p.timeDim].grain)
		}
	}
	rows = rows[min(p.offset, len(rows)):]
	rows = rows[:min(p.limit, len(rows))]
	for _, r := range rows {
		row := Row{Dimensions: r.dims, Metrics: r.metrics(p.metrics)}
		if compared != nil {
			row.Comparison = p.compareRow(r, compared, labels, cmpLabels)
		}
		res.Results = append(res.Results, row)
	}
	if len(p.dims) == 0 && len(res.Results) == 0 {
		res.Results = append(res.Results, Row{Dimensions: []string{}, Metrics: make([]float64, len(p.metrics))})
	}
	return res, nil
}

// mentionsGoals reports whether q needs the site's goals.
func mentionsGoals(q *Query) bool {
	if slices.ContainsFunc(q.Metrics, goalMetric) || slices.Contains(q.Dimensions, "event:goal") {
		return true
	}
	for _, f := range q.Filters {
		if bytes.Contains(f, []byte(`"event:goal"`)) {
			return true
		}
	}
	return false
}

// rows computes every metric of p for per, grouped by p's dimensions.
func (s *Service) rows(ctx context.Context, siteID string, p *plan, per period) ([]*aggRow, error) {
	metrics := slices.DeleteFunc(slices.Clone(p.metrics), derivedMetric)
	if slices.ContainsFunc(p.metrics, derivedMetric) && !slices.Contains(metrics, mVisitors) {
		metrics = append(metrics, mVisitors)
	}
	rows, err := s.aggregate(ctx, siteID, p, per, p.dims, metrics)
	if err != nil {
		return nil, err
	}
	totals := func(np *plan, dims []dimension) ([]*aggRow, error) {
		return s.aggregate(ctx, siteID, np, per, dims, []string{mVisitors})
	}
	if slices.Contains(p.metrics, mPercentage) {
		total, err := totals(p, nil)
		if err != nil {
			return nil, err
		}
		all := 0.0
		if len(total) > 0 {
			all = total[0].vals[mVisitors]
		}
		for _, r := range rows {
			r.vals[mPercentage] = 0
			if all > 0 {
				r.vals[mPercentage] = math.Round(1000*r.vals[mVisitors]/all) / 10
			}
		}
	}
	if err := addConversionRates(rows, p, totals); err != nil {
		return nil, err
	}
	return rows, nil
}

// aggRow is one group of an aggregate.
type aggRow struct {
	dims []string
	vals map[string]float64
}

func (r *aggRow) key() string { return strings.Join(r.dims, "\x00") }

func (r *aggRow) metrics(names []string) []float64 {
	out := make([]float64, len(names))
	for i, m := range names {
		out[i] = r.vals[m]
	}
	return out
}

// aggregate computes metrics (no percentage) for per grouped by dims,
// merging what each source gives.
func (s *Service) aggregate(ctx context.Context, siteID string, p *plan, per period, dims []dimension, want []string) ([]*aggRow, error) {
	q := *p
	q.dims = dims
	eventDim := slices.ContainsFunc(dims, func(d dimension) bool { return d.level == levelEvent })
	visitDim := slices.ContainsFunc(dims, func(d dimension) bool { return d.level == levelVisit })
	type step struct {
		src     source
		metrics []string
	}
	var steps []step
	eng := slices.DeleteFunc(slices.Clone(want), func(m string) bool { return !engagementMetric(m) })
	want = slices.DeleteFunc(slices.Clone(want), engagementMetric)
	switch {
	case len(want) == 0:
	case !eventDim && !p.eventFilter:
		steps = append(steps, step{source{visits: true}, want})
	default:
		var ev, se, entry []string
		for _, m := range want {
			switch {
			case m == mBounceRate && (eventDim || p.pageFilter):
				entry = append(entry, m)
			case m == mVisitDuration && eventDim:
				entry = append(entry, m)
			case sessionMetric(m), m == mVisits && !eventDim:
				se = append(se, m)
			default:
				ev = append(ev, m)
			}
		}
		if len(ev) > 0 {
			steps = append(steps, step{source{joinVisit: visitDim || p.visitFilter}, ev})
		}
		if len(se) > 0 {
			steps = append(steps, step{source{visits: true}, se})
		}
		if len(entry) > 0 {
			steps = append(steps, step{source{visits: true, entryRule: true}, entry})
		}
	}
	// Engagement fills in the groups the other steps found (engagement
	// alone makes no group), unless it is all the query asks.
	engOnly := len(steps) == 0
	if len(eng) > 0 {
		steps = append(steps, step{source{engagement: true, joinVisit: visitDim || p.visitFilter}, eng})
	}
	var out []*aggRow
	index := map[string]*aggRow{}
	for _, st := range steps {
		b := &builder{site: siteID, p: &q, per: per}
		query := b.selectSQL(st.src, st.metrics)
		if err := s.scan(ctx, query, b.args, len(dims), st.metrics, func(r *aggRow) {
			if have := index[r.key()]; have != nil {
				for k, v := range r.vals {
					have.vals[k] = v
				}
				return
			}
			if st.src.engagement && !engOnly {
				return
			}
			index[r.key()] = r
			out = append(out, r)
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ErrOutOfMemory is a query that needs more memory than the warehouse may
// use (its share of --memory-limit-mb).
var ErrOutOfMemory = errors.New("the query needs more memory than the server gives its warehouse")

func (s *Service) scan(ctx context.Context, query string, args []any, ndims int, metrics []string, each func(*aggRow)) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		if de, ok := errors.AsType[*duckdb.Error](err); ok && de.Type == duckdb.ErrorTypeOutOfMemory {
			return fmt.Errorf("stats query: %w: %w", ErrOutOfMemory, err)
		}
		return fmt.Errorf("stats query: %w", err)
	}
	defer rows.Close()
	dims := make([]sql.NullString, ndims)
	vals := make([]sql.NullFloat64, len(metrics))
	dest := make([]any, 0, ndims+len(metrics))
	for i := range dims {
		dest = append(dest, &dims[i])
	}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("stats query: %w", err)
		}
		r := &aggRow{dims: make([]string, ndims), vals: make(map[string]float64, len(metrics)+1)}
		for i, d := range dims {
			r.dims[i] = d.String
		}
		for i, m := range metrics {
			r.vals[m] = vals[i].Float64
		}
		each(r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("stats query: %w", err)
	}
	return nil
}

// sort orders rows by the plan's order, then by dimensions for ties.
func (p *plan) sort(rows []*aggRow) {
	slices.SortStableFunc(rows, func(a, b *aggRow) int {
		for _, o := range p.order {
			var c int
			if i := slices.IndexFunc(p.dims, func(d dimension) bool { return d.name == o.key }); i >= 0 {
				c = strings.Compare(a.dims[i], b.dims[i])
			} else {
				c = cmp.Compare(a.vals[o.key], b.vals[o.key])
			}
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return slices.Compare(a.dims, b.dims)
	})
}

// compareRow finds r's counterpart in the comparison period: the same
// dimension values, the time bucket at the same position.
func (p *plan) compareRow(r *aggRow, compared map[string]*aggRow, labels, cmpLabels []string) *ComparisonRow {
	dims := slices.Clone(r.dims)
	if p.timeDim >= 0 {
		i := slices.Index(labels, r.dims[p.timeDim])
		if i < 0 || i >= len(cmpLabels) {
			return nil
		}
		dims[p.timeDim] = cmpLabels[i]
	}
	c := &ComparisonRow{Dimensions: dims, Metrics: make([]float64, len(p.metrics)), Change: make([]*float64, len(p.metrics))}
	other := compared[strings.Join(dims, "\x00")]
	for i, m := range p.metrics {
		now := r.vals[m]
		var then float64
		if other != nil {
			then = other.vals[m]
		}
		c.Metrics[i] = then
		switch {
		case m == mBounceRate:
			d := now - then
			c.Change[i] = &d
		case then != 0:
			d := math.Round(100 * (now - then) / then)
			c.Change[i] = &d
		}
	}
	return c
}

// timeLabels lists every bucket of per at grain, as the buckets label them.
func timeLabels(per period, grain string) []string {
	var out []string
	from, to := per.From.In(per.loc), per.To.In(per.loc)
	switch grain {
	case "hour":
		for t := from.Truncate(time.Hour); t.Before(to); t = t.Add(time.Hour) {
			out = append(out, t.In(per.loc).Format("2006-01-02 15:00:00"))
		}
		return slices.Compact(out)
	case "day":
		for t := midnight(from, per.loc); t.Before(to); t = addDays(t, 1) {
			out = append(out, t.Format(time.DateOnly))
		}
	case "week":
		t := midnight(from, per.loc)
		for t.Before(to) {
			out = append(out, t.Format(time.DateOnly))
			wd := (int(t.Weekday()) + 6) % 7 // days since Monday
			t = addDays(t, 7-wd)
		}
	case "month":
		t := midnight(from, per.loc)
		for t.Before(to) {
			out = append(out, t.Format(time.DateOnly))
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, per.loc)
		}
	}
	return out
}

// echo is the query as understood, for the answer.
func (p *plan) echo(domain string) Echo {
	e := Echo{SiteID: domain, Metrics: p.metrics, DateRange: [2]string{p.period.first(), p.period.last()},
		Dimensions: []string{}, Filters: p.filters, Include: p.include,
		Pagination: Pagination{Limit: p.limit, Offset: p.offset}}
	if e.Filters == nil {
		e.Filters = []*filter{}
	}
	for _, d := range p.dims {
		e.Dimensions = append(e.Dimensions, d.name)
	}
	for _, o := range p.order {
		dir := "asc"
		if o.desc {
			dir = "desc"
		}
		e.OrderBy = append(e.OrderBy, [2]string{o.key, dir})
	}
	if p.compare != nil {
		e.Comparison = &[2]string{p.compare.first(), p.compare.last()}
	}
	return e
}

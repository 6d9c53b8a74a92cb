// Package report builds a site's digest report: the key numbers of a
// period against the period before, the visitors per day, the top
// sources, pages, countries and devices, and the goals. It renders the
// report as one self-contained, email-ready HTML document and as plain
// text, keeps each site's digest email settings, and sends the weekly and
// monthly digests by SMTP on schedule.
package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/stats"
)

// Report is everything a digest shows, gathered for one site and period.
type Report struct {
	Site   sites.Site
	Spec   string // the period as asked, e.g. "7d"
	Period Period
	// Previous is the period compared with; nil for "all".
	Previous *Period
	// Generated is when the report was built.
	Generated time.Time
	// Totals are the key numbers, in display order.
	Totals []Metric
	// Visitors is the chart: unique visitors per time bucket.
	Visitors Series
	// Top lists.
	Sources, Pages, Countries, Devices List
	// Goals holds the site's goal conversions; nil when the site has no
	// goals (or converted none in the period).
	Goals *Goals
	// Heading names the report at its top ("Weekly digest"); "" means
	// "Traffic report".
	Heading string
	// DashboardURL and SettingsURL, when set, are linked from the report:
	// the site in mops, and the page that manages digest emails.
	DashboardURL, SettingsURL string
}

// Metric is one key number with its value in the previous period.
type Metric struct {
	Key   string // stats metric name
	Label string
	Value float64
	// Previous is the value in the previous period; nil without one.
	Previous *float64
	// Change is the change in percent (bounce_rate: in points); nil when
	// there is nothing to compare with or the earlier value is zero.
	Change *float64
}

// Series is a metric per time bucket, with the previous period's buckets
// at the same positions.
type Series struct {
	Grain    string    // hour, day, week or month
	Buckets  []string  // as the stats API labels them ("2026-01-05")
	Labels   []string  // for people ("5 Jan")
	Current  []float64 // one per bucket
	Previous []float64 // one per bucket (NaN past the previous period's end); nil without comparison
}

// List is a ranked top list.
type List struct {
	Rows []ListRow
	// More is how many rows there are beyond those listed.
	More int
}

// ListRow is one entry of a top list.
type ListRow struct {
	Name     string
	Visitors float64
	// Share is the row's share of all visitors, in percent (one decimal);
	// pages have none (a visitor sees many pages).
	Share float64
	// Pageviews is set for pages.
	Pageviews float64
	// Change is the visitors' change in percent; nil when the row had no
	// visitors before or there is no comparison.
	Change *float64
}

// Goals are the conversions of the site's goals in the period.
type Goals struct {
	Rows []Goal
	// Revenue is true when some goal carries revenue.
	Revenue bool
}

// Goal is one goal's conversions.
type Goal struct {
	Name           string
	Visitors       float64 // unique conversions
	Conversions    float64 // total conversions
	ConversionRate float64 // percent of all visitors
	Revenue        float64 // in the site's currency
}

// totals are the key numbers' metrics, in display order.
var totals = []struct{ key, label string }{
	{"visitors", "Unique visitors"},
	{"visits", "Visits"},
	{"pageviews", "Pageviews"},
	{"views_per_visit", "Views per visit"},
	{"bounce_rate", "Bounce rate"},
	{"visit_duration", "Visit duration"},
}

// topRows is how many rows each top list shows.
const topRows = 10

// Build gathers the report of site for period (see resolvePeriod for the
// names it takes) as of now, through the stats engine the dashboard and
// the API use, so every number matches theirs. A bad period is a
// *PeriodError.
func Build(ctx context.Context, svc *stats.Service, site *sites.Site, period string, now time.Time) (*Report, error) {
	loc, err := time.LoadLocation(site.Timezone)
	if err != nil {
		return nil, fmt.Errorf("report: time zone of %s: %w", site.Domain, err)
	}
	cur, prev, compare, err := resolvePeriod(period, loc, now)
	if err != nil {
		return nil, err
	}
	b := &builder{svc: svc, site: site}
	if strings.TrimSpace(period) == "all" {
		first, err := b.firstDay(ctx)
		if err != nil {
			return nil, err
		}
		cur = allPeriod(first, loc, now)
	}
	r := &Report{Site: *site, Spec: strings.TrimSpace(period), Period: cur, Generated: now}
	if compare {
		r.Previous = &prev
	}
	if err := b.totals(ctx, r); err != nil {
		return nil, err
	}
	if err := b.series(ctx, r); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		dim  string
		list *List
	}{
		{"visit:source", &r.Sources},
		{"event:page", &r.Pages},
		{"visit:country", &r.Countries},
		{"visit:device", &r.Devices},
	} {
		if *l.list, err = b.top(ctx, r, l.dim); err != nil {
			return nil, err
		}
	}
	if r.Goals, err = b.goals(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// builder runs the report's stats queries for one site.
type builder struct {
	svc  *stats.Service
	site *sites.Site
}

// run answers one query.
func (b *builder) run(ctx context.Context, q *stats.Query) (*stats.Result, error) {
	q.SiteID = b.site.ID
	res, err := b.svc.Run(ctx, b.site, q)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", b.site.Domain, err)
	}
	return res, nil
}

// dates encodes a stats date_range.
func dates(p Period) json.RawMessage {
	raw, _ := json.Marshal(p.dateRange()) // two strings always encode
	return raw
}

// comparison asks for the values of the previous period, when there is one.
func comparison(r *Report) *stats.Comparisons {
	if r.Previous == nil {
		return nil
	}
	return &stats.Comparisons{Mode: "custom", DateRange: r.Previous.dateRange()}
}

// firstDay is the start of the site's data, as "all" resolves it.
func (b *builder) firstDay(ctx context.Context) (time.Time, error) {
	res, err := b.run(ctx, &stats.Query{Metrics: []string{"visitors"}, DateRange: json.RawMessage(`"all"`)})
	if err != nil {
		return time.Time{}, err
	}
	first, err := time.Parse(time.RFC3339, res.Query.DateRange[0])
	if err != nil {
		return time.Time{}, fmt.Errorf("report %s: start of all data: %w", b.site.Domain, err)
	}
	return first, nil
}

func (b *builder) totals(ctx context.Context, r *Report) error {
	metrics := make([]string, len(totals))
	for i, t := range totals {
		metrics[i] = t.key
	}
	res, err := b.run(ctx, &stats.Query{Metrics: metrics, DateRange: dates(r.Period),
		Include: stats.Include{Comparisons: comparison(r)}})
	if err != nil {
		return err
	}
	row := res.Results[0]
	for i, t := range totals {
		m := Metric{Key: t.key, Label: t.label, Value: row.Metrics[i]}
		if c := row.Comparison; c != nil {
			m.Previous = &c.Metrics[i]
			m.Change = c.Change[i]
		} else if r.Previous != nil {
			// No comparison row means nothing happened before.
			zero := 0.0
			m.Previous = &zero
			if t.key == "bounce_rate" {
				d := m.Value
				m.Change = &d
			}
		}
		r.Totals = append(r.Totals, m)
	}
	return nil
}

// series fills the visitors chart: one query per period, aligned by
// bucket position.
func (b *builder) series(ctx context.Context, r *Report) error {
	s := Series{Grain: r.Period.Grain}
	var err error
	if s.Buckets, s.Current, err = b.buckets(ctx, r.Period); err != nil {
		return err
	}
	for _, k := range s.Buckets {
		s.Labels = append(s.Labels, bucketLabel(k, s.Grain))
	}
	if r.Previous != nil {
		p := *r.Previous
		p.Grain = r.Period.Grain
		_, prev, err := b.buckets(ctx, p)
		if err != nil {
			return err
		}
		s.Previous = make([]float64, len(s.Current))
		for i := range s.Previous {
			s.Previous[i] = math.NaN()
			if i < len(prev) {
				s.Previous[i] = prev[i]
			}
		}
	}
	r.Visitors = s
	return nil
}

// buckets returns every time bucket of p (empty ones as zero).
func (b *builder) buckets(ctx context.Context, p Period) ([]string, []float64, error) {
	res, err := b.run(ctx, &stats.Query{Metrics: []string{"visitors"}, DateRange: dates(p),
		Dimensions: []string{"time:" + p.Grain}, Include: stats.Include{TimeLabels: true},
		Pagination: &stats.Pagination{Limit: 10000}})
	if err != nil {
		return nil, nil, err
	}
	byLabel := make(map[string]float64, len(res.Results))
	for _, row := range res.Results {
		byLabel[row.Dimensions[0]] = row.Metrics[0]
	}
	values := make([]float64, len(res.Meta.TimeLabels))
	for i, l := range res.Meta.TimeLabels {
		values[i] = byLabel[l]
	}
	return res.Meta.TimeLabels, values, nil
}

// bucketLabel shortens a stats time label for the chart's axis.
func bucketLabel(bucket, grain string) string {
	switch grain {
	case "hour":
		if t, err := time.Parse(time.DateTime, bucket); err == nil {
			return t.Format("15:04")
		}
	case "day", "week":
		if t, err := time.Parse(time.DateOnly, bucket); err == nil {
			return t.Format("2 Jan")
		}
	case "month":
		if t, err := time.Parse(time.DateOnly, bucket); err == nil {
			return t.Format("Jan 2006")
		}
	}
	return bucket
}

// top is the list of a dimension's values with the most visitors.
func (b *builder) top(ctx context.Context, r *Report, dim string) (List, error) {
	metrics := []string{"visitors", "percentage"}
	if dim == "event:page" {
		metrics = []string{"visitors", "pageviews"}
	}
	res, err := b.run(ctx, &stats.Query{Metrics: metrics, DateRange: dates(r.Period), Dimensions: []string{dim},
		Pagination: &stats.Pagination{Limit: topRows},
		Include:    stats.Include{TotalRows: true, Comparisons: comparison(r)}})
	if err != nil {
		return List{}, err
	}
	var l List
	for _, row := range res.Results {
		lr := ListRow{Name: dimensionName(dim, row.Dimensions[0]), Visitors: row.Metrics[0]}
		if dim == "event:page" {
			lr.Pageviews = row.Metrics[1]
		} else {
			lr.Share = row.Metrics[1]
		}
		if row.Comparison != nil {
			lr.Change = row.Comparison.Change[0]
		}
		l.Rows = append(l.Rows, lr)
	}
	if res.Meta.TotalRows != nil {
		l.More = max(*res.Meta.TotalRows-len(l.Rows), 0)
	}
	return l, nil
}

// goals asks for the conversions of the site's goals, with their revenue
// where the stats engine knows it (without total_revenue when it refuses
// it). The section is shown only when a query succeeds with rows: a site
// without goals, or an engine that cannot answer, leaves it out rather
// than failing the whole report.
func (b *builder) goals(ctx context.Context, r *Report) (*Goals, error) {
	var res *stats.Result
	for _, metrics := range [][]string{
		{"visitors", "events", "conversion_rate", "total_revenue"},
		{"visitors", "events", "conversion_rate"},
	} {
		var err error
		res, err = b.run(ctx, &stats.Query{Metrics: metrics, DateRange: dates(r.Period),
			Dimensions: []string{"event:goal"}, Pagination: &stats.Pagination{Limit: topRows}})
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var invalid *stats.InvalidError
		if err == nil || !errors.As(err, &invalid) {
			break
		}
		res = nil
	}
	if res == nil || len(res.Results) == 0 {
		return nil, nil
	}
	g := &Goals{}
	for _, row := range res.Results {
		goal := Goal{Name: row.Dimensions[0], Visitors: row.Metrics[0], Conversions: row.Metrics[1], ConversionRate: row.Metrics[2]}
		if len(row.Metrics) > 3 && finite(row.Metrics[3]) && row.Metrics[3] != 0 {
			goal.Revenue = row.Metrics[3]
			g.Revenue = true
		}
		g.Rows = append(g.Rows, goal)
	}
	return g, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Metric returns the key number named key (a stats metric name), or a zero
// Metric.
func (r *Report) Metric(key string) Metric {
	for _, m := range r.Totals {
		if m.Key == key {
			return m
		}
	}
	return Metric{Key: key}
}

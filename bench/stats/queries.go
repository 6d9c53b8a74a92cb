package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// window is the dashboard's period: the 30 days ending with the data's
// last day, in the site's zone, and the 30 days before (the comparison).
type window struct {
	First, Last        string    // local dates, both included
	From, To           time.Time // [From, To) in UTC
	PrevFrom, PrevTo   time.Time
	Days, PrevDays     []string // every local date of each period
	PrevFirst, PrevEnd string
}

func newWindow(lastDay, tz string) (window, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return window{}, err
	}
	last, err := time.ParseInLocation(time.DateOnly, lastDay, loc)
	if err != nil {
		return window{}, err
	}
	day := func(n int) time.Time { return time.Date(last.Year(), last.Month(), last.Day()+n, 0, 0, 0, 0, loc) }
	w := window{First: day(-29).Format(time.DateOnly), Last: lastDay,
		From: day(-29).UTC(), To: day(1).UTC(), PrevFrom: day(-59).UTC(), PrevTo: day(-29).UTC(),
		PrevFirst: day(-59).Format(time.DateOnly), PrevEnd: day(-30).Format(time.DateOnly)}
	for i := -29; i <= 0; i++ {
		w.Days = append(w.Days, day(i).Format(time.DateOnly))
		w.PrevDays = append(w.PrevDays, day(i-30).Format(time.DateOnly))
	}
	return w, nil
}

// pgQuerier is what a panel's SQL runs on: one connection.
type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// panel is one query of the benchmark: its body for /api/v2/query and
// the same aggregate as plain SQL on PostgreSQL.
type panel struct {
	name      string
	body      []byte   // the whole /api/v2/query body
	metrics   []string // in answer order (for the comparison's tolerances)
	dashboard bool     // one of the dashboard's seven panels
	pg        func(ctx context.Context, q pgQuerier, w window) (*answer, error)
	pgSQL     int // statements PostgreSQL runs for it
}

// querySet is every query of the run.
type querySet struct {
	window    window
	dashboard []*panel // the seven panels
	singles   []*panel // the seven and two filtered variants
	notes     []string
	// The answers of each side, by panel name, from its first round.
	mops, pg map[string]*answer
}

// dashboardQueries builds the run's queries for the data set, creating
// the goals first when mops has them, and falling back to event names
// when the goals query is refused.
func dashboardQueries(ctx context.Context, m *mopsClient, meta *datasetMeta) (*querySet, error) {
	w, err := newWindow(meta.LastDay, meta.Timezone)
	if err != nil {
		return nil, err
	}
	qs := &querySet{window: w, mops: map[string]*answer{}, pg: map[string]*answer{}}
	body := func(q map[string]any) []byte {
		q["site_id"] = meta.Domain
		q["date_range"] = []string{w.First, w.Last}
		b, _ := json.Marshal(q)
		return b
	}
	prev := map[string]any{"comparisons": map[string]string{"mode": "previous_period"}}
	limit10 := map[string]int{"limit": 10}

	kpis := &panel{name: "KPIs (+ previous period)", dashboard: true, pgSQL: 2,
		metrics: []string{"visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"}, pg: pgKPIs}
	kpis.body = body(map[string]any{"metrics": kpis.metrics, "include": prev})
	chart := &panel{name: "Chart: visitors by day (+ previous)", dashboard: true, pgSQL: 2, metrics: []string{"visitors"}, pg: pgChart}
	chart.body = body(map[string]any{"metrics": chart.metrics, "dimensions": []string{"time:day"},
		"include": map[string]any{"time_labels": true, "comparisons": map[string]string{"mode": "previous_period"}}})
	sources := &panel{name: "Sources", dashboard: true, pgSQL: 1, metrics: []string{"visitors", "bounce_rate", "visit_duration"}, pg: pgSources}
	sources.body = body(map[string]any{"metrics": sources.metrics, "dimensions": []string{"visit:source"}, "pagination": limit10})
	pages := &panel{name: "Pages", dashboard: true, pgSQL: 1, metrics: []string{"visitors", "pageviews"}, pg: pgPages(false)}
	pages.body = body(map[string]any{"metrics": pages.metrics, "dimensions": []string{"event:page"}, "pagination": limit10})
	countries := &panel{name: "Countries", dashboard: true, pgSQL: 1, metrics: []string{"visitors", "percentage"}, pg: pgShare("country")}
	countries.body = body(map[string]any{"metrics": countries.metrics, "dimensions": []string{"visit:country"}, "pagination": limit10})
	devices := &panel{name: "Devices", dashboard: true, pgSQL: 1, metrics: []string{"visitors", "percentage"}, pg: pgShare("device")}
	devices.body = body(map[string]any{"metrics": devices.metrics, "dimensions": []string{"visit:device"}, "pagination": limit10})

	goals := &panel{name: "Goals", dashboard: true, pgSQL: 1, metrics: []string{"visitors", "events", "conversion_rate"}, pg: pgGoals}
	goals.body = body(map[string]any{"metrics": goals.metrics, "dimensions": []string{"event:goal"}, "pagination": limit10})
	hasGoals, err := m.ensureGoals(ctx, meta.SiteID)
	if err != nil {
		return nil, err
	}
	var qe *queryError
	if _, err := m.query(ctx, goals.body); errors.As(err, &qe) && qe.status == http.StatusBadRequest {
		goals = &panel{name: "Events by name (for goals)", dashboard: true, pgSQL: 1, metrics: []string{"visitors", "events"}, pg: pgEventNames}
		goals.body = body(map[string]any{"metrics": goals.metrics, "dimensions": []string{"event:name"}, "pagination": limit10})
		qs.notes = append(qs.notes, fmt.Sprintf("the goals query was refused (400: %s); measured metrics [visitors, events] by event:name instead", qe.body))
	} else if err != nil {
		return nil, err
	} else if hasGoals {
		var names []string
		for _, g := range benchGoals {
			names = append(names, g.Name)
		}
		qs.notes = append(qs.notes, "goals of the site (created through /api/v1/sites/{id}/goals): "+strings.Join(names, ", "))
	}

	pagesGoogle := &panel{name: "Pages, source is Google", pgSQL: 1, metrics: pages.metrics, pg: pgPages(true)}
	pagesGoogle.body = body(map[string]any{"metrics": pages.metrics, "dimensions": []string{"event:page"}, "pagination": limit10,
		"filters": []any{[]any{"is", "visit:source", []string{"Google"}}}})
	// views_per_visit is refused under an event:page filter (it has no
	// meaning there), so the filtered KPIs leave it out.
	kpisHome := &panel{name: "KPIs, page is / (+ previous)", pgSQL: 6,
		metrics: []string{"visitors", "visits", "pageviews", "bounce_rate", "visit_duration"}, pg: pgKPIsHome}
	kpisHome.body = body(map[string]any{"metrics": kpisHome.metrics, "include": prev,
		"filters": []any{[]any{"is", "event:page", []string{"/"}}}})
	qs.notes = append(qs.notes, "the KPI query filtered on event:page leaves out views_per_visit, which mops refuses under a page filter")

	qs.dashboard = []*panel{kpis, chart, sources, pages, countries, devices, goals}
	qs.singles = append(append([]*panel{}, qs.dashboard...), pagesGoogle, kpisHome)
	return qs, nil
}

// --- PostgreSQL: the aggregates as a Postgres-based analytics tool writes
// them. Sessions (one row per visit, with its first event's dimensions)
// answer visit metrics; website_event answers page and event metrics.
// Periods are [from, to) instants worked out from the site's local dates.

const (
	sqlKPIs = `SELECT count(DISTINCT visitor_id), count(*), coalesce(sum(pageviews), 0),
       coalesce(round(sum(pageviews)::numeric / nullif(count(*), 0), 2), 0),
       coalesce(round(100.0 * count(*) FILTER (WHERE is_bounce) / nullif(count(*), 0)), 0),
       coalesce(round(avg(duration)), 0)
  FROM session
 WHERE website_id = $1 AND started_at >= $2 AND started_at < $3`

	sqlChart = `SELECT to_char(started_at AT TIME ZONE $4, 'YYYY-MM-DD') AS day, count(DISTINCT visitor_id)
  FROM session
 WHERE website_id = $1 AND started_at >= $2 AND started_at < $3
 GROUP BY day ORDER BY day`

	sqlSources = `SELECT source, count(DISTINCT visitor_id) AS visitors,
       round(100.0 * count(*) FILTER (WHERE is_bounce) / count(*)) AS bounce_rate,
       round(avg(duration)) AS visit_duration
  FROM session
 WHERE website_id = $1 AND started_at >= $2 AND started_at < $3
 GROUP BY source ORDER BY visitors DESC, source LIMIT 10`

	sqlPages = `SELECT url_path, count(DISTINCT visitor_id) AS visitors, count(*) FILTER (WHERE event_type = 1) AS pageviews
  FROM website_event
 WHERE website_id = $1 AND created_at >= $2 AND created_at < $3
 GROUP BY url_path ORDER BY visitors DESC, url_path LIMIT 10`

	sqlPagesBySource = `SELECT e.url_path, count(DISTINCT e.visitor_id) AS visitors, count(*) FILTER (WHERE e.event_type = 1) AS pageviews
  FROM website_event e
  JOIN session s ON s.session_id = e.session_id
 WHERE e.website_id = $1 AND e.created_at >= $2 AND e.created_at < $3 AND s.source = $4
 GROUP BY e.url_path ORDER BY visitors DESC, e.url_path LIMIT 10`

	// %[1]s is a column of session from an allow-list.
	sqlShare = `SELECT %[1]s, count(DISTINCT visitor_id) AS visitors,
       round(1000.0 * count(DISTINCT visitor_id) / (SELECT count(DISTINCT visitor_id) FROM session
                                                     WHERE website_id = $1 AND started_at >= $2 AND started_at < $3)) / 10
  FROM session
 WHERE website_id = $1 AND started_at >= $2 AND started_at < $3
 GROUP BY %[1]s ORDER BY visitors DESC, %[1]s LIMIT 10`

	sqlEventNames = `SELECT event_name, count(DISTINCT visitor_id) AS visitors, count(*)
  FROM website_event
 WHERE website_id = $1 AND created_at >= $2 AND created_at < $3
 GROUP BY event_name ORDER BY visitors DESC, event_name LIMIT 10`

	// %s is the goals as a VALUES list (name, event_type, event_name, path
	// pattern), the way a tool inlines a site's goal definitions.
	sqlGoals = `SELECT g.name, count(DISTINCT e.visitor_id) AS visitors, count(*),
       round(10000.0 * count(DISTINCT e.visitor_id) / nullif((SELECT count(DISTINCT visitor_id) FROM session
                                                              WHERE website_id = $1 AND started_at >= $2 AND started_at < $3), 0)) / 100
  FROM website_event e
  JOIN (VALUES %s) AS g(name, event_type, event_name, path_re)
    ON e.event_type = g.event_type AND (g.event_name IS NULL OR e.event_name = g.event_name)
       AND (g.path_re IS NULL OR e.url_path ~ g.path_re)
 WHERE e.website_id = $1 AND e.created_at >= $2 AND e.created_at < $3
 GROUP BY g.name ORDER BY visitors DESC, g.name LIMIT 10`

	// The KPIs of visits with a pageview of one page: visitors and
	// pageviews from the page's events, visits and duration from the
	// visits with such an event, the bounce rate from the visits that
	// entered on the page.
	sqlPageEvents = `SELECT count(DISTINCT visitor_id), count(*) FILTER (WHERE event_type = 1)
  FROM website_event
 WHERE website_id = $1 AND created_at >= $2 AND created_at < $3 AND url_path = $4`
	sqlPageVisits = `SELECT count(*), coalesce(round(avg(duration)), 0)
  FROM session
 WHERE website_id = $1 AND started_at >= $2 AND started_at < $3
   AND session_id IN (SELECT session_id FROM website_event
                       WHERE website_id = $1 AND created_at >= $2 AND created_at < $3 AND url_path = $4)`
	sqlPageEntries = `SELECT coalesce(round(100.0 * count(*) FILTER (WHERE is_bounce) / nullif(count(*), 0)), 0)
  FROM session
 WHERE website_id = $1 AND started_at >= $2 AND started_at < $3 AND entry_page = $4`
)

// pgSite is the website_id every row of the benchmark's site has.
var pgSite = uuidOf("site:" + siteDomain)

func pgKPIs(ctx context.Context, q pgQuerier, w window) (*answer, error) {
	cur, err := pgRows(ctx, q, 0, sqlKPIs, pgSite, w.From, w.To)
	if err != nil {
		return nil, err
	}
	prev, err := pgRows(ctx, q, 0, sqlKPIs, pgSite, w.PrevFrom, w.PrevTo)
	if err != nil {
		return nil, err
	}
	if len(cur) != 1 || len(prev) != 1 {
		return nil, fmt.Errorf("KPIs: %d and %d rows", len(cur), len(prev))
	}
	return &answer{Rows: []ansRow{{Dims: []string{}, Metrics: cur[0].Metrics, Cmp: prev[0].Metrics}}}, nil
}

func pgChart(ctx context.Context, q pgQuerier, w window) (*answer, error) {
	cur, err := pgRows(ctx, q, 1, sqlChart, pgSite, w.From, w.To, siteTimezone)
	if err != nil {
		return nil, err
	}
	prev, err := pgRows(ctx, q, 1, sqlChart, pgSite, w.PrevFrom, w.PrevTo, siteTimezone)
	if err != nil {
		return nil, err
	}
	// Each day is compared with the day at the same place of the
	// previous period.
	byDay := map[string][]float64{}
	for _, r := range prev {
		byDay[r.Dims[0]] = r.Metrics
	}
	for i := range cur {
		cmp := []float64{0}
		for j, d := range w.Days {
			if d == cur[i].Dims[0] {
				if v, ok := byDay[w.PrevDays[j]]; ok {
					cmp = v
				}
			}
		}
		cur[i].Cmp = cmp
	}
	return &answer{Rows: cur}, nil
}

func pgSources(ctx context.Context, q pgQuerier, w window) (*answer, error) {
	rows, err := pgRows(ctx, q, 1, sqlSources, pgSite, w.From, w.To)
	return &answer{Rows: rows}, err
}

func pgPages(google bool) func(ctx context.Context, q pgQuerier, w window) (*answer, error) {
	return func(ctx context.Context, q pgQuerier, w window) (*answer, error) {
		if google {
			rows, err := pgRows(ctx, q, 1, sqlPagesBySource, pgSite, w.From, w.To, "Google")
			return &answer{Rows: rows}, err
		}
		rows, err := pgRows(ctx, q, 1, sqlPages, pgSite, w.From, w.To)
		return &answer{Rows: rows}, err
	}
}

func pgShare(col string) func(ctx context.Context, q pgQuerier, w window) (*answer, error) {
	switch col {
	case "country", "device", "browser", "os", "source":
	default:
		panic("pgShare: column " + col + " is not allowed")
	}
	sql := fmt.Sprintf(sqlShare, col)
	return func(ctx context.Context, q pgQuerier, w window) (*answer, error) {
		rows, err := pgRows(ctx, q, 1, sql, pgSite, w.From, w.To)
		return &answer{Rows: rows}, err
	}
}

func pgEventNames(ctx context.Context, q pgQuerier, w window) (*answer, error) {
	rows, err := pgRows(ctx, q, 1, sqlEventNames, pgSite, w.From, w.To)
	return &answer{Rows: rows}, err
}

var sqlGoalsText = func() string {
	var items []string
	lit := func(s string) string {
		if s == "" {
			return "NULL"
		}
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	for _, g := range benchGoals {
		typ := 2
		if g.Page != "" {
			typ = 1
		}
		items = append(items, fmt.Sprintf("(%s, %d, %s, %s)", lit(g.Name), typ, lit(g.Event), lit(g.Regexp)))
	}
	return fmt.Sprintf(sqlGoals, strings.Join(items, ", "))
}()

func pgGoals(ctx context.Context, q pgQuerier, w window) (*answer, error) {
	rows, err := pgRows(ctx, q, 1, sqlGoalsText, pgSite, w.From, w.To)
	return &answer{Rows: rows}, err
}

func pgKPIsHome(ctx context.Context, q pgQuerier, w window) (*answer, error) {
	period := func(from, to time.Time) ([]float64, error) {
		ev, err := pgRows(ctx, q, 0, sqlPageEvents, pgSite, from, to, "/")
		if err != nil {
			return nil, err
		}
		vi, err := pgRows(ctx, q, 0, sqlPageVisits, pgSite, from, to, "/")
		if err != nil {
			return nil, err
		}
		en, err := pgRows(ctx, q, 0, sqlPageEntries, pgSite, from, to, "/")
		if err != nil {
			return nil, err
		}
		// visitors, visits, pageviews, bounce_rate, visit_duration
		return []float64{ev[0].Metrics[0], vi[0].Metrics[0], ev[0].Metrics[1], en[0].Metrics[0], vi[0].Metrics[1]}, nil
	}
	cur, err := period(w.From, w.To)
	if err != nil {
		return nil, err
	}
	prev, err := period(w.PrevFrom, w.PrevTo)
	if err != nil {
		return nil, err
	}
	return &answer{Rows: []ansRow{{Dims: []string{}, Metrics: cur, Cmp: prev}}}, nil
}

// pgRows runs sql and reads ndims text columns, then numbers.
func pgRows(ctx context.Context, q pgQuerier, ndims int, sql string, args ...any) ([]ansRow, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	defer rows.Close()
	var out []ansRow
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		r := ansRow{Dims: make([]string, 0, ndims)}
		for i, v := range vals {
			if i < ndims {
				s, _ := v.(string)
				r.Dims = append(r.Dims, s)
				continue
			}
			f, err := toFloat(v)
			if err != nil {
				return nil, fmt.Errorf("postgres: column %d: %w", i, err)
			}
			r.Metrics = append(r.Metrics, f)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return out, nil
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case float64:
		return x, nil
	case pgtype.Numeric:
		f, err := x.Float64Value()
		if err != nil {
			return 0, err
		}
		if !f.Valid {
			return 0, nil
		}
		return f.Float64, nil
	}
	return math.NaN(), fmt.Errorf("unexpected value %T %v", v, v)
}

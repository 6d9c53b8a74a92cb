package stats

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/goals"
)

// Metrics a query may ask for.
const (
	mVisitors      = "visitors"
	mVisits        = "visits"
	mPageviews     = "pageviews"
	mViewsPerVisit = "views_per_visit"
	mBounceRate    = "bounce_rate"
	mVisitDuration = "visit_duration"
	mEvents        = "events"
	mPercentage    = "percentage"
	mTimeOnPage    = "time_on_page"
	mScrollDepth   = "scroll_depth"
	mConversion    = "conversion_rate"
	mGroupConv     = "group_conversion_rate"
	mRevenue       = "total_revenue"
	mAvgRevenue    = "average_revenue"
)

// allMetrics lists the metrics, for messages.
const allMetrics = "visitors, visits, pageviews, views_per_visit, bounce_rate, visit_duration, time_on_page, " +
	"scroll_depth, events, conversion_rate, group_conversion_rate, total_revenue, average_revenue, percentage"

// sessionMetric reports whether m describes whole visits.
func sessionMetric(m string) bool {
	return m == mBounceRate || m == mVisitDuration || m == mViewsPerVisit
}

// engagementMetric reports whether m comes from engagement events.
func engagementMetric(m string) bool { return m == mTimeOnPage || m == mScrollDepth }

// goalMetric reports whether m needs goals: an event:goal dimension or filter.
func goalMetric(m string) bool {
	return m == mConversion || m == mGroupConv || m == mRevenue || m == mAvgRevenue
}

// derivedMetric reports whether m is worked out from other aggregates.
func derivedMetric(m string) bool { return m == mPercentage || m == mConversion || m == mGroupConv }

func knownMetric(m string) bool {
	switch m {
	case mVisitors, mVisits, mPageviews, mViewsPerVisit, mBounceRate, mVisitDuration, mEvents, mPercentage:
		return true
	}
	return engagementMetric(m) || goalMetric(m)
}

// plan is a validated query, ready to run.
type plan struct {
	metrics  []string
	dims     []dimension
	filters  []*filter // and-ed
	period   period
	compare  *period
	order    []orderTerm
	limit    int
	offset   int
	include  Include
	timeDim  int  // index of the time dimension, -1 without
	eventDim bool // a dimension is on events
	// What the filters are on (has_done/has_not_done conditions aside).
	eventFilter, visitFilter, pageFilter bool
	goalFilter                           bool // a top-level filter is on event:goal
	goals                                []goals.Goal
	// revenue is the revenue goals that total_revenue and average_revenue
	// sum without an event:goal dimension, and their currency.
	revenue         []*goals.Goal
	revenueCurrency string
}

type orderTerm struct {
	key  string // a metric or dimension of the query
	desc bool
}

// newPlan validates q for a site in time zone tz at time now; earliest is
// the site's first event (for "all"), gs its goals.
func newPlan(q *Query, tz string, now, earliest time.Time, gs []goals.Goal) (*plan, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("site time zone %q: %w", tz, err)
	}
	p := &plan{timeDim: -1, include: q.Include, limit: maxLimit, goals: gs}
	if len(q.Metrics) == 0 {
		return nil, invalidf("metrics: at least one metric is required")
	}
	for _, m := range q.Metrics {
		if !knownMetric(m) {
			return nil, invalidf("metrics: unknown metric %q (%s)", m, allMetrics)
		}
		if slices.Contains(p.metrics, m) {
			return nil, invalidf("metrics: %q is listed twice", m)
		}
		p.metrics = append(p.metrics, m)
	}
	for i, name := range q.Dimensions {
		d, err := lookupDimension(name)
		if err != nil {
			return nil, invalidf("dimensions: %v", err)
		}
		if slices.ContainsFunc(p.dims, func(x dimension) bool { return x.name == name }) {
			return nil, invalidf("dimensions: %q is listed twice", name)
		}
		switch d.level {
		case levelTime:
			if p.timeDim >= 0 {
				return nil, invalidf("dimensions: only one time dimension is allowed, not %s and %s", p.dims[p.timeDim].name, name)
			}
			p.timeDim = i
		case levelEvent:
			p.eventDim = true
		}
		p.dims = append(p.dims, d)
	}
	for i, raw := range q.Filters {
		f, err := parseFilter(raw, fmt.Sprintf("filters[%d]", i))
		if err != nil {
			return nil, err
		}
		if err := checkFilter(f, fmt.Sprintf("filters[%d]", i)); err != nil {
			return nil, err
		}
		p.filters = append(p.filters, f)
	}
	p.classifyFilters()
	if p.period, err = resolveRange(q.DateRange, loc, now, earliest); err != nil {
		return nil, err
	}
	if p.timeDim >= 0 && p.dims[p.timeDim].grain == "" {
		p.dims[p.timeDim].grain = autoGrain(p.period)
	}
	if err := p.checkGoals(); err != nil {
		return nil, err
	}
	if err := p.checkCombinations(); err != nil {
		return nil, err
	}
	if err := p.parseOrder(q.OrderBy); err != nil {
		return nil, err
	}
	if pg := q.Pagination; pg != nil {
		if pg.Limit < 1 || pg.Limit > maxLimit {
			return nil, invalidf("pagination.limit must be between 1 and %d", maxLimit)
		}
		if pg.Offset < 0 {
			return nil, invalidf("pagination.offset must not be negative")
		}
		p.limit, p.offset = pg.Limit, pg.Offset
	}
	if q.Include.TimeLabels && p.timeDim < 0 {
		return nil, invalidf("include.time_labels needs a time dimension")
	}
	if q.Include.TotalRows && len(p.dims) == 0 {
		return nil, invalidf("include.total_rows needs a dimension")
	}
	if c := q.Include.Comparisons; c != nil {
		cp, err := comparison(c, p.period)
		if err != nil {
			return nil, err
		}
		p.compare = &cp
	}
	return p, nil
}

// classifyFilters notes what the plan's filters are on.
func (p *plan) classifyFilters() {
	p.eventFilter, p.visitFilter, p.pageFilter, p.goalFilter = false, false, false, false
	for _, f := range p.filters {
		for _, d := range f.dims(nil) {
			switch {
			case d == "event:page":
				p.pageFilter, p.eventFilter = true, true
			case d == "event:goal":
				p.goalFilter, p.eventFilter = true, true
			case strings.HasPrefix(d, "event:"):
				p.eventFilter = true
			default:
				p.visitFilter = true
			}
		}
	}
}

// withoutGoalFilters is p without its top-level filters on event:goal:
// the visitors a conversion rate divides by.
func (p *plan) withoutGoalFilters() *plan {
	q := *p
	q.filters = slices.DeleteFunc(slices.Clone(p.filters), func(f *filter) bool {
		return slices.Contains(f.dims(nil), "event:goal")
	})
	q.classifyFilters()
	return &q
}

// checkFilter refuses what a filter cannot mean: an "or"/"not" mixing
// visit and event dimensions, and regular expressions that do not compile.
func checkFilter(f *filter, path string) error {
	switch f.op {
	case "or", "not":
		ev, vi := false, false
		for _, d := range f.dims(nil) {
			if strings.HasPrefix(d, "event:") {
				ev = true
			} else {
				vi = true
			}
		}
		if ev && vi {
			return invalidf("%s: %q cannot mix visit and event dimensions; combine them with \"and\" at the top level", path, f.op)
		}
	case "matches", "matches_not":
		for _, v := range f.values {
			if _, err := regexp.Compile(v); err != nil {
				return invalidf("%s: %q is not a valid regular expression: %v", path, v, err)
			}
		}
	}
	for i, c := range f.children {
		if err := checkFilter(c, fmt.Sprintf("%s[1][%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// autoGrain picks the buckets of the dimension "time" for a period.
func autoGrain(p period) string {
	switch d := p.To.Sub(p.From); {
	case d <= 48*time.Hour:
		return "hour"
	case d <= 93*24*time.Hour:
		return "day"
	}
	return "month"
}

// checkCombinations refuses metric and dimension combinations without a
// meaning, as Plausible does.
func (p *plan) checkCombinations() error {
	var eventDims []string
	pageDim := false
	for _, d := range p.dims {
		if d.level == levelEvent {
			if d.name == "event:page" {
				pageDim = true
			} else {
				eventDims = append(eventDims, d.name)
			}
		}
	}
	var engagementOff string // a dimension engagement events do not carry
	for _, d := range eventDims {
		if d != "event:hostname" {
			engagementOff = d
		}
	}
	for _, f := range p.filters {
		for _, d := range f.dims(nil) {
			if strings.HasPrefix(d, "event:") && d != "event:page" && d != "event:hostname" {
				engagementOff = d
			}
		}
	}
	for _, m := range p.metrics {
		switch {
		case engagementMetric(m) && engagementOff != "":
			return invalidf("metric %s comes from page engagement and cannot be queried with %s (only event:page and event:hostname among event dimensions)", m, engagementOff)
		case m == mViewsPerVisit && (pageDim || len(eventDims) > 0):
			return invalidf("metric views_per_visit cannot be queried with event dimensions")
		case m == mViewsPerVisit && p.pageFilter:
			return invalidf("metric views_per_visit cannot be queried with a filter on event:page")
		case sessionMetric(m) && len(eventDims) > 0:
			return invalidf("session metric %s cannot be queried with event dimension %s", m, eventDims[0])
		case m == mPercentage && len(p.dims) == 0:
			return invalidf("metric percentage needs a dimension")
		}
	}
	return nil
}

// parseOrder validates order_by; by default rows come by the first
// metric, largest first, or by time when there is a time dimension.
func (p *plan) parseOrder(terms [][]string) error {
	for i, t := range terms {
		if len(t) != 2 || (t[1] != "asc" && t[1] != "desc") {
			return invalidf("order_by[%d] must be [\"<metric or dimension>\", \"asc\" | \"desc\"]", i)
		}
		if !slices.Contains(p.metrics, t[0]) && !slices.ContainsFunc(p.dims, func(d dimension) bool { return d.name == t[0] }) {
			return invalidf("order_by[%d]: %q is neither a metric nor a dimension of the query", i, t[0])
		}
		p.order = append(p.order, orderTerm{key: t[0], desc: t[1] == "desc"})
	}
	if len(p.order) == 0 {
		if p.timeDim >= 0 {
			p.order = append(p.order, orderTerm{key: p.dims[p.timeDim].name})
		}
		if len(p.dims) > 0 {
			p.order = append(p.order, orderTerm{key: p.metrics[0], desc: true})
		}
	}
	return nil
}

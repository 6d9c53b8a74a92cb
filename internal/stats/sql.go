package stats

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Two sources answer a query. Session metrics (visits, bounce rate,
// duration, views per visit) come from visits, whose dimensions are those
// of each visit's first event; a visit belongs to the period in which it
// started. Event metrics under event dimensions or event filters come
// from events in the period. Without either, every metric comes from
// visits alone, one scan.

// countedKinds are the events that count as events (pageviews and custom
// events; not engagement, identify, group or alias).
const countedKinds = "('pageview', 'custom')"

// builder accumulates SQL arguments.
type builder struct {
	args []any
	site string
	p    *plan
	per  period
}

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return "?"
}

// source says which tables a SELECT reads: visits as v, events as e.
type source struct {
	visits     bool // FROM visits v (else FROM events e)
	engagement bool // engagement events, per visit and page
	joinVisit  bool // events joined to their visit
	entryRule  bool // event:page conditions read the visit's entry page
}

// eventBase is the condition on events of the period.
func (b *builder) eventBase(alias string) string {
	return fmt.Sprintf("%[1]s.site_id = %[2]s AND %[1]s.ts >= %[3]s AND %[1]s.ts < %[4]s AND %[1]s.kind IN %[5]s",
		alias, b.arg(b.site), b.arg(b.per.From), b.arg(b.per.To), countedKinds)
}

// dimExpr is the SQL value of dimension d in src.
func (b *builder) dimExpr(d dimension, src source) string {
	switch d.level {
	case levelVisit:
		return "v." + d.col
	case levelTime:
		col := "e.ts"
		if src.visits {
			col = "v.started_at"
		}
		return b.bucket(col, d.grain)
	}
	if src.visits { // event:page under the entry-page rule
		return "v.entry_page"
	}
	if d.prop != "" {
		return fmt.Sprintf("coalesce(e.props[%s], '(none)')", b.arg(d.prop))
	}
	return "e." + d.col
}

// bucket labels the time of col in the site's zone: "2026-01-31 13:00:00"
// by hour, "2026-01-31" by day, the week's Monday, the month's first day
// (never before the period's first day).
func (b *builder) bucket(col, grain string) string {
	local := b.localTime(col)
	switch grain {
	case "hour":
		return fmt.Sprintf("CAST(date_trunc('hour', %s) AS VARCHAR)", local)
	case "day":
		return fmt.Sprintf("CAST(CAST(%s AS DATE) AS VARCHAR)", local)
	}
	first := b.per.From.In(b.per.loc).Format(time.DateOnly)
	return fmt.Sprintf("CAST(CAST(greatest(date_trunc('%s', %s), TIMESTAMP '%s') AS DATE) AS VARCHAR)", grain, local, first)
}

// localTime is col, a UTC time of the period, as wall-clock time in the
// site's zone: the zone's offsets during the period added by range, which
// costs a comparison per row where DuckDB's timezone() costs a zone lookup
// (a thirty-day chart took seven times as long).
func (b *builder) localTime(col string) string {
	spans := zoneSpans(b.per.From, b.per.To, b.per.loc)
	if len(spans) == 1 && spans[0].offset == 0 {
		return col
	}
	var sb strings.Builder
	sb.WriteString(col + " + to_seconds(")
	if len(spans) > 1 {
		sb.WriteString("CASE")
	}
	for _, s := range spans {
		if s.until.IsZero() {
			if len(spans) > 1 {
				sb.WriteString(" ELSE ")
			}
			sb.WriteString(strconv.Itoa(s.offset))
			break
		}
		fmt.Fprintf(&sb, " WHEN %s < TIMESTAMP '%s' THEN %d", col, s.until.UTC().Format(time.DateTime), s.offset)
	}
	if len(spans) > 1 {
		sb.WriteString(" END")
	}
	sb.WriteString(")")
	return sb.String()
}

// zoneSpan is a UTC offset (seconds) of a zone and the instant it ends;
// the last span of a period has a zero end.
type zoneSpan struct {
	offset int
	until  time.Time
}

// zoneSpans lists the offsets loc has in effect from from to to, in order.
func zoneSpans(from, to time.Time, loc *time.Location) []zoneSpan {
	var out []zoneSpan
	for t := from.In(loc); ; {
		_, offset := t.Zone()
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			return append(out, zoneSpan{offset: offset})
		}
		out = append(out, zoneSpan{offset, end})
		t = end
	}
}

// where renders the query's filters for src, and-ed.
func (b *builder) where(src source) string {
	var parts []string
	for _, f := range b.p.filters {
		parts = append(parts, b.filterSQL(f, src))
	}
	if len(parts) == 0 {
		return ""
	}
	return " AND " + strings.Join(parts, " AND ")
}

func (b *builder) filterSQL(f *filter, src source) string {
	switch f.op {
	case "and", "or":
		parts := make([]string, len(f.children))
		for i, c := range f.children {
			parts[i] = b.filterSQL(c, src)
		}
		return "(" + strings.Join(parts, " "+strings.ToUpper(f.op)+" ") + ")"
	case "not":
		return "NOT " + b.filterSQL(f.children[0], src)
	case "has_done", "has_not_done":
		in := "IN"
		if f.op == "has_not_done" {
			in = "NOT IN"
		}
		who := "e.visitor_key"
		if src.visits {
			who = "v.visitor_key"
		}
		return fmt.Sprintf("%s %s (SELECT e.visitor_key FROM events e WHERE %s AND %s)",
			who, in, b.eventBase("e"), b.filterSQL(f.children[0], source{}))
	}
	d, _ := lookupDimension(f.dim)
	if d.name == "event:goal" {
		if src.visits {
			return fmt.Sprintf("v.visit_id IN (SELECT e.visit_id FROM events e WHERE %s AND %s)", b.eventBase("e"), b.goalFilter(f))
		}
		return b.goalFilter(f)
	}
	if d.level == levelEvent && src.visits {
		if src.entryRule && d.name == "event:page" {
			return b.condition("v.entry_page", f)
		}
		// A visit matches when one of its events does.
		return fmt.Sprintf("v.visit_id IN (SELECT e.visit_id FROM events e WHERE %s AND %s)",
			b.eventBase("e"), b.condition(b.dimExpr(d, source{}), f))
	}
	return b.condition(b.dimExpr(d, src), f)
}

// condition is f's operator applied to the SQL value expr.
func (b *builder) condition(raw string, f *filter) string {
	expr := raw
	if f.caseless {
		expr = "lower(" + raw + ")"
	}
	val := func(v string) string {
		if f.caseless {
			return "lower(" + b.arg(v) + ")"
		}
		return b.arg(v)
	}
	var parts []string
	negate := strings.HasSuffix(f.op, "_not")
	switch strings.TrimSuffix(f.op, "_not") {
	case "is":
		vs := make([]string, len(f.values))
		for i, v := range f.values {
			vs[i] = val(v)
		}
		parts = []string{expr + " IN (" + strings.Join(vs, ", ") + ")"}
	case "contains":
		for _, v := range f.values {
			parts = append(parts, "contains("+expr+", "+val(v)+")")
		}
	case "matches":
		for _, v := range f.values {
			if f.caseless {
				v = "(?i)" + v
			}
			parts = append(parts, "regexp_matches("+raw+", "+b.arg(v)+")")
		}
	}
	sql := "(" + strings.Join(parts, " OR ") + ")"
	if negate {
		return "NOT " + sql
	}
	return sql
}

// metricExpr is the SQL aggregate of metric m in src; "" when src cannot
// give it.
func (b *builder) metricExpr(m string, src source) string {
	if src.visits {
		switch m {
		case mVisitors:
			return "count(DISTINCT v.visitor_key)"
		case mVisits:
			return "count(*)"
		case mPageviews:
			return "coalesce(sum(v.pageviews), 0)"
		case mEvents:
			return "coalesce(sum(v.events), 0)"
		case mViewsPerVisit:
			return "coalesce(round(sum(v.pageviews) / count(*), 2), 0)"
		case mBounceRate:
			return "coalesce(round(100.0 * count_if(v.is_bounce) / count(*)), 0)"
		case mVisitDuration:
			return "coalesce(round(avg(v.duration_s)), 0)"
		}
		return ""
	}
	switch m {
	case mVisitors:
		return "count(DISTINCT e.visitor_key)"
	case mVisits:
		return "count(DISTINCT e.visit_id)"
	case mPageviews:
		return "count_if(e.kind = 'pageview')"
	case mEvents:
		return "count(*)"
	case mRevenue:
		return b.revenueExpr("sum")
	case mAvgRevenue:
		return b.revenueExpr("avg")
	}
	return ""
}

// selectSQL is one aggregate over src grouped by the query's dimensions.
func (b *builder) selectSQL(src source, metrics []string) string {
	var cols, groups []string
	for i, d := range b.p.dims {
		cols = append(cols, fmt.Sprintf("%s AS d%d", b.dimExpr(d, src), i))
		groups = append(groups, fmt.Sprintf("d%d", i))
	}
	if src.engagement {
		return b.engagementSQL(src, cols, groups, metrics)
	}
	for _, m := range metrics {
		cols = append(cols, "CAST("+b.metricExpr(m, src)+" AS DOUBLE)")
	}
	var sb strings.Builder
	sb.WriteString("SELECT " + strings.Join(cols, ", "))
	switch {
	case src.visits:
		sb.WriteString(fmt.Sprintf(" FROM visits v WHERE v.site_id = %s AND v.started_at >= %s AND v.started_at < %s",
			b.arg(b.site), b.arg(b.per.From), b.arg(b.per.To)))
	case b.p.goalDim() >= 0:
		if len(b.p.goals) == 0 {
			sb.WriteString(" FROM (SELECT *, CAST(NULL AS STRUCT(name VARCHAR, currency VARCHAR)) AS goal FROM events e WHERE FALSE) e WHERE FALSE")
			break
		}
		sb.WriteString(" FROM " + b.goalEvents())
		b.joinVisit(&sb, src)
		sb.WriteString(" WHERE e.goal IS NOT NULL")
	default:
		sb.WriteString(" FROM events e")
		b.joinVisit(&sb, src)
		sb.WriteString(" WHERE " + b.eventBase("e"))
	}
	sb.WriteString(b.where(src))
	if len(groups) > 0 {
		sb.WriteString(" GROUP BY " + strings.Join(groups, ", "))
	}
	return sb.String()
}

func (b *builder) joinVisit(sb *strings.Builder, src source) {
	if src.joinVisit {
		sb.WriteString(" JOIN visits v ON v.visit_id = e.visit_id AND v.site_id = e.site_id")
	}
}

// engagementSQL answers time_on_page (engaged seconds per visit on a page,
// averaged over the visit-page pairs) and scroll_depth (the deepest scroll
// of each pair, averaged) from engagement events; cols and groups are the
// dimensions'.
func (b *builder) engagementSQL(src source, cols, groups, metrics []string) string {
	var sb strings.Builder
	sb.WriteString("SELECT " + strings.Join(append(cols, "sum(e.engaged_ms) AS ms", "max(e.scroll_depth) AS depth"), ", "))
	sb.WriteString(" FROM events e")
	b.joinVisit(&sb, src)
	sb.WriteString(fmt.Sprintf(" WHERE e.site_id = %s AND e.ts >= %s AND e.ts < %s AND e.kind = 'engagement'",
		b.arg(b.site), b.arg(b.per.From), b.arg(b.per.To)))
	sb.WriteString(b.where(src))
	sb.WriteString(" GROUP BY " + strings.Join(append(slices.Clone(groups), "e.visit_id", "e.pathname"), ", "))
	outer := slices.Clone(groups)
	for _, m := range metrics {
		switch m {
		case mTimeOnPage:
			outer = append(outer, "CAST(round(sum(ms) / 1000.0 / count(*)) AS DOUBLE)")
		case mScrollDepth:
			outer = append(outer, "CAST(round(avg(depth)) AS DOUBLE)")
		}
	}
	q := "SELECT " + strings.Join(outer, ", ") + " FROM (" + sb.String() + ")"
	if len(groups) > 0 {
		q += " GROUP BY " + strings.Join(groups, ", ")
	}
	return q
}

package stats

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mopshq/mops/internal/goals"
)

// goalDim is the index of the event:goal dimension, -1 without.
func (p *plan) goalDim() int {
	return slices.IndexFunc(p.dims, func(d dimension) bool { return d.name == "event:goal" })
}

// checkGoals refuses goal metrics without an event:goal dimension or
// filter, and picks the revenue goals a query without the dimension sums:
// those its top-level event:goal filters select, all in one currency.
func (p *plan) checkGoals() error {
	goalDim := p.goalDim() >= 0
	for _, m := range p.metrics {
		if goalMetric(m) && !goalDim && !p.goalFilter {
			return invalidf("metric %s needs an event:goal dimension or an event:goal filter", m)
		}
	}
	if goalDim || (!slices.Contains(p.metrics, mRevenue) && !slices.Contains(p.metrics, mAvgRevenue)) {
		return nil
	}
	for _, f := range p.filters {
		if f.dim != "event:goal" || strings.HasSuffix(f.op, "_not") {
			continue
		}
		for _, g := range p.selectGoals(f) {
			if g.Currency == "" || slices.Contains(p.revenue, g) {
				continue
			}
			if p.revenueCurrency != "" && g.Currency != p.revenueCurrency {
				return invalidf("total_revenue and average_revenue need revenue goals of one currency: the filters select goals in %s and %s", p.revenueCurrency, g.Currency)
			}
			p.revenue, p.revenueCurrency = append(p.revenue, g), g.Currency
		}
	}
	return nil
}

// selectGoals lists the site's goals whose names f's values select ("is"
// and "contains", negation aside).
func (p *plan) selectGoals(f *filter) []*goals.Goal {
	var out []*goals.Goal
	for i := range p.goals {
		g := &p.goals[i]
		name := g.DisplayName
		if f.caseless {
			name = strings.ToLower(name)
		}
		for _, v := range f.values {
			if f.caseless {
				v = strings.ToLower(v)
			}
			if (strings.HasPrefix(f.op, "is") && name == v) || (strings.HasPrefix(f.op, "contains") && strings.Contains(name, v)) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// goalCond is the condition under which event e reaches g.
func (b *builder) goalCond(g *goals.Goal) string {
	if g.IsPage() && !strings.Contains(g.PagePath, "*") { // an equality costs half a regular expression
		return "(e.kind = 'pageview' AND e.pathname = " + b.arg(g.PagePath) + ")"
	}
	if g.IsPage() {
		return "(e.kind = 'pageview' AND regexp_matches(e.pathname, " + b.arg(goals.PathPattern(g.PagePath)) + "))"
	}
	return "(e.kind = 'custom' AND e.name = " + b.arg(g.EventName) + ")"
}

// anyGoal is the condition under which e reaches one of gs.
func (b *builder) anyGoal(gs []*goals.Goal) string {
	if len(gs) == 0 {
		return "FALSE"
	}
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = b.goalCond(g)
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// goalFilter is an event:goal filter as a condition on event e.
func (b *builder) goalFilter(f *filter) string {
	cond := b.anyGoal(b.p.selectGoals(f))
	if strings.HasSuffix(f.op, "_not") {
		return "NOT " + cond
	}
	return cond
}

// goalEvents is the FROM item of events under an event:goal dimension:
// the period's events, one row for each goal an event reaches, with
// goal.name and goal.currency.
func (b *builder) goalEvents() string {
	gs := make([]*goals.Goal, len(b.p.goals))
	items := make([]string, len(b.p.goals))
	for i := range b.p.goals {
		g := &b.p.goals[i]
		gs[i] = g
		items[i] = fmt.Sprintf("CASE WHEN %s THEN {'name': %s, 'currency': %s} END", b.goalCond(g), b.arg(g.DisplayName), b.arg(g.Currency))
	}
	return fmt.Sprintf("(SELECT *, unnest([%s]) AS goal FROM events e WHERE %s AND %s) e",
		strings.Join(items, ", "), b.eventBase("e"), b.anyGoal(gs))
}

// revenueExpr is total_revenue (sum) or average_revenue (avg) of events e.
func (b *builder) revenueExpr(agg string) string {
	cond := "e.revenue_currency = e.goal.currency"
	if b.p.goalDim() < 0 {
		cond = "FALSE"
		if len(b.p.revenue) > 0 {
			cond = "e.revenue_currency = " + b.arg(b.p.revenueCurrency) + " AND " + b.anyGoal(b.p.revenue)
		}
	}
	return fmt.Sprintf("coalesce(round(%s(e.revenue_amount) FILTER (WHERE %s), 2), 0)", agg, cond)
}

// addConversionRates works out conversion_rate (visitors of the row over
// all visitors of the period) and group_conversion_rate (over the
// visitors of the row's group: its dimensions but the goal), where the
// visitors are counted without the event:goal filters.
func addConversionRates(rows []*aggRow, p *plan, totals func(np *plan, dims []dimension) ([]*aggRow, error)) error {
	np := p.withoutGoalFilters()
	rate := func(part, whole float64) float64 {
		if whole == 0 {
			return 0
		}
		return math.Round(10000*part/whole) / 100
	}
	if slices.Contains(p.metrics, mConversion) {
		all, err := totals(np, nil)
		if err != nil {
			return err
		}
		whole := 0.0
		if len(all) > 0 {
			whole = all[0].vals[mVisitors]
		}
		for _, r := range rows {
			r.vals[mConversion] = rate(r.vals[mVisitors], whole)
		}
	}
	if slices.Contains(p.metrics, mGroupConv) {
		gi := p.goalDim()
		dims := slices.Clone(p.dims)
		if gi >= 0 {
			dims = slices.Delete(dims, gi, gi+1)
		}
		groups, err := totals(np, dims)
		if err != nil {
			return err
		}
		whole := make(map[string]float64, len(groups))
		for _, g := range groups {
			whole[g.key()] = g.vals[mVisitors]
		}
		for _, r := range rows {
			key := r.dims
			if gi >= 0 {
				key = slices.Delete(slices.Clone(key), gi, gi+1)
			}
			r.vals[mGroupConv] = rate(r.vals[mVisitors], whole[strings.Join(key, "\x00")])
		}
	}
	return nil
}

package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// answer is a query's result reduced to what both systems give: rows of
// dimension values and metrics, with the comparison period's metrics.
type answer struct {
	Rows []ansRow
}

type ansRow struct {
	Dims    []string
	Metrics []float64
	Cmp     []float64 // the comparison period's metrics; nil without
}

// tolerance is how far two values of a rounded metric may be apart: one
// unit of its rounding, which the two systems may do differently at a
// half (DuckDB rounds a double, PostgreSQL an exact numeric). Counts must
// be equal.
func tolerance(metric string) float64 {
	switch metric {
	case "views_per_visit", "conversion_rate":
		return 0.0101
	case "percentage":
		return 0.101
	case "bounce_rate", "visit_duration":
		return 1.01
	}
	return 0
}

// diffAnswers lists the differences between mops's and PostgreSQL's
// answers to one query.
func diffAnswers(metrics []string, mops, pg *answer) []string {
	var out []string
	if len(mops.Rows) != len(pg.Rows) {
		out = append(out, fmt.Sprintf("mops has %d rows, PostgreSQL %d", len(mops.Rows), len(pg.Rows)))
	}
	for i := range min(len(mops.Rows), len(pg.Rows)) {
		a, b := mops.Rows[i], pg.Rows[i]
		label := strings.Join(a.Dims, "/")
		if label == "" {
			label = "total"
		}
		if !slices.Equal(a.Dims, b.Dims) {
			out = append(out, fmt.Sprintf("row %d: mops %q, PostgreSQL %q", i+1, a.Dims, b.Dims))
			continue
		}
		cmpMetrics := func(what string, x, y []float64) {
			if len(x) != len(y) {
				out = append(out, fmt.Sprintf("%s %s: mops %d values, PostgreSQL %d", label, what, len(x), len(y)))
				return
			}
			for j := range x {
				name := fmt.Sprint(j)
				if j < len(metrics) {
					name = metrics[j]
				}
				if math.Abs(x[j]-y[j]) > tolerance(name) {
					out = append(out, fmt.Sprintf("%s %s%s: mops %v, PostgreSQL %v", label, name, what, x[j], y[j]))
				}
			}
		}
		cmpMetrics("", a.Metrics, b.Metrics)
		if a.Cmp != nil || b.Cmp != nil {
			cmpMetrics(" (previous period)", a.Cmp, b.Cmp)
		}
	}
	return out
}

// compareAnswers checks every query's answers of both systems and
// returns the differences, each prefixed with the query.
func compareAnswers(qs *querySet, rep *report) []string {
	var out []string
	rows := 0
	for _, p := range qs.singles {
		ma, pa := qs.mops[p.name], qs.pg[p.name]
		if ma == nil || pa == nil {
			out = append(out, fmt.Sprintf("%s: no answer from %s", p.name, map[bool]string{true: "mops", false: "PostgreSQL"}[ma == nil]))
			continue
		}
		rows += len(ma.Rows)
		for _, d := range diffAnswers(p.metrics, ma, pa) {
			out = append(out, p.name+": "+d)
		}
	}
	rep.RowsCompared = rows
	return out
}

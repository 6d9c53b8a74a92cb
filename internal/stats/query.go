// Package stats answers website analytics queries (POST /api/v2/query,
// shaped like Plausible's Stats API v2) from the warehouse's events and
// visits.
package stats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// Query is a stats query as POST /api/v2/query takes it.
type Query struct {
	SiteID     string            `json:"site_id"`
	Metrics    []string          `json:"metrics"`
	DateRange  json.RawMessage   `json:"date_range"`
	Dimensions []string          `json:"dimensions,omitempty"`
	Filters    []json.RawMessage `json:"filters,omitempty"`
	OrderBy    [][]string        `json:"order_by,omitempty"`
	Pagination *Pagination       `json:"pagination,omitempty"`
	Include    Include           `json:"include"`
}

// Pagination selects a page of the results.
type Pagination struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// Include asks for more than the results.
type Include struct {
	// Imports is accepted for compatibility: every event mops holds,
	// imported logs included, is always counted.
	Imports bool `json:"imports,omitempty"`
	// TimeLabels lists every bucket of the time dimension in meta, empty
	// ones included.
	TimeLabels bool `json:"time_labels,omitempty"`
	// TotalRows reports in meta how many rows there are before pagination.
	TotalRows bool `json:"total_rows,omitempty"`
	// Comparisons adds each row's values in another period and the change.
	Comparisons *Comparisons `json:"comparisons,omitempty"`
}

// Comparisons selects the period results are compared with.
type Comparisons struct {
	// Mode is previous_period, year_over_year or custom.
	Mode string `json:"mode"`
	// DateRange is the period of mode custom: two dates.
	DateRange []string `json:"date_range,omitempty"`
	// MatchDayOfWeek shifts the previous period so weekdays line up.
	MatchDayOfWeek bool `json:"match_day_of_week,omitempty"`
}

// maxLimit bounds a page of results.
const maxLimit = 10000

// ParseQuery decodes a query, refusing unknown fields.
func ParseQuery(r io.Reader) (*Query, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var q Query
	if err := dec.Decode(&q); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return nil, err // answered 413
		case errors.As(err, &se):
			return nil, invalidf("malformed JSON at byte %d: %v", se.Offset, err)
		case errors.As(err, &te):
			return nil, invalidf("field %s must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return nil, invalidf("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		case errors.Is(err, io.EOF):
			return nil, invalidf("empty body: a JSON query is required")
		}
		return nil, invalidf("malformed JSON: %v", err)
	}
	if dec.More() {
		return nil, invalidf("malformed JSON: more than one value in the body")
	}
	return &q, nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "int", "int64":
		return "an integer"
	case "bool":
		return "true or false"
	case "struct", "map":
		return "an object"
	}
	return goKind
}

// InvalidError is a query the API refuses; its message names the bad part.
type InvalidError struct{ Message string }

func (e *InvalidError) Error() string { return e.Message }

func invalidf(format string, args ...any) error {
	return &InvalidError{Message: fmt.Sprintf(format, args...)}
}

// filter is one parsed filter: a condition on a dimension, or a logical
// combination of filters.
type filter struct {
	op       string // is, is_not, contains, contains_not, matches, matches_not, and, or, not, has_done, has_not_done
	dim      string
	values   []string
	caseless bool
	children []*filter
}

// parseFilter parses one filter of the query, as JSON, at path (for
// messages, e.g. "filters[1]").
func parseFilter(raw json.RawMessage, path string) (*filter, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) < 2 {
		return nil, invalidf("%s must be an array like [\"is\", \"visit:source\", [\"Google\"]]", path)
	}
	var op string
	if err := json.Unmarshal(parts[0], &op); err != nil {
		return nil, invalidf("%s: the operator must be a string", path)
	}
	f := &filter{op: op}
	switch op {
	case "and", "or":
		var kids []json.RawMessage
		if err := json.Unmarshal(parts[1], &kids); err != nil || len(kids) == 0 || len(parts) != 2 {
			return nil, invalidf("%s: %q takes one non-empty array of filters", path, op)
		}
		for i, k := range kids {
			c, err := parseFilter(k, fmt.Sprintf("%s[1][%d]", path, i))
			if err != nil {
				return nil, err
			}
			f.children = append(f.children, c)
		}
		return f, nil
	case "not", "has_done", "has_not_done":
		if len(parts) != 2 {
			return nil, invalidf("%s: %q takes one filter", path, op)
		}
		c, err := parseFilter(parts[1], path+"[1]")
		if err != nil {
			return nil, err
		}
		if op != "not" && !eventOnly(c) {
			return nil, invalidf("%s: %q takes a filter on event dimensions (event:name, event:page, event:goal, event:props:…)", path, op)
		}
		f.children = []*filter{c}
		return f, nil
	case "is", "is_not", "contains", "contains_not", "matches", "matches_not":
	default:
		return nil, invalidf("%s: unknown operator %q (is, is_not, contains, contains_not, matches, matches_not, and, or, not, has_done, has_not_done)", path, op)
	}
	if len(parts) < 3 || len(parts) > 4 {
		return nil, invalidf("%s: %q takes a dimension, a list of values and optional modifiers", path, op)
	}
	if err := json.Unmarshal(parts[1], &f.dim); err != nil {
		return nil, invalidf("%s: the dimension must be a string", path)
	}
	if _, err := lookupDimension(f.dim); err != nil {
		return nil, invalidf("%s: %v", path, err)
	}
	if strings.HasPrefix(f.dim, "time") {
		return nil, invalidf("%s: filter on %s: use date_range for time", path, f.dim)
	}
	var vals []any
	if err := json.Unmarshal(parts[2], &vals); err != nil || len(vals) == 0 {
		return nil, invalidf("%s: the values must be a non-empty array", path)
	}
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			f.values = append(f.values, v)
		case float64:
			f.values = append(f.values, strings.TrimSuffix(fmt.Sprint(v), ".0"))
		default:
			return nil, invalidf("%s: values must be strings or numbers", path)
		}
	}
	if len(parts) == 4 {
		var mods map[string]json.RawMessage
		if err := json.Unmarshal(parts[3], &mods); err != nil {
			return nil, invalidf("%s: modifiers must be an object like {\"case_sensitive\": false}", path)
		}
		for k, v := range mods {
			if k != "case_sensitive" {
				return nil, invalidf("%s: unknown modifier %q (case_sensitive)", path, k)
			}
			var cs bool
			if err := json.Unmarshal(v, &cs); err != nil {
				return nil, invalidf("%s: case_sensitive must be true or false", path)
			}
			f.caseless = !cs
		}
	}
	if (f.op == "matches" || f.op == "matches_not") && f.dim == "event:goal" {
		return nil, invalidf("%s: %s cannot be used on event:goal", path, f.op)
	}
	return f, nil
}

// eventOnly reports whether every condition in f is on an event dimension.
func eventOnly(f *filter) bool {
	if f.dim != "" {
		return strings.HasPrefix(f.dim, "event:")
	}
	for _, c := range f.children {
		if !eventOnly(c) {
			return false
		}
	}
	return true
}

// dims lists the dimensions f's conditions are on.
func (f *filter) dims(out []string) []string {
	if f.dim != "" && !slices.Contains(out, f.dim) {
		out = append(out, f.dim)
	}
	for _, c := range f.children {
		if c.op == "has_done" || c.op == "has_not_done" {
			continue
		}
		out = c.dims(out)
	}
	return out
}

// MarshalJSON writes f back in the query's shape, for the echo in answers.
func (f *filter) MarshalJSON() ([]byte, error) {
	var parts []any
	switch {
	case f.dim != "":
		parts = []any{f.op, f.dim, f.values}
		if f.caseless {
			parts = append(parts, map[string]bool{"case_sensitive": false})
		}
	case f.op == "and" || f.op == "or":
		parts = []any{f.op, f.children}
	default:
		parts = []any{f.op, f.children[0]}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(parts); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

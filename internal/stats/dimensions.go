package stats

import (
	"fmt"
	"strings"
)

// level is where a dimension's value lives.
type level int

const (
	levelVisit level = iota // a column of visits (from the visit's first event)
	levelEvent              // a column of each event
	levelTime               // a time bucket
)

// dimension is a parsed dimension of a query.
type dimension struct {
	name  string
	level level
	col   string // visits column (visit level) or events column (event level)
	prop  string // event:props:<prop>
	grain string // time: hour, day, week or month ("" until resolved for "time")
}

// visitColumns maps visit dimensions to columns of visits.
func visitColumn(name string) (string, bool) {
	switch name {
	case "visit:source", "visit:channel", "visit:referrer", "visit:device", "visit:browser", "visit:os",
		"visit:country", "visit:region", "visit:city", "visit:entry_page", "visit:exit_page", "visit:hostname",
		"visit:utm_source", "visit:utm_medium", "visit:utm_campaign", "visit:utm_term", "visit:utm_content":
		return strings.TrimPrefix(name, "visit:"), true
	}
	return "", false
}

// lookupDimension parses a dimension name.
func lookupDimension(name string) (dimension, error) {
	if col, ok := visitColumn(name); ok {
		return dimension{name: name, level: levelVisit, col: col}, nil
	}
	switch name {
	case "event:page":
		return dimension{name: name, level: levelEvent, col: "pathname"}, nil
	case "event:name":
		return dimension{name: name, level: levelEvent, col: "name"}, nil
	case "event:hostname":
		return dimension{name: name, level: levelEvent, col: "hostname"}, nil
	case "event:goal":
		return dimension{name: name, level: levelEvent, col: "goal.name"}, nil
	case "time":
		return dimension{name: name, level: levelTime}, nil
	case "time:hour", "time:day", "time:week", "time:month":
		return dimension{name: name, level: levelTime, grain: strings.TrimPrefix(name, "time:")}, nil
	}
	if p, ok := strings.CutPrefix(name, "event:props:"); ok {
		if p == "" || len(p) > 300 {
			return dimension{}, fmt.Errorf("invalid dimension %q: the property name must be 1 to 300 characters", name)
		}
		return dimension{name: name, level: levelEvent, prop: p}, nil
	}
	return dimension{}, fmt.Errorf("unknown dimension %q", name)
}

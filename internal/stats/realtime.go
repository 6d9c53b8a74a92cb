package stats

import (
	"context"
	"fmt"
	"time"

	"github.com/mopshq/mops/internal/sites"
)

// Realtime windows. A visitor is "current" with an event in the last
// RealtimeWindow; the pageview chart covers RealtimeMinutes minutes, the
// current (partial) minute last.
const (
	RealtimeWindow  = 5 * time.Minute
	RealtimeMinutes = 30
	// realtimeTop is how many pages and sources the realtime view lists.
	realtimeTop = 10
)

// Realtime is what a site's visitors are doing right now.
type Realtime struct {
	// Time is the moment the numbers describe (UTC).
	Time time.Time `json:"time"`
	// Visitors counts distinct visitors with a pageview or custom event in
	// the window (Time−RealtimeWindow, Time].
	Visitors int `json:"visitors"`
	// Pages are the pages viewed in the window, by distinct visitors,
	// most first (ties by path).
	Pages []RealtimeCount `json:"pages"`
	// Sources are the sources of the visits of the window's visitors, by
	// distinct visitors, most first; "" is direct traffic.
	Sources []RealtimeCount `json:"sources"`
	// Minutes are the pageviews of each of the last RealtimeMinutes
	// minutes (UTC minute starts), oldest first, the current minute last.
	Minutes []RealtimeMinute `json:"minutes"`
	// Pageviews is the sum over Minutes.
	Pageviews int `json:"pageviews"`
}

// RealtimeCount is a page or source and its current visitors.
type RealtimeCount struct {
	Name     string `json:"name"`
	Visitors int    `json:"visitors"`
}

// RealtimeMinute is one minute of the realtime pageview chart.
type RealtimeMinute struct {
	Minute    time.Time `json:"minute"`
	Pageviews int       `json:"pageviews"`
}

// The realtime queries read events (UTC timestamps) of one site. Events
// are pageviews and custom events, as everywhere in stats.
const (
	realtimeVisitorsSQL = `SELECT count(DISTINCT visitor_key) FROM events
		WHERE site_id = ? AND kind IN ` + countedKinds + ` AND ts > ? AND ts <= ?`
	realtimePagesSQL = `SELECT pathname, count(DISTINCT visitor_key) AS n FROM events
		WHERE site_id = ? AND kind = 'pageview' AND ts > ? AND ts <= ?
		GROUP BY pathname ORDER BY n DESC, pathname LIMIT ?`
	// A source is the visit's: the first event's, which may be older than
	// the window.
	realtimeSourcesSQL = `SELECT v.source, count(DISTINCT e.visitor_key) AS n FROM events e
		JOIN visits v ON v.visit_id = e.visit_id AND v.site_id = e.site_id
		WHERE e.site_id = ? AND e.kind IN ` + countedKinds + ` AND e.ts > ? AND e.ts <= ?
		GROUP BY v.source ORDER BY n DESC, v.source LIMIT ?`
	realtimeMinutesSQL = `SELECT date_trunc('minute', ts) AS m, count(*) FROM events
		WHERE site_id = ? AND kind = 'pageview' AND ts >= ? AND ts <= ?
		GROUP BY m`
)

// Realtime returns the site's activity at now: current visitors, their
// top pages and sources, and pageviews per minute.
func (s *Service) Realtime(ctx context.Context, site *sites.Site, now time.Time) (*Realtime, error) {
	now = now.UTC()
	since := now.Add(-RealtimeWindow)
	rt := &Realtime{Time: now, Pages: []RealtimeCount{}, Sources: []RealtimeCount{}}
	if err := s.db.QueryRowContext(ctx, realtimeVisitorsSQL, site.ID, since, now).Scan(&rt.Visitors); err != nil {
		return nil, fmt.Errorf("realtime visitors of %s: %w", site.Domain, err)
	}
	var err error
	if rt.Pages, err = s.realtimeTop(ctx, realtimePagesSQL, site.ID, since, now); err != nil {
		return nil, fmt.Errorf("realtime pages of %s: %w", site.Domain, err)
	}
	if rt.Sources, err = s.realtimeTop(ctx, realtimeSourcesSQL, site.ID, since, now); err != nil {
		return nil, fmt.Errorf("realtime sources of %s: %w", site.Domain, err)
	}
	if err := s.realtimeMinutes(ctx, rt, site.ID); err != nil {
		return nil, fmt.Errorf("realtime pageviews of %s: %w", site.Domain, err)
	}
	return rt, nil
}

func (s *Service) realtimeTop(ctx context.Context, query, siteID string, since, now time.Time) ([]RealtimeCount, error) {
	rows, err := s.db.QueryContext(ctx, query, siteID, since, now, realtimeTop)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []RealtimeCount{}
	for rows.Next() {
		var c RealtimeCount
		if err := rows.Scan(&c.Name, &c.Visitors); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// realtimeMinutes fills rt.Minutes: every minute from the one
// RealtimeMinutes−1 before rt.Time's to rt.Time's own, empty ones too.
func (s *Service) realtimeMinutes(ctx context.Context, rt *Realtime, siteID string) error {
	last := rt.Time.Truncate(time.Minute)
	first := last.Add(-(RealtimeMinutes - 1) * time.Minute)
	rows, err := s.db.QueryContext(ctx, realtimeMinutesSQL, siteID, first, rt.Time)
	if err != nil {
		return err
	}
	defer rows.Close()
	counts := map[time.Time]int{}
	for rows.Next() {
		var m time.Time
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			return err
		}
		counts[m.UTC()] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rt.Minutes = make([]RealtimeMinute, RealtimeMinutes)
	for i := range rt.Minutes {
		m := first.Add(time.Duration(i) * time.Minute)
		rt.Minutes[i] = RealtimeMinute{Minute: m, Pageviews: counts[m]}
		rt.Pageviews += counts[m]
	}
	return nil
}

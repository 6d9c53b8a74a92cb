package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The dashboard page as a browser loads it: the page itself (rendered on
// the server, which looks up the site's custom property names), then
// every request its script sends on load — the KPIs, the chart and the
// first tab of each panel — through the signed-in member's query route,
// at most six at a time as a browser does over HTTP/1.1.

// browserConns is how many connections a browser opens to one host.
const browserConns = 6

var (
	dashAttrRE  = regexp.MustCompile(`id="dash" data-query-url="([^"]+)"[^>]*?data-csrf="([^"]+)"`)
	panelRE     = regexp.MustCompile(`<section class="card panel" data-panel="([^"]+)"`)
	firstTabRE  = regexp.MustCompile(`data-tab="[^"]*" data-dimension="([^"]*)" data-column="[^"]*" data-metrics="([^"]*)"[^>]*?( data-hide-empty)?>`)
	firstOptRE  = regexp.MustCompile(`<option value="[^"]*" data-dimension="([^"]+)"`)
	kpiMetricRE = regexp.MustCompile(`class="kpi" data-metric="([^"]+)"`)
)

// browserDashboard is what a signed-in member's browser asks for the
// benchmark's 30-day window.
type browserDashboard struct {
	client  *http.Client
	pageURL string
	query   string // the member's query route
	csrf    string
	bodies  map[string][]byte // request name → body, in the script's shape
	order   []string
}

// newBrowserDashboard signs the member in, loads the dashboard page once
// and builds the requests its script sends for w from the page's markup,
// so the benchmark follows the page when panels change.
func newBrowserDashboard(ctx context.Context, base string, meta *datasetMeta, w window) (*browserDashboard, error) {
	hc, err := signIn(ctx, base, meta.UserEmail, meta.UserPass)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	hc.Transport = &http.Transport{MaxConnsPerHost: browserConns, MaxIdleConnsPerHost: browserConns}
	d := &browserDashboard{client: hc, bodies: map[string][]byte{},
		pageURL: fmt.Sprintf("%s/w/%s/sites/%s/dashboard", base, meta.Workspace, meta.SiteID)}
	page, err := d.page(ctx)
	if err != nil {
		return nil, err
	}
	m := dashAttrRE.FindStringSubmatch(page)
	if m == nil {
		return nil, errors.New("dashboard page: no query URL and CSRF token on #dash")
	}
	d.query, d.csrf = base+html.UnescapeString(m[1]), html.UnescapeString(m[2])
	dateRange := []string{w.First, w.Last}
	prev := map[string]string{"mode": "previous_period"}

	var kpis []string
	for _, k := range kpiMetricRE.FindAllStringSubmatch(page, -1) {
		kpis = append(kpis, k[1])
	}
	if len(kpis) == 0 {
		return nil, errors.New("dashboard page: no KPI cards")
	}
	d.add("KPIs", map[string]any{"metrics": kpis, "date_range": dateRange, "filters": []any{},
		"include": map[string]any{"comparisons": prev}})
	d.add("chart", map[string]any{"metrics": []string{"visitors"}, "date_range": dateRange, "dimensions": []string{"time:day"},
		"filters": []any{}, "include": map[string]any{"time_labels": true, "comparisons": prev}})

	sections := panelRE.FindAllStringSubmatchIndex(page, -1)
	for i, s := range sections {
		end := len(page)
		if i+1 < len(sections) {
			end = sections[i+1][0]
		}
		key, part := page[s[2]:s[3]], page[s[1]:end]
		t := firstTabRE.FindStringSubmatch(part)
		if t == nil {
			return nil, fmt.Errorf("dashboard page: panel %q has no tab", key)
		}
		dim, metrics := html.UnescapeString(t[1]), strings.Split(t[2], ",")
		if dim == "" {
			o := firstOptRE.FindStringSubmatch(part)
			if o == nil {
				continue // nothing to choose from: the script asks nothing
			}
			dim = html.UnescapeString(o[1])
		}
		filters := []any{}
		if t[3] != "" {
			filters = append(filters, []any{"is_not", dim, []string{"", "(none)"}})
		}
		d.add("panel "+key+" ("+dim+")", map[string]any{"metrics": metrics, "date_range": dateRange, "dimensions": []string{dim},
			"filters": filters, "pagination": map[string]int{"limit": 9}, "include": map[string]bool{"total_rows": true}})
	}
	return d, nil
}

func (d *browserDashboard) add(name string, q map[string]any) {
	b, _ := json.Marshal(q)
	d.bodies[name] = b
	d.order = append(d.order, name)
}

func (d *browserDashboard) page(ctx context.Context) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.pageURL, nil)
	resp, err := d.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("dashboard page: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("dashboard page: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("dashboard page: status %d: %.200s", resp.StatusCode, b)
	}
	return string(b), nil
}

func (d *browserDashboard) post(ctx context.Context, name string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, d.query, bytes.NewReader(d.bodies[name]))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", d.csrf)
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d: %.300s", name, resp.StatusCode, b)
	}
	return nil
}

// load times one whole load: the page, then its requests at once, until
// the last has answered.
func (d *browserDashboard) load(ctx context.Context) (page, total time.Duration, err error) {
	start := time.Now()
	if _, err := d.page(ctx); err != nil {
		return 0, 0, err
	}
	page = time.Since(start)
	var wg sync.WaitGroup
	errs := make([]error, len(d.order))
	for i, name := range d.order {
		wg.Go(func() { errs[i] = d.post(ctx, name) })
	}
	wg.Wait()
	return page, time.Since(start), errors.Join(errs...)
}

// browserResult is the page loads measured.
type browserResult struct {
	Requests    []string
	Page, Total samples
}

// measureBrowser loads the dashboard as a browser does, -n rounds (within
// -budget), moving the warehouse before each so no cache answers.
func measureBrowser(ctx context.Context, o options, m *mopsClient, base string, meta *datasetMeta, w window) (*browserResult, error) {
	d, err := newBrowserDashboard(ctx, base, meta, w)
	if err != nil {
		return nil, err
	}
	res := &browserResult{Requests: d.order}
	logf("mops: up to %d loads of the dashboard page as a browser sends them (%d requests after the page)", o.rounds, len(d.order))
	for start := time.Now(); o.more(start, len(res.Total)); {
		if err := m.advance(ctx); err != nil {
			return nil, err
		}
		page, total, err := d.load(ctx)
		if err != nil {
			return nil, err
		}
		res.Page, res.Total = append(res.Page, page), append(res.Total, total)
	}
	return res, nil
}

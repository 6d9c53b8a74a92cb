package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// browserUA is the user agent of the pageviews the benchmark sends itself.
const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// mopsClient talks to a running server as an API client would.
type mopsClient struct {
	base     string
	readKey  string // scopes read and write
	domain   string
	hc       *http.Client
	advances atomic.Int64
	runID    string
}

func newMopsClient(base string, m *datasetMeta) *mopsClient {
	// A browser keeps up to six connections to a host; the dashboard's
	// seven panels use at most seven here, all kept alive.
	tr := &http.Transport{MaxIdleConns: 16, MaxIdleConnsPerHost: 16, DisableCompression: true, IdleConnTimeout: 5 * time.Minute}
	return &mopsClient{base: base, readKey: m.ReadKey, domain: m.Domain, hc: &http.Client{Transport: tr, Timeout: 5 * time.Minute}, runID: randomHex(3)}
}

// post sends a JSON body with the API key and returns the status and body.
func (c *mopsClient) post(ctx context.Context, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.readKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// query runs one stats query; anything but 200 is an error naming the
// answer.
func (c *mopsClient) query(ctx context.Context, body []byte) ([]byte, error) {
	status, b, err := c.post(ctx, "/api/v2/query", body)
	if err != nil {
		return nil, fmt.Errorf("POST /api/v2/query: %w", err)
	}
	if status != http.StatusOK {
		return nil, &queryError{status: status, body: strings.TrimSpace(string(b)), query: string(body)}
	}
	return b, nil
}

type queryError struct {
	status      int
	body, query string
}

func (e *queryError) Error() string {
	return fmt.Sprintf("POST /api/v2/query %s: status %d: %s", e.query, e.status, e.body)
}

// mopsAnswer is the part of a query's answer the benchmark compares.
type mopsAnswer struct {
	Results []struct {
		Dimensions []string  `json:"dimensions"`
		Metrics    []float64 `json:"metrics"`
		Comparison *struct {
			Dimensions []string  `json:"dimensions"`
			Metrics    []float64 `json:"metrics"`
		} `json:"comparison"`
	} `json:"results"`
}

func decodeAnswer(b []byte) (*answer, error) {
	var ma mopsAnswer
	if err := json.Unmarshal(b, &ma); err != nil {
		return nil, fmt.Errorf("decode answer %.200s: %w", b, err)
	}
	a := &answer{}
	for _, r := range ma.Results {
		row := ansRow{Dims: r.Dimensions, Metrics: r.Metrics}
		if r.Comparison != nil {
			row.Cmp = r.Comparison.Metrics
		}
		a.Rows = append(a.Rows, row)
	}
	return a, nil
}

// checkTotals compares the warehouse's totals over the whole data set with
// what the simulator sent.
func (c *mopsClient) checkTotals(ctx context.Context, m *datasetMeta) error {
	body, _ := json.Marshal(map[string]any{"site_id": m.Domain, "metrics": []string{"visits", "pageviews", "events", "visitors"},
		"date_range": []string{m.FirstDay, m.LastDay}})
	b, err := c.query(ctx, body)
	if err != nil {
		return err
	}
	a, err := decodeAnswer(b)
	if err != nil {
		return err
	}
	if len(a.Rows) != 1 || len(a.Rows[0].Metrics) != 4 {
		return fmt.Errorf("totals: unexpected answer %s", b)
	}
	got := a.Rows[0].Metrics
	want := []int{m.Visits, m.Pageviews, m.Events, m.Visitors}
	for i, name := range []string{"visits", "pageviews", "events", "visitors"} {
		if int(got[i]) != want[i] {
			return fmt.Errorf("MISMATCH: mops counts %s %s over %s – %s, the simulator sent %s", thousands(int(got[i])), name, m.FirstDay, m.LastDay, thousands(want[i]))
		}
	}
	logf("mops holds what was sent: %s visits, %s pageviews, %s events, %s visitors", thousands(m.Visits), thousands(m.Pageviews),
		thousands(m.Events), thousands(m.Visitors))
	return nil
}

// pageview sends one pageview of path the way the tracker does and
// returns when it is acknowledged (durable in the event log).
func (c *mopsClient) pageview(ctx context.Context, path string) error {
	body := fmt.Sprintf(`{"n":"pageview","u":"https://%s%s","d":%q,"r":""}`, c.domain, path, c.domain)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/event", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("User-Agent", browserUA)
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("POST /api/event: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Mops-Dropped") != "" {
		return fmt.Errorf("POST /api/event: status %d (dropped %q): %s", resp.StatusCode, resp.Header.Get("X-Mops-Dropped"), b)
	}
	return nil
}

// advance moves the warehouse's position: it sends one pageview (today,
// outside every period measured) and waits until the loader has
// committed it. A result cache keyed on the loader's position cannot
// answer a query asked after it.
func (c *mopsClient) advance(ctx context.Context) error { return c.advanceWithin(ctx, 30*time.Second) }

// advanceWithin is advance, waiting at most limit for the loader.
func (c *mopsClient) advanceWithin(ctx context.Context, limit time.Duration) error {
	before, err := readPosition(ctx, c.base)
	if err != nil {
		return err
	}
	n := c.advances.Add(1)
	if err := c.pageview(ctx, fmt.Sprintf("/~advance/%s/%d", c.runID, n)); err != nil {
		return err
	}
	deadline := time.Now().Add(limit)
	for {
		pos, err := readPosition(ctx, c.base)
		if err != nil {
			return err
		}
		if pos.Loaded > before.Loaded && pos.Backlog() == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the loader did not commit a pageview within %s (position %+v, before %+v)", limit, pos, before)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// benchGoals are the goals the benchmark gives the site (when mops has
// goals): three event goals and two page goals, one with a wildcard.
var benchGoals = []struct {
	Name, Event, Page, Regexp string
}{
	{Name: "Purchase", Event: "Order Completed"},
	{Name: "Add to cart", Event: "Product Added"},
	{Name: "Newsletter signup", Event: "Signup"},
	{Name: "Product page", Page: "/products/*", Regexp: `^/products/[^/]*$`},
	{Name: "Checkout", Page: "/checkout", Regexp: `^/checkout$`},
}

// ensureGoals creates the benchmark's goals through the API unless they
// exist. It returns false when the server has no goals API.
func (c *mopsClient) ensureGoals(ctx context.Context, siteID string) (bool, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1/sites/"+siteID+"/goals", nil)
	req.Header.Set("Authorization", "Bearer "+c.readKey)
	resp, err := c.hc.Do(req)
	if err != nil {
		return false, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
		return false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("GET /api/v1/sites/%s/goals: status %d: %s", siteID, resp.StatusCode, b)
	}
	var have struct {
		Goals []struct {
			DisplayName string `json:"display_name"`
		} `json:"goals"`
	}
	if err := json.Unmarshal(b, &have); err != nil {
		return false, fmt.Errorf("GET /api/v1/sites/%s/goals: %w", siteID, err)
	}
	exists := map[string]bool{}
	for _, g := range have.Goals {
		exists[g.DisplayName] = true
	}
	for _, g := range benchGoals {
		if exists[g.Name] {
			continue
		}
		body, _ := json.Marshal(map[string]string{"display_name": g.Name, "event_name": g.Event, "page_path": g.Page})
		status, b, err := c.post(ctx, "/api/v1/sites/"+siteID+"/goals", body)
		if err != nil {
			return false, err
		}
		if status != http.StatusCreated && status != http.StatusOK {
			return false, fmt.Errorf("create goal %q: status %d: %s", g.Name, status, b)
		}
	}
	return true, nil
}

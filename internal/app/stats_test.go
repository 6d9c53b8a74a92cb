package app

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mopshq/mops/internal/platform/auth"
)

// TestStatsQueryAPI sends events through collection and reads them back
// with POST /api/v2/query, over real HTTP.
func TestStatsQueryAPI(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Other", owner)
	ta.site(t, ws, "acme.example")
	ta.site(t, other, "other.example")
	read := ta.key(t, ws, auth.ScopeRead)
	write := ta.key(t, ws, auth.ScopeWrite)

	for _, body := range []string{
		`{"n":"pageview","u":"https://acme.example/","d":"acme.example","r":"https://www.google.com/"}`,
		`{"n":"pageview","u":"https://acme.example/pricing","d":"acme.example","r":"https://www.google.com/"}`,
		`{"n":"Signup","u":"https://acme.example/pricing","d":"acme.example","p":{"plan":"pro"}}`,
	} {
		if status, _, b := ta.postEvent(t, body, "text/plain", chromeUA); status != http.StatusAccepted {
			t.Fatalf("event: %d %s", status, b)
		}
	}
	ta.waitLoaded(t)

	query := func(key, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", ta.srv.URL+"/api/v2/query", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	status, body := query(read, `{"site_id":"acme.example","metrics":["visitors","visits","pageviews","events","bounce_rate"],"date_range":"day"}`)
	if status != http.StatusOK {
		t.Fatalf("query: %d %s", status, body)
	}
	var res struct {
		Results []struct {
			Dimensions []string  `json:"dimensions"`
			Metrics    []float64 `json:"metrics"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	// One visitor, one visit of two pageviews and a custom event: no bounce.
	if len(res.Results) != 1 || !equalFloats(res.Results[0].Metrics, []float64{1, 1, 2, 3, 0}) {
		t.Fatalf("results %s", body)
	}

	status, body = query(read, `{"site_id":"acme.example","metrics":["visitors"],"date_range":"day","dimensions":["visit:source"]}`)
	if status != http.StatusOK || !strings.Contains(body, `"dimensions":["Google"],"metrics":[1]`) {
		t.Errorf("by source: %d %s", status, body)
	}

	for _, tc := range []struct {
		name, key, body string
		status          int
		message         string
	}{
		{"no key", "", `{"site_id":"acme.example","metrics":["visitors"],"date_range":"day"}`, 401, ""},
		{"write-only key", write, `{"site_id":"acme.example","metrics":["visitors"],"date_range":"day"}`, 403, ""},
		{"another workspace's site", read, `{"site_id":"other.example","metrics":["visitors"],"date_range":"day"}`, 404, "no site"},
		{"no site", read, `{"metrics":["visitors"],"date_range":"day"}`, 400, "site_id is required"},
		{"malformed JSON", read, `{"site_id":`, 400, "malformed JSON"},
		{"bad metric", read, `{"site_id":"acme.example","metrics":["hits"],"date_range":"day"}`, 400, `unknown metric \"hits\"`},
		{"huge body", read, `{"site_id":"acme.example","metrics":["visitors"],"date_range":"day","dimensions":["` + strings.Repeat("x", 70<<10) + `"]}`, 413, ""},
	} {
		status, body := query(tc.key, tc.body)
		if status != tc.status || !strings.Contains(body, tc.message) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, status, body, tc.status, tc.message)
		}
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

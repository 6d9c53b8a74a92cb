package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
)

func (ta *testApp) segment(t *testing.T, path, body string, header map[string]string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", ta.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func basic(writeKey string) map[string]string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(writeKey, "")
	return map[string]string{"Authorization": r.Header.Get("Authorization")}
}

func TestSegmentAPI(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	site := ta.site(t, ws, "acme.example")
	wk := basic(site.WriteKey)
	now := time.Now().UTC()

	ok := func(name, path, body string, header map[string]string) {
		t.Helper()
		status, resp, _ := ta.segment(t, path, body, header)
		if status != 200 || resp != "{\"success\":true}\n" {
			t.Fatalf("%s: %d %s", name, status, resp)
		}
	}
	ok("track", "/v1/track", `{"userId":"u-1","event":"Order Completed","messageId":"m-1",
		"properties":{"revenue":120.5,"currency":"usd","order":{"id":"o-9","coupon":"SPRING"},"products":[{"sku":"a"}]},
		"context":{"userAgent":"`+chromeUA+`","ip":"203.0.113.9"}}`, wk)
	ok("track again (same messageId)", "/v1/track", `{"userId":"u-1","event":"Order Completed","messageId":"m-1"}`, wk)
	ok("page with campaign", "/v1/page", `{"anonymousId":"a-7","name":"Pricing","messageId":"m-2",
		"properties":{"url":"https://acme.example/pricing","referrer":"https://www.google.com/"},
		"context":{"campaign":{"source":"google","medium":"cpc","name":"brand"}}}`, wk)
	ok("identify (writeKey in body)", "/v1/identify", `{"writeKey":"`+site.WriteKey+`","userId":"u-1","traits":{"email":"ann@example.com"},"messageId":"m-3"}`, nil)
	sentAt := now.Add(10 * time.Second) // the client's clock runs 10 s ahead
	ok("batch with skew", "/v1/batch", fmt.Sprintf(`{"sentAt":%q,"batch":[
		{"type":"track","userId":"u-2","event":"Signup","timestamp":%q,"messageId":"m-4"},
		{"type":"screen","anonymousId":"a-8","name":"Home","messageId":"m-5"},
		{"type":"group","userId":"u-2","groupId":"acme-corp","traits":{"plan":"team"},"messageId":"m-6"},
		{"type":"alias","userId":"u-2","previousId":"a-9","messageId":"m-7"}]}`,
		sentAt.Format(time.RFC3339Nano), sentAt.Add(-5*time.Minute).Format(time.RFC3339Nano)), wk)
	status, _, h := ta.segment(t, "/v1/track", `{"userId":"u-3","event":"Crawl","context":{"userAgent":"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}}`, wk)
	if status != 200 || h.Get("X-Mops-Dropped") != "1" {
		t.Fatalf("bot with context.userAgent: %d dropped=%q", status, h.Get("X-Mops-Dropped"))
	}
	ta.waitLoaded(t)

	type row struct{ kind, name, user, path, channel, utm, props, rev, cur string }
	got := map[string]row{}
	rows, err := ta.DB.Query(`SELECT event_id, kind, name, user_id, pathname, channel, utm_campaign, coalesce(props::TEXT, ''),
		coalesce(revenue_amount::TEXT, ''), revenue_currency FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var r row
		if err := rows.Scan(&id, &r.kind, &r.name, &r.user, &r.path, &r.channel, &r.utm, &r.props, &r.rev, &r.cur); err != nil {
			t.Fatal(err)
		}
		got[id] = r
	}
	rows.Close()
	if len(got) != 7 {
		t.Fatalf("stored %d events (%v), want 7: m-1 once, the bot dropped", len(got), got)
	}
	if r := got["m-1"]; r.kind != "custom" || r.name != "Order Completed" || r.rev != "120.5000" || r.cur != "USD" ||
		!strings.Contains(r.props, "order.coupon=SPRING") || !strings.Contains(r.props, `"sku":"a"`) {
		t.Errorf("track row = %+v", r)
	}
	if r := got["m-2"]; r.kind != "pageview" || r.path != "/pricing" || r.channel != "Paid Search" || r.utm != "brand" {
		t.Errorf("page row = %+v", r)
	}
	if r := got["m-5"]; r.kind != "pageview" || r.path != "/Home" {
		t.Errorf("screen row = %+v", r)
	}
	for id, kind := range map[string]string{"m-3": "identify", "m-6": "group", "m-7": "alias"} {
		if got[id].kind != kind {
			t.Errorf("%s kind = %q, want %s", id, got[id].kind, kind)
		}
	}
	// Clock-skew correction: timestamp 5 minutes before sentAt means 5
	// minutes before arrival, whatever the client's clock said.
	var ts time.Time
	if err := ta.DB.QueryRow(`SELECT ts FROM events WHERE event_id = 'm-4'`).Scan(&ts); err != nil {
		t.Fatal(err)
	}
	if want := now.Add(-5 * time.Minute); ts.Before(want.Add(-3*time.Second)) || ts.After(want.Add(3*time.Second)) {
		t.Errorf("corrected timestamp %v, want about %v", ts, want)
	}
}

func TestSegmentBadInputAndHistory(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Other", owner)
	site := ta.site(t, ws, "acme.example")
	wk := basic(site.WriteKey)
	old := time.Now().UTC().Add(-40 * 24 * time.Hour).Format(time.RFC3339)
	future := time.Now().UTC().Add(2 * time.Hour).Format(time.RFC3339)
	ingest := ta.key(t, ws, auth.ScopeIngest)
	readOnly := ta.key(t, ws, auth.ScopeRead)
	foreign := ta.key(t, other, auth.ScopeIngest)
	bearer := func(k string) map[string]string { return map[string]string{"Authorization": "Bearer " + k} }
	big := strings.Repeat("x", 33<<10)
	for _, tc := range []struct {
		name, path, body string
		header           map[string]string
		status           int
		want             string
	}{
		{"no write key", "/v1/track", `{"userId":"u","event":"e"}`, nil, 401, "missing write key"},
		{"unknown write key", "/v1/track", `{"userId":"u","event":"e"}`, basic("wk_nope"), 401, "unknown write key"},
		{"malformed JSON", "/v1/track", `{"userId":`, wk, 400, "invalid JSON"},
		{"no ids", "/v1/track", `{"event":"e"}`, wk, 400, "userId or anonymousId"},
		{"track without event", "/v1/track", `{"userId":"u"}`, wk, 400, "event is required"},
		{"bad timestamp", "/v1/track", `{"userId":"u","event":"e","timestamp":"yesterday"}`, wk, 400, "ISO 8601"},
		{"future", "/v1/track", `{"userId":"u","event":"e","timestamp":"` + future + `"}`, wk, 400, "future"},
		{"history with a write key", "/v1/track", `{"userId":"u","event":"e","timestamp":"` + old + `"}`, wk, 400, "ingest scope"},
		{"history with a read key", "/v1/track", `{"writeKey":"` + site.WriteKey + `","userId":"u","event":"e","timestamp":"` + old + `"}`, bearer(readOnly), 403, "ingest scope"},
		{"history with another workspace's key", "/v1/track", `{"writeKey":"` + site.WriteKey + `","userId":"u","event":"e","timestamp":"` + old + `"}`, bearer(foreign), 403, "another workspace"},
		{"bad message in a batch", "/v1/batch", `{"batch":[{"type":"track","userId":"u","event":"ok","messageId":"keep-out"},{"type":"track","userId":"u"}]}`, wk, 400, "batch[1]: event is required"},
		{"unknown type in a batch", "/v1/batch", `{"batch":[{"type":"purchase","userId":"u"}]}`, wk, 400, "type must be one of"},
		{"empty batch", "/v1/batch", `{"batch":[]}`, wk, 400, "non-empty"},
		{"oversized message", "/v1/track", `{"userId":"u","event":"e","properties":{"x":"` + big + `"}}`, wk, 413, "too large"},
		{"oversized message in a batch", "/v1/batch", `{"batch":[{"type":"track","userId":"u","event":"e","properties":{"x":"` + big + `"}}]}`, wk, 400, "larger than 32 KB"},
		{"oversized batch", "/v1/batch", `{"batch":[` + strings.TrimSuffix(strings.Repeat(`{"type":"track","userId":"u","event":"e","properties":{"x":"`+strings.Repeat("y", 20<<10)+`"}},`, 30), ",") + `]}`, wk, 413, "too large"},
		{"deeply nested properties are kept flat", "/v1/track", `{"userId":"u","event":"deep","properties":{"a":{"b":{"c":{"d":{"e":1}}}}}}`, wk, 200, "success"},
		{"history with an ingest key", "/v1/track", `{"writeKey":"` + site.WriteKey + `","userId":"u","event":"imported","timestamp":"` + old + `","messageId":"h-1"}`, bearer(ingest), 200, "success"},
	} {
		status, body, _ := ta.segment(t, tc.path, tc.body, tc.header)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s; want %d containing %q", tc.name, status, body, tc.status, tc.want)
		}
		if status >= 400 {
			var e map[string]string
			if json.Unmarshal([]byte(body), &e) != nil || e["error"] == "" {
				t.Errorf("%s: error body is not {\"error\": …}: %s", tc.name, body)
			}
		}
	}
	ta.waitLoaded(t)
	var names []string
	rows, err := ta.DB.Query(`SELECT name FROM events ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	if strings.Join(names, ",") != "deep,imported" {
		t.Fatalf("stored events %v, want only deep and imported (a refused batch stores nothing)", names)
	}
}

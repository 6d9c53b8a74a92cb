package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/eventlog"
)

const chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

func (ta *testApp) postEvent(t *testing.T, body, contentType, ua string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", ta.srv.URL+"/api/event", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", ua) // empty: Go's client then sends none

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// waitLoaded waits until the warehouse holds everything the log has.
func (ta *testApp) waitLoaded(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var last uint64
	for _, s := range ta.Log.Health(ctx).Streams {
		if s.Name == eventlog.StreamEvents {
			last = s.LastSeq
		}
	}
	if err := ta.Loader.WaitFor(ctx, last); err != nil {
		t.Fatalf("loader did not reach %d: %v", last, err)
	}
}

func TestPageEventsLandEnriched(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	site := ta.site(t, ws, "acme.example")

	for _, tc := range []struct {
		name, body, ct string
	}{
		{"tracker pageview (short keys, text/plain)", `{"n":"pageview","u":"https://acme.example/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring","d":"acme.example","r":"https://mail.google.com/"}`, "text/plain"},
		{"API custom event with props and revenue", `{"name":"Signup","url":"https://acme.example/signup","domain":"acme.example","props":{"plan":"pro","seats":3,"trial":true},"revenue":{"amount":"49.90","currency":"eur"}}`, "application/json"},
		{"engagement", `{"n":"engagement","u":"https://acme.example/pricing","d":"acme.example","e":12500,"sd":140}`, "text/plain"},
	} {
		status, _, body := ta.postEvent(t, tc.body, tc.ct, chromeUA)
		if status != http.StatusAccepted {
			t.Fatalf("%s: status %d, body %s", tc.name, status, body)
		}
	}
	ta.waitLoaded(t)

	type row struct {
		kind, name, path, source, channel, utmCampaign, browser, device, visit string
		eng                                                                    int64
		sd                                                                     int
	}
	rows, err := ta.DB.Query(`SELECT kind, name, pathname, source, channel, utm_campaign, browser, device, visit_id, engaged_ms, scroll_depth
		FROM events WHERE site_id = ? ORDER BY seq`, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.kind, &r.name, &r.path, &r.source, &r.channel, &r.utmCampaign, &r.browser, &r.device, &r.visit, &r.eng, &r.sd); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	rows.Close()
	if len(got) != 3 {
		t.Fatalf("events = %+v, want 3", got)
	}
	pv := got[0]
	if pv.kind != "pageview" || pv.path != "/pricing" || pv.channel != "Email" || pv.utmCampaign != "spring" || pv.browser != "Chrome" || pv.device != "desktop" || pv.visit == "" {
		t.Errorf("pageview row = %+v", pv)
	}
	if got[1].kind != "custom" || got[1].name != "Signup" || got[1].visit != pv.visit {
		t.Errorf("signup row = %+v (same visitor and visit as the pageview expected)", got[1])
	}
	if got[2].kind != "engagement" || got[2].eng != 12500 || got[2].sd != 100 {
		t.Errorf("engagement row = %+v, want 12500 ms and scroll depth clamped to 100", got[2])
	}
	var plan, seats, trial, cur string
	var amount float64
	if err := ta.DB.QueryRow(`SELECT props['plan'], props['seats'], props['trial'], revenue_amount::DOUBLE, revenue_currency FROM events WHERE name = 'Signup'`).
		Scan(&plan, &seats, &trial, &amount, &cur); err != nil {
		t.Fatal(err)
	}
	if plan != "pro" || seats != "3" || trial != "true" || amount != 49.9 || cur != "EUR" {
		t.Errorf("signup props/revenue = %s %s %s %v %s", plan, seats, trial, amount, cur)
	}
	var pageviews, events, interactions int
	var bounce bool
	if err := ta.DB.QueryRow(`SELECT pageviews, events, interactions, is_bounce FROM visits WHERE visit_id = ?`, pv.visit).
		Scan(&pageviews, &events, &interactions, &bounce); err != nil {
		t.Fatal(err)
	}
	if pageviews != 1 || events != 2 || interactions != 2 || bounce {
		t.Errorf("visit = %d pageviews, %d events, %d interactions, bounce %v; want 1, 2, 2, false", pageviews, events, interactions, bounce)
	}
	// No raw IP anywhere: the test client is 127.0.0.1.
	var leaks int
	if err := ta.DB.QueryRow(`SELECT count(*) FROM events WHERE visitor_id LIKE '%127.0.0.1%' OR props::TEXT LIKE '%127.0.0.1%'`).Scan(&leaks); err != nil || leaks != 0 {
		t.Errorf("raw IP stored (%d rows, %v)", leaks, err)
	}
}

func TestPageEventBadInput(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	ta.site(t, ws, "acme.example")
	ok := `{"n":"pageview","u":"https://acme.example/","d":"acme.example"}`
	if status, _, body := ta.postEvent(t, ok, "text/plain", chromeUA); status != 202 {
		t.Fatalf("valid event: %d %s", status, body)
	}
	deep := `{"n":"x","u":"https://acme.example/","d":"acme.example","p":{"a":{"b":{"c":1}}}}`
	for _, tc := range []struct {
		name, body, ct, ua string
		status             int
		want               string
	}{
		{"malformed JSON", `{"n":"pageview",`, "application/json", chromeUA, 400, "invalid JSON"},
		{"wrong content type", ok, "application/xml", chromeUA, 415, "Content-Type"},
		{"invalid UTF-8", "{\"n\":\"pageview\",\"u\":\"https://acme.example/\xff\",\"d\":\"acme.example\"}", "application/json", chromeUA, 400, "UTF-8"},
		{"unknown domain", `{"n":"pageview","u":"https://other.example/","d":"other.example"}`, "application/json", chromeUA, 400, "no site is registered"},
		{"missing user agent", ok, "application/json", "", 400, "User-Agent"},
		{"missing name", `{"u":"https://acme.example/","d":"acme.example"}`, "application/json", chromeUA, 400, "name is required"},
		{"relative url", `{"n":"pageview","u":"/x","d":"acme.example"}`, "application/json", chromeUA, 400, "absolute URL"},
		{"nested props", deep, "application/json", chromeUA, 400, "flat"},
		{"too many props", `{"n":"x","u":"https://acme.example/","d":"acme.example","p":{` + manyProps(31) + `}}`, "application/json", chromeUA, 400, "at most 30"},
		{"bad revenue", `{"n":"x","u":"https://acme.example/","d":"acme.example","$":{"amount":"lots","currency":"EUR"}}`, "application/json", chromeUA, 400, "revenue.amount"},
		{"oversized body", `{"n":"x","u":"https://acme.example/","d":"acme.example","p":{"a":"` + strings.Repeat("x", 40<<10) + `"}}`, "application/json", chromeUA, 413, "too large"},
		{"empty body", ``, "application/json", chromeUA, 400, "empty"},
	} {
		status, _, body := ta.postEvent(t, tc.body, tc.ct, tc.ua)
		if status != tc.status || !strings.Contains(body, tc.want) || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s; want %d with an error containing %q", tc.name, status, body, tc.status, tc.want)
		}
	}
	// A crawler gets 202 and the dropped header; nothing is stored for it.
	status, h, _ := ta.postEvent(t, ok, "text/plain", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
	if status != 202 || h.Get("X-Mops-Dropped") != "1" {
		t.Errorf("bot: %d dropped=%q; want 202 with x-mops-dropped: 1", status, h.Get("X-Mops-Dropped"))
	}
	ta.waitLoaded(t)
	var n int
	if err := ta.DB.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil || n != 1 {
		t.Fatalf("events stored = %d, %v; want only the one valid event (nothing accepted was lost, nothing bad was kept)", n, err)
	}
}

func manyProps(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"k%d":"v"`, i)
	}
	return strings.Join(parts, ",")
}

func TestCollectionRateLimit(t *testing.T) {
	// One request per second with bursts of two: 20 requests sent one after
	// another cannot all pass unless they take more than 18 seconds.
	ta := newTestAppWith(t, func(c *Config) { c.RateLimitIP = 1 })
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	ta.site(t, ws, "acme.example")
	counts := map[int]int{}
	retryAfter := ""
	start := time.Now()
	for range 20 {
		status, h, _ := ta.postEvent(t, `{"n":"pageview","u":"https://acme.example/","d":"acme.example"}`, "text/plain", chromeUA)
		counts[status]++
		if status == 429 && retryAfter == "" {
			retryAfter = h.Get("Retry-After")
		}
	}
	maxAccepted := 2 + int(time.Since(start)/time.Second) + 1
	if counts[202] < 2 || counts[202] > maxAccepted || counts[429] == 0 || retryAfter == "" || counts[202]+counts[429] != 20 {
		t.Fatalf("statuses %v, Retry-After %q; want the burst of 2 accepted, at most %d in all, the rest 429 with Retry-After", counts, retryAfter, maxAccepted)
	}
	ta.waitLoaded(t)
	var n int
	if err := ta.DB.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil || n != counts[202] {
		t.Fatalf("events stored = %d, accepted = %d: every accepted event must be stored", n, counts[202])
	}
}

func TestCookieVisitorIDOnlyWhenEnabled(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	on := ta.site(t, ws, "on.example")
	ta.site(t, ws, "off.example")
	if _, err := ta.Sites.Update(context.Background(), auth.CLIActor(), ws.ID, on.ID, "UTC", "EUR", true); err != nil {
		t.Fatal(err)
	}
	const cid = "0123456789abcdef0123456789abcdef"
	for _, body := range []string{
		`{"n":"pageview","u":"https://on.example/","d":"on.example","c":"` + cid + `"}`,
		`{"n":"pageview","u":"https://on.example/x","d":"on.example","c":"not-a-valid-id"}`,
		`{"n":"pageview","u":"https://off.example/","d":"off.example","c":"` + cid + `"}`,
	} {
		// The site cache holds a site for up to 30 s; the update above came
		// before any lookup, so the setting is seen.
		if status, _, resp := ta.postEvent(t, body, "text/plain", chromeUA); status != 202 {
			t.Fatalf("%s: %d %s", body, status, resp)
		}
	}
	ta.waitLoaded(t)
	rows, err := ta.DB.Query(`SELECT hostname || pathname, visitor_id FROM events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var page, vid string
		if err := rows.Scan(&page, &vid); err != nil {
			t.Fatal(err)
		}
		got = append(got, page+" "+vid)
	}
	if len(got) != 3 || got[0] != "on.example/ c_"+cid || strings.HasPrefix(strings.Fields(got[1])[1], "c_") || strings.HasPrefix(strings.Fields(got[2])[1], "c_") {
		t.Fatalf("visitor ids = %q; want the cookie id only for the enabled site and a valid id", got)
	}
}

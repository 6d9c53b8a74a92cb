package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
)

// TestSharedLinks: an admin creates a password-protected link; a stranger
// needs the password, then sees the dashboard and its numbers, read-only
// and for that site only; a revoked link stops at once.
func TestSharedLinks(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	owner := ta.user(t, "owner@example.com")
	viewer := ta.user(t, "viewer@example.com")
	ws := ta.workspace(t, "Acme", owner)
	if err := ta.Auth.AddMember(ctx, auth.CLIActor(), ws.ID, viewer.user.ID, auth.RoleViewer); err != nil {
		t.Fatal(err)
	}
	site := ta.site(t, ws, "acme.example")
	ta.site(t, ws, "other.example")
	for _, body := range []string{
		`{"n":"pageview","u":"https://acme.example/","d":"acme.example","r":"https://www.google.com/"}`,
		`{"n":"pageview","u":"https://acme.example/pricing","d":"acme.example","r":"https://www.google.com/"}`,
	} {
		if status, _, b := ta.postEvent(t, body, "text/plain", chromeUA); status != http.StatusAccepted {
			t.Fatalf("event: %d %s", status, b)
		}
	}
	ta.waitLoaded(t)

	sharesPath := "/w/" + ws.ID + "/sites/" + site.ID + "/shares"
	ta.run(t, scenario{name: "viewer cannot manage links", method: "GET", path: sharesPath, session: viewer, status: http.StatusForbidden})
	ta.run(t, scenario{name: "short password", method: "POST", path: sharesPath, session: owner,
		form: url.Values{"name": {"Agency"}, "password": {"short"}}, status: http.StatusUnprocessableEntity, want: []string{"at least 8"}})
	ta.run(t, scenario{name: "create", method: "POST", path: sharesPath, session: owner,
		form: url.Values{"name": {"Agency"}, "password": {"correct horse"}}, status: http.StatusCreated, want: []string{"Link created", "/share/"}})
	links, err := ta.Links.List(ctx, site.ID)
	if err != nil || len(links) != 1 {
		t.Fatalf("links: %+v %v", links, err)
	}
	link := links[0]

	jar, _ := cookiejar.New(nil)
	stranger := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := stranger.Get(ta.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(path, contentType, body string, header map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", ta.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := stranger.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	csrfOf := func(page string) string {
		m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"|data-csrf="([^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token in %.300s", page)
		}
		return m[1] + m[2]
	}
	query := `{"metrics":["visitors","pageviews"],"date_range":"day"}`

	status, page := get(link.Path())
	if status != http.StatusUnauthorized || !strings.Contains(page, "shared with a password") {
		t.Fatalf("locked link: %d %.300s", status, page)
	}
	token := csrfOf(page)
	if status, _ := post(link.Path()+"/query", "application/json", query, map[string]string{"X-CSRF-Token": token}); status != http.StatusUnauthorized {
		t.Errorf("query before the password: %d", status)
	}
	if status, _ := post(link.Path(), "application/x-www-form-urlencoded", url.Values{"password": {"correct horse"}, "csrf_token": {"forged"}}.Encode(), nil); status != http.StatusForbidden {
		t.Errorf("forged CSRF token: %d", status)
	}
	// Guessing slows down: after the free attempts, even the right password
	// is refused until the pause is over.
	for i := 0; i <= httpx.DefaultFreeAttempts; i++ {
		if status, page := post(link.Path(), "application/x-www-form-urlencoded", url.Values{"password": {"wrong horse"}, "csrf_token": {token}}.Encode(), nil); status != http.StatusUnauthorized || !strings.Contains(page, "not right") {
			t.Fatalf("wrong password %d: %d", i+1, status)
		}
	}
	if status, _ := post(link.Path(), "application/x-www-form-urlencoded", url.Values{"password": {"correct horse"}, "csrf_token": {token}}.Encode(), nil); status != http.StatusTooManyRequests {
		t.Errorf("right password during the pause: %d, want 429", status)
	}
	time.Sleep(ta.shareBackoff.Wait(link.ID + "|127.0.0.1"))
	if status, _ := post(link.Path(), "application/x-www-form-urlencoded", url.Values{"password": {"correct horse"}, "csrf_token": {token}}.Encode(), nil); status != http.StatusSeeOther {
		t.Fatalf("right password: %d", status)
	}
	status, page = get(link.Path())
	if status != http.StatusOK || !strings.Contains(page, `data-query-url="`+link.Path()+`/query"`) || strings.Contains(page, "other.example") {
		t.Fatalf("unlocked dashboard: %d %.500s", status, page)
	}
	status, body := post(link.Path()+"/query", "application/json", query, map[string]string{"X-CSRF-Token": csrfOf(page)})
	if status != http.StatusOK || !strings.Contains(body, `"metrics":[1,2]`) {
		t.Errorf("query through the link: %d %s", status, body)
	}
	if status, body := post(link.Path()+"/query", "application/json", `{"site_id":"other.example","metrics":["visitors"],"date_range":"day"}`,
		map[string]string{"X-CSRF-Token": csrfOf(page)}); status != http.StatusBadRequest {
		t.Errorf("query for another site through the link: %d %s", status, body)
	}
	if status, body := get(link.Path() + "/export.csv?q=" + url.QueryEscape(query)); status != http.StatusOK || !strings.Contains(body, "visitors,pageviews\n1,2") {
		t.Errorf("CSV through the link: %d %q", status, body)
	}
	if status, _ := get("/share/" + strings.Repeat("x", 24)); status != http.StatusNotFound {
		t.Errorf("unknown slug: %d", status)
	}

	ta.run(t, scenario{name: "revoke", method: "POST", path: sharesPath + "/" + link.ID + "/revoke", session: owner, form: url.Values{},
		status: http.StatusSeeOther})
	if status, _ := get(link.Path()); status != http.StatusNotFound {
		t.Errorf("revoked link: %d", status)
	}
	if status, _ := post(link.Path()+"/query", "application/json", query, map[string]string{"X-CSRF-Token": csrfOf(page)}); status != http.StatusNotFound {
		t.Errorf("query through a revoked link: %d", status)
	}
}

package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/sites"
)

// testApp is a real App (DuckDB file, embedded JetStream) behind a real
// HTTP server, with a little seeded data.
type testApp struct {
	*App
	srv  *httptest.Server
	csrf *httpx.CSRF
}

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	return newTestAppWith(t, nil)
}

// newTestAppWith is newTestApp with a configuration change.
func newTestAppWith(t *testing.T, change func(*Config)) *testApp {
	t.Helper()
	cfg := Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.Version = "test"
	if change != nil {
		change(&cfg)
	}
	a, err := Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	a.startLoader()
	t.Cleanup(func() {
		a.stopLoader()
		srv.Close()
		if err := a.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return &testApp{App: a, srv: srv, csrf: httpx.NewCSRF(a.Secret)}
}

// login is a browser session of a user: its cookie and CSRF token.
type login struct {
	user  *auth.User
	token string
	csrf  string
}

func (ta *testApp) user(t *testing.T, email string) *login {
	t.Helper()
	ctx := context.Background()
	u, err := ta.Auth.CreateUser(ctx, auth.CLIActor(), email, "", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ta.Auth.StartSession(ctx, u, "test")
	if err != nil {
		t.Fatal(err)
	}
	return &login{user: u, token: tok, csrf: ta.csrf.Token(auth.SessionKey(tok))}
}

func (ta *testApp) workspace(t *testing.T, name string, owner *login) *auth.Workspace {
	t.Helper()
	w, err := ta.Auth.CreateWorkspace(context.Background(), auth.CLIActor(), name, owner.user)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (ta *testApp) site(t *testing.T, ws *auth.Workspace, domain string) *sites.Site {
	t.Helper()
	s, err := ta.Sites.Create(context.Background(), auth.CLIActor(), ws.ID, sites.Settings{Domain: domain})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (ta *testApp) key(t *testing.T, ws *auth.Workspace, scopes ...auth.Scope) string {
	t.Helper()
	secret, _, err := ta.Auth.CreateAPIKey(context.Background(), auth.CLIActor(), ws.ID, "test", scopes)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// scenario is one HTTP request and what must come back.
type scenario struct {
	name    string
	method  string
	path    string
	body    string
	headers map[string]string
	session *login
	form    url.Values // sent urlencoded; csrf_token is added from session unless noCSRF
	noCSRF  bool
	status  int
	want    []string // substrings of the body
	notWant []string
}

// run sends the scenario's request, checks the answer and returns its body.
func (ta *testApp) run(t *testing.T, sc scenario) string {
	t.Helper()
	body := sc.body
	if sc.form != nil {
		f := url.Values{}
		for k, v := range sc.form {
			f[k] = v
		}
		if sc.session != nil && !sc.noCSRF && f.Get("csrf_token") == "" {
			f.Set("csrf_token", sc.session.csrf)
		}
		body = f.Encode()
	}
	req, err := http.NewRequest(sc.method, ta.srv.URL+sc.path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if sc.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range sc.headers {
		req.Header.Set(k, v)
	}
	if sc.session != nil {
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: sc.session.token})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != sc.status {
		t.Errorf("%s: %s %s = %d, want %d; body: %.300s", sc.name, sc.method, sc.path, resp.StatusCode, sc.status, b)
	}
	for _, w := range sc.want {
		if !strings.Contains(string(b), w) {
			t.Errorf("%s: %s %s body lacks %q; body: %.500s", sc.name, sc.method, sc.path, w, b)
		}
	}
	for _, w := range sc.notWant {
		if strings.Contains(string(b), w) {
			t.Errorf("%s: %s %s body contains %q", sc.name, sc.method, sc.path, w)
		}
	}
	return string(b)
}

func TestSecurityScenarios(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	owner := ta.user(t, "owner@example.com")
	viewer := ta.user(t, "viewer@example.com")
	outsider := ta.user(t, "outsider@example.com")
	wsA := ta.workspace(t, "Acme", owner)
	wsB := ta.workspace(t, "Beta", outsider)
	if err := ta.Auth.AddMember(ctx, auth.CLIActor(), wsA.ID, viewer.user.ID, auth.RoleViewer); err != nil {
		t.Fatal(err)
	}
	siteA := ta.site(t, wsA, "acme.example")
	siteB := ta.site(t, wsB, "beta.example")
	readKey := ta.key(t, wsA, auth.ScopeRead)
	writeKey := ta.key(t, wsA, auth.ScopeRead, auth.ScopeWrite)
	revokedKey, revoked, _ := ta.Auth.CreateAPIKey(ctx, auth.CLIActor(), wsA.ID, "old", []auth.Scope{auth.ScopeRead})
	if _, err := ta.Auth.RevokeAPIKey(ctx, auth.CLIActor(), wsA.ID, revoked.ID); err != nil {
		t.Fatal(err)
	}
	bearer := func(k string) map[string]string { return map[string]string{"Authorization": "Bearer " + k} }
	jsonBearer := func(k string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + k, "Content-Type": "application/json"}
	}

	for _, sc := range []scenario{
		{name: "sites API with read key", method: "GET", path: "/api/v1/sites", headers: bearer(readKey), status: 200,
			want: []string{`"domain":"acme.example"`}, notWant: []string{"beta.example"}},
		{name: "no key", method: "GET", path: "/api/v1/sites", status: 401, want: []string{`"error"`}},
		{name: "unknown key", method: "GET", path: "/api/v1/sites", headers: bearer("mops_nosuchkey"), status: 401, want: []string{`"error"`}},
		{name: "revoked key", method: "GET", path: "/api/v1/sites", headers: bearer(revokedKey), status: 401, want: []string{"revoked"}},
		{name: "read key writing", method: "POST", path: "/api/v1/sites", headers: jsonBearer(readKey),
			body: `{"domain":"new.example"}`, status: 403, want: []string{"scope"}},
		{name: "write key creates site", method: "POST", path: "/api/v1/sites", headers: jsonBearer(writeKey),
			body: `{"domain":"new.example","timezone":"Europe/Paris"}`, status: 201, want: []string{`"domain":"new.example"`, `"timezone":"Europe/Paris"`}},
		{name: "malformed JSON", method: "POST", path: "/api/v1/sites", headers: jsonBearer(writeKey),
			body: `{"domain": "x.example",}`, status: 400, want: []string{"invalid JSON at byte"}},
		{name: "wrong JSON type", method: "POST", path: "/api/v1/sites", headers: jsonBearer(writeKey),
			body: `{"domain": 42}`, status: 400, want: []string{`domain`}},
		{name: "invalid domain", method: "POST", path: "/api/v1/sites", headers: jsonBearer(writeKey),
			body: `{"domain": "not a domain"}`, status: 400, want: []string{"domain"}},
		{name: "duplicate domain", method: "POST", path: "/api/v1/sites", headers: jsonBearer(writeKey),
			body: `{"domain": "beta.example"}`, status: 409, want: []string{"already exists"}},
		{name: "oversized JSON body", method: "POST", path: "/api/v1/sites", headers: jsonBearer(writeKey),
			body: `{"domain":"` + strings.Repeat("a", 40<<10) + `"}`, status: 413, want: []string{"too large"}},
		{name: "oversized form body", method: "POST", path: "/w/" + wsA.ID + "/sites", session: owner,
			form: url.Values{"domain": {strings.Repeat("a", 2<<20)}}, status: 413},
		{name: "other workspace's site by id through API", method: "GET", path: "/api/v1/sites/" + siteB.ID, headers: bearer(readKey), status: 404,
			notWant: []string{"beta.example"}},
		{name: "own site through API", method: "GET", path: "/api/v1/sites/" + siteA.ID, headers: bearer(readKey), status: 200, want: []string{"acme.example"}},
		{name: "other workspace's page", method: "GET", path: "/w/" + wsB.ID + "/sites", session: owner, status: 404, notWant: []string{"beta.example"}},
		{name: "other workspace's site in own workspace URL", method: "GET", path: "/w/" + wsA.ID + "/sites/" + siteB.ID, session: owner, status: 404,
			notWant: []string{"beta.example"}},
		{name: "other workspace's audit log", method: "GET", path: "/w/" + wsB.ID + "/audit", session: owner, status: 404},
		{name: "changing another workspace's site", method: "POST", path: "/w/" + wsB.ID + "/sites/" + siteB.ID, session: owner,
			form: url.Values{"timezone": {"UTC"}, "currency": {"USD"}}, status: 404},
		{name: "revoking another workspace's key", method: "POST", path: "/w/" + wsA.ID + "/api-keys/" + revoked.ID + "x/revoke", session: owner,
			form: url.Values{}, status: 404},
		{name: "viewer reads sites", method: "GET", path: "/w/" + wsA.ID + "/sites", session: viewer, status: 200,
			want: []string{"acme.example"}, notWant: []string{"Add a site"}},
		{name: "viewer creating an API key", method: "POST", path: "/w/" + wsA.ID + "/api-keys", session: viewer,
			form: url.Values{"name": {"mine"}, "scopes": {"read"}}, status: 403},
		{name: "viewer opening API keys", method: "GET", path: "/w/" + wsA.ID + "/api-keys", session: viewer, status: 403},
		{name: "viewer creating a site", method: "POST", path: "/w/" + wsA.ID + "/sites", session: viewer,
			form: url.Values{"domain": {"viewer.example"}}, status: 403},
		{name: "missing CSRF token", method: "POST", path: "/w/" + wsA.ID + "/api-keys", session: owner,
			form: url.Values{"name": {"k"}, "scopes": {"read"}}, noCSRF: true, status: 403, want: []string{"expired"}},
		{name: "forged CSRF token", method: "POST", path: "/w/" + wsA.ID + "/api-keys", session: owner,
			form: url.Values{"name": {"k"}, "scopes": {"read"}, "csrf_token": {"forged"}}, status: 403},
		{name: "another session's CSRF token", method: "POST", path: "/w/" + wsA.ID + "/api-keys", session: owner,
			form: url.Values{"name": {"k"}, "scopes": {"read"}, "csrf_token": {viewer.csrf}}, status: 403},
		{name: "cross-site origin", method: "POST", path: "/w/" + wsA.ID + "/api-keys", session: owner,
			headers: map[string]string{"Origin": "https://evil.example"}, form: url.Values{"name": {"k"}, "scopes": {"read"}}, status: 403},
		{name: "owner creates API key", method: "POST", path: "/w/" + wsA.ID + "/api-keys", session: owner,
			form: url.Values{"name": {"export"}, "scopes": {"read"}}, status: 200, want: []string{"mops_", "shown only once"}},
		{name: "API key form without scope", method: "POST", path: "/w/" + wsA.ID + "/api-keys", session: owner,
			form: url.Values{"name": {"export"}}, status: 422, want: []string{"choose at least one"}},
		{name: "site form with bad time zone", method: "POST", path: "/w/" + wsA.ID + "/sites", session: owner,
			form: url.Values{"domain": {"tz.example"}, "timezone": {"Mars/Olympus"}}, status: 422, want: []string{"is not an IANA time zone", "has-error"}},
		{name: "login page without session", method: "GET", path: "/w/" + wsA.ID + "/sites", status: 303},
		{name: "unknown page", method: "GET", path: "/nope", session: owner, status: 404},
		{name: "unknown API route", method: "GET", path: "/api/v1/nope", status: 404, want: []string{`{"error":"not found"}`}},
		{name: "healthz", method: "GET", path: "/healthz", status: 200, want: []string{`"ok"`}},
		{name: "readyz", method: "GET", path: "/readyz", status: 200, want: []string{`"ready"`, `"embedded"`, `"EVENTS"`}},
	} {
		ta.run(t, sc)
	}

	// Audit: the key created above and the site created through the API are recorded.
	es, err := ta.Auth.Audit(ctx, wsA.ID, auth.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range es {
		acts = append(acts, e.Action+"/"+string(e.Actor.Type))
	}
	joined := strings.Join(acts, " ")
	for _, want := range []string{"apikey.create/user", "site.create/api_key"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit log lacks %s: %s", want, joined)
		}
	}
}

func TestLoginFlowAndFailures(t *testing.T) {
	ta := newTestApp(t)
	client := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	get := func(c *http.Client, path string) (*http.Response, string) {
		resp, err := c.Get(ta.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	post := func(c *http.Client, path string, f url.Values) (*http.Response, string) {
		resp, err := c.PostForm(ta.srv.URL+path, f)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	csrfFrom := func(html string) string {
		_, rest, ok := strings.Cut(html, `name="csrf_token" value="`)
		if !ok {
			t.Fatalf("no csrf_token in page: %.300s", html)
		}
		v, _, _ := strings.Cut(rest, `"`)
		return v
	}

	c := client()
	if resp, _ := get(c, "/"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/setup" {
		t.Fatalf("GET / on a new instance = %d → %q, want 303 → /setup", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := get(c, "/setup")
	resp, page := post(c, "/setup", url.Values{"csrf_token": {csrfFrom(page)}, "email": {"olive@example.com"},
		"password": {"short"}, "password_confirm": {"short"}})
	if resp.StatusCode != 422 || !strings.Contains(page, "at least 10 characters") {
		t.Fatalf("setup with a short password = %d, want 422 with an inline error", resp.StatusCode)
	}
	resp, _ = post(c, "/setup", url.Values{"csrf_token": {csrfFrom(page)}, "email": {"olive@example.com"}, "name": {"Olive"},
		"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/workspaces" {
		t.Fatalf("setup = %d → %q, want 303 → /workspaces", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(c, "/setup"); resp.StatusCode != 303 {
		t.Fatalf("setup page after setup = %d, want a redirect", resp.StatusCode)
	}

	// A second browser: wrong password, unknown user, then the right one.
	c2 := client()
	_, page = get(c2, "/login")
	token := csrfFrom(page)
	for _, tc := range []struct{ name, email, pw string }{
		{"wrong password", "olive@example.com", "wrong password!"},
		{"unknown user", "nobody@example.com", "correct horse battery"},
	} {
		resp, body := post(c2, "/login", url.Values{"csrf_token": {token}, "email": {tc.email}, "password": {tc.pw}})
		if resp.StatusCode != 401 || !strings.Contains(body, "Wrong email or password.") {
			t.Errorf("%s: login = %d, want 401 with the same message for both cases", tc.name, resp.StatusCode)
		}
	}
	resp, _ = post(c2, "/login", url.Values{"csrf_token": {token}, "email": {"OLIVE@example.com"}, "password": {"correct horse battery"},
		"next": {"https://evil.example/"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/" {
		t.Fatalf("login = %d → %q, want 303 → / (an off-site next is ignored)", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session string
	for _, ck := range resp.Cookies() {
		if ck.Name == auth.SessionCookie {
			session = ck.Value
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie flags: HttpOnly=%v SameSite=%v", ck.HttpOnly, ck.SameSite)
			}
		}
	}
	if session == "" {
		t.Fatal("login set no session cookie")
	}
	if resp, _ := get(c2, "/workspaces"); resp.StatusCode != 200 {
		t.Fatalf("workspaces after login = %d", resp.StatusCode)
	}

	// An expired session sends the browser back to the login page.
	ta.Auth.SetClock(func() time.Time { return time.Now().UTC().Add(auth.SessionMaxAge + time.Hour) })
	if resp, _ := get(c2, "/workspaces"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("expired session: GET /workspaces = %d → %q, want 303 → /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	ta.Auth.SetClock(func() time.Time { return time.Now().UTC() })

	// A POST without any cookie at all (no pre-session either) is refused.
	resp, _ = client().PostForm(ta.srv.URL+"/login", url.Values{"email": {"olive@example.com"}, "password": {"correct horse battery"}})
	if resp.StatusCode != 403 {
		t.Fatalf("login POST without cookies = %d, want 403", resp.StatusCode)
	}
}

func TestLoginRateLimited(t *testing.T) {
	ta := newTestApp(t)
	// A stopped clock: lock-outs do not run out while the test runs.
	frozen := time.Now()
	ta.loginBackoff.Now = func() time.Time { return frozen }
	if _, err := ta.Auth.Setup(context.Background(), "olive@example.com", "", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(ta.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, rest, _ := strings.Cut(string(b), `name="csrf_token" value="`)
	token, _, _ := strings.Cut(rest, `"`)
	var got []int
	for range 8 {
		resp, err := c.PostForm(ta.srv.URL+"/login", url.Values{"csrf_token": {token}, "email": {"olive@example.com"}, "password": {"wrong password!"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	// The first failures are free; the sixth locks the email out (1 s,
	// doubling with each further failure).
	want := []int{401, 401, 401, 401, 401, 401, 429, 429}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("login statuses = %v, want %v", got, want)
		}
	}
	// The right password is refused too while locked out.
	resp, err = c.PostForm(ta.srv.URL+"/login", url.Values{"csrf_token": {token}, "email": {"olive@example.com"}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Fatalf("right password during lock-out = %d, want 429", resp.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	ta := newTestApp(t)
	resp, err := http.Get(ta.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self' 'nonce-") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "strict-origin-when-cross-origin"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

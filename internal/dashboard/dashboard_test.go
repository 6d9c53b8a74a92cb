package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/sites"
)

const chromeUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// testServer is a whole mops server (DuckDB file, embedded JetStream,
// loader) serving real HTTP on a free port.
type testServer struct {
	*app.App
	base string
	csrf *httpx.CSRF
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	cfg := app.Defaults()
	dir, err := os.MkdirTemp("", "mops-dash-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	cfg.Data = filepath.Join(dir, "d") // short: the admin socket's path must fit a sockaddr_un
	cfg.Addr = "127.0.0.1:0"
	cfg.BaseURL, cfg.NATSURL, cfg.NATSListen = "", "", ""
	cfg.TrustedProxies = "127.0.0.1/32" // lets tests be many visitors through X-Forwarded-For
	cfg.RateLimitIP = 0
	cfg.LogFormat, cfg.LogLevel, cfg.Version = "text", "info", "test"
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, func(addr string) { ready <- addr }) }()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("server did not stop within 30 s")
		}
		if err := a.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	select {
	case addr := <-ready:
		return &testServer{App: a, base: "http://" + addr, csrf: httpx.NewCSRF(a.Secret)}
	case err := <-served:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server not ready within 30 s")
	}
	return nil
}

// member is a signed-in person: their session cookie and CSRF token.
type member struct {
	user        *auth.User
	token, csrf string
}

func (ts *testServer) member(t *testing.T, email string) *member {
	t.Helper()
	ctx := context.Background()
	u, err := ts.Auth.CreateUser(ctx, auth.CLIActor(), email, "", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ts.Auth.StartSession(ctx, u, "test")
	if err != nil {
		t.Fatal(err)
	}
	return &member{user: u, token: tok, csrf: ts.csrf.Token(auth.SessionKey(tok))}
}

// world is a workspace with a site, its owner, a viewer, an outsider (owner
// of another workspace with a site of its own) and a read key.
type world struct {
	ts                       *testServer
	ws, otherWS              *auth.Workspace
	site, otherSite          *sites.Site
	owner, viewer, outsider  *member
	readKey                  string
	sitePath, otherSitePath  string
	dashboardPath, csvPath   string
	realtimePath, streamPath string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	ts := startServer(t)
	w := &world{ts: ts, owner: ts.member(t, "owner@example.com"), viewer: ts.member(t, "viewer@example.com"),
		outsider: ts.member(t, "outsider@example.com")}
	var err error
	if w.ws, err = ts.Auth.CreateWorkspace(ctx, auth.CLIActor(), "Acme", w.owner.user); err != nil {
		t.Fatal(err)
	}
	if w.otherWS, err = ts.Auth.CreateWorkspace(ctx, auth.CLIActor(), "Other", w.outsider.user); err != nil {
		t.Fatal(err)
	}
	if err := ts.Auth.AddMember(ctx, auth.CLIActor(), w.ws.ID, w.viewer.user.ID, auth.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if w.site, err = ts.Sites.Create(ctx, auth.CLIActor(), w.ws.ID, sites.Settings{Domain: "acme.example", Timezone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	if w.otherSite, err = ts.Sites.Create(ctx, auth.CLIActor(), w.otherWS.ID, sites.Settings{Domain: "other.example"}); err != nil {
		t.Fatal(err)
	}
	if w.readKey, _, err = ts.Auth.CreateAPIKey(ctx, auth.CLIActor(), w.ws.ID, "test", []auth.Scope{auth.ScopeRead}); err != nil {
		t.Fatal(err)
	}
	w.sitePath = "/w/" + w.ws.ID + "/sites/" + w.site.ID
	w.otherSitePath = "/w/" + w.otherWS.ID + "/sites/" + w.otherSite.ID
	w.dashboardPath, w.csvPath = w.sitePath+"/dashboard", w.sitePath+"/export.csv"
	w.realtimePath, w.streamPath = w.sitePath+"/realtime", w.sitePath+"/realtime/stream"
	return w
}

// visit is what one visitor does: pageviews of paths (or named events
// "Name@/path" with props), coming from referrer.
type visit struct {
	ip, referrer string
	events       []string
	props        map[string]string
}

// send posts the visits' events through /api/event, each visitor from its
// own address, and waits until the warehouse holds them.
func (ts *testServer) send(t *testing.T, domain string, visits ...visit) {
	t.Helper()
	for _, v := range visits {
		for i, e := range v.events {
			name, path := "pageview", e
			if n, p, ok := strings.Cut(e, "@"); ok {
				name, path = n, p
			}
			body := fmt.Sprintf(`{"n":%q,"u":"https://%s%s","d":%q`, name, domain, path, domain)
			if i == 0 && v.referrer != "" {
				body += fmt.Sprintf(`,"r":%q`, v.referrer)
			}
			if name != "pageview" && len(v.props) > 0 {
				var kv []string
				for k, val := range v.props {
					kv = append(kv, fmt.Sprintf("%q:%q", k, val))
				}
				body += `,"p":{` + strings.Join(kv, ",") + `}`
			}
			body += "}"
			req, _ := http.NewRequest("POST", ts.base+"/api/event", strings.NewReader(body))
			req.Header.Set("Content-Type", "text/plain")
			req.Header.Set("User-Agent", chromeUA)
			req.Header.Set("X-Forwarded-For", v.ip)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("event %s: %d %s", body, resp.StatusCode, b)
			}
		}
	}
	ts.waitLoaded(t)
}

// waitLoaded waits until the warehouse holds everything the log has.
func (ts *testServer) waitLoaded(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range ts.Log.Health(ctx).Streams {
		if s.Name == eventlog.StreamEvents {
			if err := ts.Loader.WaitFor(ctx, s.LastSeq); err != nil {
				t.Fatalf("loader did not reach %d: %v", s.LastSeq, err)
			}
		}
	}
}

// get fetches path as m (nil: signed out), without following redirects.
func (ts *testServer) get(t *testing.T, m *member, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", ts.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m != nil {
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: m.token})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// apiQuery answers body through POST /api/v2/query with the read key.
func (w *world) apiQuery(t *testing.T, body string) string {
	t.Helper()
	body = `{"site_id":"acme.example",` + strings.TrimPrefix(body, "{")
	req, _ := http.NewRequest("POST", w.ts.base+"/api/v2/query", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.readKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("query %s: %d %s", body, resp.StatusCode, b)
	}
	return string(b)
}

func TestDashboardPages(t *testing.T) {
	w := newWorld(t)
	w.ts.send(t, "acme.example", visit{ip: "203.0.113.1", events: []string{"/", "Signup@/signup"}, props: map[string]string{"plan": "pro"}})
	wsPath := "/w/" + w.ws.ID

	for _, tc := range []struct {
		name    string
		who     *member
		path    string
		status  int
		want    []string
		notWant []string
	}{
		{name: "owner's dashboard", who: w.owner, path: w.dashboardPath, status: 200, want: []string{
			`id="dash"`, `data-query-url="` + w.sitePath + `/query"`, `data-csv-url="` + w.csvPath + `"`,
			`data-csrf="` + w.owner.csrf + `"`, `data-domain="acme.example"`, "dashboard.js", "dashboard.css",
			// The custom property seen in the site's events is offered.
			`<option value="plan" data-dimension="event:props:plan">plan</option>`,
			`data-dimension="visit:source"`, `data-dimension="event:goal"`, `href="` + w.realtimePath + `"`,
			`aria-current="page">Dashboard</a>`}},
		{name: "a viewer sees it too", who: w.viewer, path: w.dashboardPath, status: 200, want: []string{`id="dash"`},
			notWant: []string{"Site settings"}},
		{name: "outsider", who: w.outsider, path: w.dashboardPath, status: 404, notWant: []string{`id="dash"`}},
		{name: "another workspace's site in this workspace's path", who: w.owner, path: wsPath + "/sites/" + w.otherSite.ID + "/dashboard", status: 404},
		{name: "realtime page", who: w.viewer, path: w.realtimePath, status: 200,
			want: []string{`id="realtime"`, `data-stream-url="` + w.streamPath + `"`}},
		{name: "outsider's realtime", who: w.outsider, path: w.realtimePath, status: 404},
		{name: "signed out", path: w.dashboardPath, status: http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := w.ts.get(t, tc.who, tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s: %d, want %d", tc.path, resp.StatusCode, tc.status)
			}
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("GET %s lacks %q", tc.path, s)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(body, s) {
					t.Errorf("GET %s shows %q", tc.path, s)
				}
			}
		})
	}

	// The navigation's Dashboard opens the first site's, keeping the view.
	resp, _ := w.ts.get(t, w.viewer, wsPath+"/dashboard?period=7d")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != w.dashboardPath+"?period=7d" {
		t.Errorf("workspace dashboard: %d to %q, want 303 to %s?period=7d", resp.StatusCode, loc, w.dashboardPath)
	}
	// A workspace without sites sends its members to add one.
	empty, err := w.ts.Auth.CreateWorkspace(context.Background(), auth.CLIActor(), "Empty", w.owner.user)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ = w.ts.get(t, w.owner, "/w/"+empty.ID+"/dashboard")
	if loc := resp.Header.Get("Location"); loc != "/w/"+empty.ID+"/sites" {
		t.Errorf("empty workspace dashboard: %d to %q, want its sites page", resp.StatusCode, loc)
	}

	// The site pages link the dashboard.
	for _, path := range []string{wsPath + "/sites", w.sitePath} {
		if _, body := w.ts.get(t, w.owner, path); !strings.Contains(body, `href="`+w.dashboardPath+`"`) {
			t.Errorf("%s does not link the dashboard", path)
		}
	}
}

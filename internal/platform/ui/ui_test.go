package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
)

func testViews() fstest.MapFS {
	return fstest.MapFS{
		"templates/hello.html": {Data: []byte(`{{define "content"}}<p id="x">{{.Data}}</p>{{end}}`)},
	}
}

func TestRenderEscapesAndShowsNavForRole(t *testing.T) {
	t.Parallel()
	r, err := New(Options{
		Nav: []NavItem{
			{Label: "Sites", Path: "/sites", Perm: auth.PermView, Group: "Data"},
			{Label: "API keys", Path: "/api-keys", Perm: auth.PermManageKeys, Group: "Settings"},
		},
		Workspaces: func(context.Context, string) ([]auth.Membership, error) {
			return []auth.Membership{{Workspace: auth.Workspace{ID: "ws_1", Name: "Acme"}, Role: auth.RoleViewer}}, nil
		},
	}, testViews())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		role       auth.Role
		want, deny []string
	}{
		{auth.RoleViewer, []string{`href="/w/ws_1/sites"`}, []string{"API keys"}},
		{auth.RoleAdmin, []string{`href="/w/ws_1/sites"`, `href="/w/ws_1/api-keys"`}, nil},
	} {
		req := httptest.NewRequest("GET", "/w/ws_1/sites", nil)
		ctx := auth.WithUser(req.Context(), &auth.User{ID: "usr_1", Email: "a@example.com"}, "tok")
		ctx = auth.WithAccess(ctx, &auth.Access{Workspace: &auth.Workspace{ID: "ws_1", Name: "Acme"}, Role: tc.role})
		req = req.WithContext(ctx)
		w := httptest.NewRecorder()
		p := r.NewPage(w, req, "Sites")
		p.Data = `<script>alert(1)</script>`
		r.Render(w, http.StatusOK, "hello", p)
		body := w.Body.String()
		if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "&lt;script&gt;alert(1)") {
			t.Errorf("role %s: data not escaped", tc.role)
		}
		for _, s := range tc.want {
			if !strings.Contains(body, s) {
				t.Errorf("role %s: page lacks %q", tc.role, s)
			}
		}
		for _, s := range tc.deny {
			if strings.Contains(body, s) {
				t.Errorf("role %s: page shows %q", tc.role, s)
			}
		}
		if !strings.Contains(body, `class="active" aria-current="page">Sites`) {
			t.Errorf("role %s: the current page is not marked active", tc.role)
		}
	}
}

func TestNewRejectsBadViews(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{}, testViews(), testViews()); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate view: %v", err)
	}
	noContent := fstest.MapFS{"templates/x.html": {Data: []byte(`{{define "other"}}{{end}}`)}}
	if _, err := New(Options{}, noContent); err == nil || !strings.Contains(err.Error(), "content") {
		t.Errorf("view without content: %v", err)
	}
	broken := fstest.MapFS{"templates/y.html": {Data: []byte(`{{define "content"}}{{.Nope`)}}
	if _, err := New(Options{}, broken); err == nil {
		t.Error("a template that does not parse was accepted")
	}
}

func TestAssetsHashedAndCached(t *testing.T) {
	t.Parallel()
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := r.AssetPath("app.css")
	if !strings.HasPrefix(p, "/static/") || !strings.HasSuffix(p, "/app.css") || len(p) != len("/static/")+12+len("/app.css") {
		t.Fatalf("AssetPath(app.css) = %q", p)
	}
	for _, tc := range []struct {
		path, cache string
		status      int
	}{
		{p, "immutable", 200},
		{"/static/000000000000/app.css", "no-cache", 200},
		{"/static/" + "x/nope.css", "", 404},
	} {
		w := httptest.NewRecorder()
		r.Assets().ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
		if w.Code != tc.status || !strings.Contains(w.Header().Get("Cache-Control"), tc.cache) {
			t.Errorf("GET %s = %d, Cache-Control %q; want %d with %q", tc.path, w.Code, w.Header().Get("Cache-Control"), tc.status, tc.cache)
		}
	}
}

func TestAgo(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{59 * time.Minute, "59 minutes ago"},
		{3 * time.Hour, "3 hours ago"},
		{49 * time.Hour, "2 days ago"},
		{40 * 24 * time.Hour, "on 31 Mar 2026"},
	} {
		if got := ago(now.Add(-tc.d), now); got != tc.want {
			t.Errorf("ago(now-%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestFlashShownOnce(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	SetFlash(w, "Site added; snippet below.")
	c := w.Result().Cookies()[0]
	r, _ := New(Options{}, testViews())
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(c)
	w2 := httptest.NewRecorder()
	p := r.NewPage(w2, req, "x")
	if p.Flash != "Site added; snippet below." {
		t.Fatalf("flash = %q", p.Flash)
	}
	if got := w2.Result().Cookies(); len(got) != 1 || got[0].MaxAge >= 0 {
		t.Fatalf("flash cookie not cleared: %+v", got)
	}
}

func TestNumberAndMoney(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := Number(n); got != want {
			t.Errorf("Number(%d) = %q, want %q", n, got, want)
		}
	}
	for _, tc := range []struct {
		amount   float64
		currency string
		want     string
	}{{12500.5, "EUR", "12,500.50 EUR"}, {0.005, "", "0.01"}, {-1999.99, "USD", "-1,999.99 USD"}, {1e6, "GBP", "1,000,000.00 GBP"}} {
		if got := Money(tc.amount, tc.currency); got != tc.want {
			t.Errorf("Money(%v, %q) = %q, want %q", tc.amount, tc.currency, got, tc.want)
		}
	}
}

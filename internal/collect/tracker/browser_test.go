package tracker

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	chrome "github.com/mopshq/mops/internal/platform/browser"
)

// The browser tests load the served tracker in headless Chromium on a
// small test site and check what it posts to the site's /api/event.
// Chromium resolves shop.test to 127.0.0.1 (and every other name to
// nothing), so the page is not on "localhost" and the tracker runs.
// chromedp sets navigator.webdriver, so the page's script tag carries
// data-allow-automation unless a test checks the automation rule.

const (
	// browserTestTimeout bounds one test's browser work.
	browserTestTimeout = 60 * time.Second
	// waitTimeout bounds one wait for events or a page state.
	waitTimeout = 10 * time.Second
)

// event is one body posted to /api/event, decoded, with the request's
// Content-Type.
type event struct {
	Name        string            `json:"n"`
	URL         string            `json:"u"`
	Domain      string            `json:"d"`
	Referrer    *string           `json:"r"`
	Props       map[string]string `json:"p"`
	Revenue     *revenue          `json:"$"`
	Interactive *bool             `json:"i"`
	Engaged     *float64          `json:"e"`
	ScrollDepth *float64          `json:"sd"`
	Hash        *int              `json:"h"`
	Cookie      *string           `json:"c"`

	raw         string
	contentType string
}

type revenue struct {
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

func (e event) String() string { return e.raw }

// site is a test site: one page, whatever the path, that loads the
// tracker, and an /api/event that keeps every body posted to it.
type site struct {
	t    *testing.T
	port string

	mu          sync.Mutex
	events      []event
	preflights  int
	badRequests []string
}

// siteOptions shape the test page.
type siteOptions struct {
	// attrs are extra attributes of the tracker's script tag.
	attrs string
	// noDomain leaves data-domain empty.
	noDomain bool
	// script is the tracker's path; default /js/script.js.
	script string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title>
<script>
// Count the tracker's requests, to prove that none is made.
window.__apiCalls = 0;
window.__fetch = window.fetch;
(function () {
  var f = window.fetch, b = navigator.sendBeacon.bind(navigator);
  var api = function (u) { return String(u).indexOf('/api/event') >= 0 && window.__apiCalls++ };
  window.fetch = function (u) { api(u); return f.apply(this, arguments) };
  navigator.sendBeacon = function (u, d) { api(u); return b(u, d) };
})();
// The stub a site puts before the tracker, and a call queued with it.
window.mops = window.mops || function () { (window.mops.q = window.mops.q || []).push(arguments) };
mops('Queued', {props: {early: 'yes', count: 3, none: null}});
</script>
<script defer src="{{.Script}}" data-domain="{{.Domain}}" data-api="/api/event" {{.Attrs}}></script>
</head>
<body>
<h1>Shop</h1>
<p><a id="out" href="http://other.test/">Other site</a></p>
<p><a id="pdf" href="/files/report.pdf?token=secret">Report</a></p>
<p><a id="in" href="/stay">A page of this site</a></p>
<div id="tall" style="height: 4000px">Tall content</div>
<p id="end">End</p>
</body></html>
`))

// newSite starts a test site; it stops when the test ends.
func newSite(t *testing.T, opts siteOptions) *site {
	t.Helper()
	s := &site{t: t}
	mux := http.NewServeMux()
	mux.Handle("/js/script.js", Handler())
	mux.Handle("/js/script.cookie.js", CookieHandler())
	mux.HandleFunc("/api/event", s.collect)
	// Links the tests click: answered with 204, so the page stays.
	mux.HandleFunc("/files/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/stay", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	// A page of the site without the tracker.
	mux.HandleFunc("/blank", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>Blank</title><p>No tracker here.")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		domain := "shop.test,www.shop.test"
		if opts.noDomain {
			domain = ""
		}
		script := opts.script
		if script == "" {
			script = "/js/script.js"
		}
		if err := pageTemplate.Execute(w, map[string]any{"Attrs": template.HTMLAttr(opts.attrs), "Domain": domain, "Script": script}); err != nil {
			t.Errorf("render page: %v", err)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, s.port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.preflights > 0 {
			t.Errorf("the tracker caused %d CORS preflight requests, want none", s.preflights)
		}
		for _, m := range s.badRequests {
			t.Errorf("bad request to /api/event: %s", m)
		}
		if t.Failed() {
			t.Logf("events received:")
			for _, e := range s.events {
				t.Logf("  %s", e)
			}
		}
	})
	return s
}

// url returns the address of path on the site under host.
func (s *site) url(host, path string) string {
	return "http://" + host + ":" + s.port + path
}

func (s *site) collect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		s.mu.Lock()
		s.preflights++
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body, err := io.ReadAll(r.Body)
	var e event
	if err == nil {
		err = json.Unmarshal(body, &e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method != http.MethodPost:
		s.badRequests = append(s.badRequests, r.Method+" "+r.URL.String())
	case err != nil:
		s.badRequests = append(s.badRequests, fmt.Sprintf("%q: %v", body, err))
	case r.UserAgent() == "":
		s.badRequests = append(s.badRequests, fmt.Sprintf("%s: no User-Agent", body))
	}
	e.raw = string(body)
	e.contentType = r.Header.Get("Content-Type")
	s.events = append(s.events, e)
	w.WriteHeader(http.StatusAccepted)
}

// received returns a copy of the events so far.
func (s *site) received() []event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// named returns the events so far named name.
func (s *site) named(name string) []event {
	var out []event
	for _, e := range s.received() {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// waitFor polls the events until one, from the index from on, satisfies
// match, and returns it; the test fails when none does within waitTimeout.
func (s *site) waitFor(from int, what string, match func(event) bool) event {
	s.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		evs := s.received()
		for _, e := range evs[min(from, len(evs)):] {
			if match(e) {
				return e
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no %s within %s", what, waitTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// shared is the one Chromium of the package's browser tests, started by
// the first test that needs it and stopped by TestMain. Each test gets its
// own browser context (no shared cookies or storage) and tab in it: one
// browser for all is much lighter than one for each on a small machine.
var shared struct {
	once sync.Once
	ctx  context.Context // the browser's first tab, untimed
	err  error
	skip bool
	stop func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	os.Exit(code)
}

// startShared starts the shared browser, with the flags of the end-to-end
// tests (internal/e2e) plus the host mapping.
func startShared() {
	execPath := chrome.ExecPath()
	if execPath == "" {
		shared.skip = true
		return
	}
	// Not a t.TempDir: Chromium's helper processes can still be writing
	// to the profile when the browser is told to quit.
	profile, err := os.MkdirTemp("", "mops-tracker-profile-")
	if err != nil {
		shared.err = err
		return
	}
	// shop.test is the test site; no other name resolves, so no test
	// reaches the network.
	opts := chrome.AllocatorOptions(execPath, profile,
		chromedp.Flag("host-resolver-rules", "MAP shop.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("no-proxy-server", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	shared.ctx = ctx
	shared.stop = func() {
		cancel()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	}
	// The first run starts the browser and ties its life to the context
	// it gets, so it gets the untimed context; the timer only bounds the
	// wait.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			shared.err = fmt.Errorf("start %s: %w", execPath, err)
		}
	case <-time.After(30 * time.Second):
		shared.err = fmt.Errorf("start %s: no answer within 30s", execPath)
	}
}

// browser is one tab, in a fresh browser context of the shared browser,
// with what its pages wrote to the console.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// newBrowser opens a tab in a new browser context, with focus emulation on
// so that the page counts as focused, as in a visible window. It skips the
// test when there is no Chromium, unless CI=true. Uncaught page errors
// fail the test.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	shared.once.Do(startShared)
	switch {
	case shared.skip && chrome.Required():
		t.Fatal("no Chromium found (install the Debian package chromium); CI=true, so this is a failure")
	case shared.skip:
		t.Skip("no Chromium found (install the Debian package chromium)")
	case shared.err != nil:
		t.Fatal(shared.err)
	}
	tabCtx, cancelTab := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancelTab)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tabCtx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("open a tab: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("open a tab: no answer within 30s")
	}
	ctx, cancel := context.WithTimeout(tabCtx, browserTestTimeout)
	t.Cleanup(cancel)

	b := &browser{t: t, ctx: ctx}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, m := range b.console {
			if m.IsException() {
				t.Errorf("page error: %s (%s)", m, m.URL)
			}
		}
	})
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("focus emulation: %v", err)
	}
	return b
}

// do runs the actions, failing the test with step when one fails.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// eval evaluates a JavaScript expression in the page, awaiting a promise.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// open loads url with the referrer (none when empty) and waits until the
// tracker has run.
func (b *browser) open(url, referrer string) {
	b.t.Helper()
	b.do("open "+url, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{
			URL: url, Referrer: referrer, ReferrerPolicy: page.ReferrerPolicyUnsafeURL,
		})
		if err == nil && res.ErrorText != "" {
			err = fmt.Errorf("%s", res.ErrorText)
		}
		return err
	}))
	b.waitTrue("the tracker to run on "+url, `document.readyState === "complete" && !!window.mops && window.mops.v === 1`)
}

// waitTrue polls the expression until it is true.
func (b *browser) waitTrue(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: not true within %s (last error: %v)", what, waitTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitLeft waits until the test page is gone, after a click that leaves
// it, so that the next navigation does not race with that one.
func (b *browser) waitLeft() {
	b.t.Helper()
	b.waitTrue("the page to go away", `window.__fetch === undefined && document.readyState === "complete"`)
}

// warnings returns the console warnings so far.
func (b *browser) warnings() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.console {
		if m.Type == chromedp.ConsoleWarning {
			out = append(out, m.Text)
		}
	}
	return out
}

// waitWarning waits for a console warning that contains text.
func (b *browser) waitWarning(text string) {
	b.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		for _, w := range b.warnings() {
			if strings.Contains(w, text) {
				return
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("no console warning with %q within %s; warnings: %q", text, waitTimeout, b.warnings())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitWarnings waits until n console warnings start with prefix, and fails
// the test if there are more.
func (b *browser) waitWarnings(prefix string, n int) {
	b.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		got := 0
		for _, w := range b.warnings() {
			if strings.HasPrefix(w, prefix) {
				got++
			}
		}
		if got > n {
			b.t.Fatalf("%d console warnings start with %q, want %d: %q", got, prefix, n, b.warnings())
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%d console warnings start with %q within %s, want %d: %q", got, prefix, waitTimeout, n, b.warnings())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sentinel posts a marker event from the page, outside the tracker, and
// waits for the site to receive it. The tracker's requests of before are
// then in: the page made them first, on the same server.
func (b *browser) sentinel(s *site, name string) {
	b.t.Helper()
	eval[int](b, `window.__fetch('/api/event', {method: 'POST', body: JSON.stringify({n: '`+name+`'})}).then(r => r.status)`)
	s.waitFor(0, "sentinel "+name, func(e event) bool { return e.Name == name })
}

// setHidden fakes the page being hidden or shown again (a tab switch),
// by overriding document.hidden and document.visibilityState and firing
// visibilitychange: a headless tab stays visible.
func (b *browser) setHidden(hidden bool) {
	b.t.Helper()
	state := "visible"
	if hidden {
		state = "hidden"
	}
	eval[bool](b, fmt.Sprintf(`Object.defineProperty(document, 'hidden', {value: %t, configurable: true});
Object.defineProperty(document, 'visibilityState', {value: %q, configurable: true});
document.dispatchEvent(new Event('visibilitychange')); true`, hidden, state))
}

func ptr[T any](v T) *T { return &v }

func checkEvent(t *testing.T, got event, want event) {
	t.Helper()
	if got.URL != want.URL {
		t.Errorf("%s: u = %q, want %q", got, got.URL, want.URL)
	}
	if got.Domain != "shop.test" {
		t.Errorf("%s: d = %q, want %q", got, got.Domain, "shop.test")
	}
	if (got.Referrer == nil) != (want.Referrer == nil) || got.Referrer != nil && *got.Referrer != *want.Referrer {
		t.Errorf("%s: r differs from %v", got, want.Referrer)
	}
	if got.Interactive == nil || *got.Interactive != *want.Interactive {
		t.Errorf("%s: i differs from %v", got, *want.Interactive)
	}
	if !strings.HasPrefix(got.contentType, "text/plain") {
		t.Errorf("%s: Content-Type %q, want text/plain", got, got.contentType)
	}
}

func TestBrowserPageviews(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{attrs: "data-allow-automation"})
	b := newBrowser(t)
	home := s.url("shop.test", "/?utm_source=news")
	b.open(home+"#top", "https://ref.test/article")

	pv := s.waitFor(0, "pageview of /", func(e event) bool { return e.Name == "pageview" })
	checkEvent(t, pv, event{URL: home, Referrer: ptr("https://ref.test/article"), Interactive: ptr(true)})
	if pv.Props != nil || pv.Revenue != nil || pv.Engaged != nil || pv.ScrollDepth != nil || pv.Hash != nil || pv.Cookie != nil {
		t.Errorf("%s: a pageview has only n, u, d, r and i", pv)
	}

	// The call queued before the script loaded.
	q := s.waitFor(0, "queued event", func(e event) bool { return e.Name == "Queued" })
	checkEvent(t, q, event{URL: home, Referrer: ptr("https://ref.test/article"), Interactive: ptr(true)})
	if want := map[string]string{"early": "yes", "count": "3"}; !maps.Equal(q.Props, want) {
		t.Errorf("%s: props %v, want %v", q, q.Props, want)
	}

	// SPA navigation: pushState to a new path is a pageview, to the same
	// path with another query is not; the page left gets its engagement.
	n := len(s.received())
	eval[bool](b, `history.pushState({}, '', '/pricing'); true`)
	pricing := s.waitFor(n, "pageview of /pricing", func(e event) bool { return e.Name == "pageview" })
	checkEvent(t, pricing, event{URL: s.url("shop.test", "/pricing"), Referrer: ptr("https://ref.test/article"), Interactive: ptr(true)})
	eng := s.waitFor(n, "engagement of /", func(e event) bool { return e.Name == "engagement" })
	checkEvent(t, eng, event{URL: home, Referrer: ptr("https://ref.test/article"), Interactive: ptr(false)})
	eval[bool](b, `history.pushState({}, '', '/pricing?plan=pro'); history.replaceState({}, '', '/pricing?plan=team'); true`)

	// popstate: back to /pricing is the same path, back again to / is a
	// pageview.
	n = len(s.received())
	eval[bool](b, `history.back(); true`)
	b.waitTrue("back to /pricing", `location.pathname === "/pricing" && location.search === ""`)
	eval[bool](b, `history.back(); true`)
	b.waitTrue("back to /", `location.pathname === "/"`)
	back := s.waitFor(n, "pageview after history.back", func(e event) bool { return e.Name == "pageview" })
	checkEvent(t, back, event{URL: home, Referrer: ptr("https://ref.test/article"), Interactive: ptr(true)})

	// A custom event with props, revenue and a callback.
	n = len(s.received())
	status := eval[int](b, `new Promise(done => mops('Signup', {props: {plan: 'pro'}, revenue: {amount: 49, currency: 'EUR'}, callback: r => done(r.status)}))`)
	if status != http.StatusAccepted {
		t.Errorf("callback got status %d, want %d", status, http.StatusAccepted)
	}
	signup := s.waitFor(n, "Signup", func(e event) bool { return e.Name == "Signup" })
	checkEvent(t, signup, event{URL: home, Referrer: ptr("https://ref.test/article"), Interactive: ptr(true)})
	if want := map[string]string{"plan": "pro"}; !maps.Equal(signup.Props, want) {
		t.Errorf("%s: props %v, want %v", signup, signup.Props, want)
	}
	if signup.Revenue == nil || signup.Revenue.Amount != "49" || signup.Revenue.Currency != "EUR" {
		t.Errorf("%s: revenue %+v, want 49 EUR", signup, signup.Revenue)
	}
	// interactive: false, and plausible() is the same function.
	eval[bool](b, `plausible('Seen', {interactive: false}); true`)
	seen := s.waitFor(n, "Seen", func(e event) bool { return e.Name == "Seen" })
	checkEvent(t, seen, event{URL: home, Referrer: ptr("https://ref.test/article"), Interactive: ptr(false)})

	b.sentinel(s, "sentinel")
	var urls []string
	for _, e := range s.named("pageview") {
		urls = append(urls, e.URL)
	}
	if want := []string{home, s.url("shop.test", "/pricing"), home}; !slices.Equal(urls, want) {
		t.Errorf("pageviews of %q, want %q", urls, want)
	}
}

func TestBrowserEngagement(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{attrs: "data-allow-automation"})
	b := newBrowser(t)
	home := s.url("shop.test", "/")
	b.open(home, "")
	pv := s.waitFor(0, "pageview", func(e event) bool { return e.Name == "pageview" })
	checkEvent(t, pv, event{URL: home, Interactive: ptr(true)})

	// Some engaged time, then the tab is hidden.
	b.waitTrue("engaged time to pass", `document.hasFocus() && performance.now() > 50`)
	n := len(s.received())
	b.setHidden(true)
	first := s.waitFor(n, "engagement when hidden", func(e event) bool { return e.Name == "engagement" })
	checkEvent(t, first, event{URL: home, Interactive: ptr(false)})
	if first.Engaged == nil || *first.Engaged <= 0 {
		t.Errorf("%s: e is not above 0", first)
	}
	if first.ScrollDepth == nil || *first.ScrollDepth <= 0 || *first.ScrollDepth >= 100 {
		t.Errorf("%s: sd not in (0, 100) for an unscrolled tall page", first)
	}
	if first.Props != nil || first.Revenue != nil {
		t.Errorf("%s: engagement with props or revenue", first)
	}

	// Shown again and scrolled to the end, then left: pagehide sends the
	// rest, though the page is going away.
	b.setHidden(false)
	eval[bool](b, `window.scrollTo(0, document.documentElement.scrollHeight); true`)
	b.waitTrue("scrolled to the end", `window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1`)
	n = len(s.received())
	b.do("leave the page", chromedp.Navigate(s.url("shop.test", "/blank")))
	last := s.waitFor(n, "engagement when leaving", func(e event) bool { return e.Name == "engagement" })
	checkEvent(t, last, event{URL: home, Interactive: ptr(false)})
	if last.ScrollDepth == nil || *last.ScrollDepth != 100 {
		t.Errorf("%s: sd is not 100 after scrolling to the end", last)
	}
	if last.Engaged == nil || *last.Engaged < 0 {
		t.Errorf("%s: no e", last)
	}
	b.open(home, "")
	b.sentinel(s, "sentinel")
	if got := len(s.named("engagement")); got != 2 {
		t.Errorf("%d engagement events, want 2", got)
	}
}

func TestBrowserLinks(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{attrs: "data-allow-automation"})
	b := newBrowser(t)
	home := s.url("shop.test", "/")
	b.open(home, "")
	s.waitFor(0, "pageview", func(e event) bool { return e.Name == "pageview" })

	// A link to a file of the site, opened from the keyboard: the query
	// is left out of the URL.
	b.do("press Enter on the report link", chromedp.Focus(chromedp.CSS("#pdf")), chromedp.KeyEvent("\r"))
	dl := s.waitFor(0, "File Download", func(e event) bool { return e.Name == "File Download" })
	checkEvent(t, dl, event{URL: home, Interactive: ptr(true)})
	if want := s.url("shop.test", "/files/report.pdf"); dl.Props["url"] != want {
		t.Errorf("%s: props.url = %q, want %q", dl, dl.Props["url"], want)
	}

	// A middle click on the outbound link (a new tab, if any; this page stays).
	b.do("middle-click the outbound link", chromedp.QueryAfter(chromedp.CSS("#out"), func(ctx context.Context, tg *chromedp.Target, ns []*chromedp.Node) (chromedp.Void, error) {
		_, err := chromedp.MouseClickNode(ns[0], chromedp.ButtonMiddle)(ctx, tg)
		return chromedp.Void{}, err
	}))
	mid := s.waitFor(0, "Outbound Link: Click", func(e event) bool { return e.Name == "Outbound Link: Click" })
	checkEvent(t, mid, event{URL: home, Interactive: ptr(true)})
	if mid.Props["url"] != "http://other.test/" {
		t.Errorf("%s: props.url = %q, want %q", mid, mid.Props["url"], "http://other.test/")
	}

	// A link within the site sends nothing.
	b.do("click the internal link", chromedp.Click(chromedp.CSS("#in")))

	// A left click on the outbound link: the page goes away (other.test
	// does not resolve), the beacon still arrives.
	n := len(s.received())
	b.do("click the outbound link", chromedp.Click(chromedp.CSS("#out")))
	out := s.waitFor(n, "Outbound Link: Click", func(e event) bool { return e.Name == "Outbound Link: Click" })
	b.waitLeft()
	if out.Props["url"] != "http://other.test/" {
		t.Errorf("%s: props.url = %q, want %q", out, out.Props["url"], "http://other.test/")
	}

	b.open(home, "")
	b.sentinel(s, "sentinel")
	var names []string
	for _, e := range s.received() {
		if e.Name != "pageview" && e.Name != "engagement" && e.Name != "Queued" {
			names = append(names, e.Name)
		}
	}
	if want := []string{"File Download", "Outbound Link: Click", "Outbound Link: Click", "sentinel"}; !slices.Equal(names, want) {
		t.Errorf("events %q, want %q", names, want)
	}
}

func TestBrowserHashMode(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{attrs: "data-allow-automation data-hash"})
	b := newBrowser(t)
	home := s.url("shop.test", "/#/inbox")
	b.open(home, "")
	pv := s.waitFor(0, "pageview", func(e event) bool { return e.Name == "pageview" })
	checkEvent(t, pv, event{URL: home, Interactive: ptr(true)})

	n := len(s.received())
	eval[bool](b, `location.hash = '#/settings'; true`)
	next := s.waitFor(n, "pageview of #/settings", func(e event) bool { return e.Name == "pageview" })
	checkEvent(t, next, event{URL: s.url("shop.test", "/#/settings"), Interactive: ptr(true)})
	for _, e := range []event{pv, next} {
		if e.Hash == nil || *e.Hash != 1 {
			t.Errorf("%s: h is not 1 in hash mode", e)
		}
	}

	b.sentinel(s, "sentinel")
	if got := len(s.named("pageview")); got != 2 {
		t.Errorf("%d pageviews, want 2 (hashchange and popstate count once)", got)
	}
}

// TestBrowserNotTracked checks the cases where the tracker sends nothing:
// it warns once, calls callbacks back, and makes no request.
func TestBrowserNotTracked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		attrs string
		host  string
		// optOut sets localStorage.mops_ignore before the page loads.
		optOut   bool
		noDomain bool
		want     string
	}{
		{name: "opted out", attrs: "data-allow-automation", host: "shop.test", optOut: true, want: "opted out"},
		{name: "localhost", attrs: "data-allow-automation", host: "127.0.0.1", want: "localhost"},
		{name: "automation", host: "shop.test", want: "automation"},
		{name: "no domain", attrs: "data-allow-automation", noDomain: true, host: "shop.test", want: "no data-domain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, siteOptions{attrs: tc.attrs, noDomain: tc.noDomain})
			b := newBrowser(t)
			if tc.optOut {
				b.do("open a page of the site", chromedp.Navigate(s.url(tc.host, "/blank")))
				eval[bool](b, `localStorage.mops_ignore = "true"; true`)
			}
			b.open(s.url(tc.host, "/"), "")
			if tc.name == "automation" && !eval[bool](b, `navigator.webdriver === true`) {
				t.Fatal("navigator.webdriver is not true under chromedp: this case tests nothing")
			}
			b.waitWarning("mops: ignored: " + tc.want)
			called := eval[bool](b, `new Promise(done => mops('Signup', {callback: r => done(r === undefined)}))`)
			if !called {
				t.Errorf("callback of an event not sent got an argument")
			}
			eval[bool](b, `history.pushState({}, '', '/pricing'); window.scrollTo(0, 500); true`)
			b.do("click the outbound link", chromedp.Click(chromedp.CSS("#out")))
			b.waitLeft()
			b.open(s.url(tc.host, "/"), "")
			if calls := eval[int](b, `window.__apiCalls`); calls != 0 {
				t.Errorf("the tracker made %d requests, want none", calls)
			}
			b.sentinel(s, "sentinel")
			if evs := s.received(); len(evs) != 1 {
				t.Errorf("received %q, want only the sentinel", evs)
			}
			// One warning on each of the two pages loaded, whatever
			// happened on them.
			b.waitWarnings("mops:", 2)
		})
	}
}

func TestBrowserLocalhostIncluded(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{attrs: "data-allow-automation data-include-localhost"})
	b := newBrowser(t)
	home := s.url("127.0.0.1", "/")
	b.open(home, "")
	pv := s.waitFor(0, "pageview", func(e event) bool { return e.Name == "pageview" })
	checkEvent(t, pv, event{URL: home, Interactive: ptr(true)})
}

// TestBrowserCookieID checks the cookie version of the tracker: it keeps
// one random id in a first-party cookie and sends it with every event.
func TestBrowserCookieID(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{attrs: "data-allow-automation", script: "/js/script.cookie.js"})
	b := newBrowser(t)
	b.open(s.url("shop.test", "/"), "")
	first := s.waitFor(0, "pageview with a cookie id", func(e event) bool { return e.Name == "pageview" })
	if first.Cookie == nil || len(*first.Cookie) != 32 || strings.Trim(*first.Cookie, "0123456789abcdef") != "" {
		t.Fatalf("%s: c is not a 32-digit hex id", first)
	}
	if got := eval[string](b, `document.cookie`); !strings.Contains(got, "mops_id="+*first.Cookie) {
		t.Fatalf("document.cookie = %q, want mops_id=%s", got, *first.Cookie)
	}
	n := len(s.received())
	b.open(s.url("shop.test", "/again"), "")
	again := s.waitFor(n, "pageview of /again", func(e event) bool { return e.Name == "pageview" && strings.HasSuffix(e.URL, "/again") })
	if again.Cookie == nil || *again.Cookie != *first.Cookie {
		t.Fatalf("%s: the second page sent another id than %s", again, *first.Cookie)
	}
}

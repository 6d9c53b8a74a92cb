package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/platform/browser"
)

// The browser tests start a whole mops server in the test process and
// drive it with headless Chromium. Every test gets its own server (fresh
// data directory) and its own browser (fresh profile), so tests share no
// cookies or data.

const (
	// browserTestTimeout bounds one test's browser work.
	browserTestTimeout = 90 * time.Second
	// browserStepTimeout bounds one browser step, so a missing element fails
	// with its selector instead of hanging until browserTestTimeout.
	browserStepTimeout = 15 * time.Second
)

// startAppServer opens a mops app on a fresh data directory, serves it on a
// free port and returns its base URL. The server stops when the test ends;
// if the test failed, the server's log is printed.
func startAppServer(t *testing.T) (baseURL string, a *app.App) {
	t.Helper()
	cfg := app.Defaults()
	// Only the settings that matter here; MOPS_* variables of the shell
	// running the tests must not change them.
	cfg.Data = t.TempDir()
	if len(filepath.Join(cfg.Data, "mops.sock")) > 100 {
		// The admin socket's path must fit a sockaddr_un (about 104
		// bytes); a long TMPDIR would not leave room.
		short, err := os.MkdirTemp("/tmp", "mops-e2e-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(short) })
		cfg.Data = short
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.BaseURL = ""
	cfg.NATSURL = ""
	cfg.NATSListen = ""
	cfg.TrustedProxies = ""
	cfg.LogFormat = "text"
	cfg.LogLevel = "info"
	cfg.Version = "test"

	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))

	openCtx, cancelOpen := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancelOpen()
	a, err := app.Open(openCtx, cfg, logger)
	if err != nil {
		t.Fatalf("open app: %v", err)
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
			t.Errorf("server did not stop within 30s")
		}
		if err := a.Close(context.Background()); err != nil {
			t.Errorf("close app: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})

	select {
	case addr := <-ready:
		return "http://" + addr, a
	case err := <-served:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatalf("server not ready within 30s")
	}
	return "", nil
}

// lockedBuffer collects output written from many goroutines (server logs,
// a subprocess's stdout and stderr).
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// chromiumPath finds the browser. Without one the test is skipped, except
// in CI (CI=true), where a missing browser is a failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := browser.ExecPath(); p != "" {
		return p
	}
	if browser.Required() {
		t.Fatal("no Chromium found (install the Debian package chromium); CI=true, so this is a failure")
	}
	t.Skip("no Chromium found (install the Debian package chromium)")
	return ""
}

// browserCount counts the browsers of each test, to name their screenshots.
var browserCount = struct {
	sync.Mutex
	n map[*testing.T]int
}{n: map[*testing.T]int{}}

// newBrowser starts a headless Chromium with a fresh profile and returns a
// context for its tab, bounded by browserTestTimeout. Each call is a separate
// browser: no cookies are shared. If the test fails, a full-page
// screenshot, the URL and the text of the page are saved or logged.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	execPath := chromiumPath(t)

	// Not t.TempDir: Chromium's helper processes can still be writing to
	// the profile when the browser is told to quit, and a failing
	// removal must not fail the test.
	profile, err := os.MkdirTemp("", "mops-e2e-profile-")
	if err != nil {
		t.Fatal(err)
	}
	opts := browser.AllocatorOptions(execPath, profile)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})

	// The first run starts the browser and ties its life to the context
	// it gets, so it gets the untimed tab context; the timer only bounds
	// the wait.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tabCtx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start %s: %v", execPath, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("start %s: no answer within 30s", execPath)
	}

	browserCount.Lock()
	browserCount.n[t]++
	n := browserCount.n[t]
	browserCount.Unlock()
	if n == 1 {
		t.Cleanup(func() {
			browserCount.Lock()
			delete(browserCount.n, t)
			browserCount.Unlock()
		})
	}
	name := artifactName(t.Name())
	if n > 1 {
		name += fmt.Sprintf("-browser%d", n)
	}

	ctx, cancel := context.WithTimeout(tabCtx, browserTestTimeout)
	t.Cleanup(cancel)
	console := watchConsole(ctx)
	t.Cleanup(func() {
		for _, m := range console.problems() {
			t.Errorf("browser %s console: %s", name, m)
		}
		if t.Failed() {
			saveFailureArtifacts(t, tabCtx, name)
		}
	})
	return ctx
}

// consoleLog keeps what a page wrote to the browser console.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

// watchConsole records the console messages of the tab of ctx until ctx
// ends.
func watchConsole(ctx context.Context) *consoleLog {
	c := &consoleLog{}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, m)
			c.mu.Unlock()
		}
	}()
	return c
}

// problems lists the messages that show a broken page: uncaught script
// errors and anything the Content-Security-Policy blocked. Failed
// requests are not among them: the tests ask for 401 and 403 pages.
func (c *consoleLog) problems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.msgs {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			out = append(out, fmt.Sprintf("%s (%s)", m, m.URL))
		}
	}
	return out
}

// artifactsDir is where failure screenshots go: $MOPS_TEST_ARTIFACTS, or
// mops-browser-artifacts in the system temp directory.
func artifactsDir() string {
	if d := os.Getenv("MOPS_TEST_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "mops-browser-artifacts")
}

var unsafeArtifactChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func artifactName(s string) string { return unsafeArtifactChars.ReplaceAllString(s, "_") }

// saveFailureArtifacts saves a full-page screenshot of the tab and logs
// its path, the page's URL and its text. It gets its own time: the test's
// context may be what ran out.
func saveFailureArtifacts(t *testing.T, tabCtx context.Context, name string) {
	ctx, cancel := context.WithTimeout(tabCtx, 10*time.Second)
	defer cancel()
	if url, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		t.Logf("browser %s was at %s", name, url)
	} else {
		t.Logf("browser %s: no URL: %v", name, err)
	}
	if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`)); err == nil {
		const limit = 4000
		if len(text) > limit {
			text = text[:limit] + "\n…(cut)"
		}
		t.Logf("page text:\n%s", text)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	dir := artifactsDir()
	file := filepath.Join(dir, name+".png")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", file)
}

// tab drives one browser tab against one server. Every method fails the
// test, naming the step, when the step fails or takes over browserStepTimeout.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// newTab starts a browser (see newBrowser) for the server at base.
func newTab(t *testing.T, base string) *tab {
	t.Helper()
	return &tab{t: t, ctx: newBrowser(t), base: base}
}

func (p *tab) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", step, err)
	}
}

func tabRun[T any](p *tab, step string, action chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		p.t.Fatalf("%s: %v", step, err)
	}
	return v
}

// open loads path (or an absolute URL), waits for the load event and
// returns the HTTP status of the page.
func (p *tab) open(path string) int {
	p.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = p.base + path
	}
	resp := tabRun(p, "open "+u, chromedp.NavigateResponse(u))
	if resp == nil {
		p.t.Fatalf("open %s: no response", u)
	}
	return int(resp.Status)
}

// fill replaces the value of the input sel by typing value.
func (p *tab) fill(sel, value string) {
	p.t.Helper()
	p.do(fmt.Sprintf("fill %s", sel),
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Clear(chromedp.CSS(sel)),
		chromedp.SendKeys(chromedp.CSS(sel), value))
}

// choose selects the option value of the select sel.
func (p *tab) choose(sel, value string) {
	p.t.Helper()
	p.do(fmt.Sprintf("choose %q in %s", value, sel), chromedp.SetValue(chromedp.CSS(sel), value))
}

// click clicks the element sel, once it is visible.
func (p *tab) click(sel string) {
	p.t.Helper()
	p.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// clickNav clicks the link of the workspace navigation labelled label
// and waits for the page it opens.
func (p *tab) clickNav(label string) {
	p.t.Helper()
	p.submit(`//nav[@aria-label="Workspace"]//a[normalize-space()="` + label + `"]`)
}

// submit clicks sel (a submit button, a link), waits until the page it
// leads to has loaded and returns that page's HTTP status (after
// redirects). sel is CSS, or XPath when it starts with "/".
func (p *tab) submit(sel string) int {
	p.t.Helper()
	// RunResponse waits for the navigation the click starts; marking the
	// old document also proves that a page with the same URL (a form
	// re-rendered with errors, a redirect back) is a new one.
	p.do("mark the current page", chromedp.Evaluate[chromedp.Void](`window.__e2eOld = true`))
	click := chromedp.Click(chromedp.CSS(sel))
	if strings.HasPrefix(sel, "/") {
		click = chromedp.Click(chromedp.Search(sel))
	}
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, click)
	if err != nil {
		p.t.Fatalf("click %s: %v", sel, err)
	}
	if resp == nil {
		p.t.Fatalf("click %s: no page was loaded", sel)
	}
	p.waitNewPage("after clicking " + sel)
	return int(resp.Status)
}

func (p *tab) waitNewPage(step string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserStepTimeout)
	defer cancel()
	for {
		// Errors are expected while the old document goes away.
		fresh, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`window.__e2eOld !== true && document.readyState === "complete"`))
		if err == nil && fresh {
			return
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("%s: no new page within %s (last error: %v)", step, browserStepTimeout, err)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// textOf returns the visible text of the element sel, trimmed.
func (p *tab) textOf(sel string) string {
	p.t.Helper()
	return strings.TrimSpace(tabRun(p, "text of "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// valueOf returns the value of the form field sel.
func (p *tab) valueOf(sel string) string {
	p.t.Helper()
	return tabRun(p, "value of "+sel, chromedp.Value(chromedp.CSS(sel)))
}

// tabEval evaluates a JavaScript expression and decodes its value.
func tabEval[T any](p *tab, expr string) T {
	p.t.Helper()
	return tabRun(p, "evaluate "+expr, chromedp.Evaluate[T](expr))
}

// path returns the path of the current page.
func (p *tab) path() string {
	p.t.Helper()
	return tabEval[string](p, `location.pathname`)
}

// bodyText returns all visible text of the page.
func (p *tab) bodyText() string {
	p.t.Helper()
	return tabEval[string](p, `document.body.innerText`)
}

// expectPath fails the test unless the current path matches the regular
// expression pattern (anchored), and returns the submatches.
func (p *tab) expectPath(pattern string) []string {
	p.t.Helper()
	got := p.path()
	m := regexp.MustCompile(`^` + pattern + `$`).FindStringSubmatch(got)
	if m == nil {
		p.t.Fatalf("page is %s, want a path matching %s", got, pattern)
	}
	return m
}

// expectStatus fails the test unless a page of the step what had the
// HTTP status want.
func (p *tab) expectStatus(got, want int, what string) {
	p.t.Helper()
	if got != want {
		p.t.Fatalf("%s: page %s has status %d, want %d", what, p.path(), got, want)
	}
}

// expectText fails the test unless the page shows want.
func (p *tab) expectText(want string) {
	p.t.Helper()
	if body := p.bodyText(); !strings.Contains(body, want) {
		p.t.Fatalf("page %s does not show %q", p.path(), want)
	}
}

// acceptDialogs accepts every JavaScript dialog (confirm, alert) the tab
// opens from now on, and sends each dialog's message on the channel
// returned.
func (p *tab) acceptDialogs() <-chan string {
	p.t.Helper()
	msgs := make(chan string, 16)
	dialogs := chromedp.Events(p.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			select {
			case msgs <- ev.Message:
			default:
			}
			if _, err := chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil {
				return
			}
		}
	}()
	return msgs
}

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/sites"
)

// CONTRACTS §2: "The official Segment server SDKs pointed at this host must
// work unchanged." TestSegmentNodeSDK runs @segment/analytics-node (pinned
// in testdata/segment-sdk/package.json) against a real mops server, through
// a recording proxy so the test can check what the SDK put on the wire and
// replay it.

const (
	// sdkDir holds package.json, package-lock.json and send.mjs; npm
	// installs node_modules there (never committed).
	sdkDir = "testdata/segment-sdk"
	// sdkInstallCommand installs the pinned SDK, run from the repository
	// root.
	sdkInstallCommand = "npm ci --prefix internal/e2e/testdata/segment-sdk"
	// sdkRunTimeout bounds one run of send.mjs.
	sdkRunTimeout = 90 * time.Second
	// sdkCalls is how many calls send.mjs makes: identify, Order Completed,
	// page, screen, group, alias and 50 Loop tracks.
	sdkCalls = 56
)

func TestSegmentNodeSDK(t *testing.T) {
	node, sdkVersion := segmentSDKInstalled(t)
	baseURL, a := startAppServer(t)

	ctx := context.Background()
	ws, err := a.Auth.CreateWorkspace(ctx, auth.CLIActor(), "SDK", nil)
	if err != nil {
		t.Fatal(err)
	}
	site, err := a.Sites.Create(ctx, auth.CLIActor(), ws.ID, sites.Settings{Domain: "sdk.example"})
	if err != nil {
		t.Fatal(err)
	}

	rec := newSDKRecorder(t, baseURL)
	start := time.Now()
	summary := runSegmentSDK(t, node, rec, site.WriteKey)
	t.Logf("@segment/analytics-node %s: %d calls in %d requests, %s", sdkVersion, summary.Calls, len(rec.all()), time.Since(start).Round(time.Millisecond))
	if summary.Calls != sdkCalls || summary.Delivered != sdkCalls {
		t.Fatalf("send.mjs made %d calls and the SDK delivered %d, want %d each", summary.Calls, summary.Delivered, sdkCalls)
	}

	// What the SDK sent: batches on /v1/batch, JSON, write key as the Basic
	// user name; every answer 200 {"success":true}.
	exchanges := rec.all()
	if len(exchanges) == 0 {
		t.Fatal("the SDK sent no request")
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(site.WriteKey+":"))
	msgType := map[string]string{} // messageId → type, of every message the SDK sent
	for i, ex := range exchanges {
		if i == 0 {
			t.Logf("first request: %s %s; Content-Type %q, Content-Encoding %q, User-Agent %q, %d bytes",
				ex.method, ex.path, ex.header.Get("Content-Type"), ex.header.Get("Content-Encoding"), ex.header.Get("User-Agent"), len(ex.body))
		}
		if ex.method != http.MethodPost || ex.path != "/v1/batch" {
			t.Errorf("request %d: %s %s, want POST /v1/batch", i, ex.method, ex.path)
		}
		if mt, _, _ := mime.ParseMediaType(ex.header.Get("Content-Type")); mt != "application/json" {
			t.Errorf("request %d: Content-Type %q", i, ex.header.Get("Content-Type"))
		}
		if got := ex.header.Get("Authorization"); got != wantAuth {
			t.Errorf("request %d: Authorization %q, want %q (write key as the Basic user name)", i, got, wantAuth)
		}
		if ex.status != http.StatusOK || strings.TrimSpace(ex.respBody) != `{"success":true}` {
			t.Errorf("request %d: answered %d %s, want 200 {\"success\":true}", i, ex.status, ex.respBody)
		}
		var env struct {
			Batch []struct {
				Type      string `json:"type"`
				MessageID string `json:"messageId"`
			} `json:"batch"`
			WriteKey string `json:"writeKey"`
			SentAt   string `json:"sentAt"`
		}
		if err := json.Unmarshal(ex.body, &env); err != nil {
			t.Fatalf("request %d: body is not a JSON batch: %v\n%s", i, err, ex.body)
		}
		if env.WriteKey != site.WriteKey || env.SentAt == "" {
			t.Errorf("request %d: writeKey %q, sentAt %q", i, env.WriteKey, env.SentAt)
		}
		for _, m := range env.Batch {
			if m.MessageID == "" {
				t.Errorf("request %d: a %s message without messageId", i, m.Type)
			}
			if _, dup := msgType[m.MessageID]; dup {
				t.Errorf("the SDK sent messageId %s twice", m.MessageID)
			}
			msgType[m.MessageID] = m.Type
		}
	}
	if len(msgType) != sdkCalls {
		t.Fatalf("the SDK sent %d distinct messages, want %d", len(msgType), sdkCalls)
	}
	if t.Failed() {
		t.FailNow()
	}

	waitSegmentLoaded(t, a)
	checkSegmentRows(t, a, site.ID, msgType)

	// Resending is safe: the SDK's exact requests, posted twice more, are
	// accepted and store nothing twice (messageId de-duplication).
	for round := 1; round <= 2; round++ {
		for i, ex := range exchanges {
			req, err := http.NewRequest(ex.method, baseURL+ex.path, bytes.NewReader(ex.body))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{"Content-Type", "Content-Encoding", "Authorization", "User-Agent"} {
				if v := ex.header.Get(h); v != "" {
					req.Header.Set(h, v)
				}
			}
			req.Header.Set("X-Retry-Count", fmt.Sprint(round))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("resend %d of request %d: %d %s", round, i, resp.StatusCode, body)
			}
		}
	}
	waitSegmentLoaded(t, a)
	checkSegmentRows(t, a, site.ID, msgType)
}

// segmentSDKInstalled finds node and the installed SDK (skipping the test
// without them, failing in CI) and returns node's path and the SDK version.
func segmentSDKInstalled(t *testing.T) (node, version string) {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		msg := fmt.Sprintf("%s; install Node.js 20+ and run `%s` from the repository root", what, sdkInstallCommand)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true, so this is a failure)")
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		missing("npm is not on PATH")
	}
	var pinned struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	readJSONFile(t, filepath.Join(sdkDir, "package.json"), &pinned)
	var installed struct {
		Version string `json:"version"`
	}
	pkg := filepath.Join(sdkDir, "node_modules", "@segment", "analytics-node", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		missing("@segment/analytics-node is not installed in " + sdkDir)
	}
	readJSONFile(t, pkg, &installed)
	if want := pinned.Dependencies["@segment/analytics-node"]; installed.Version != want {
		t.Fatalf("installed @segment/analytics-node is %s, package.json pins %s; run `%s`", installed.Version, want, sdkInstallCommand)
	}
	return node, installed.Version
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// sdkSummary is what send.mjs prints.
type sdkSummary struct {
	Calls     int `json:"calls"`
	Delivered int `json:"delivered"`
	Responses []struct {
		Status int    `json:"status"`
		URL    string `json:"url"`
	} `json:"responses"`
	Errors []json.RawMessage `json:"errors"`
}

// runSegmentSDK runs send.mjs against the recording proxy.
func runSegmentSDK(t *testing.T, node string, rec *sdkRecorder, writeKey string) sdkSummary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sdkRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "send.mjs")
	cmd.Dir = sdkDir
	cmd.Env = append(os.Environ(), "MOPS_HOST="+rec.srv.URL, "MOPS_WRITE_KEY="+writeKey, "NODE_NO_WARNINGS=1")
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("not done within %s: %w", sdkRunTimeout, err)
	}
	var summary sdkSummary
	jsonErr := json.Unmarshal(lastLine(stdout.Bytes()), &summary)
	if err != nil || jsonErr != nil || len(summary.Errors) > 0 {
		t.Fatalf("node send.mjs: %v\nstdout: %s\nstderr: %s\nrequests:\n%s", errors.Join(err, jsonErr), stdout.Bytes(), stderr.Bytes(), rec.describe())
	}
	return summary
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

// waitSegmentLoaded waits until the warehouse holds everything the event log
// has.
func waitSegmentLoaded(t *testing.T, a *app.App) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h := a.Log.Health(ctx)
	if !h.OK() {
		t.Fatalf("event log not healthy: %s", h.Error)
	}
	var last uint64
	for _, s := range h.Streams {
		if s.Name == eventlog.StreamEvents {
			last = s.LastSeq
		}
	}
	if err := a.Loader.WaitFor(ctx, last); err != nil {
		t.Fatalf("loader did not reach seq %d (at %d): %v", last, a.Loader.LastSeq(), err)
	}
}

// checkSegmentRows checks the warehouse holds each message the SDK sent
// exactly once, as the right kind of event.
func checkSegmentRows(t *testing.T, a *app.App, siteID string, msgType map[string]string) {
	t.Helper()
	var rows, ids int
	if err := a.DB.QueryRow(`SELECT count(*), count(DISTINCT event_id) FROM events WHERE site_id = ?`, siteID).Scan(&rows, &ids); err != nil {
		t.Fatal(err)
	}
	if rows != sdkCalls || ids != sdkCalls {
		t.Fatalf("events: %d rows with %d distinct event ids, want %d of each", rows, ids, sdkCalls)
	}

	// Every stored event_id is a messageId the SDK generated.
	r, err := a.DB.Query(`SELECT event_id, kind, name, pathname, hostname, user_id, visitor_id,
			coalesce(CAST(revenue_amount AS DOUBLE), 0), revenue_currency
		FROM events WHERE site_id = ? ORDER BY seq`, siteID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	kinds := map[string]int{}
	var pages []string
	var orders int
	for r.Next() {
		var eventID, kind, name, path, host, userID, visitorID, currency string
		var revenue float64
		if err := r.Scan(&eventID, &kind, &name, &path, &host, &userID, &visitorID, &revenue, &currency); err != nil {
			t.Fatal(err)
		}
		kinds[kind]++
		typ, ok := msgType[eventID]
		if !ok {
			t.Errorf("event %s (%s %s) is no messageId the SDK sent", eventID, kind, name)
		}
		if userID == "" && visitorID == "" {
			t.Errorf("event %s (%s): neither user_id nor visitor_id", eventID, kind)
		}
		if userID != "u-1" {
			t.Errorf("event %s (%s): user_id %q, want u-1", eventID, kind, userID)
		}
		switch {
		case typ == "page":
			pages = append(pages, host+path)
			if path != "/pricing" {
				t.Errorf("page event: pathname %q, want /pricing", path)
			}
		case kind == "custom" && name == "Order Completed":
			orders++
			if revenue != 59.9 || currency != "EUR" {
				t.Errorf("Order Completed: revenue %v %q, want 59.9 EUR", revenue, currency)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"identify": 1, "custom": 51, "pageview": 2, "group": 1, "alias": 1}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	if len(pages) != 1 || orders != 1 {
		t.Errorf("%d page events (%v) and %d Order Completed, want 1 each", len(pages), pages, orders)
	}
	var loops int
	if err := a.DB.QueryRow(`SELECT count(*) FROM events WHERE site_id = ? AND kind = 'custom' AND name = 'Loop'`, siteID).Scan(&loops); err != nil {
		t.Fatal(err)
	}
	if loops != 50 {
		t.Errorf("%d Loop events, want 50", loops)
	}
}

// sdkExchange is one request through the recording proxy and its answer.
type sdkExchange struct {
	method, path string
	header       http.Header
	body         []byte
	status       int
	respBody     string
}

// sdkRecorder is a reverse proxy in front of the app that records every
// request and answer.
type sdkRecorder struct {
	srv       *httptest.Server
	mu        sync.Mutex
	exchanges []sdkExchange
}

func newSDKRecorder(t *testing.T, target string) *sdkRecorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &sdkRecorder{}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		cw := &sdkCaptureWriter{ResponseWriter: w, status: http.StatusOK}
		proxy.ServeHTTP(cw, r)
		rec.mu.Lock()
		rec.exchanges = append(rec.exchanges, sdkExchange{method: r.Method, path: r.URL.Path, header: r.Header.Clone(),
			body: body, status: cw.status, respBody: cw.body.String()})
		rec.mu.Unlock()
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *sdkRecorder) all() []sdkExchange {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]sdkExchange(nil), rec.exchanges...)
}

// describe summarizes the requests for a failure message: what the SDK
// sent and what the server answered.
func (rec *sdkRecorder) describe() string {
	var b strings.Builder
	for i, ex := range rec.all() {
		names := make([]string, 0, len(ex.header))
		for k := range ex.header {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "#%d %s %s\n", i, ex.method, ex.path)
		for _, k := range names {
			fmt.Fprintf(&b, "  %s: %s\n", k, strings.Join(ex.header[k], ", "))
		}
		body := ex.body
		if len(body) > 600 {
			body = append(body[:600:600], "…"...)
		}
		fmt.Fprintf(&b, "  body (%d bytes): %s\n  answer: %d %s\n", len(ex.body), body, ex.status, strings.TrimSpace(ex.respBody))
	}
	if b.Len() == 0 {
		return "  (none)\n"
	}
	return b.String()
}

// sdkCaptureWriter passes an answer through, keeping its status and body.
type sdkCaptureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *sdkCaptureWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *sdkCaptureWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/app"
)

// mops runs one command line in process and returns its exit status and
// output.
func mops(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// mopsJSON runs a command with --json that must succeed.
func mopsJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	code, out, errOut := mops(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("mops %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("mops %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// startServer runs a server on the data dir until the test ends and
// returns its base URL and a function that stops it sooner.
func startServer(t *testing.T, dir string) (base string, shutdown func()) {
	t.Helper()
	cfg := app.Defaults()
	cfg.Data, cfg.Addr = dir, "127.0.0.1:0"
	ctx, stop := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, func(s string) { addr <- s }) }()
	var once sync.Once
	shutdown = func() {
		once.Do(func() {
			stop()
			if err := <-served; err != nil {
				t.Error(err)
			}
			if err := a.Close(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(shutdown)
	return "http://" + <-addr, shutdown
}

// TestReportCommand writes a site's report through a running server and
// then directly on the stopped data dir.
func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	var ws struct {
		ID string `json:"workspace_id"`
	}
	mopsJSON(t, &ws, "workspace", "create", "Acme", "--data", dir)
	var site struct {
		ID string `json:"site_id"`
	}
	mopsJSON(t, &site, "site", "create", "--workspace", ws.ID, "--domain", "acme.example", "--timezone", "Europe/Berlin", "--data", dir)

	// A running server takes today's events: visitor 1 sees / and
	// /pricing, visitor 2 (another browser) /blog and leaves.
	base, shutdown := startServer(t, dir)
	for _, ev := range []struct{ page, ua string }{
		{"/", "Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0"},
		{"/pricing", "Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0"},
		{"/blog", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"},
	} {
		req, _ := http.NewRequest("POST", base+"/api/event", strings.NewReader(
			`{"n":"pageview","u":"https://acme.example`+ev.page+`","d":"acme.example","r":"https://www.google.com/"}`))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("User-Agent", ev.ua)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("event %s: %d", ev.page, resp.StatusCode)
		}
	}
	// The warehouse loads in the background: ask until the report shows
	// both visitors.
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out, errOut := mops(t, "report", "--site", "acme.example", "--period", "day", "--format", "text", "--data", dir)
		if code != 0 {
			t.Fatalf("report through the server: exit %d: %s", code, errOut)
		}
		if strings.Contains(out, "2 unique visitors") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the report never showed both visitors:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}

	file := filepath.Join(t.TempDir(), "report.html")
	code, out, errOut := mops(t, "report", "--site", "acme.example", "--period", "day", "--out", file, "--data", dir)
	if code != 0 || !strings.HasPrefix(out, "wrote "+file+": acme.example, ") {
		t.Fatalf("report --out: exit %d\n%s%s", code, out, errOut)
	}
	html, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// 2 visitors, 2 visits, 3 pageviews; visitor 2 bounced: 50%.
	for _, want := range []string{"<!doctype html>", "<svg", "acme.example", "2 unique visitors", ">3<", ">50%<", ">/pricing<", ">Google<"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(string(html), "<script") {
		t.Error("report.html has a script")
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "--site", "nope.example"}, `unknown site "nope.example"`},
		{[]string{"report", "--site", "acme.example", "--period", "fortnight"}, `period "fortnight" is not known`},
		{[]string{"report"}, "--site is required"},
		{[]string{"report", "--site", "acme.example", "--format", "pdf"}, "--format must be html or text"},
	} {
		code, out, errOut := mops(t, append(tc.args, "--data", dir)...)
		if code == 0 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("mops %s: exit %d, stdout %q, stderr %q; want one line with %q", strings.Join(tc.args, " "), code, out, errOut, tc.want)
		}
	}

	// Stopped: the command opens the data dir itself; by id, to stdout.
	shutdown()
	code, out, errOut = mops(t, "report", "--site", site.ID, "--period", "day", "--out", "-", "--data", dir)
	if code != 0 || !strings.HasPrefix(out, "<!doctype html>") || !strings.Contains(out, "2 unique visitors") {
		t.Fatalf("report on a stopped data dir: exit %d: %s\n%.300s", code, errOut, out)
	}
	var res struct {
		SiteID string    `json:"site_id"`
		Out    string    `json:"out"`
		Bytes  int       `json:"bytes"`
		Period [2]string `json:"period"`
	}
	mopsJSON(t, &res, "report", "--site", "acme.example", "--period", "2026-01-01,2026-01-31", "--out", file, "--data", dir)
	if res.SiteID != site.ID || res.Out != file || res.Bytes == 0 || res.Period != [2]string{"2026-01-01", "2026-01-31"} {
		t.Errorf("--json: %+v", res)
	}
}

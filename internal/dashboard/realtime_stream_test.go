package dashboard_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/dashboard"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/ui"
	"github.com/mopshq/mops/internal/stats"
)

// sseMessage is one Server-Sent Events message, or a comment line.
type sseMessage struct {
	event, data, comment string
	at                   time.Time
}

// openStream opens an event stream as m and returns its messages as they
// arrive; the channel closes when the stream ends.
func openStream(t *testing.T, base, path string, m *member) (*http.Response, <-chan sseMessage) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
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
	out := make(chan sseMessage, 256)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var msg sseMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if msg.event != "" || msg.data != "" {
					msg.at = time.Now()
					out <- msg
				}
				msg = sseMessage{}
			case strings.HasPrefix(line, ":"):
				out <- sseMessage{comment: strings.TrimSpace(line[1:]), at: time.Now()}
			case strings.HasPrefix(line, "event: "):
				msg.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				msg.data += line[6:]
			}
		}
	}()
	return resp, out
}

// nextUpdate waits for the next realtime message until deadline.
func nextUpdate(t *testing.T, msgs <-chan sseMessage, deadline time.Time) (*stats.Realtime, bool) {
	t.Helper()
	rt, _, ok := nextUpdateAt(t, msgs, deadline)
	return rt, ok
}

// nextUpdateAt is nextUpdate that also tells when the update arrived.
func nextUpdateAt(t *testing.T, msgs <-chan sseMessage, deadline time.Time) (*stats.Realtime, time.Time, bool) {
	t.Helper()
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				return nil, time.Time{}, false
			}
			if m.event != "realtime" {
				continue
			}
			var rt stats.Realtime
			if err := json.Unmarshal([]byte(m.data), &rt); err != nil {
				t.Fatalf("realtime data %q: %v", m.data, err)
			}
			return &rt, m.at, true
		case <-time.After(time.Until(deadline)):
			return nil, time.Time{}, false
		}
	}
}

// postPageview sends one pageview from ip through /api/event.
func (ts *testServer) postPageview(t *testing.T, ip, url string) {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.base+"/api/event", strings.NewReader(`{"n":"pageview","u":"`+url+`","d":"acme.example"}`))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("User-Agent", chromeUA)
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("pageview: %d %s", resp.StatusCode, b)
	}
}

func TestRealtimeStreamShowsANewPageviewWithinTwoSeconds(t *testing.T) {
	w := newWorld(t)
	w.ts.send(t, "acme.example", visit{ip: "203.0.113.1", referrer: "https://www.google.com/", events: []string{"/", "/pricing"}})

	for _, tc := range []struct {
		name   string
		who    *member
		status int
	}{
		{"outsider", w.outsider, http.StatusNotFound},
		{"signed out", nil, http.StatusSeeOther},
	} {
		resp, _ := w.ts.get(t, tc.who, w.streamPath)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: stream %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}

	resp, msgs := openStream(t, w.ts.base, w.streamPath, w.viewer)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	first, ok := nextUpdate(t, msgs, time.Now().Add(5*time.Second))
	if !ok {
		t.Fatal("no snapshot when the stream opened")
	}
	// One visitor from Google, on / and /pricing.
	if first.Visitors != 1 || first.Pageviews != 2 || len(first.Sources) != 1 || first.Sources[0] != (stats.RealtimeCount{Name: "Google", Visitors: 1}) {
		t.Fatalf("first snapshot %+v", first)
	}

	w.ts.postPageview(t, "203.0.113.9", "https://acme.example/live-now")
	accepted := time.Now()
	deadline := accepted.Add(2 * time.Second)
	for {
		rt, ok := nextUpdate(t, msgs, deadline)
		if !ok {
			t.Fatalf("no update with the new pageview within 2 s of its acceptance")
		}
		if rt.Visitors == 2 && rt.Pageviews == 3 && containsPage(rt.Pages, "/live-now", 1) {
			t.Logf("accepted to shown: %v", time.Since(accepted))
			return
		}
	}
}

func containsPage(pages []stats.RealtimeCount, path string, visitors int) bool {
	for _, p := range pages {
		if p.Name == path && p.Visitors == visitors {
			return true
		}
	}
	return false
}

// TestRealtimeStreamUnderServerLimits runs the stream behind an
// http.Server with read and write timeouts far shorter than the stream:
// it must outlive them, fold fast batches into one update per gap, and end
// at once when the server shuts down.
func TestRealtimeStreamUnderServerLimits(t *testing.T) {
	w := newWorld(t)
	ts := w.ts
	renderer, err := ui.New(ui.Options{}, dashboard.Templates)
	if err != nil {
		t.Fatal(err)
	}
	h, err := dashboard.NewHandler(dashboard.Options{Auth: ts.Auth, Sites: ts.Sites, Stats: stats.NewService(ts.DB),
		Loader: ts.Loader, DB: ts.DB, UI: renderer})
	if err != nil {
		t.Fatal(err)
	}
	h.Heartbeat = 100 * time.Millisecond
	h.MinUpdateGap = time.Second
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewUnstartedServer(ts.Auth.LoadSession(mux))
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	resp, msgs := openStream(t, srv.URL, w.streamPath, w.owner)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	opened := time.Now()
	if _, ok := nextUpdate(t, msgs, opened.Add(5*time.Second)); !ok {
		t.Fatal("no snapshot")
	}

	// Well past both timeouts, heartbeats still come.
	beats := 0
	for m := range msgs {
		if m.comment == "heartbeat" {
			beats++
		}
		if time.Since(opened) > 1200*time.Millisecond {
			break
		}
	}
	if beats < 5 {
		t.Fatalf("%d heartbeats in 1.2 s at 100 ms, want at least 5 (did the server's timeouts end the stream?)", beats)
	}

	// Eight pageviews within about 1.5 s: updates come at most once a
	// second, and the last state arrives.
	start := time.Now()
	for i := range 8 {
		ts.postPageview(t, "198.51.100.1", "https://acme.example/burst")
		if i < 7 {
			time.Sleep(200 * time.Millisecond)
		}
	}
	var updates []time.Time
	var last *stats.Realtime
	for {
		rt, at, ok := nextUpdateAt(t, msgs, start.Add(4*time.Second))
		if !ok {
			break
		}
		updates = append(updates, at)
		last = rt
	}
	if len(updates) < 2 || len(updates) > 4 {
		t.Errorf("%d updates in 4 s for 8 pageviews, want 2 to 4 at one a second", len(updates))
	}
	for i := 1; i < len(updates); i++ {
		if gap := updates[i].Sub(updates[i-1]); gap < 900*time.Millisecond {
			t.Errorf("updates %d and %d only %v apart, want at least 1 s", i, i+1, gap)
		}
	}
	if last == nil || !containsPage(last.Pages, "/burst", 1) || last.Pageviews != 8 {
		t.Errorf("last update %+v, want 8 pageviews of /burst by one visitor", last)
	}

	// A graceful shutdown ends the stream at once instead of waiting for it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	if err := srv.Config.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("shutdown took %v with a stream open", took)
	}
	for range msgs {
	}
	if time.Since(began) > 3*time.Second {
		t.Errorf("the stream did not end with the shutdown")
	}
}

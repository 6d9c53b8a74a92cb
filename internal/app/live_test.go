package app

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
)

func TestLiveEventStream(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Other", owner)
	ta.site(t, ws, "acme.example")
	ta.site(t, other, "other.example")
	key := ta.key(t, ws, auth.ScopeRead)

	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"no site", "/api/v1/events/live", 400},
		{"another workspace's site", "/api/v1/events/live?site_id=other.example", 404},
	} {
		req, _ := http.NewRequest("GET", ta.srv.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}

	req, _ := http.NewRequest("GET", ta.srv.URL+"/api/v1/events/live?site_id=acme.example", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("live stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// Wait for the opening comment so the subscription exists.
	if l := <-lines; !strings.HasPrefix(l, ": live events of acme.example") {
		t.Fatalf("first line %q", l)
	}
	ta.postEvent(t, `{"n":"pageview","u":"https://other.example/not-this","d":"other.example"}`, "text/plain", chromeUA)
	sent := time.Now()
	if status, _, body := ta.postEvent(t, `{"n":"pageview","u":"https://acme.example/live","d":"acme.example"}`, "text/plain", chromeUA); status != 202 {
		t.Fatalf("post: %d %s", status, body)
	}
	deadline := time.After(10 * time.Second)
	var got []string
	for {
		select {
		case l := <-lines:
			got = append(got, l)
			if strings.HasPrefix(l, "data: ") {
				if !strings.Contains(l, `"pathname":"/live"`) || strings.Contains(l, "not-this") {
					t.Fatalf("streamed %q", l)
				}
				if got[len(got)-2] != "event: pageview" {
					t.Fatalf("event line before data = %q", got[len(got)-2])
				}
				t.Logf("acknowledged to streamed (queryable): %v", time.Since(sent))
				return
			}
		case <-deadline:
			t.Fatalf("no event within 10 s of its acknowledgement; got %q", got)
		}
	}
}

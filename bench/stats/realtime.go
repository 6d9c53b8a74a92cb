package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// realtimeResult is how soon a pageview shows: in each live stream, and
// in the query API.
type realtimeResult struct {
	Streams []streamLag
	Query   streamLag // acknowledgement → first /api/v2/query answer counting it
	Ack     samples   // send → 202
	Note    string
}

// streamLag is one way of seeing new pageviews: the time from sending
// each to its arrival, and how many never arrived within the limit.
type streamLag struct {
	Name string
	Lag  samples
	Lost int
}

// sseWatch reads a Server-Sent Events stream and notes when each watched
// string first appears in a data line.
type sseWatch struct {
	name string
	mu   sync.Mutex
	want map[string]time.Time // zero until seen
	body io.ReadCloser
	done chan struct{}
}

func newSSEWatch(name string, body io.ReadCloser) *sseWatch {
	w := &sseWatch{name: name, want: map[string]time.Time{}, body: body, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		br := bufio.NewReaderSize(body, 256<<10)
		for {
			line, err := br.ReadString('\n')
			now := time.Now()
			if strings.HasPrefix(line, "data:") {
				w.mu.Lock()
				for k, t := range w.want {
					if t.IsZero() && strings.Contains(line, k) {
						w.want[k] = now
					}
				}
				w.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	return w
}

func (w *sseWatch) watch(s string) {
	w.mu.Lock()
	w.want[s] = time.Time{}
	w.mu.Unlock()
}

func (w *sseWatch) seen(s string) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.want[s]
}

func (w *sseWatch) Close() { w.body.Close(); <-w.done }

// openSSE opens a stream with client and checks that it is one.
func openSSE(ctx context.Context, client *http.Client, u string, header http.Header) (io.ReadCloser, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, resp.StatusCode, fmt.Errorf("GET %s: status %d, %s: %s", u, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return resp.Body, resp.StatusCode, nil
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

// signIn logs the benchmark's user in through the login form and returns
// a client carrying the session cookie.
func signIn(ctx context.Context, base, email, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/login", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("GET /login: status %d, no csrf_token in the form", resp.StatusCode)
	}
	form := url.Values{"csrf_token": {html.UnescapeString(string(m[1]))}, "email": {email}, "password": {password}, "next": {"/"}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	u, _ := url.Parse(base)
	for _, c := range jar.Cookies(u) {
		if c.Name == "mops_session" {
			hc.CheckRedirect = nil
			return hc, nil
		}
	}
	return nil, fmt.Errorf("POST /login: status %d and no session cookie", resp.StatusCode)
}

// measureRealtime sends pageviews one at a time and times their way into
// the live streams (the dashboard's realtime stream, when the server has
// it, for a signed-in member; the API's live event stream for a read
// key), then, separately, into the answers of /api/v2/query.
func measureRealtime(ctx context.Context, o options, m *mopsClient, base string, meta *datasetMeta) (*realtimeResult, error) {
	res := &realtimeResult{}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var watches []*sseWatch
	defer func() {
		cancel()
		for _, w := range watches {
			w.Close()
		}
	}()

	streamClient := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	body, _, err := openSSE(sctx, streamClient, base+"/api/v1/events/live?site_id="+url.QueryEscape(meta.Domain),
		http.Header{"Authorization": {"Bearer " + meta.ReadKey}})
	if err != nil {
		return nil, fmt.Errorf("live event stream: %w", err)
	}
	watches = append(watches, newSSEWatch("API live events (/api/v1/events/live, read key)", body))

	member, err := signIn(ctx, base, meta.UserEmail, meta.UserPass)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	member.Transport = &http.Transport{DisableCompression: true}
	dash := fmt.Sprintf("%s/w/%s/sites/%s/realtime/stream", base, meta.Workspace, meta.SiteID)
	body, status, err := openSSE(sctx, member, dash, nil)
	switch {
	case err == nil:
		watches = append([]*sseWatch{newSSEWatch("dashboard realtime (/w/…/realtime/stream, signed in)", body)}, watches...)
	case status == http.StatusNotFound:
		res.Note = "the server has no dashboard realtime stream (/w/{ws}/sites/{site}/realtime/stream answered 404)"
	default:
		return nil, fmt.Errorf("dashboard realtime stream: %w", err)
	}

	// The realtime view lists the top pages of the last minutes, ties by
	// path: the newest probe gets the smallest path, so it is listed, also
	// ahead of the probes of a run minutes before on the same data.
	epoch := 10_000_000_000 - time.Now().Unix()
	logf("realtime: %d pageviews into %d live stream(s)", o.realtimeN, len(watches))
	lags := make([]streamLag, len(watches))
	for i, w := range watches {
		lags[i].Name = w.name
	}
	for i := range o.realtimeN {
		path := fmt.Sprintf("/0rt/%d-%04d-%s", epoch, 9999-i, m.runID)
		for _, w := range watches {
			w.watch(path)
		}
		sent := time.Now()
		if err := m.pageview(ctx, path); err != nil {
			return nil, err
		}
		res.Ack = append(res.Ack, time.Since(sent))
		deadline := time.Now().Add(10 * time.Second)
		for {
			all := true
			for _, w := range watches {
				if w.seen(path).IsZero() {
					all = false
				}
			}
			if all || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		for j, w := range watches {
			if t := w.seen(path); t.IsZero() {
				lags[j].Lost++
			} else {
				lags[j].Lag = append(lags[j].Lag, t.Sub(sent))
			}
		}
		// Spaced like pageviews of a quiet site, so each is its own update.
		time.Sleep(time.Duration(600+rand.IntN(900)) * time.Millisecond)
	}
	res.Streams = lags

	logf("realtime: %d pageviews until /api/v2/query counts them", o.realtimeN)
	res.Query.Name = "query API (/api/v2/query, polled every 20 ms)"
	for i := range o.realtimeN {
		path := fmt.Sprintf("/0rq/%04d-%s", 9999-i, m.runID)
		now := time.Now()
		q, _ := json.Marshal(map[string]any{"site_id": meta.Domain, "metrics": []string{"pageviews"},
			"date_range": []string{now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)},
			"filters":    []any{[]any{"is", "event:page", []string{path}}}})
		sent := time.Now()
		if err := m.pageview(ctx, path); err != nil {
			return nil, err
		}
		deadline := time.Now().Add(10 * time.Second)
		seen := false
		for !seen && time.Now().Before(deadline) {
			b, err := m.query(ctx, q)
			if err != nil {
				return nil, err
			}
			a, err := decodeAnswer(b)
			if err != nil {
				return nil, err
			}
			if len(a.Rows) == 1 && len(a.Rows[0].Metrics) == 1 && a.Rows[0].Metrics[0] >= 1 {
				res.Query.Lag = append(res.Query.Lag, time.Since(sent))
				seen = true
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !seen {
			res.Query.Lost++
		}
		time.Sleep(time.Duration(300+rand.IntN(500)) * time.Millisecond)
	}
	return res, nil
}

package httpx

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestRecover(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	var pages atomic.Int32
	page := func(w http.ResponseWriter, r *http.Request, status int) {
		pages.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<h1>error %d</h1>", status)
	}
	isAPI := func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

	mux := http.NewServeMux()
	boom := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000") // must not survive into the error answer
		panic("boom: secret detail")
	}
	mux.HandleFunc("/api/boom", boom)
	mux.HandleFunc("/boom", boom)
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") })
	srv := httptest.NewServer(Recover(logger, isAPI, page)(mux))
	t.Cleanup(srv.Close)

	// Run in order: the last request shows the server survived the panics.
	tests := []struct {
		path        string
		status      int
		contentType string
		body        string
		pages       int32
	}{
		{"/api/boom", 500, "application/json; charset=utf-8", `{"error":"internal error"}` + "\n", 0},
		{"/boom", 500, "text/html; charset=utf-8", "<h1>error 500</h1>", 1},
		{"/ok", 200, "text/plain; charset=utf-8", "fine", 1},
	}
	for _, tt := range tests {
		res := send(t, srv, http.MethodGet, tt.path, nil, "")
		if res.status != tt.status || res.body != tt.body {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, res.status, res.body, tt.status, tt.body)
		}
		if ct := res.header.Get("Content-Type"); ct != tt.contentType {
			t.Errorf("GET %s: Content-Type = %q, want %q", tt.path, ct, tt.contentType)
		}
		if got := pages.Load(); got != tt.pages {
			t.Errorf("after GET %s: page called %d times, want %d", tt.path, got, tt.pages)
		}
	}
	log := logs.String()
	if n := strings.Count(log, "panic serving request"); n != 2 {
		t.Errorf("logged %d panics, want 2; log:\n%s", n, log)
	}
	for _, want := range []string{"boom: secret detail", "goroutine", `"request.path":"/api/boom"`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q; log:\n%s", want, log)
		}
	}
}

func TestRecoverAborts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		logged  bool
	}{
		{"panic after the header was sent", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "partial")
			http.NewResponseController(w).Flush()
			panic("late")
		}, true},
		{"ErrAbortHandler passes through", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "partial")
			http.NewResponseController(w).Flush()
			panic(http.ErrAbortHandler)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := newTestLogger()
			srv := httptest.NewServer(Recover(logger, nil, nil)(tt.handler))
			t.Cleanup(srv.Close)

			res, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer res.Body.Close()
			if _, err := io.ReadAll(res.Body); err == nil {
				t.Errorf("%s: reading the body succeeded, want the response aborted", tt.name)
			}
			if got := strings.Contains(logs.String(), "panic serving request"); got != tt.logged {
				t.Errorf("%s: logged = %v, want %v; log:\n%s", tt.name, got, tt.logged, logs.String())
			}
		})
	}
}

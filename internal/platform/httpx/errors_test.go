package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe to write from server goroutines and read
// from the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestLogger returns a JSON logger at Debug level writing to the buffer.
func newTestLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   string
}

// send makes a real HTTP request to the test server.
func send(t *testing.T, srv *httptest.Server, method, path string, header http.Header, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, rd)
	if err != nil {
		t.Fatalf("NewRequest(%s %s): %v", method, path, err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// errorMessage decodes an {"error": "..."} body.
func errorMessage(t *testing.T, body string) string {
	t.Helper()
	var eb struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &eb); err != nil {
		t.Fatalf("body %q is not an error object: %v", body, err)
	}
	return eb.Error
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	const secret = "pq: password authentication failed for user mops"
	tests := []struct {
		name    string
		err     error
		status  int
		message string
		logged  bool
	}{
		{"not found", fmt.Errorf("loading campaign %s: %w", secret, ErrNotFound), 404, "not found", false},
		{"forbidden", fmt.Errorf("workspace %s: %w", secret, ErrForbidden), 403, "forbidden", false},
		{"unauthorized", ErrUnauthorized, 401, "unauthorized", false},
		{"conflict", fmt.Errorf("slug %s: %w", secret, ErrConflict), 409, "conflict", false},
		{"Errorf", Errorf(http.StatusUnprocessableEntity, "name %q is taken", "spring"), 422, `name "spring" is taken`, false},
		{"Error with cause", &Error{Status: 400, Message: "bad date range", Err: errors.New(secret)}, 400, "bad date range", false},
		{"wrapped Error wins over sentinel", fmt.Errorf("ctx: %w", &Error{Status: 410, Message: "gone", Err: ErrNotFound}), 410, "gone", false},
		{"Error without message", &Error{Status: 404}, 404, "Not Found", false},
		{"Error 5xx is logged", &Error{Status: 503, Message: "try again later", Err: errors.New(secret)}, 503, "try again later", true},
		{"Error without status", &Error{Message: "oops", Err: errors.New(secret)}, 500, "oops", true},
		{"max bytes", fmt.Errorf("reading: %w", &http.MaxBytesError{Limit: 10}), 413, "request body too large (limit 10 bytes)", false},
		{"unknown", fmt.Errorf("query: %w", errors.New(secret)), 500, "internal error", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := newTestLogger()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				WriteError(w, r, logger, tt.err)
			}))
			t.Cleanup(srv.Close)

			res := send(t, srv, http.MethodGet, "/things/7", nil, "")
			if res.status != tt.status {
				t.Errorf("WriteError(%v): status = %d, want %d", tt.err, res.status, tt.status)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("WriteError(%v): Content-Type = %q, want application/json; charset=utf-8", tt.err, ct)
			}
			if got := errorMessage(t, res.body); got != tt.message {
				t.Errorf("WriteError(%v): message = %q, want %q", tt.err, got, tt.message)
			}
			if strings.Contains(res.body, secret) {
				t.Errorf("WriteError(%v): body %q leaks the cause", tt.err, res.body)
			}
			log := logs.String()
			if n := strings.Count(log, "request failed"); tt.logged && n != 1 || !tt.logged && n != 0 {
				t.Errorf("WriteError(%v): logged %d times, want logged=%v; log:\n%s", tt.err, n, tt.logged, log)
			}
			if tt.logged {
				for _, want := range []string{secret, `"request.method":"GET"`, `"request.path":"/things/7"`, `"level":"ERROR"`} {
					if !strings.Contains(log, want) {
						t.Errorf("WriteError(%v): log lacks %q; log:\n%s", tt.err, want, log)
					}
				}
			}
		})
	}
}

// TestWriteErrorClientGone: a request whose client left is answered 499 and
// not logged as a server failure; the same error on a live request is.
func TestWriteErrorClientGone(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gone := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/event", nil)
	rec := httptest.NewRecorder()
	WriteError(rec, gone, logger, fmt.Errorf("publish events: %w", context.Canceled))
	if rec.Code != StatusClientClosedRequest {
		t.Errorf("client gone: status %d, want %d", rec.Code, StatusClientClosedRequest)
	}
	if strings.Contains(logs.String(), "request failed") || !strings.Contains(logs.String(), "client went away") {
		t.Errorf("client gone: log %s", logs.String())
	}

	live := httptest.NewRequest(http.MethodPost, "/api/event", nil)
	rec = httptest.NewRecorder()
	WriteError(rec, live, logger, fmt.Errorf("publish events: %w", context.Canceled))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "request failed") {
		t.Errorf("live request: status %d, log %s", rec.Code, logs.String())
	}
}

func TestErrorWrapping(t *testing.T) {
	t.Parallel()
	cause := errors.New("disk full")
	tests := []struct {
		name    string
		err     *Error
		target  error
		message string
		text    string
	}{
		{"Errorf wraps", Errorf(404, "campaign %s: %w", "c1", ErrNotFound), ErrNotFound, "campaign c1: not found", "campaign c1: not found"},
		{"struct cause", &Error{Status: 500, Message: "could not save", Err: cause}, cause, "could not save", "could not save: disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !errors.Is(tt.err, tt.target) {
				t.Errorf("errors.Is(%v, %v) = false, want true", tt.err, tt.target)
			}
			if tt.err.Message != tt.message {
				t.Errorf("%v: Message = %q, want %q", tt.err, tt.err.Message, tt.message)
			}
			if got := tt.err.Error(); got != tt.text {
				t.Errorf("Error() = %q, want %q", got, tt.text)
			}
		})
	}
}

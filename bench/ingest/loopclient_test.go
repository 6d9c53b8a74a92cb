//go:build linux

package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoopsCountAnswers drives a server that accepts requests with an even
// sequence number and fails the odd ones, then checks the loops counted
// both and read every body.
func TestLoopsCountAnswers(t *testing.T) {
	var got, bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seq, err := strconv.Atoi(string(b))
		if err != nil || r.Header.Get("User-Agent") == "" {
			bad.Add(1)
		}
		got.Add(1)
		if seq%2 == 1 {
			http.Error(w, "odd request", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	tg := target{url: srv.URL + "/api/event", headers: pageHeaders(), okStatus: http.StatusAccepted, okBody: []byte("ok"), eventsPerReq: 1,
		body: func(seq uint64, buf []byte) []byte { return strconv.AppendUint(buf, seq, 10) }}
	start := time.Now()
	stats, err := runLoops(context.Background(), tg, 8, 2, start, start.Add(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	var ok, failed int64
	for _, ws := range stats {
		ok += ws.ok
		failed += ws.errs["HTTP 500"]
		if len(ws.lat) != int(ws.ok) {
			t.Errorf("%d latencies for %d answers", len(ws.lat), ws.ok)
		}
		if s, found := ws.samples["HTTP 500"]; found && s != "odd request\n" {
			t.Errorf("error sample %q", s)
		}
	}
	if ok < 100 || failed == 0 {
		t.Fatalf("ok %d, failed %d: want many answers of both kinds", ok, failed)
	}
	// The server saw every counted request (and the few still in flight
	// when the window closed).
	if n := got.Load(); n < ok+failed || n > ok+failed+8 {
		t.Errorf("server saw %d requests, loops counted %d", n, ok+failed)
	}
	if bad.Load() != 0 {
		t.Errorf("%d malformed requests", bad.Load())
	}
}

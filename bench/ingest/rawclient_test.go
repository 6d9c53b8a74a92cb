package main

import (
	"testing"
)

func TestParseResponse(t *testing.T) {
	const full = "HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
	r, err := parseResponse([]byte(full))
	if err != nil || !r.complete || r.status != 202 || string(r.body) != "ok" || r.consumed != len(full) || !r.keep {
		t.Fatalf("Content-Length answer: %+v, %v", r, err)
	}
	// Every proper prefix needs more bytes.
	for i := range len(full) {
		if r, err := parseResponse([]byte(full[:i])); err != nil || r.complete {
			t.Fatalf("prefix of %d bytes: %+v, %v", i, r, err)
		}
	}
	// A second answer behind the first is left unconsumed.
	if r, _ := parseResponse([]byte(full + full)); r.consumed != len(full) {
		t.Errorf("pipelined: consumed %d, want %d", r.consumed, len(full))
	}

	const chunked = "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\n\r\n"
	r, err = parseResponse([]byte(chunked))
	if err != nil || !r.complete || r.status != 400 || string(r.body) != "hello, world" || r.consumed != len(chunked) || r.keep {
		t.Fatalf("chunked answer: %+v (body %q), %v", r, r.body, err)
	}
	for i := range len(chunked) {
		if r, err := parseResponse([]byte(chunked[:i])); err != nil || r.complete {
			t.Fatalf("chunked prefix of %d bytes: %+v, %v", i, r, err)
		}
	}

	for _, bad := range []string{
		"SMTP 220 ready\r\n\r\n",
		"HTTP/1.1 2x2 Accepted\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\n\r\nbody until close",
	} {
		if _, err := parseResponse([]byte(bad)); err == nil {
			t.Errorf("parseResponse(%q) accepted it", bad)
		}
	}
}

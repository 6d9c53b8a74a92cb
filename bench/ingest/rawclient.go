package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync/atomic"
	"time"
)

// A doer sends one POST and reads the whole answer. Every worker has its
// own; it is not safe for concurrent use.
type doer interface {
	// post sends body with header set h and copies up to len(resp) bytes
	// of the answer's body into resp.
	post(ctx context.Context, h int, body, resp []byte) (status, n int, err error)
	close()
}

// clientKind names how the throughput phases talk HTTP.
type clientKind string

const (
	// clientStd is net/http's Client: keep-alive, MaxIdleConnsPerHost =
	// concurrency, shared by all workers.
	clientStd clientKind = "std"
	// clientRaw is a minimal HTTP/1.1 client: one keep-alive connection per
	// worker, requests written in one syscall from pre-encoded headers,
	// answers parsed in place. It spends a fraction of net/http's CPU per
	// request, which on a shared machine leaves the cores to the server.
	clientRaw clientKind = "raw"
	// clientLoop drives all connections from epoll event loops (Linux),
	// one read and one write system call per request.
	clientLoop clientKind = "loop"
)

// doerFactory returns a constructor of per-worker doers for target t.
func doerFactory(kind clientKind, t target, conc int) (newDoer func() doer, closeAll func(), err error) {
	switch kind {
	case clientStd:
		c := newClient(conc)
		return func() doer { return &stdDoer{c: c, t: t} }, c.CloseIdleConnections, nil
	case clientRaw, clientLoop: // the loop client has no doers; probes use raw ones
		u, err := url.Parse(t.url)
		if err != nil {
			return nil, nil, err
		}
		heads := requestHeads(u, t)
		var n atomic.Uint32
		return func() doer {
			return &rawDoer{addr: u.Host, heads: heads, local: localAddr(n.Add(1) - 1)}
		}, func() {}, nil
	}
	return nil, nil, fmt.Errorf("unknown client %q (loop, raw or std)", kind)
}

// requestHeads pre-encodes t's request line and headers, one per header
// set, each ending in "Content-Length: ".
func requestHeads(u *url.URL, t target) [][]byte {
	var heads [][]byte
	for _, h := range t.headers {
		var b bytes.Buffer
		fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range h[k] {
				fmt.Fprintf(&b, "%s: %s\r\n", k, v)
			}
		}
		b.WriteString("Content-Length: ")
		heads = append(heads, b.Bytes())
	}
	return heads
}

type stdDoer struct {
	c *http.Client
	t target
}

func (d *stdDoer) post(ctx context.Context, h int, body, resp []byte) (int, int, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", d.t.url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header = d.t.headers[h]
	r, err := d.c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, _ := io.ReadFull(r.Body, resp)
	_, _ = io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return r.StatusCode, n, nil
}

func (d *stdDoer) close() {}

type rawDoer struct {
	addr  string
	heads [][]byte // "POST … Content-Length: " per header set
	local *net.TCPAddr
	conn  net.Conn
	rbuf  []byte
	wbuf  []byte
}

var errBadResponse = errors.New("malformed HTTP response")

func (d *rawDoer) post(ctx context.Context, h int, body, resp []byte) (int, int, error) {
	if d.conn == nil {
		dl := net.Dialer{Timeout: 5 * time.Second, LocalAddr: d.local}
		c, err := dl.DialContext(ctx, "tcp", d.addr)
		if err != nil {
			dl.LocalAddr = nil
			if c, err = dl.DialContext(ctx, "tcp", d.addr); err != nil {
				return 0, 0, err
			}
		}
		d.conn = c
	}
	d.wbuf = append(d.wbuf[:0], d.heads[h]...)
	d.wbuf = strconv.AppendInt(d.wbuf, int64(len(body)), 10)
	d.wbuf = append(d.wbuf, "\r\n\r\n"...)
	d.wbuf = append(d.wbuf, body...)
	_ = d.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := d.conn.Write(d.wbuf); err != nil {
		d.close()
		return 0, 0, err
	}
	d.rbuf = d.rbuf[:0]
	for {
		if cap(d.rbuf)-len(d.rbuf) < 4096 {
			d.rbuf = append(d.rbuf, make([]byte, 16<<10)...)[:len(d.rbuf)]
		}
		n, err := d.conn.Read(d.rbuf[len(d.rbuf):cap(d.rbuf)])
		d.rbuf = d.rbuf[:len(d.rbuf)+n]
		r, perr := parseResponse(d.rbuf)
		switch {
		case perr != nil:
			d.close()
			return 0, 0, perr
		case r.complete:
			if !r.keep || r.consumed < len(d.rbuf) {
				d.close()
			}
			return r.status, copy(resp, r.body), nil
		case err != nil:
			d.close()
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, 0, err
		}
	}
}

// response is one parsed HTTP/1.1 answer.
type response struct {
	complete bool // false: more bytes are needed
	status   int
	body     []byte // aliases the input unless the body was chunked
	consumed int    // bytes of the input the answer took
	keep     bool   // the connection stays open
}

// parseResponse parses the HTTP/1.1 answer at the start of b: status line,
// headers and a Content-Length or chunked body. An answer whose body runs
// until the connection closes is an error: net/http servers always frame
// theirs on keep-alive connections.
func parseResponse(b []byte) (response, error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) > 64<<10 {
			return response{}, errBadResponse
		}
		return response{}, nil
	}
	head := b[:end+2]
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	// "HTTP/1.1 202 Accepted"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return response{}, errBadResponse
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return response{}, errBadResponse
	}
	r := response{status: status, keep: true}
	length, chunked := -1, false
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return response{}, errBadResponse
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqualFold(k, "Content-Length"):
			if length, err = strconv.Atoi(string(v)); err != nil || length < 0 {
				return response{}, errBadResponse
			}
		case asciiEqualFold(k, "Transfer-Encoding"):
			chunked = asciiEqualFold(v, "chunked")
		case asciiEqualFold(k, "Connection"):
			r.keep = !asciiEqualFold(v, "close")
		}
	}
	at := end + 4
	switch {
	case chunked:
		for {
			i := bytes.Index(b[at:], []byte("\r\n"))
			if i < 0 {
				return response{}, nil
			}
			size, _, _ := bytes.Cut(b[at:at+i], []byte(";"))
			sz, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
			if err != nil || sz < 0 || sz > 1<<30 {
				return response{}, errBadResponse
			}
			at += i + 2
			if sz == 0 { // no trailers from net/http servers
				if len(b) < at+2 {
					return response{}, nil
				}
				r.complete, r.consumed = true, at+2
				return r, nil
			}
			if len(b) < at+int(sz)+2 {
				return response{}, nil
			}
			r.body = append(r.body, b[at:at+int(sz)]...)
			at += int(sz) + 2
		}
	case length >= 0:
		if len(b) < at+length {
			return response{}, nil
		}
		r.complete, r.body, r.consumed = true, b[at:at+length], at+length
		return r, nil
	}
	return response{}, errBadResponse
}

func (d *rawDoer) close() {
	if d.conn != nil {
		_ = d.conn.Close()
		d.conn = nil
	}
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

package main

import (
	"bufio"
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
)

// doerFactory returns a constructor of per-worker doers for target t.
func doerFactory(kind clientKind, t target, conc int) (newDoer func() doer, closeAll func(), err error) {
	switch kind {
	case clientStd:
		c := newClient(conc)
		return func() doer { return &stdDoer{c: c, t: t} }, c.CloseIdleConnections, nil
	case clientRaw:
		u, err := url.Parse(t.url)
		if err != nil {
			return nil, nil, err
		}
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
		var n atomic.Uint32
		return func() doer {
			return &rawDoer{addr: u.Host, heads: heads, local: localAddr(n.Add(1) - 1)}
		}, func() {}, nil
	}
	return nil, nil, fmt.Errorf("unknown client %q (std or raw)", kind)
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
	br    *bufio.Reader
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
		d.conn, d.br = c, bufio.NewReaderSize(c, 16<<10)
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
	status, n, keep, err := d.readResponse(resp)
	if err != nil || !keep {
		d.close()
	}
	return status, n, err
}

// readResponse parses one HTTP/1.1 response: status line, headers, and a
// Content-Length or chunked body.
func (d *rawDoer) readResponse(resp []byte) (status, n int, keep bool, err error) {
	line, err := d.br.ReadSlice('\n')
	if err != nil {
		return 0, 0, false, err
	}
	// "HTTP/1.1 202 Accepted\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, 0, false, errBadResponse
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, false, errBadResponse
	}
	length, chunked, keep := -1, false, true
	for {
		line, err = d.br.ReadSlice('\n')
		if err != nil {
			return status, 0, false, err
		}
		if len(line) <= 2 { // "\r\n"
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return status, 0, false, errBadResponse
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqualFold(k, "Content-Length"):
			if length, err = strconv.Atoi(string(v)); err != nil {
				return status, 0, false, errBadResponse
			}
		case asciiEqualFold(k, "Transfer-Encoding"):
			chunked = asciiEqualFold(v, "chunked")
		case asciiEqualFold(k, "Connection"):
			if asciiEqualFold(v, "close") {
				keep = false
			}
		}
	}
	switch {
	case chunked:
		for {
			line, err = d.br.ReadSlice('\n')
			if err != nil {
				return status, n, false, err
			}
			sz, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(line, []byte(";"), 2)[0])), 16, 64)
			if err != nil {
				return status, n, false, errBadResponse
			}
			if sz == 0 {
				_, err = d.br.ReadSlice('\n') // no trailers from net/http servers
				return status, n, keep, err
			}
			m, err := d.readBody(int(sz), resp[n:])
			n += m
			if err != nil {
				return status, n, false, err
			}
			if _, err := d.br.Discard(2); err != nil {
				return status, n, false, err
			}
		}
	case length >= 0:
		n, err = d.readBody(length, resp)
		return status, n, keep && err == nil, err
	default: // body until close
		n, _ = io.ReadFull(d.br, resp)
		_, _ = io.Copy(io.Discard, d.br)
		return status, n, false, nil
	}
}

// readBody reads length bytes, keeping the first len(dst).
func (d *rawDoer) readBody(length int, dst []byte) (int, error) {
	k := min(length, len(dst))
	n, err := io.ReadFull(d.br, dst[:k])
	if err != nil {
		return n, err
	}
	if rest := length - k; rest > 0 {
		if _, err := d.br.Discard(rest); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (d *rawDoer) close() {
	if d.conn != nil {
		_ = d.conn.Close()
		d.conn, d.br = nil, nil
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

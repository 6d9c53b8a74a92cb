package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const siteDomain = "bench.example"

// userAgents are real Chrome user agents (desktop and mobile); requests
// cycle through them so the server parses (and caches) more than one.
var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
}

// sourceIPs is how many loopback addresses (127.0.1.1 …, at most 254) connections are
// spread over, so events come from more than one visitor (the server
// hashes client address + user agent into the visitor id).
const sourceIPs = 200

// localAddr is the source address of the i-th connection.
func localAddr(i uint32) *net.TCPAddr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(1+i%sourceIPs))}
}

// newClient returns the keep-alive client every phase uses: conc idle
// connections kept per host, each connection dialled from its own loopback
// address.
func newClient(conc int) *http.Client {
	var n atomic.Uint32
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: localAddr(n.Add(1) - 1)}
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			// Fall back to the default source address.
			d.LocalAddr = nil
			return d.DialContext(ctx, network, addr)
		}
		return c, nil
	}
	tr := &http.Transport{
		DialContext:         dial,
		MaxIdleConns:        conc * 2,
		MaxIdleConnsPerHost: conc,
		MaxConnsPerHost:     conc,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		WriteBufferSize:     32 << 10,
		ReadBufferSize:      8 << 10,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// target describes one kind of request a phase sends.
type target struct {
	url          string
	headers      []http.Header // request i uses headers[i % len]
	body         func(seq uint64, buf []byte) []byte
	okStatus     int
	okBody       []byte // when set, the response body must contain it
	eventsPerReq int
}

// loadResult is what one closed-loop load phase measured.
type loadResult struct {
	Client       string            `json:"client"`
	Concurrency  int               `json:"concurrency"`
	Seconds      float64           `json:"seconds"`
	Requests     int64             `json:"requests"` // answered as expected within the window
	ReqPerSec    float64           `json:"requests_per_s"`
	EventsPerSec float64           `json:"events_per_s"`
	P50ms        float64           `json:"p50_ms"`
	P99ms        float64           `json:"p99_ms"`
	Maxms        float64           `json:"max_ms"`
	Errors       map[string]int64  `json:"errors,omitempty"`
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	CPU          *cpuUse           `json:"cpu,omitempty"`
	RSSPeakMB    float64           `json:"server_rss_peak_mb,omitempty"` // during the phase and the wait for the warehouse
	RSSAfterMB   float64           `json:"server_rss_after_mb,omitempty"`
	CatchUp      *catchUp          `json:"warehouse_catch_up,omitempty"`
	MemAfter     *memBreakdown     `json:"server_memory_after,omitempty"`  // right after the phase
	MemLoaded    *memBreakdown     `json:"server_memory_loaded,omitempty"` // once the warehouse caught up
}

// cpuUse is CPU time used during the measured window, in cores.
type cpuUse struct {
	Server  float64 `json:"server"`
	Client  float64 `json:"bench_client"`
	Others  float64 `json:"other_processes"`
	Machine float64 `json:"machine"`
	Cores   int     `json:"cores"`
}

type workerStats struct {
	lat     []uint32 // µs
	ok      int64
	errs    map[string]int64
	samples map[string]string
}

func newWorkerStats() *workerStats {
	return &workerStats{lat: make([]uint32, 0, 4096), errs: map[string]int64{}, samples: map[string]string{}}
}

// record counts one request sent at t0 and answered (or failed) at t1 if
// t1 falls in the measured window [mStart, mEnd], and reports whether it
// failed.
func (ws *workerStats) record(t target, t0, t1, mStart, mEnd time.Time, status int, body []byte, err error) (failed bool) {
	var key, sample string
	switch {
	case err != nil:
		key, sample = errClass(err), err.Error()
	case status != t.okStatus:
		key, sample = "HTTP "+strconv.Itoa(status), string(body)
	case t.okBody != nil && !bytes.Contains(body, t.okBody):
		key, sample = "HTTP "+strconv.Itoa(status)+" unexpected body", string(body)
	}
	if t1.Before(mStart) || t1.After(mEnd) {
		return key != ""
	}
	if key != "" {
		ws.errs[key]++
		if _, ok := ws.samples[key]; !ok {
			ws.samples[key] = sample
		}
		return true
	}
	ws.ok++
	ws.lat = append(ws.lat, uint32(min(t1.Sub(t0).Microseconds(), 1<<32-1)))
	return false
}

// runLoad drives target with conc closed-loop connections: warmup, then
// dur measured (requests completing inside the window count), then stop.
// pid is the server process (0 for the in-process no-op server).
func runLoad(ctx context.Context, kind clientKind, loops int, t target, conc int, warmup, dur time.Duration, pid int) (loadResult, error) {
	mStart := time.Now().Add(warmup)
	mEnd := mStart.Add(dur)
	var cpu *cpuMeter
	cpuReady := make(chan struct{})
	go func() {
		time.Sleep(time.Until(mStart))
		cpu = startCPU(pid)
		close(cpuReady)
	}()
	var stats []*workerStats
	var err error
	if kind == clientLoop {
		stats, err = runLoops(ctx, t, conc, loops, mStart, mEnd)
	} else {
		stats, err = runWorkers(ctx, kind, t, conc, mStart, mEnd)
	}
	<-cpuReady
	cpu.stop()
	if err != nil {
		return loadResult{}, err
	}

	res := loadResult{Concurrency: conc, Seconds: dur.Seconds(), Errors: map[string]int64{}, ErrorSamples: map[string]string{}}
	var all []uint32
	for _, ws := range stats {
		res.Requests += ws.ok
		all = append(all, ws.lat...)
		for k, v := range ws.errs {
			res.Errors[k] += v
			if _, ok := res.ErrorSamples[k]; !ok {
				res.ErrorSamples[k] = truncate(ws.samples[k], 300)
			}
		}
	}
	res.ReqPerSec = float64(res.Requests) / dur.Seconds()
	res.EventsPerSec = res.ReqPerSec * float64(t.eventsPerReq)
	slices.Sort(all)
	res.P50ms, res.P99ms = quantileMS(all, 0.50), quantileMS(all, 0.99)
	if len(all) > 0 {
		res.Maxms = float64(all[len(all)-1]) / 1000
	}
	res.CPU = &cpuUse{Server: cpu.Server, Client: cpu.Client, Others: cpu.Others, Machine: cpu.Machine, Cores: numCPU()}
	if len(res.Errors) == 0 {
		res.Errors, res.ErrorSamples = nil, nil
	}
	res.Client = string(kind)
	return res, nil
}

// runWorkers drives t with conc goroutines, each with its own doer (one
// connection) sending a request as soon as the previous one is answered.
func runWorkers(ctx context.Context, kind clientKind, t target, conc int, mStart, mEnd time.Time) ([]*workerStats, error) {
	newDoer, closeAll, err := doerFactory(kind, t, conc)
	if err != nil {
		return nil, err
	}
	defer closeAll()
	var seq atomic.Uint64
	stats := make([]*workerStats, conc)
	var wg sync.WaitGroup
	for w := range conc {
		ws := newWorkerStats()
		stats[w] = ws
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := newDoer()
			defer d.close()
			var buf []byte
			respBuf := make([]byte, 4096)
			for ctx.Err() == nil && time.Now().Before(mEnd) {
				i := seq.Add(1) - 1
				buf = t.body(i, buf[:0])
				t0 := time.Now()
				status, n, err := d.post(ctx, int(i%uint64(len(t.headers))), buf, respBuf)
				if err != nil && ctx.Err() != nil {
					return
				}
				if ws.record(t, t0, time.Now(), mStart, mEnd, status, respBuf[:n], err) {
					time.Sleep(5 * time.Millisecond) // do not spin on a failing server
				}
			}
		}()
	}
	wg.Wait()
	return stats, nil
}

// quantileMS returns the q-quantile (nearest rank) of sorted µs values in ms.
func quantileMS(sorted []uint32, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	i = min(max(i, 0), len(sorted)-1)
	return float64(sorted[i]) / 1000
}

// errClass names a transport error without addresses or ports, so counts
// group.
func errClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no local address/port (EADDRNOTAVAIL)"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed (EOF)"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	return "transport error"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// --- request bodies ---------------------------------------------------------

// singleBodies pre-encodes /api/event bodies for n distinct page paths.
func singleBodies(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"n":"pageview","u":"https://%s/p/%d","d":"%s","r":"https://www.google.com/"}`, siteDomain, i, siteDomain)
	}
	return out
}

// pageHeaders are the headers of /api/event requests, one set per user agent.
func pageHeaders() []http.Header {
	hs := make([]http.Header, len(userAgents))
	for i, ua := range userAgents {
		hs[i] = http.Header{"Content-Type": {"text/plain"}, "User-Agent": {ua}}
	}
	return hs
}

// batchBody builds a /v1/batch body of size track messages for batch number
// seq. Message ids are unique within the run (the warehouse de-duplicates on
// them); anonymous ids cycle over visitors.
func batchBody(runID, writeKey string, size, visitors int) func(seq uint64, buf []byte) []byte {
	return func(seq uint64, buf []byte) []byte {
		buf = append(buf, `{"batch":[`...)
		for j := range size {
			n := seq*uint64(size) + uint64(j)
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"type":"track","anonymousId":"a-`...)
			buf = strconv.AppendUint(buf, n%uint64(visitors), 10)
			buf = append(buf, `","event":"Bench","messageId":"`...)
			buf = append(buf, runID...)
			buf = append(buf, '-')
			buf = strconv.AppendUint(buf, n, 10)
			buf = append(buf, `","properties":{"i":`...)
			buf = strconv.AppendUint(buf, n, 10)
			buf = append(buf, `}}`...)
		}
		buf = append(buf, `],"writeKey":"`...)
		buf = append(buf, writeKey...)
		buf = append(buf, `"}`...)
		return buf
	}
}

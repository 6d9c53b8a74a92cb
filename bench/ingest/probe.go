package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// probeResult is what the acknowledgement-to-queryable phase measured.
type probeResult struct {
	Rate        int     `json:"target_events_per_s"`
	Seconds     float64 `json:"seconds"`
	Sent        int     `json:"sent"`
	Acked       int     `json:"acknowledged"`
	Seen        int     `json:"seen_in_live_stream"`
	Missing     int     `json:"missing"`
	AckedPerSec float64 `json:"acknowledged_per_s"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	Maxms       float64 `json:"max_ms"`
	// Request latency (send → acknowledgement) at this moderate load.
	ReqP50ms  float64          `json:"request_p50_ms"`
	ReqP99ms  float64          `json:"request_p99_ms"`
	Errors    map[string]int64 `json:"errors,omitempty"`
	CPU       *cpuUse          `json:"cpu,omitempty"`
	RSSPeakMB float64          `json:"server_rss_peak_mb,omitempty"`
}

// lostLag marks a probe that was acknowledged but never appeared in the
// live stream; quantiles that land on it are reported as -1 ("lost").
const lostLag = 1<<32 - 1

func lostMS(ms float64) float64 {
	if ms >= float64(lostLag)/1000 {
		return -1
	}
	return ms
}

var pathnameKey = []byte(`"pathname":"/probe/`)

// runProbe sends rate events/s of /api/event for dur, each with the unique
// path /probe/<n>, while reading the live event stream (which sends an
// event once the warehouse has committed it); it matches each probe's
// acknowledgement with its arrival in the stream.
func runProbe(ctx context.Context, kind clientKind, base, readKey string, rate int, dur time.Duration, conc, pid int) (probeResult, error) {
	res := probeResult{Rate: rate, Seconds: dur.Seconds()}
	n := int(float64(rate) * dur.Seconds())
	res.Sent = n
	acked := make([]atomic.Int64, n)   // unix ns of the 202
	sentAt := make([]atomic.Int64, n)  // unix ns the request went out
	arrived := make([]atomic.Int64, n) // unix ns its line arrived on the stream
	var seen atomic.Int64

	// The live stream first: events are only sent to subscribers that exist.
	sctx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	req, _ := http.NewRequestWithContext(sctx, "GET", base+"/api/v1/events/live?site_id="+siteDomain, nil)
	req.Header.Set("Authorization", "Bearer "+readKey)
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		return res, fmt.Errorf("open live stream: %w", err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return res, fmt.Errorf("open live stream: %d %s", resp.StatusCode, b)
	}
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	if first, err := br.ReadString('\n'); err != nil || !bytes.HasPrefix([]byte(first), []byte(": live events")) {
		resp.Body.Close()
		return res, fmt.Errorf("live stream opened with %q (%v)", first, err)
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer resp.Body.Close()
		for {
			line, err := br.ReadSlice('\n')
			if err != nil && err != bufio.ErrBufferFull {
				return
			}
			now := time.Now().UnixNano()
			if !bytes.HasPrefix(line, []byte("data: ")) {
				continue
			}
			i := bytes.Index(line, pathnameKey)
			if i < 0 {
				continue
			}
			rest := line[i+len(pathnameKey):]
			j := bytes.IndexByte(rest, '"')
			if j < 0 {
				continue
			}
			k, err := strconv.Atoi(string(rest[:j]))
			if err != nil || k < 0 || k >= n {
				continue
			}
			if arrived[k].CompareAndSwap(0, now) {
				seen.Add(1)
			}
		}
	}()

	hs := pageHeaders()
	newDoer, closeAll, err := doerFactory(kind, target{url: base + "/api/event", headers: hs}, conc)
	if err != nil {
		return res, err
	}
	defer closeAll()
	interval := time.Second / time.Duration(rate)
	var next atomic.Int64
	var mu sync.Mutex
	errs := map[string]int64{}
	start := time.Now().Add(50 * time.Millisecond)
	cpu := startCPU(pid)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := newDoer()
			defer d.close()
			var body []byte
			respBuf := make([]byte, 512)
			for ctx.Err() == nil {
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				time.Sleep(time.Until(start.Add(time.Duration(k) * interval))) // open loop: on schedule, not after the last answer
				body = fmt.Appendf(body[:0], `{"n":"pageview","u":"https://%s/probe/%d","d":"%s","r":"https://www.google.com/"}`, siteDomain, k, siteDomain)
				t0 := time.Now()
				status, _, err := d.post(ctx, k%len(hs), body, respBuf)
				t1 := time.Now()
				if err != nil {
					mu.Lock()
					errs[errClass(err)]++
					mu.Unlock()
					continue
				}
				if status != http.StatusAccepted {
					mu.Lock()
					errs["HTTP "+strconv.Itoa(status)]++
					mu.Unlock()
					continue
				}
				sentAt[k].Store(t0.UnixNano())
				acked[k].Store(t1.UnixNano())
			}
		}()
	}
	wg.Wait()
	sendEnd := time.Now()
	cpu.stop()
	res.CPU = &cpuUse{Server: cpu.Server, Client: cpu.Client, Others: cpu.Others, Machine: cpu.Machine, Cores: numCPU()}
	for i := range n {
		if acked[i].Load() != 0 {
			res.Acked++
		}
	}
	res.AckedPerSec = float64(res.Acked) / sendEnd.Sub(start).Seconds()
	// Wait (bounded) for the stragglers.
	deadline := time.Now().Add(15 * time.Second)
	for int(seen.Load()) < res.Acked && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	stopStream()
	<-readerDone

	var lag, reqLat []uint32
	for i := range n {
		a, s := acked[i].Load(), arrived[i].Load()
		if a == 0 {
			continue
		}
		reqLat = append(reqLat, uint32((a-sentAt[i].Load())/1000))
		if s == 0 {
			res.Missing++
			lag = append(lag, lostLag) // never seen: later than any measured lag
			continue
		}
		res.Seen++
		d := max(s-a, 0) // the stream line can beat the client's reading of its 202
		lag = append(lag, uint32(min(d/1000, lostLag-1)))
	}
	slices.Sort(lag)
	slices.Sort(reqLat)
	res.P50ms, res.P99ms = lostMS(quantileMS(lag, 0.5)), lostMS(quantileMS(lag, 0.99))
	if len(lag) > 0 {
		res.Maxms = lostMS(float64(lag[len(lag)-1]) / 1000)
	}
	res.ReqP50ms, res.ReqP99ms = quantileMS(reqLat, 0.5), quantileMS(reqLat, 0.99)
	if len(errs) > 0 {
		res.Errors = errs
	}
	return res, nil
}

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/platform/eventlog"
)

// The crash test: "the log is the truth; DuckDB is the view" must survive
// SIGKILL. An event answered 202 is in the log; the loader copies the log
// into DuckDB storing its stream position in the same transaction, so
// after any number of crashes every acknowledged event is in the warehouse
// exactly once.

const (
	relClients      = 8               // concurrent senders
	relLoadDuration = 2 * time.Second // longest a round sends
	relKillAfter    = 1 * time.Second // SIGKILL this long into a round
	relCrashRounds  = 2               // start, load, kill; the second round starts on a crashed data dir
	relDomain       = "shop.example"
	relChromeUA     = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)

// relLedger records the fate of every event id the clients sent.
type relLedger struct {
	mu      sync.Mutex
	acked   map[string]bool   // answered 202: durable, must be stored exactly once
	unknown map[string]string // the request failed or was cut: stored 0 or 1 times; value: why
	refused []string          // answered 4xx or bot-filtered: the test sent something wrong
}

func (l *relLedger) ack(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acked[id] = true
}

func (l *relLedger) lost(id, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unknown[id] = why
}

func (l *relLedger) refuse(id, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unknown[id] = why // never stored, but "0 or 1" is the safe bound
	l.refused = append(l.refused, id+": "+why)
}

func (l *relLedger) counts() (acked, unknown int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked), len(l.unknown)
}

// relOutcome is what one POST /api/event came to.
type relOutcome int

const (
	relAcked   relOutcome = iota // 202
	relUnknown                   // transport error or 5xx: the event may or may not be in the log
	relRefused                   // 4xx or bot-filtered
)

// relSend posts one custom event carrying id in props.k.
func relSend(c *http.Client, base, id, contentType string) (relOutcome, string) {
	body := fmt.Sprintf(`{"n":"Signup","u":"https://%s/x","d":%q,"p":{"k":%q}}`, relDomain, relDomain, id)
	req, err := http.NewRequest(http.MethodPost, base+"/api/event", strings.NewReader(body))
	if err != nil {
		return relRefused, err.Error()
	}
	req.Header.Set("User-Agent", relChromeUA)
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Do(req)
	if err != nil {
		return relUnknown, err.Error()
	}
	// The status line decides: 202 is only written once the log has the
	// event, even if the body is then cut by the kill.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusAccepted && resp.Header.Get("X-Mops-Dropped") != "":
		return relRefused, "202 but bot-filtered (X-Mops-Dropped)"
	case resp.StatusCode == http.StatusAccepted:
		return relAcked, ""
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return relRefused, fmt.Sprintf("%d %s", resp.StatusCode, b)
	default:
		return relUnknown, fmt.Sprintf("%d %s", resp.StatusCode, b)
	}
}

// relRound is what one load-and-kill round did.
type relRound struct {
	sent, acked, unknown   atomic.Int64
	errorsBeforeKill       atomic.Int64
	ackedBeforeKill        int
	firstErrorBeforeKill   atomic.Value // string
	sendingWhenKilled      int
	durationUntilAllClosed time.Duration
}

// relLoadAndKill runs relClients senders against base, SIGKILLs srv
// relKillAfter into the load, and returns once every sender has stopped.
// next holds each client's id counter, kept across rounds so ids stay
// unique.
func relLoadAndKill(t *testing.T, srv *cliProc, base string, next []int, l *relLedger) *relRound {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 2 * relClients, MaxConnsPerHost: 2 * relClients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 15 * time.Second}

	r := &relRound{}
	killed := make(chan struct{})
	start := time.Now()
	end := start.Add(relLoadDuration)
	var inFlight atomic.Int64
	var wg sync.WaitGroup
	for c := range relClients {
		contentType := "application/json"
		if c%2 == 1 {
			contentType = "text/plain"
		}
		wg.Go(func() {
			for time.Now().Before(end) {
				next[c]++
				id := fmt.Sprintf("c%d-%d", c, next[c])
				inFlight.Add(1)
				outcome, why := relSend(client, base, id, contentType)
				inFlight.Add(-1)
				r.sent.Add(1)
				wasKilled := false
				select {
				case <-killed:
					wasKilled = true
				default:
				}
				switch outcome {
				case relAcked:
					r.acked.Add(1)
					l.ack(id)
					continue
				case relRefused:
					l.refuse(id, why)
				case relUnknown:
					l.lost(id, why)
				}
				r.unknown.Add(1)
				if !wasKilled {
					r.errorsBeforeKill.Add(1)
					r.firstErrorBeforeKill.CompareAndSwap(nil, id+": "+why)
					continue
				}
				// The server is gone: nothing more to learn this round.
				return
			}
		})
	}

	time.Sleep(relKillAfter) // the load itself: let the senders run
	r.ackedBeforeKill = int(r.acked.Load())
	r.sendingWhenKilled = int(inFlight.Load())
	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatalf("SIGKILL: %v: %v", err, srv)
	}
	close(killed)
	select {
	case <-srv.done:
	case <-time.After(cliStopTimeout):
		t.Fatalf("mops still running %v after SIGKILL: %v", cliStopTimeout, srv)
	}
	wg.Wait()
	r.durationUntilAllClosed = time.Since(start)
	return r
}

// relStreamState reads the EVENTS stream's state from GET /readyz.
func relStreamState(t *testing.T, base string) (messages, lastSeq uint64) {
	t.Helper()
	status, _, body := cliGet(t, cliHTTP, base+"/readyz", "")
	var ready struct {
		Status   string `json:"status"`
		Eventlog struct {
			Streams []struct {
				Name     string `json:"name"`
				Messages uint64 `json:"messages"`
				LastSeq  uint64 `json:"last_seq"`
			} `json:"streams"`
		} `json:"eventlog"`
	}
	if err := json.Unmarshal([]byte(body), &ready); status != http.StatusOK || err != nil || ready.Status != "ready" {
		t.Fatalf("GET /readyz = %d %s (%v), want 200 ready", status, body, err)
	}
	for _, s := range ready.Eventlog.Streams {
		if s.Name == eventlog.StreamEvents {
			return s.Messages, s.LastSeq
		}
	}
	t.Fatalf("GET /readyz: no %s stream in %s", eventlog.StreamEvents, body)
	return 0, 0
}

// relLines returns the lines of s that contain sub.
func relLines(s, sub string) []string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			out = append(out, strings.TrimRight(line, "\n"))
		}
	}
	return out
}

// relTail returns the last n lines of s.
func relTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// relFirst returns up to n sorted items of ids, for messages.
func relFirst(ids []string, n int) []string {
	slices.Sort(ids)
	if len(ids) > n {
		return append(ids[:n:n], fmt.Sprintf("… (%d more)", len(ids)-n))
	}
	return ids
}

// TestCrashLosesNothing sends events from concurrent clients, SIGKILLs the
// server in the middle of the load, restarts it on the same data dir and
// does it again, then stops the last server cleanly (which drains the
// loader) and requires every acknowledged event in the warehouse exactly
// once and nothing twice.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the mops binary, kills and restarts it under load")
	}
	t.Parallel()
	testStart := time.Now()
	bin := cliBinary(t)
	t.Logf("mops binary ready after %v", time.Since(testStart).Round(time.Millisecond))
	data := filepath.Join(t.TempDir(), "data")
	if sock := filepath.Join(data, "mops.sock"); len(sock) >= 100 {
		t.Fatalf("admin socket path %s is %d characters; the temp dir is too deep", sock, len(sock))
	}

	var ws struct {
		WorkspaceID string `json:"workspace_id"`
	}
	cliDecodeJSON(t, cliRun(t, bin, "", "workspace", "create", "Acme", "--data", data, "--json"), &ws)
	var site struct {
		SiteID string `json:"site_id"`
		Domain string `json:"domain"`
	}
	cliDecodeJSON(t, cliRun(t, bin, "", "site", "create", "--workspace", ws.WorkspaceID, "--domain", relDomain,
		"--data", data, "--json"), &site)
	if site.SiteID == "" || site.Domain != relDomain {
		t.Fatalf("site create = %+v, want a site for %s", site, relDomain)
	}

	var servers []*cliProc
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for i, s := range servers {
			t.Logf("server %d: mops %s\nlast stderr lines:\n%s", i+1, cliQuote(s.args), relTail(s.stderr.String(), 40))
		}
	})
	start := func() (*cliProc, string) {
		t.Helper()
		s, base := cliStartServer(t, bin, "--data", data, "--rate-limit-ip", "0")
		servers = append(servers, s)
		return s, base
	}

	ledger := &relLedger{acked: map[string]bool{}, unknown: map[string]string{}}
	next := make([]int, relClients)
	for round := 1; round <= relCrashRounds; round++ {
		restartAt := time.Now()
		srv, base := start()
		startup := time.Since(restartAt)
		r := relLoadAndKill(t, srv, base, next, ledger)
		t.Logf("round %d: started in %v; sent %d, acknowledged %d (%d before the kill), unknown fate %d, "+
			"%d requests in flight at the kill, senders done after %v",
			round, startup.Round(time.Millisecond), r.sent.Load(), r.acked.Load(), r.ackedBeforeKill, r.unknown.Load(),
			r.sendingWhenKilled, r.durationUntilAllClosed.Round(time.Millisecond))
		if n := r.errorsBeforeKill.Load(); n > 0 {
			t.Logf("round %d: %d requests failed before the kill; first: %v", round, n, r.firstErrorBeforeKill.Load())
		}
		if r.ackedBeforeKill == 0 {
			t.Fatalf("round %d: no event was acknowledged before the kill; the test proves nothing", round)
		}
	}
	ledger.mu.Lock()
	refused := slices.Clone(ledger.refused)
	ledger.mu.Unlock()
	if len(refused) > 0 {
		t.Fatalf("%d events were refused (the test sends something the server rejects): %v", len(refused), relFirst(refused, 5))
	}

	// Restart, then stop cleanly: the graceful shutdown waits until the
	// warehouse holds every event the log has.
	srv, base := start()
	logMessages, logLastSeq := relStreamState(t, base)
	cliStopServer(t, srv)
	if w := relLines(srv.stderr.String(), "before the warehouse caught up"); len(w) > 0 {
		t.Errorf("the clean stop did not drain the loader: %v", w)
	}
	for i, s := range servers {
		for _, line := range relLines(s.stderr.String(), "loader started") {
			t.Logf("server %d: %s", i+1, line)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := app.OpenStore(ctx, data, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open the data dir after the last stop: %v", err)
	}
	defer st.Close()

	stored := map[string]int{}
	rows, err := st.DB.QueryContext(ctx, `SELECT props['k'], count(*) FROM events GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var withoutID, total int
	for rows.Next() {
		var k *string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		total += n
		if k == nil {
			withoutID += n
			continue
		}
		stored[*k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	var dbRows, distinctSeq, distinctEventID int
	var maxSeq, loaderSeq uint64
	if err := st.DB.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT seq), count(DISTINCT event_id), coalesce(max(seq), 0) FROM events`).
		Scan(&dbRows, &distinctSeq, &distinctEventID, &maxSeq); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.QueryRowContext(ctx, `SELECT last_seq FROM loader_state WHERE stream = ?`, eventlog.StreamEvents).
		Scan(&loaderSeq); err != nil {
		t.Fatalf("read the loader position: %v", err)
	}
	var visits, visitEvents, badVisits, orphans int
	if err := st.DB.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(events), 0) FROM visits`).Scan(&visits, &visitEvents); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.QueryRowContext(ctx, `
		SELECT count(*) FROM visits v
		LEFT JOIN (SELECT visit_id, count(*) AS n FROM events GROUP BY visit_id) e USING (visit_id)
		WHERE coalesce(e.n, 0) <> v.events`).Scan(&badVisits); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE visit_id NOT IN (SELECT visit_id FROM visits)`).
		Scan(&orphans); err != nil {
		t.Fatal(err)
	}

	// Judge every id.
	ledger.mu.Lock()
	defer ledger.mu.Unlock()
	var missing, duplicated, phantom []string
	unknownPresent := 0
	for id := range ledger.acked {
		switch n := stored[id]; {
		case n == 0:
			missing = append(missing, id)
		case n > 1:
			duplicated = append(duplicated, fmt.Sprintf("%s×%d (acknowledged)", id, n))
		}
	}
	for id, n := range stored {
		_, unknown := ledger.unknown[id]
		switch {
		case !ledger.acked[id] && !unknown:
			phantom = append(phantom, fmt.Sprintf("%s×%d", id, n))
		case unknown && n > 1:
			duplicated = append(duplicated, fmt.Sprintf("%s×%d (unknown fate: %s)", id, n, ledger.unknown[id]))
		case unknown:
			unknownPresent++
		}
	}
	acked, unknown := len(ledger.acked), len(ledger.unknown)
	t.Logf("acknowledged %d, unknown fate %d (%d of them stored), stored rows %d; "+
		"log: %d messages, last seq %d; loader position %d; %d visit(s) counting %d events",
		acked, unknown, unknownPresent, total, logMessages, logLastSeq, loaderSeq, visits, visitEvents)

	if len(missing) > 0 {
		t.Errorf("%d acknowledged events are not in the warehouse: %v", len(missing), relFirst(missing, 20))
	}
	if len(duplicated) > 0 {
		t.Errorf("%d events are in the warehouse more than once: %v", len(duplicated), relFirst(duplicated, 20))
	}
	if len(phantom) > 0 {
		t.Errorf("%d stored events were never sent: %v", len(phantom), relFirst(phantom, 20))
	}
	if withoutID > 0 {
		t.Errorf("%d stored events have no props.k", withoutID)
	}
	if want := acked + unknownPresent; total != want {
		t.Errorf("stored rows = %d, want acknowledged %d + stored unknown-fate %d = %d", total, acked, unknownPresent, want)
	}
	if distinctEventID != dbRows {
		t.Errorf("events: %d rows but %d distinct event ids", dbRows, distinctEventID)
	}
	// A log message carries the events of concurrent requests.
	if uint64(distinctSeq) > logMessages {
		t.Errorf("events come from %d distinct stream sequences, the log has %d messages", distinctSeq, logMessages)
	}
	if loaderSeq != logLastSeq || maxSeq != logLastSeq {
		t.Errorf("loader position %d, newest loaded seq %d, log last seq %d: want all equal after a clean stop",
			loaderSeq, maxSeq, logLastSeq)
	}
	if badVisits > 0 || orphans > 0 || visitEvents != dbRows {
		t.Errorf("visits disagree with events: %d visit(s) whose event count differs from its events, "+
			"%d events without a visit, visits count %d events, events table has %d", badVisits, orphans, visitEvents, dbRows)
	}
	t.Logf("run time %v", time.Since(testStart).Round(time.Millisecond))
}

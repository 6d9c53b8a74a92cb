package eventlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// testLogger shows the log's messages with -v, as test log lines.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openEmbedded opens an embedded log on dir; the log is closed at cleanup
// unless the test closed it.
func openEmbedded(t *testing.T, dir string) *Log {
	t.Helper()
	l, err := Open(testCtx(t), Config{Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { closeLog(t, l) })
	return l
}

func closeLog(t *testing.T, l *Log) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func eventMsg(t *testing.T, site, body, msgID string) *nats.Msg {
	t.Helper()
	subj, err := EventSubject(site)
	if err != nil {
		t.Fatal(err)
	}
	m := nats.NewMsg(subj)
	m.Data = []byte(body)
	if msgID != "" {
		m.Header.Set(jetstream.MsgIDHeader, msgID)
	}
	return m
}

func publish(t *testing.T, l *Log, m *nats.Msg) *jetstream.PubAck {
	t.Helper()
	ack, err := l.Publish(testCtx(t), m)
	if err != nil {
		t.Fatalf("Publish(%s %q): %v", m.Subject, m.Data, err)
	}
	return ack
}

func eventsHealth(t *testing.T, l *Log) StreamHealth {
	t.Helper()
	h := l.Health(testCtx(t))
	if h.Error != "" {
		t.Fatalf("Health error: %s", h.Error)
	}
	for _, s := range h.Streams {
		if s.Name == StreamEvents {
			return s
		}
	}
	t.Fatalf("Health has no %s stream: %+v", StreamEvents, h)
	return StreamHealth{}
}

// readAll reads every message of EVENTS through a fresh durable consumer and
// returns the payloads in stream order.
func readAll(t *testing.T, l *Log, durable string) []string {
	t.Helper()
	ctx := testCtx(t)
	c, err := l.EnsureConsumer(ctx, StreamEvents, jetstream.ConsumerConfig{
		Durable:   durable,
		AckPolicy: jetstream.AckExplicitPolicy,
	})
	if err != nil {
		t.Fatalf("EnsureConsumer: %v", err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := int(info.NumPending)
	var got []string
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < want && time.Now().Before(deadline) {
		batch, err := c.Fetch(want-len(got), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		for m := range batch.Messages() {
			got = append(got, string(m.Data()))
			if err := m.Ack(); err != nil {
				t.Fatalf("Ack: %v", err)
			}
		}
		if err := batch.Error(); err != nil {
			t.Fatalf("batch: %v", err)
		}
	}
	if len(got) != want {
		t.Fatalf("read %d messages, want %d", len(got), want)
	}
	return got
}

func TestEmbeddedPublishConsumeHealth(t *testing.T) {
	t.Parallel()
	l := openEmbedded(t, filepath.Join(t.TempDir(), "jetstream"))

	if !l.Embedded() {
		t.Error("Embedded() = false")
	}
	if l.StoreDir() == "" || !filepath.IsAbs(l.StoreDir()) {
		t.Errorf("StoreDir() = %q, want an absolute path", l.StoreDir())
	}
	for i := range 3 {
		ack := publish(t, l, eventMsg(t, "site1", fmt.Sprintf("e%d", i), ""))
		if ack.Stream != StreamEvents || ack.Sequence != uint64(i+1) || ack.Duplicate {
			t.Errorf("ack %d = %+v, want stream %s seq %d not duplicate", i, ack, StreamEvents, i+1)
		}
	}
	if got, want := strings.Join(readAll(t, l, "reader"), ","), "e0,e1,e2"; got != want {
		t.Errorf("read %q, want %q", got, want)
	}

	h := l.Health(testCtx(t))
	if h.Mode != ModeEmbedded || !h.Connected || h.Error != "" || !h.OK() {
		t.Errorf("Health = %+v, want embedded, connected, no error", h)
	}
	if len(h.Streams) != 1 {
		t.Fatalf("Health.Streams = %+v, want 1 stream", h.Streams)
	}
	want := StreamHealth{Name: StreamEvents, Messages: 3, Bytes: h.Streams[0].Bytes, FirstSeq: 1, LastSeq: 3}
	if h.Streams[0] != want || want.Bytes == 0 {
		t.Errorf("Health.Streams[0] = %+v, want %+v with Bytes > 0", h.Streams[0], want)
	}

	// EnsureConsumer is idempotent and demands a durable name.
	if _, err := l.EnsureConsumer(testCtx(t), StreamEvents, jetstream.ConsumerConfig{Durable: "reader", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Errorf("EnsureConsumer again: %v", err)
	}
	if _, err := l.EnsureConsumer(testCtx(t), StreamEvents, jetstream.ConsumerConfig{}); err == nil {
		t.Error("EnsureConsumer without Durable: no error")
	}
}

func TestStreamConfigDeclared(t *testing.T) {
	t.Parallel()
	l := openEmbedded(t, t.TempDir())
	st, err := l.JetStream().Stream(testCtx(t), StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	c := st.CachedInfo().Config
	if c.Storage != jetstream.FileStorage || c.Retention != jetstream.LimitsPolicy || c.Discard != jetstream.DiscardOld ||
		c.MaxAge != 0 || c.Duplicates != 2*time.Minute || c.MaxMsgSize != 1<<20 ||
		len(c.Subjects) != 1 || c.Subjects[0] != "events.>" {
		t.Errorf("EVENTS config = %+v", c)
	}
	// A message over 1 MiB is refused.
	m := eventMsg(t, "big", "", "")
	m.Data = make([]byte, 1<<20+1)
	if _, err := l.Publish(testCtx(t), m); err == nil {
		t.Error("Publish of a message over 1 MiB: no error")
	}
}

func TestReopenIsIdempotentAndKeepsMessages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	l := openEmbedded(t, dir)
	publish(t, l, eventMsg(t, "a", "one", ""))
	publish(t, l, eventMsg(t, "b", "two", ""))
	closeLog(t, l)

	l2 := openEmbedded(t, dir)
	if s := eventsHealth(t, l2); s.Messages != 2 || s.LastSeq != 2 {
		t.Errorf("after reopen EVENTS = %+v, want 2 messages, last seq 2", s)
	}
	ack := publish(t, l2, eventMsg(t, "a", "three", ""))
	if ack.Sequence != 3 {
		t.Errorf("first publish after reopen got seq %d, want 3", ack.Sequence)
	}
	if got, want := strings.Join(readAll(t, l2, "r"), ","), "one,two,three"; got != want {
		t.Errorf("read %q, want %q", got, want)
	}
}

func TestDedupAcrossRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	l := openEmbedded(t, dir)
	if ack := publish(t, l, eventMsg(t, "s", "first", "msg-1")); ack.Duplicate {
		t.Error("first publish of msg-1 marked duplicate")
	}
	if ack := publish(t, l, eventMsg(t, "s", "again", "msg-1")); !ack.Duplicate || ack.Sequence != 1 {
		t.Errorf("second publish of msg-1: ack %+v, want duplicate of seq 1", ack)
	}
	if s := eventsHealth(t, l); s.Messages != 1 {
		t.Errorf("messages = %d, want 1", s.Messages)
	}
	closeLog(t, l)

	l2 := openEmbedded(t, dir)
	if ack := publish(t, l2, eventMsg(t, "s", "after restart", "msg-1")); !ack.Duplicate {
		t.Errorf("publish of msg-1 after restart: ack %+v, want duplicate", ack)
	}
	if ack := publish(t, l2, eventMsg(t, "s", "new", "msg-2")); ack.Duplicate || ack.Sequence != 2 {
		t.Errorf("publish of msg-2 after restart: ack %+v, want new seq 2", ack)
	}
	if got, want := strings.Join(readAll(t, l2, "r"), ","), "first,new"; got != want {
		t.Errorf("read %q, want %q", got, want)
	}
}

// TestNoTCPPortByDefault is not parallel: it counts this process's listening
// sockets, and other tests open some.
func TestNoTCPPortByDefault(t *testing.T) {
	before, countErr := listeningSockets()
	l := openEmbedded(t, t.TempDir())
	if u := l.ClientURL(); u != "" {
		t.Errorf("ClientURL() = %q, want empty", u)
	}
	if a := l.srv.Addr(); a != nil {
		t.Errorf("server listens on %v, want no listener", a)
	}
	if countErr != nil {
		t.Logf("not counting listening sockets: %v", countErr)
		return
	}
	after, err := listeningSockets()
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("process has %d listening TCP sockets after Open, %d before", after, before)
	}
	// The count does see a listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if n, err := listeningSockets(); err != nil || n != before+1 {
		t.Errorf("with one more listener: %d, %v; want %d", n, err, before+1)
	}
}

// listeningSockets counts the TCP sockets in LISTEN state that this process
// holds (Linux only).
func listeningSockets() (int, error) {
	own := map[string]bool{}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			own[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	n := 0
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return 0, err
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			// sl local rem st tx:rx tr:when retrnsmt uid timeout inode
			if len(f) >= 10 && f[3] == "0A" && own[f[9]] {
				n++
			}
		}
	}
	return n, nil
}

func TestListen(t *testing.T) {
	t.Parallel()
	l, err := Open(testCtx(t), Config{Dir: t.TempDir(), Listen: "127.0.0.1:0", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeLog(t, l) })
	u := l.ClientURL()
	if !strings.HasPrefix(u, "nats://127.0.0.1:") || strings.HasSuffix(u, ":0") {
		t.Fatalf("ClientURL() = %q, want nats://127.0.0.1:<port>", u)
	}
	nc, err := nats.Connect(u)
	if err != nil {
		t.Fatalf("nats.Connect(%s): %v", u, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(testCtx(t), "events.tcp", []byte("x")); err != nil {
		t.Fatalf("publish over TCP: %v", err)
	}
	if s := eventsHealth(t, l); s.Messages != 1 {
		t.Errorf("messages = %d, want 1", s.Messages)
	}
}

func TestListenPortInUseFails(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	l, err := Open(testCtx(t), Config{Dir: t.TempDir(), Listen: ln.Addr().String(), Logger: testLogger(t)})
	if err == nil {
		closeLog(t, l)
		t.Fatalf("Open on a port in use (%s): no error", ln.Addr())
	}
	if !strings.HasPrefix(err.Error(), "eventlog: start embedded server:") {
		t.Errorf("error %q lacks the operation prefix", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open took %s to fail", d)
	}
}

func TestOpenConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no dir", Config{}},
		{"bad listen", Config{Dir: t.TempDir(), Listen: "nope"}},
		{"bad port", Config{Dir: t.TempDir(), Listen: "127.0.0.1:99999"}},
		{"unreachable url", Config{URL: "nats://127.0.0.1:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Open(testCtx(t), tc.cfg)
			if err == nil {
				closeLog(t, l)
				t.Fatalf("Open(%+v): no error", tc.cfg)
			}
			if !strings.HasPrefix(err.Error(), "eventlog: ") {
				t.Errorf("error %q lacks the eventlog prefix", err)
			}
		})
	}
}

func TestExternal(t *testing.T) {
	t.Parallel()
	srv, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1",
		Port:      server.RANDOM_PORT,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoSigs:    true,
		NoLog:     true,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("external server not ready")
	}

	l, err := Open(testCtx(t), Config{URL: srv.ClientURL(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeLog(t, l) })
	if l.Embedded() || l.StoreDir() != "" || l.ClientURL() != "" {
		t.Errorf("external log: Embedded %v, StoreDir %q, ClientURL %q", l.Embedded(), l.StoreDir(), l.ClientURL())
	}
	publish(t, l, eventMsg(t, "ext", "hello", "id-1"))
	if ack := publish(t, l, eventMsg(t, "ext", "hello", "id-1")); !ack.Duplicate {
		t.Error("external dedup: second publish not a duplicate")
	}
	h := l.Health(testCtx(t))
	if h.Mode != ModeExternal || !h.Connected || h.Error != "" || len(h.Streams) != 1 || h.Streams[0].Messages != 1 {
		t.Errorf("Health = %+v, want external, connected, 1 message", h)
	}

	// Declaring again against the same server is idempotent.
	l2, err := Open(testCtx(t), Config{URL: srv.ClientURL()})
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	if s := eventsHealth(t, l2); s.Messages != 1 {
		t.Errorf("messages seen by second log = %d, want 1", s.Messages)
	}
	closeLog(t, l2)

	// Quiesce in external mode only holds the gate.
	release, err := l.Quiesce(testCtx(t))
	if err != nil {
		t.Fatalf("Quiesce: %v", err)
	}
	release()
}

func TestQuiesceGatesPublish(t *testing.T) {
	t.Parallel()
	l := openEmbedded(t, t.TempDir())
	publish(t, l, eventMsg(t, "s", "before", ""))

	release, err := l.Quiesce(testCtx(t))
	if err != nil {
		t.Fatalf("Quiesce: %v", err)
	}

	// A publish that waits longer than the gate stays closed proceeds after release.
	waiting := make(chan error, 1)
	go func() {
		_, err := l.Publish(testCtx(t), eventMsg(t, "s", "gated", ""))
		waiting <- err
	}()

	// A publish whose ctx expires while gated fails with ctx's error.
	short, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	_, err = l.Publish(short, eventMsg(t, "s", "expired", ""))
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("gated Publish with expiring ctx: err = %v, want DeadlineExceeded", err)
	}
	select {
	case err := <-waiting:
		t.Fatalf("gated Publish returned (%v) before release", err)
	default:
	}
	if s := eventsHealth(t, l); s.Messages != 1 {
		t.Errorf("messages while quiesced = %d, want 1", s.Messages)
	}

	// A second Quiesce waits for the first to be released.
	short, cancel = context.WithTimeout(t.Context(), 100*time.Millisecond)
	_, err = l.Quiesce(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Quiesce while held: err = %v, want DeadlineExceeded", err)
	}

	release()
	release() // harmless
	select {
	case err := <-waiting:
		if err != nil {
			t.Fatalf("gated Publish after release: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gated Publish did not proceed after release")
	}
	publish(t, l, eventMsg(t, "s", "after", ""))
	if got, want := strings.Join(readAll(t, l, "r"), ","), "before,gated,after"; got != want {
		t.Errorf("read %q, want %q", got, want)
	}
}

func TestQuiesceBackupCopy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openEmbedded(t, dir)

	// A consumer with state, so the copy holds consumer files too.
	const n = 200
	var want []string
	for i := range n {
		body := fmt.Sprintf("event-%03d", i)
		want = append(want, body)
		publish(t, l, eventMsg(t, fmt.Sprintf("site%d", i%3), body, fmt.Sprintf("id-%d", i)))
	}
	readAll(t, l, "loader")

	release, err := l.Quiesce(testCtx(t))
	if err != nil {
		t.Fatalf("Quiesce: %v", err)
	}
	// Keep publishing in the background: the publishes wait at the gate.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if _, err := l.Publish(testCtx(t), eventMsg(t, "late", fmt.Sprintf("late-%d", i), "")); err != nil {
				t.Errorf("late Publish: %v", err)
			}
		})
	}
	backup := filepath.Join(t.TempDir(), "backup")
	copyTree(t, l.StoreDir(), backup)
	release()
	wg.Wait()
	if s := eventsHealth(t, l); s.Messages != n+4 {
		t.Errorf("original has %d messages, want %d", s.Messages, n+4)
	}

	b := openEmbedded(t, backup)
	if s := eventsHealth(t, b); s.Messages != n || s.FirstSeq != 1 || s.LastSeq != n {
		t.Errorf("backup EVENTS = %+v, want %d messages, seqs 1..%d", s, n, n)
	}
	if got := readAll(t, b, "verify"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("backup holds %d messages %q..., want %d", len(got), got[:min(3, len(got))], len(want))
	}
	// The de-duplication IDs came along.
	if ack := publish(t, b, eventMsg(t, "site0", "again", "id-0")); !ack.Duplicate {
		t.Error("publishing id-0 to the backup is not a duplicate")
	}
}

func TestQuiesceUnderLoad(t *testing.T) {
	t.Parallel()
	l := openEmbedded(t, t.TempDir())

	// Publishers run through the whole Quiesce: some are in flight when it
	// starts, the rest wait at the gate.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[uint64]string{}
	for i := range 6 {
		wg.Go(func() {
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf("p%d-%d", i, j)
				ack, err := l.Publish(testCtx(t), eventMsg(t, "load", body, body))
				if err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
				mu.Lock()
				acked[ack.Sequence] = body
				mu.Unlock()
			}
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for eventsHealth(t, l).Messages < 100 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}

	release, err := l.Quiesce(testCtx(t))
	if err != nil {
		t.Fatalf("Quiesce: %v", err)
	}
	held := eventsHealth(t, l)
	backup := filepath.Join(t.TempDir(), "backup")
	copyTree(t, l.StoreDir(), backup)
	if again := eventsHealth(t, l); again != held {
		t.Errorf("stream moved while quiesced: %+v, then %+v", held, again)
	}
	release()
	close(stop)
	wg.Wait()

	if held.Messages < 100 || held.LastSeq != held.Messages {
		t.Fatalf("state while quiesced = %+v, want >= 100 messages without gaps", held)
	}
	b := openEmbedded(t, backup)
	if got := eventsHealth(t, b); got != held {
		t.Errorf("backup EVENTS = %+v, want the state while quiesced %+v", got, held)
	}
	got := readAll(t, b, "verify")
	for i, body := range got {
		if want := acked[uint64(i+1)]; body != want {
			t.Fatalf("backup seq %d = %q, want %q (acked)", i+1, body, want)
		}
	}
}

// copyTree copies the regular files under src to dst, one by one, as a
// backup tool would; files vanishing meanwhile are skipped.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatalf("copy %s to %s: %v", src, dst, err)
	}
}

func TestCloseWithPublishesInFlight(t *testing.T) {
	t.Parallel()
	l, err := Open(testCtx(t), Config{Dir: t.TempDir(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	published := 0
	started := make(chan struct{}, 8)
	for i := range 8 {
		wg.Go(func() {
			for j := 0; ; j++ {
				_, err := l.Publish(context.Background(), eventMsg(t, "busy", fmt.Sprintf("%d-%d", i, j), ""))
				if err != nil {
					return // ErrClosed, or the connection closing under an in-flight one
				}
				mu.Lock()
				published++
				mu.Unlock()
				if j == 0 {
					started <- struct{}{}
				}
			}
		})
	}
	for range 8 {
		<-started
	}
	closeLog(t, l)
	wg.Wait()

	if _, err := l.Publish(testCtx(t), eventMsg(t, "busy", "late", "")); !errors.Is(err, ErrClosed) {
		t.Errorf("Publish after Close: err = %v, want ErrClosed", err)
	}
	if _, err := l.Quiesce(testCtx(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("Quiesce after Close: err = %v, want ErrClosed", err)
	}
	if _, err := l.EnsureConsumer(testCtx(t), StreamEvents, jetstream.ConsumerConfig{Durable: "x"}); !errors.Is(err, ErrClosed) {
		t.Errorf("EnsureConsumer after Close: err = %v, want ErrClosed", err)
	}
	if h := l.Health(testCtx(t)); h.Connected || h.Error == "" {
		t.Errorf("Health after Close = %+v, want not connected with an error", h)
	}
	if err := l.Close(testCtx(t)); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if published == 0 {
		t.Error("no publish went through before Close")
	}
}

func TestCloseWhileQuiesced(t *testing.T) {
	t.Parallel()
	l, err := Open(testCtx(t), Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	release, err := l.Quiesce(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := l.Publish(testCtx(t), eventMsg(t, "s", "gated", ""))
		waiting <- err
	}()
	closeLog(t, l)
	select {
	case err := <-waiting:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("gated Publish at Close: err = %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gated Publish still waiting after Close")
	}
	release()
}

func TestHealthIsBounded(t *testing.T) {
	t.Parallel()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	l, err := Open(testCtx(t), Config{URL: srv.ClientURL()})
	if err != nil {
		srv.Shutdown()
		t.Fatal(err)
	}
	t.Cleanup(func() { closeLog(t, l) })
	srv.Shutdown()
	srv.WaitForShutdown()

	start := time.Now()
	h := l.Health(context.Background())
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Health took %s with the server gone", d)
	}
	// The client may not have noticed yet that the server is gone.
	if h.Error == "" || h.OK() {
		t.Errorf("Health with the server gone = %+v, want an error", h)
	}

	deadline := time.Now().Add(10 * time.Second)
	for l.nc.IsConnected() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	start = time.Now()
	h = l.Health(context.Background())
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Health took %s while disconnected", d)
	}
	if h.Connected || h.Error == "" || h.Mode != ModeExternal {
		t.Errorf("Health while disconnected = %+v, want external, not connected, with an error", h)
	}
}

func TestEventSubject(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{"plain", "site1", "events.site1", false},
		{"uuid", "0f8c2a4e-8b1d-4c1b-9a51-3f6a2f9a1b7c", "events.0f8c2a4e-8b1d-4c1b-9a51-3f6a2f9a1b7c", false},
		{"underscore", "my_site", "events.my_site", false},
		{"unicode", "café", "events.café", false},
		{"empty", "", "", true},
		{"dot", "a.b", "", true},
		{"star", "a*", "", true},
		{"only star", "*", "", true},
		{"gt", ">", "", true},
		{"space", "a b", "", true},
		{"tab", "a\tb", "", true},
		{"newline", "a\n", "", true},
		{"nbsp", "a\u00a0b", "", true},
		{"control", "a\x00b", "", true},
		{"invalid utf8", "a\xffb", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EventSubject(tc.in)
			if tc.wantErr {
				if err == nil || !errors.Is(err, ErrInvalidSiteID) {
					t.Errorf("EventSubject(%q) = %q, %v; want ErrInvalidSiteID", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("EventSubject(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestStreamsReturnsFreshSlice(t *testing.T) {
	t.Parallel()
	a := Streams()
	a[0].Name = "CHANGED"
	a[0].Subjects[0] = "changed"
	if b := Streams(); b[0].Name != StreamEvents || b[0].Subjects[0] != EventSubjects {
		t.Errorf("Streams() shares state between calls: %+v", b[0])
	}
}

func TestPublishBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, err := Open(ctx, Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	var msgs []*nats.Msg
	for i := range 500 {
		m := nats.NewMsg("events.site_b")
		m.Data = []byte(fmt.Sprint(i))
		m.Header.Set(nats.MsgIdHdr, fmt.Sprint("b-", i%400)) // 100 duplicates
		msgs = append(msgs, m)
	}
	acks, err := l.PublishBatch(ctx, msgs)
	if err != nil {
		t.Fatal(err)
	}
	dups := 0
	for i, a := range acks {
		if a.Duplicate {
			dups++
		} else if a.Sequence != uint64(i+1) {
			t.Fatalf("ack %d has sequence %d, want %d (acks in message order)", i, a.Sequence, i+1)
		}
	}
	h := l.Health(ctx)
	if dups != 100 || h.Streams[0].Messages != 400 {
		t.Fatalf("duplicates %d, stored %d; want 100 and 400", dups, h.Streams[0].Messages)
	}
}

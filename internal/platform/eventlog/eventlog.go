// Package eventlog is mops' durable event log: a NATS JetStream stream that
// every collected event is published to before the collecting HTTP request is
// answered. "The log is the truth; DuckDB is the view": the warehouse loader
// consumes the stream in batches (see EnsureConsumer) and writes DuckDB, and
// the warehouse can always be rebuilt from the log.
//
// The log runs in one of two modes:
//
//   - embedded (Config.URL empty, the default): a nats-server with JetStream
//     runs inside the mops process, keeps its file store under Config.Dir and
//     is reached through an in-process connection. It opens no TCP port unless
//     Config.Listen asks for one.
//   - external (Config.URL set): mops connects to an external NATS server or
//     cluster and reconnects forever when the connection drops.
//
// In both modes Open declares every stream of Streams, creating or updating
// it, so the declaration is idempotent.
//
// The embedded server does not lock its store directory: two processes
// opening the same Config.Dir would corrupt it. The caller must hold the data
// directory's lock (package datadir) for as long as the Log is open.
package eventlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Mode names reported by Health.
const (
	// ModeEmbedded means the JetStream server runs inside this process.
	ModeEmbedded = "embedded"
	// ModeExternal means the log lives on an external NATS server or cluster.
	ModeExternal = "external"
)

// ServerName is the name of the embedded server and the connection name the
// client announces in both modes.
const ServerName = "mops"

// defaultReadyTimeout bounds how long Open waits for the embedded server when
// ctx has no earlier deadline. Startup includes recovering the file store.
const defaultReadyTimeout = 60 * time.Second

// ErrClosed is returned (possibly wrapped) by operations on a closed Log.
var ErrClosed = errors.New("eventlog: log is closed")

// Config configures Open.
type Config struct {
	// Dir is the directory of the embedded server's JetStream file store
	// (typically <data>/jetstream); nats-server keeps its files under
	// Dir/jetstream. Required in embedded mode, unused with URL.
	Dir string
	// URL is the external NATS server URL, or several separated by commas.
	// Empty selects the embedded server.
	URL string
	// Listen is a "host:port" on which the embedded server also accepts TCP
	// clients (flag --nats-listen); port 0 picks a free port (see
	// Log.ClientURL). Empty opens no port at all. Unused with URL.
	Listen string
	// Logger receives the log's and the embedded server's messages; nil
	// discards them.
	Logger *slog.Logger
}

// Log is an open event log. Its methods are safe for concurrent use.
type Log struct {
	logger   *slog.Logger
	embedded bool
	dir      string         // absolute store dir; "" for external
	srv      *server.Server // nil for external
	nc       *nats.Conn
	js       jetstream.JetStream
	gate     *gate

	connClosed chan struct{} // closed by the connection's ClosedHandler
	srvDown    chan struct{} // closed when the embedded server has shut down
}

// Open starts the embedded JetStream server (Config.URL empty) or connects to
// the external one, then declares every stream of Streams. ctx bounds the
// stream declarations. Starting the embedded server
// first recovers its file store (rebuilding the de-duplication window), which
// ctx cannot interrupt; Open then waits for the server to be ready at most
// until ctx's deadline, or a minute without one. The external connection is
// tried once (no retry loop): the caller decides whether to retry Open; once
// connected, the client reconnects forever.
//
// Errors name the step that failed: "eventlog: start embedded server: …",
// "eventlog: connect to …: …", "eventlog: declare stream EVENTS: …".
func Open(ctx context.Context, cfg Config) (*Log, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	l := &Log{
		logger:     logger,
		gate:       newGate(),
		connClosed: make(chan struct{}),
		srvDown:    make(chan struct{}),
	}

	var err error
	if strings.TrimSpace(cfg.URL) == "" {
		err = l.openEmbedded(ctx, cfg)
	} else {
		close(l.srvDown) // there is no server of ours to wait for
		if cfg.Listen != "" {
			logger.Warn("eventlog: Listen is ignored with an external NATS URL", "listen", cfg.Listen)
		}
		err = l.connectExternal(cfg.URL)
	}
	if err != nil {
		return nil, err
	}

	// Batched publishes from many requests share one connection; allow
	// plenty in flight so they wait for acks rather than stall.
	js, err := jetstream.New(l.nc, jetstream.WithPublishAsyncMaxPending(maxPendingAsync))
	if err != nil {
		l.abort()
		return nil, fmt.Errorf("eventlog: jetstream context: %w", err)
	}
	l.js = js

	for _, sc := range Streams() {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			l.abort()
			return nil, fmt.Errorf("eventlog: declare stream %s: %w", sc.Name, err)
		}
		l.logger.Debug("eventlog: stream declared", "stream", sc.Name)
	}
	l.logger.Info("eventlog: open", "mode", l.mode(), "store_dir", l.dir, "client_url", l.ClientURL())
	return l, nil
}

func (l *Log) openEmbedded(ctx context.Context, cfg Config) error {
	if cfg.Dir == "" {
		return errors.New("eventlog: start embedded server: Config.Dir is required")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return fmt.Errorf("eventlog: start embedded server: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("eventlog: start embedded server: %w", err)
	}

	opts := &server.Options{
		ServerName:             ServerName,
		JetStream:              true,
		StoreDir:               dir,
		NoSigs:                 true,
		DisableJetStreamBanner: true,
	}
	if cfg.Listen == "" {
		opts.DontListen = true
	} else {
		host, portStr, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return fmt.Errorf("eventlog: start embedded server: listen address %q: %w", cfg.Listen, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 0 || port > 65535 {
			return fmt.Errorf("eventlog: start embedded server: listen address %q: bad port", cfg.Listen)
		}
		if port == 0 {
			port = server.RANDOM_PORT // nats-server reads 0 as its default 4222
		}
		opts.Host, opts.Port = host, port
	}

	srv, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("eventlog: start embedded server: %w", err)
	}
	fatal := make(chan string, 1)
	srv.SetLogger(serverLogger{
		log: l.logger.With("component", "nats-server"),
		onFatal: func(msg string) {
			select {
			case fatal <- msg:
			default:
			}
		},
	}, false, false)

	// From here on the server must be shut down on failure.
	l.srv = srv
	l.embedded = true
	l.dir = dir
	go func() {
		srv.WaitForShutdown()
		close(l.srvDown)
	}()

	srv.Start()
	wait := defaultReadyTimeout
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl))
	}
	// The server reports startup failures (a port in use, a JetStream store
	// it cannot open) only through Fatalf, which our logger hands to fatal
	// instead of exiting the process.
	deadline := time.Now().Add(wait)
	for !srv.ReadyForConnections(50 * time.Millisecond) {
		select {
		case msg := <-fatal:
			l.abort()
			return fmt.Errorf("eventlog: start embedded server: %s", msg)
		default:
		}
		if time.Now().After(deadline) {
			l.abort()
			return fmt.Errorf("eventlog: start embedded server: not ready after %s", wait.Round(time.Millisecond))
		}
	}
	select {
	case msg := <-fatal:
		l.abort()
		return fmt.Errorf("eventlog: start embedded server: %s", msg)
	default:
	}
	if !srv.JetStreamEnabled() {
		l.abort()
		return errors.New("eventlog: start embedded server: JetStream is not enabled (see the server log)")
	}

	nc, err := nats.Connect("",
		nats.InProcessServer(srv),
		nats.Name(ServerName),
		nats.ClosedHandler(func(*nats.Conn) { close(l.connClosed) }),
		nats.ErrorHandler(l.asyncError),
	)
	if err != nil {
		l.abort()
		return fmt.Errorf("eventlog: connect in-process: %w", err)
	}
	l.nc = nc
	return nil
}

func (l *Log) connectExternal(url string) error {
	nc, err := nats.Connect(url,
		nats.Name(ServerName),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil on a deliberate close
				l.logger.Warn("eventlog: disconnected from NATS", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			l.logger.Info("eventlog: reconnected to NATS", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(l.connClosed) }),
		nats.ErrorHandler(l.asyncError),
	)
	if err != nil {
		return fmt.Errorf("eventlog: connect to %s: %w", redactURLs(url), err)
	}
	l.nc = nc
	return nil
}

func (l *Log) asyncError(_ *nats.Conn, sub *nats.Subscription, err error) {
	if sub != nil {
		l.logger.Warn("eventlog: NATS async error", "subject", sub.Subject, "err", err)
		return
	}
	l.logger.Warn("eventlog: NATS async error", "err", err)
}

// abort releases whatever a failed Open had started.
func (l *Log) abort() {
	l.gate.close()
	if l.nc != nil {
		l.nc.Close()
	}
	if l.srv != nil {
		l.srv.Shutdown()
		<-l.srvDown
	}
}

// redactURLs strips user info from comma separated URLs for error messages.
func redactURLs(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if at := strings.LastIndex(p, "@"); at >= 0 {
			scheme := ""
			if k := strings.Index(p, "://"); k >= 0 && k < at {
				scheme = p[:k+3]
			}
			p = scheme + "***@" + p[at+1:]
		}
		parts[i] = p
	}
	return strings.Join(parts, ",")
}

func (l *Log) mode() string {
	if l.embedded {
		return ModeEmbedded
	}
	return ModeExternal
}

// JetStream returns the JetStream handle of the log's connection, for
// consumers and administration. Publishing through it bypasses the gate that
// Quiesce closes; publish events with Publish.
func (l *Log) JetStream() jetstream.JetStream { return l.js }

// Embedded reports whether the log runs the embedded server.
func (l *Log) Embedded() bool { return l.embedded }

// StoreDir returns the absolute directory of the embedded server's file store
// (Config.Dir), the directory to back up, or "" in external mode.
func (l *Log) StoreDir() string { return l.dir }

// ClientURL returns the nats:// URL on which the embedded server accepts TCP
// clients when Config.Listen was set (with the actual port when it asked for
// port 0, and a loopback host when it listens on all interfaces), or "" when
// no port is open or in external mode.
func (l *Log) ClientURL() string {
	if l.srv == nil {
		return ""
	}
	addr, ok := l.srv.Addr().(*net.TCPAddr)
	if !ok || addr == nil {
		return ""
	}
	ip := addr.IP
	switch {
	case ip == nil || ip.Equal(net.IPv4zero):
		ip = net.IPv4(127, 0, 0, 1)
	case ip.IsUnspecified():
		ip = net.IPv6loopback
	}
	return "nats://" + net.JoinHostPort(ip.String(), strconv.Itoa(addr.Port))
}

// Publish publishes msg and waits for JetStream's acknowledgement, bounded by
// ctx (or by the client's default of 5 s when ctx has no deadline). A
// successful return means the message is stored (see Quiesce for what that
// means on disk).
//
// A "Nats-Msg-Id" header (jetstream.MsgIDHeader) is honoured for
// de-duplication within the stream's duplicate window: a re-sent message with
// the same ID is not stored again and its PubAck has Duplicate set.
//
// While a Quiesce holds the log, Publish waits for its release (bounded by
// ctx, returning ctx's error). After Close it returns ErrClosed.
func (l *Log) Publish(ctx context.Context, msg *nats.Msg) (*jetstream.PubAck, error) {
	if msg == nil {
		return nil, errors.New("eventlog: publish: nil message")
	}
	if err := l.gate.enter(ctx); err != nil {
		return nil, fmt.Errorf("eventlog: publish: %w", err)
	}
	defer l.gate.leave()
	ack, err := l.js.PublishMsg(ctx, msg)
	if err != nil {
		return nil, fmt.Errorf("eventlog: publish %s: %w", msg.Subject, err)
	}
	return ack, nil
}

// Limits of batched publishing: how many messages may await their ack on
// the shared connection, and how long a publisher waits for room.
const (
	maxPendingAsync = 16384
	stallWait       = 10 * time.Second
)

// ErrBusy means the log has too many messages waiting for acknowledgement;
// callers should ask clients to retry shortly.
var ErrBusy = errors.New("eventlog: too many messages in flight")

// PublishBatch publishes msgs without waiting between them and returns
// once the log acknowledged every one (acks in msgs' order), bounded by
// ctx. It goes through the same gate as Publish. When it returns an error,
// some messages may be stored and others not; publishing them again is safe
// when they carry a Nats-Msg-Id (the log drops the duplicates).
func (l *Log) PublishBatch(ctx context.Context, msgs []*nats.Msg) ([]*jetstream.PubAck, error) {
	if err := l.gate.enter(ctx); err != nil {
		return nil, fmt.Errorf("eventlog: publish batch: %w", err)
	}
	defer l.gate.leave()
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	stall := stallWait
	if d, ok := ctx.Deadline(); ok {
		stall = max(time.Until(d), time.Millisecond)
	}
	for _, m := range msgs {
		f, err := l.js.PublishMsgAsync(m, jetstream.WithStallWait(stall))
		if errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			return nil, fmt.Errorf("eventlog: publish batch: %w", ErrBusy)
		}
		if err != nil {
			return nil, fmt.Errorf("eventlog: publish batch %s: %w", m.Subject, err)
		}
		futures = append(futures, f)
	}
	acks := make([]*jetstream.PubAck, len(futures))
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			acks[i] = ack
		case err := <-f.Err():
			return nil, fmt.Errorf("eventlog: publish batch %s: %w", f.Msg().Subject, err)
		case <-ctx.Done():
			return nil, fmt.Errorf("eventlog: publish batch: %w", ctx.Err())
		}
	}
	return acks, nil
}

// EnsureConsumer creates the durable consumer cfg.Durable on stream, or
// updates it to cfg when it exists, so it is safe to call on every start.
// cfg.Durable is required.
func (l *Log) EnsureConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	if cfg.Durable == "" {
		return nil, fmt.Errorf("eventlog: ensure consumer on %s: Durable name is required", stream)
	}
	if l.gate.isClosed() {
		return nil, fmt.Errorf("eventlog: ensure consumer %s on %s: %w", cfg.Durable, stream, ErrClosed)
	}
	c, err := l.js.CreateOrUpdateConsumer(ctx, stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("eventlog: ensure consumer %s on %s: %w", cfg.Durable, stream, err)
	}
	return c, nil
}

// Close stops accepting publishes (they fail with ErrClosed), waits for the
// publishes in flight, drains the connection and, in embedded mode, shuts the
// server down (which flushes and closes its store) and waits for it. Every
// wait is bounded by ctx; when ctx ends first Close returns its error while
// the shutdown goes on in the background. Calling Close again waits for that
// same shutdown.
func (l *Log) Close(ctx context.Context) error {
	if !l.gate.close() {
		if err := l.waitDown(ctx); err != nil {
			return fmt.Errorf("eventlog: close: %w", err)
		}
		return nil
	}
	var errs []error
	if err := l.gate.drained(ctx); err != nil {
		errs = append(errs, fmt.Errorf("wait for publishes in flight: %w", err))
	}
	if ctx.Err() == nil {
		if err := l.nc.Drain(); err != nil {
			// Not connected (reconnecting to an external server):
			// there is nothing to drain.
			l.logger.Warn("eventlog: close: drain connection", "err", err)
			l.nc.Close()
		}
	} else {
		l.nc.Close()
	}
	select {
	case <-l.connClosed:
	case <-ctx.Done():
		l.nc.Close()
	}
	if l.srv != nil {
		go l.srv.Shutdown()
	}
	if err := l.waitDown(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("eventlog: close: %w", err)
	}
	l.logger.Info("eventlog: closed", "mode", l.mode())
	return nil
}

// waitDown waits for the connection to be closed and the server to be down.
func (l *Log) waitDown(ctx context.Context) error {
	for _, c := range []chan struct{}{l.connClosed, l.srvDown} {
		select {
		case <-c:
		case <-ctx.Done():
			return fmt.Errorf("wait for shutdown: %w", ctx.Err())
		}
	}
	return nil
}

package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mopshq/mops/internal/platform/eventlog"
)

// shutdownGrace bounds how long in-flight requests may take after a stop
// signal.
const shutdownGrace = 20 * time.Second

// Serve listens on the configured address and on the admin socket, calls
// ready with the HTTP address once both accept connections, and serves
// until ctx is cancelled. Then it stops accepting, lets in-flight requests
// finish and closes the admin socket; the caller closes the App.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	baseCtx, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	admin, err := a.listenAdmin()
	if err != nil {
		ln.Close()
		return err
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if admin != nil {
		go func() { errc <- admin.serve() }()
	}
	go a.pruneSessions(baseCtx)
	a.startLoader()
	defer a.stopLoader()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			cancelBase()
			_ = srv.Close()
			admin.close(context.Background())
			return fmt.Errorf("serve: %w", err)
		}
	}
	a.Logger.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	cancelBase() // long-lived requests (event streams) end now
	admin.close(shutCtx)
	a.drainLoader(shutCtx)
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// removeStaleSocket deletes a socket file left by a process that died; the
// caller holds the data dir lock, so no live server owns it.
func removeStaleSocket(path string) {
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(path)
	}
}

// pruneSessions deletes expired sessions hourly until ctx ends.
func (a *App) pruneSessions(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := a.Auth.PruneSessions(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Warn("prune sessions", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// drainLoader waits, bounded by ctx, until the warehouse holds every event
// the log acknowledged, so a clean stop leaves nothing waiting.
func (a *App) drainLoader(ctx context.Context) {
	h := a.Log.Health(ctx)
	for _, s := range h.Streams {
		if s.Name != eventlog.StreamEvents {
			continue
		}
		if err := a.Loader.WaitFor(ctx, s.LastSeq); err != nil {
			a.Logger.Warn("stopped before the warehouse caught up with the event log; it resumes at the next start",
				"loaded_seq", a.Loader.LastSeq(), "log_seq", s.LastSeq)
		}
	}
}

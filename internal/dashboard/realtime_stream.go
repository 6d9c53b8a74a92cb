package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/warehouse"
)

// streamWriteTimeout bounds each write of a realtime stream: a client that
// stops reading is dropped instead of holding the stream forever.
const streamWriteTimeout = 20 * time.Second

// streamRealtime answers GET …/realtime/stream for the site in the path.
func (h *Handler) streamRealtime(w http.ResponseWriter, r *http.Request) {
	site, err := h.site(r)
	if errors.Is(err, sites.ErrNotFound) {
		err = httpx.ErrNotFound
	}
	if err != nil {
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	h.StreamRealtime(w, r, site)
}

// StreamRealtime answers with the site's realtime stream, Server-Sent
// Events: an `event: realtime` message whose data is the site's
// stats.Realtime as JSON, at once, whenever the warehouse commits events
// of the site (at most one every MinUpdateGap), and at every minute's
// start (the windows slide); a comment line every Heartbeat keeps idle
// connections open. The stream ends when the client goes away or the
// server shuts down. The caller has checked the request may see site.
func (h *Handler) StreamRealtime(w http.ResponseWriter, r *http.Request, site *sites.Site) {
	// Subscribe before the first snapshot, so nothing committed in
	// between is missed.
	batches, unsubscribe := h.loader.Subscribe()
	defer unsubscribe()

	ctx := r.Context()
	rc := http.NewResponseController(w)
	// The server's write timeout would cut the stream off once it is
	// reached, so every write sets its own deadline instead. (Its read
	// timeout does not matter: net/http lifts the read deadline once the
	// request has been read.)
	write := func(msg string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := fmt.Fprint(w, msg); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	var last time.Time
	update := func() bool {
		rt, err := h.stats.Realtime(ctx, site, time.Now())
		if err != nil {
			if ctx.Err() == nil {
				h.logger.Error("realtime stream", "site", site.ID, "error", err)
			}
			return ctx.Err() == nil // a failed update is retried by the next one
		}
		b, err := json.Marshal(rt)
		if err != nil {
			h.logger.Error("realtime stream", "site", site.ID, "error", err)
			return true
		}
		last = time.Now()
		return write("event: realtime\ndata: " + string(b) + "\n\n")
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// retry: how long the browser waits before reconnecting.
	if !write("retry: 2000\n\n") || !update() {
		return
	}

	heartbeat := time.NewTicker(h.Heartbeat)
	defer heartbeat.Stop()
	minute := time.NewTimer(untilNextMinute(time.Now()))
	defer minute.Stop()
	throttle := time.NewTimer(time.Hour)
	throttle.Stop()
	pending := false
	// request sends an update now, or once MinUpdateGap has passed since
	// the last one.
	request := func() bool {
		if pending {
			return true
		}
		if wait := h.MinUpdateGap - time.Since(last); wait > 0 {
			pending = true
			throttle.Reset(wait)
			return true
		}
		return update()
	}
	shutdown := h.shutdown.done(r)
	for {
		select {
		case <-ctx.Done():
			return
		case <-shutdown:
			return
		case <-heartbeat.C:
			if !write(": heartbeat\n\n") {
				return
			}
		case <-minute.C:
			minute.Reset(untilNextMinute(time.Now()))
			if !request() {
				return
			}
		case b := <-batches:
			if hasSite(b, site.ID) && !request() {
				return
			}
		case <-throttle.C:
			pending = false
			if !update() {
				return
			}
		}
	}
}

// untilNextMinute is the time from now to just after the next minute
// starts.
func untilNextMinute(now time.Time) time.Duration {
	return now.Truncate(time.Minute).Add(time.Minute + 50*time.Millisecond).Sub(now)
}

// hasSite reports whether a committed batch holds events of the site.
func hasSite(b warehouse.Loaded, siteID string) bool {
	for i := range b.Events {
		if b.Events[i].SiteID == siteID {
			return true
		}
	}
	return false
}

// denyStream refuses a realtime stream to someone not signed in or not a
// member, with the JSON error of the other data routes.
func denyStream(w http.ResponseWriter, r *http.Request, status int) {
	httpx.WriteError(w, r, nil, httpx.Errorf(status, "%s", http.StatusText(status)))
}

// shutdownWatch tells long-lived responses that their server is shutting
// down. http.Server.Shutdown waits for every active request to finish
// before it cancels anything, so a stream that only watched its request's
// context would hold a graceful stop up for the whole grace period.
type shutdownWatch struct {
	mu      sync.Mutex
	servers map[*http.Server]chan struct{}
}

// done returns a channel closed when the server serving r starts shutting
// down (nil, which never fires, when r was not served by an http.Server).
func (s *shutdownWatch) done(r *http.Request) <-chan struct{} {
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if srv == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.servers[srv]; ok {
		return ch
	}
	if s.servers == nil {
		s.servers = map[*http.Server]chan struct{}{}
	}
	ch := make(chan struct{})
	s.servers[srv] = ch
	srv.RegisterOnShutdown(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.servers, srv)
		close(ch)
	})
	return ch
}

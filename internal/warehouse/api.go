package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/sites"
)

// SiteGetter returns a site of a workspace (sites.ErrNotFound otherwise).
type SiteGetter interface {
	Get(ctx context.Context, workspaceID, siteID string) (*sites.Site, error)
	Find(ctx context.Context, idOrDomain string) (*sites.Site, error)
}

// Handler serves the live event stream.
type Handler struct {
	loader *Loader
	auth   *auth.Service
	sites  SiteGetter
	logger *slog.Logger
	// Heartbeat is how often an idle stream sends a comment line so proxies
	// keep the connection open.
	Heartbeat time.Duration
}

// NewHandler returns the handler.
func NewHandler(l *Loader, a *auth.Service, s SiteGetter, logger *slog.Logger) *Handler {
	return &Handler{loader: l, auth: a, sites: s, logger: logger, Heartbeat: 15 * time.Second}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/events/live", h.auth.RequireKey(auth.ScopeRead, auth.DenyJSON, http.HandlerFunc(h.streamLive)))
}

// liveEvent is one event as the live stream sends it.
type liveEvent struct {
	Seq       uint64            `json:"seq"`
	ID        string            `json:"id"`
	Kind      string            `json:"kind"`
	Name      string            `json:"name"`
	Time      time.Time         `json:"timestamp"`
	VisitorID string            `json:"visitor_id"`
	Path      string            `json:"pathname,omitempty"`
	Source    string            `json:"source,omitempty"`
	Channel   string            `json:"channel,omitempty"`
	Country   string            `json:"country,omitempty"`
	Device    string            `json:"device,omitempty"`
	Browser   string            `json:"browser,omitempty"`
	Props     map[string]string `json:"props,omitempty"`
}

// streamLive answers GET /api/v1/events/live?site_id=… with Server-Sent
// Events: one `event: <kind>` message per event of the site as soon as the
// warehouse holds it (so it is also queryable), and a comment line every
// Heartbeat while idle. site_id is the site's id or domain; the site must
// belong to the key's workspace.
func (h *Handler) streamLive(w http.ResponseWriter, r *http.Request) {
	a := auth.AccessFrom(r.Context())
	key := r.URL.Query().Get("site_id")
	if key == "" {
		httpx.WriteError(w, r, h.logger, httpx.Errorf(http.StatusBadRequest, "query parameter site_id is required"))
		return
	}
	site, err := h.sites.Find(r.Context(), key)
	if err == nil && site.WorkspaceID != a.Workspace.ID {
		err = sites.ErrNotFound
	}
	if err != nil {
		if errors.Is(err, sites.ErrNotFound) {
			err = httpx.Errorf(http.StatusNotFound, "no site %q in this workspace", key)
		}
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		httpx.WriteError(w, r, h.logger, errors.New("response writer cannot stream"))
		return
	}
	ch, cancel := h.loader.Subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, ": live events of %s from seq %d\n\n", site.Domain, h.loader.LastSeq())
	flusher.Flush()
	// An SSE stream has no write deadline: clear the server's.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	tick := time.NewTicker(h.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case batch := <-ch:
			wrote := false
			for i := range batch.Events {
				e := &batch.Events[i]
				if e.SiteID != site.ID {
					continue
				}
				b, err := json.Marshal(liveEvent{Seq: batch.Seq, ID: e.ID, Kind: string(e.Kind), Name: e.Name, Time: e.Time,
					VisitorID: e.VisitorID, Path: e.Path, Source: e.Source, Channel: e.Channel, Country: e.Country,
					Device: e.Device, Browser: e.Browser, Props: e.Props})
				if err != nil {
					continue
				}
				if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Kind, b); err != nil {
					return
				}
				wrote = true
			}
			if wrote {
				flusher.Flush()
			}
		}
	}
}

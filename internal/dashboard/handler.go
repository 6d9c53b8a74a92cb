// Package dashboard serves a site's analytics dashboard: the page (KPIs,
// the main chart and breakdown panels, all driven by the stats query API
// from the browser), CSV export of any stats query, and the realtime view
// with its Server-Sent Events stream.
package dashboard

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/ui"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/stats"
	"github.com/mopshq/mops/internal/warehouse"
)

// Templates holds the slice's views.
//
//go:embed templates
var Templates embed.FS

// SiteGetter finds the sites of a workspace.
type SiteGetter interface {
	Get(ctx context.Context, workspaceID, siteID string) (*sites.Site, error)
	List(ctx context.Context, workspaceID string) ([]sites.Site, error)
}

// Batches tells which events the warehouse has just committed
// (warehouse.Loader).
type Batches interface {
	Subscribe() (ch <-chan warehouse.Loaded, cancel func())
}

// Options are what the handler needs.
type Options struct {
	Auth   *auth.Service
	Sites  SiteGetter
	Stats  *stats.Service
	Loader Batches
	DB     *db.DB
	UI     *ui.Renderer
	Logger *slog.Logger
}

// Handler serves the dashboard pages, CSV export and the realtime stream.
type Handler struct {
	auth   *auth.Service
	sites  SiteGetter
	stats  *stats.Service
	loader Batches
	store  *store
	ui     *ui.Renderer
	logger *slog.Logger

	// Heartbeat is how often a realtime stream sends a comment line, so
	// proxies keep an idle connection open.
	Heartbeat time.Duration
	// MinUpdateGap is the least time between two realtime updates of one
	// stream: batches that come faster are folded into one update.
	MinUpdateGap time.Duration

	shutdown shutdownWatch
}

// NewHandler returns the handler; it fails when the slice's SQL does not
// load.
func NewHandler(o Options) (*Handler, error) {
	st, err := newStore(o.DB)
	if err != nil {
		return nil, err
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{auth: o.Auth, sites: o.Sites, stats: o.Stats, loader: o.Loader, store: st, ui: o.UI, logger: logger,
		Heartbeat: 15 * time.Second, MinUpdateGap: 500 * time.Millisecond}, nil
}

// Nav lists the slice's entry of the workspace navigation: the dashboard
// of the workspace's first site.
func Nav() []ui.NavItem {
	return []ui.NavItem{{Label: "Dashboard", Path: "/dashboard", Perm: auth.PermView, Group: "Analytics"}}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	page := func(f http.HandlerFunc) http.Handler { return h.auth.RequireMember(auth.PermView, h.ui.Deny, f) }
	mux.Handle("GET /w/{ws}/dashboard", page(h.showFirstDashboard))
	mux.Handle("GET /w/{ws}/sites/{site}/dashboard", page(h.showDashboardPage))
	mux.Handle("GET /w/{ws}/sites/{site}/export.csv", page(h.exportCSV))
	mux.Handle("GET /w/{ws}/sites/{site}/realtime", page(h.showRealtimePage))
	mux.Handle("GET /w/{ws}/sites/{site}/realtime/stream", h.auth.RequireMember(auth.PermView, denyStream, http.HandlerFunc(h.streamRealtime)))
}

// site returns the site of the request's path within its workspace.
func (h *Handler) site(r *http.Request) (*sites.Site, error) {
	return h.sites.Get(r.Context(), auth.AccessFrom(r.Context()).Workspace.ID, r.PathValue("site"))
}

// pageError answers a page request that failed.
func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, sites.ErrNotFound) {
		h.ui.Deny(w, r, http.StatusNotFound)
		return
	}
	if r.Context().Err() != nil {
		return // the browser went away
	}
	h.logger.Error("dashboard page failed", "request.path", r.URL.Path, "error", err)
	h.ui.Deny(w, r, http.StatusInternalServerError)
}

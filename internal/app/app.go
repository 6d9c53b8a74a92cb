package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/mopshq/mops/internal/collect"
	"github.com/mopshq/mops/internal/collect/geo"
	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/goals"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/datadir"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/report"
	"github.com/mopshq/mops/internal/sharing"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/warehouse"
)

// Store is the data directory opened for writing: the lock, the migrated
// warehouse and the services on it. The CLI uses a Store on its own when
// no server holds the directory.
type Store struct {
	Dir    datadir.Dir
	DB     *db.DB
	Auth   *auth.Service
	Sites  *sites.Service
	Goals  *goals.Service
	Links  *sharing.Service
	CRM    *crm.Service
	Secret []byte

	lock *datadir.Lock
}

// OpenStore takes the data directory's lock, opens the warehouse and applies
// pending migrations. A directory held by another process is refused with
// an error wrapping datadir.ErrLocked; one written by a newer mops with
// db.ErrNewerSchema.
func OpenStore(ctx context.Context, dataDir string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dir := datadir.Dir{Path: dataDir}
	lock, err := dir.Acquire()
	if err != nil {
		return nil, err
	}
	s := &Store{Dir: dir, lock: lock}
	if err := s.open(ctx, logger); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context, logger *slog.Logger) error {
	var err error
	if s.Secret, err = s.Dir.Secret(); err != nil {
		return err
	}
	if s.DB, err = db.Open(ctx, s.Dir.DatabaseFile()); err != nil {
		return err
	}
	n, err := s.DB.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Dir.DatabaseFile(), err)
	}
	if n > 0 {
		logger.Info("applied migrations", "count", n)
	}
	if s.Auth, err = auth.NewService(s.DB, logger); err != nil {
		return err
	}
	if s.Sites, err = sites.NewService(s.DB, s.Auth); err != nil {
		return err
	}
	s.Goals = goals.NewService(s.DB, s.Auth)
	s.Links = sharing.NewService(s.DB, s.Auth, s.Secret)
	if s.CRM, err = crm.NewService(s.DB, s.Auth, s.Auth); err != nil {
		return err
	}
	return nil
}

// Close closes the warehouse and releases the lock.
func (s *Store) Close() error {
	var errs []error
	if s.DB != nil {
		errs = append(errs, s.DB.Close())
	}
	errs = append(errs, s.lock.Release())
	return errors.Join(errs...)
}

// App is a running mops node: the store, the event log and the HTTP
// handler.
type App struct {
	*Store
	Config  Config
	Logger  *slog.Logger
	Log     *eventlog.Log
	Metrics *prometheus.Registry
	Loader  *warehouse.Loader
	Collect *collect.Service
	Geo     *geo.DB
	Digests *report.Service

	handler      http.Handler
	loader       loaderRun
	identityStop func()
	loginBackoff *httpx.Backoff
	shareBackoff *httpx.Backoff // wrong passwords of shared links
}

// Open opens everything a server needs. Close releases it in reverse order.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, cfg.Data, logger)
	if err != nil {
		return nil, err
	}
	if err := tuneWarehouse(ctx, st.DB, cfg); err != nil {
		_ = st.Close()
		return nil, err
	}
	a := &App{Store: st, Config: cfg, Logger: logger, Metrics: prometheus.NewRegistry()}
	a.Log, err = eventlog.Open(ctx, eventlog.Config{Dir: st.Dir.LogDir(), URL: cfg.NATSURL, Listen: cfg.NATSListen,
		Logger: logger.With("component", "eventlog")})
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if a.Loader, err = warehouse.NewLoader(st.DB, a.Log, logger.With("component", "loader")); err != nil {
		_ = a.Close(ctx)
		return nil, err
	}
	if err := a.Loader.Register(a.Metrics); err != nil {
		_ = a.Close(ctx)
		return nil, err
	}
	if cfg.GeoIP != "" {
		if a.Geo, err = geo.Open(cfg.GeoIP); err != nil {
			_ = a.Close(ctx)
			return nil, fmt.Errorf("--geoip: %w", err)
		}
		logger.Info("geoip database loaded", "file", cfg.GeoIP, "database", a.Geo.Description())
	}
	if a.Collect, err = collect.NewService(collect.Options{DB: st.DB, Sites: st.Sites, Log: a.Log, Geo: a.Geo,
		Logger: logger.With("component", "collect"), Metrics: a.Metrics}); err != nil {
		_ = a.Close(ctx)
		return nil, err
	}
	if a.Digests, err = report.NewService(report.Options{DB: st.DB, Sites: st.Sites, Audit: st.Auth, SMTPURL: cfg.SMTPURL,
		From: cfg.SMTPFrom, BaseURL: cfg.BaseURL, Logger: logger.With("component", "digests"),
		Ready: func(ctx context.Context) bool { s := a.loaderStatus(ctx); return s.Loaded >= s.Last }}); err != nil {
		_ = a.Close(ctx)
		return nil, err
	}
	if a.handler, err = a.routes(); err != nil {
		_ = a.Close(ctx)
		return nil, err
	}
	a.Digests.Start()
	a.startIdentity()
	return a, nil
}

// Handler is the whole HTTP interface.
func (a *App) Handler() http.Handler { return a.handler }

// Close drains and closes the event log, then the store.
func (a *App) Close(ctx context.Context) error {
	if a.Digests != nil {
		a.Digests.Stop()
	}
	if a.identityStop != nil {
		a.identityStop()
	}
	var errs []error
	if a.Log != nil {
		errs = append(errs, a.Log.Close(ctx))
	}
	if a.Geo != nil {
		errs = append(errs, a.Geo.Close())
	}
	errs = append(errs, a.Store.Close())
	return errors.Join(errs...)
}

// tuneWarehouse applies the DuckDB settings of the configuration: its
// share of the memory limit, and its threads (one per core unless set: a
// report is as fast as the cores allow, and collection, a few milliseconds
// per request, still gets its turn from the operating system).
func tuneWarehouse(ctx context.Context, d *db.DB, cfg Config) error {
	threads := cfg.Threads
	if threads == 0 {
		threads = runtime.NumCPU()
	}
	settings := []string{fmt.Sprintf("SET threads = %d", threads)}
	if mb := cfg.DuckDBMemoryMB(); mb > 0 {
		settings = append(settings, fmt.Sprintf("SET memory_limit = '%dMB'", mb))
	}
	for _, s := range settings {
		if _, err := d.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("warehouse settings: %s: %w", s, err)
		}
	}
	return nil
}

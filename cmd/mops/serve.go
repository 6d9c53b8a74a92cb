package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/sim"
)

func newServeCmd(e *env) *cobra.Command {
	cfg := app.Defaults()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the mops server (web UI, API, collection) on one data dir",
		Long: `Run the mops server. It opens (creating on first run) the data dir, applies
database migrations, starts the embedded event log (or connects to --nats-url)
and serves HTTP. It logs "listening on http://HOST:PORT" when ready.
Every flag can also be set with its MOPS_* environment variable.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Data = e.data
			cfg.Version = version()
			return serve(cmd.Context(), e, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", cfg.Addr, "HTTP listen address host:port (env MOPS_ADDR)")
	f.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "public URL, e.g. https://mops.example.com; https makes cookies Secure (env MOPS_BASE_URL)")
	f.StringVar(&cfg.NATSURL, "nats-url", cfg.NATSURL, "external NATS server URL(s); empty runs an embedded one (env MOPS_NATS_URL)")
	f.StringVar(&cfg.NATSListen, "nats-listen", cfg.NATSListen, "also expose the embedded NATS on host:port (env MOPS_NATS_LISTEN)")
	f.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "log format: text or json (env MOPS_LOG_FORMAT)")
	f.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log level: debug, info, warn, error (env MOPS_LOG_LEVEL)")
	f.StringVar(&cfg.TrustedProxies, "trusted-proxies", cfg.TrustedProxies, "CIDRs of proxies whose X-Forwarded-For is trusted, comma separated (env MOPS_TRUSTED_PROXIES)")
	f.IntVar(&cfg.RateLimitIP, "rate-limit-ip", cfg.RateLimitIP, "collection requests per second per client IP, bursts of twice that; 0 turns it off (env MOPS_RATE_LIMIT_IP)")
	f.StringVar(&cfg.GeoIP, "geoip", cfg.GeoIP, "MaxMind or DB-IP .mmdb file for visitor country, region and city (env MOPS_GEOIP)")
	f.IntVar(&cfg.MemoryLimitMB, "memory-limit-mb", cfg.MemoryLimitMB, "memory the server aims to stay within, in MB: 1/4 for DuckDB, 1/2 for the Go heap (a soft limit); 0 = no limit (env MOPS_MEMORY_LIMIT_MB)")
	f.IntVar(&cfg.StatsCache, "stats-cache", cfg.StatsCache, "stats answers kept in memory until the next load of events; 0 = no cache (env MOPS_STATS_CACHE)")
	f.IntVar(&cfg.Threads, "threads", cfg.Threads, "threads DuckDB runs a query or load on; 0 = one per core (env MOPS_THREADS)")
	f.StringVar(&cfg.SMTPURL, "smtp-url", cfg.SMTPURL, "mail server for digest emails, smtp://user:pass@host:587 (STARTTLS) or smtps://…; empty = no sending (env MOPS_SMTP_URL)")
	f.StringVar(&cfg.SMTPFrom, "smtp-from", cfg.SMTPFrom, "sender address of digest emails (env MOPS_SMTP_FROM)")
	f.BoolVar(&cfg.Demo, "demo", false, "create (once) and show the demo company with a demo login")
	return cmd
}

func serve(ctx context.Context, e *env, cfg app.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	logger := app.NewLogger(cfg, e.stderr)
	if limit := cfg.GoMemoryLimit(); limit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := a.Close(context.Background()); err != nil {
			logger.Error("close", "error", err)
		}
		logger.Info("stopped")
	}()
	if cfg.Demo {
		t, err := sim.Ensure(ctx, sim.Deps{Auth: a.Auth, Sites: a.Sites, Goals: a.Goals, CRM: a.CRM, DataDir: cfg.Data})
		if err != nil {
			return err
		}
		if t.Created {
			logger.Info("demo company created", "workspace", t.WorkspaceID, "sites", len(t.Sites))
		}
		fmt.Fprintf(e.stdout, "demo login: %s / %s\n", t.Email, t.Password)
		done := make(chan struct{})
		go func() { loadDemoTraffic(ctx, a, t, logger); close(done) }()
		defer func() { <-done }() // before the App closes (deferred earlier)
	}
	return a.Serve(ctx, func(addr string) {
		host, port, _ := net.SplitHostPort(addr)
		if h, _, _ := net.SplitHostPort(cfg.Addr); h != "" {
			host = h
		}
		logger.Info(fmt.Sprintf("listening on http://%s", net.JoinHostPort(host, port)))
	})
}

// loadDemoTraffic fills the demo company's sites with 90 days of traffic in
// the background (once), logging progress, while the server already serves.
func loadDemoTraffic(ctx context.Context, a *app.App, t *sim.Truth, logger *slog.Logger) {
	lastPct := -1
	start := time.Now()
	truth, err := sim.LoadDemoTraffic(ctx, sim.Deps{Auth: a.Auth, Sites: a.Sites, Goals: a.Goals, CRM: a.CRM, DataDir: a.Config.Data}, t, a.Handler(),
		func(sent, total int) {
			if pct := sent * 100 / max(total, 1); pct/10 != lastPct/10 {
				lastPct = pct
				logger.Info("loading demo traffic", "percent", pct, "events", sent, "of", total)
			}
		})
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Error("demo traffic", "error", err)
	case truth != nil:
		logger.Info("demo traffic loaded", "visits", truth.Visits, "events", truth.Events, "seconds", int(time.Since(start).Seconds()))
	}
}

// Package app wires mops together: configuration, the data directory, the
// warehouse, the event log, every slice's service and handler, the HTTP
// server with its middleware, and the admin socket CLI commands use while
// a server runs.
package app

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/report"
)

// Config is the whole configuration of a mops process: defaults, then
// MOPS_* environment variables, then flags (the CLI layers them).
type Config struct {
	Data           string // data directory
	Addr           string // HTTP listen address host:port
	BaseURL        string // public URL, e.g. https://mops.example.com
	NATSURL        string // external NATS; "" = embedded
	NATSListen     string // expose the embedded NATS on host:port; "" = no port
	LogFormat      string // text or json
	LogLevel       string // debug, info, warn, error
	TrustedProxies string // CIDRs whose X-Forwarded-For is believed
	RateLimitIP    int    // collection requests per second per client IP; 0 = off
	GeoIP          string // MaxMind/DB-IP .mmdb file for visitor locations; "" = none
	MemoryLimitMB  int    // memory the server aims to stay within, split between DuckDB and Go; 0 = no limit
	StatsCache     int    // stats answers kept until the next load; 0 = no cache
	Threads        int    // DuckDB worker threads; 0 = one per core
	Demo           bool   // create and load the demo company
	SMTPURL        string // mail server for digest emails: smtp://user:pass@host:587 or smtps://…; "" = sending off
	SMTPFrom       string // sender address of digest emails
	Version        string

	trusted []netip.Prefix
}

// Env returns the value of the MOPS_ variable for a flag name
// ("base-url" → MOPS_BASE_URL), or def.
func Env(flag, def string) string {
	if v, ok := os.LookupEnv("MOPS_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))); ok {
		return v
	}
	return def
}

// Defaults returns the configuration before flags: built-in defaults
// overridden by MOPS_* environment variables.
func Defaults() Config {
	return Config{
		Data:           Env("data", "./mops-data"),
		Addr:           Env("addr", "127.0.0.1:8080"),
		BaseURL:        Env("base-url", ""),
		NATSURL:        Env("nats-url", ""),
		NATSListen:     Env("nats-listen", ""),
		LogFormat:      Env("log-format", "text"),
		LogLevel:       Env("log-level", "info"),
		TrustedProxies: Env("trusted-proxies", ""),
		RateLimitIP:    envInt("rate-limit-ip", 100),
		GeoIP:          Env("geoip", ""),
		MemoryLimitMB:  envInt("memory-limit-mb", 448),
		StatsCache:     envInt("stats-cache", 512),
		Threads:        envInt("threads", 0),
		SMTPURL:        Env("smtp-url", ""),
		SMTPFrom:       Env("smtp-from", ""),
	}
}

// envInt is Env for a whole number; an unparsable value keeps def and is
// reported by Validate through the flag's own parsing.
func envInt(flag string, def int) int {
	if v, err := strconv.Atoi(Env(flag, strconv.Itoa(def))); err == nil {
		return v
	}
	return def
}

// Validate checks the configuration once, naming the first bad setting.
func (c *Config) Validate() error {
	if strings.TrimSpace(c.Data) == "" {
		return fmt.Errorf("--data must name a directory")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q is not host:port: %w", c.Addr, err)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--base-url %q must be an absolute http(s) URL", c.BaseURL)
		}
	}
	if c.NATSListen != "" {
		if _, _, err := net.SplitHostPort(c.NATSListen); err != nil {
			return fmt.Errorf("--nats-listen %q is not host:port: %w", c.NATSListen, err)
		}
		if c.NATSURL != "" {
			return fmt.Errorf("--nats-listen applies to the embedded server; it cannot be combined with --nats-url")
		}
	}
	if c.StatsCache < 0 {
		return fmt.Errorf("--stats-cache must be 0 (off) or a number of answers to keep, not %d", c.StatsCache)
	}
	if c.Threads < 0 {
		return fmt.Errorf("--threads must be 0 (one per core) or a positive number of threads, not %d", c.Threads)
	}
	if c.RateLimitIP < 0 {
		return fmt.Errorf("--rate-limit-ip must be 0 (off) or a positive number of requests per second, not %d", c.RateLimitIP)
	}
	if c.MemoryLimitMB != 0 && c.MemoryLimitMB < 128 {
		return fmt.Errorf("--memory-limit-mb must be 0 (no limit) or at least 128, not %d", c.MemoryLimitMB)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.SMTPURL != "" {
		if _, err := report.NewSMTP(c.SMTPURL, c.SMTPFrom); err != nil {
			return fmt.Errorf("--smtp-url (MOPS_SMTP_URL), --smtp-from (MOPS_SMTP_FROM): %w", err)
		}
	}
	p, err := httpx.ParsePrefixes(c.TrustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	c.trusted = p
	return nil
}

// SecureCookies reports whether cookies must be marked Secure.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

// NewLogger builds the process logger from the configuration.
func NewLogger(c Config, w io.Writer) *slog.Logger {
	level, err := parseLevel(c.LogLevel)
	if err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// DuckDBMemoryMB is the part of MemoryLimitMB given to DuckDB's buffer
// manager: a quarter (0: DuckDB's default, 80% of the machine's memory).
// It is the smallest share because DuckDB uses more than it: its
// allocator's caches and what the buffer manager does not track came to
// about 100MB more under the ingestion benchmark's load.
func (c *Config) DuckDBMemoryMB() int { return c.MemoryLimitMB / 4 }

// GoMemoryLimit is the soft limit for the Go heap, in bytes (0: none):
// half of MemoryLimitMB. The rest is for the binary (about 70MB of it
// resident), DuckDB's memory beyond its limit, stacks and buffers.
func (c *Config) GoMemoryLimit() int64 { return int64(c.MemoryLimitMB) << 20 / 2 }

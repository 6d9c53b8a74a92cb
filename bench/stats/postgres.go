package main

import (
	"context"
	"crypto/md5"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgSchemaVersion changes whenever the tables below change, so a cluster
// kept between runs is loaded again.
const pgSchemaVersion = 1

// The tables of a Postgres-based analytics tool (Umami's shape): one row
// per visit with the dimensions of its first event, one row per pageview
// or custom event. Ids are UUIDs, as such tools keep them. The indexes are
// created after the load, as the tool's migrations would have them.
const (
	pgCreateSession = `CREATE TABLE session (
    session_id   uuid NOT NULL,          -- the visit
    website_id   uuid NOT NULL,
    visitor_id   uuid NOT NULL,
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz NOT NULL,
    hostname     text NOT NULL,
    entry_page   text NOT NULL,
    exit_page    text NOT NULL,
    referrer     text NOT NULL,
    source       text NOT NULL,
    channel      text NOT NULL,
    utm_source   text NOT NULL,
    utm_medium   text NOT NULL,
    utm_campaign text NOT NULL,
    utm_term     text NOT NULL,
    utm_content  text NOT NULL,
    browser      text NOT NULL,
    os           text NOT NULL,
    device       text NOT NULL,
    country      text NOT NULL,
    region       text NOT NULL,
    city         text NOT NULL,
    pageviews    integer NOT NULL,
    events       integer NOT NULL,
    is_bounce    boolean NOT NULL,
    duration     integer NOT NULL        -- seconds from the first to the last event
)`
	pgCreateEvent = `CREATE TABLE website_event (
    event_id        uuid NOT NULL,
    website_id      uuid NOT NULL,
    session_id      uuid NOT NULL,       -- the visit
    visitor_id      uuid NOT NULL,
    created_at      timestamptz NOT NULL,
    hostname        text NOT NULL,
    url_path        text NOT NULL,
    referrer_domain text NOT NULL,
    referrer_path   text NOT NULL,
    event_type      integer NOT NULL,    -- 1 pageview, 2 custom event
    event_name      text NOT NULL
)`
)

var pgSessionIndexes = []string{
	`ALTER TABLE session ADD PRIMARY KEY (session_id)`,
	`CREATE INDEX session_website_id_started_at_idx ON session (website_id, started_at)`,
}

var pgEventIndexes = []string{
	`ALTER TABLE website_event ADD PRIMARY KEY (event_id)`,
	`CREATE INDEX website_event_website_id_created_at_idx ON website_event (website_id, created_at)`,
	`CREATE INDEX website_event_session_id_idx ON website_event (session_id)`,
	`CREATE INDEX website_event_website_id_created_at_url_path_idx ON website_event (website_id, created_at, url_path)`,
	`CREATE INDEX website_event_website_id_created_at_event_name_idx ON website_event (website_id, created_at, event_name)`,
}

// pgInfo describes the PostgreSQL side for the report.
type pgInfo struct {
	Version      string
	Settings     [][2]string
	SessionRows  int64
	EventRows    int64
	SessionMB    float64 // table and indexes
	EventMB      float64
	LoadSeconds  float64 // export, COPY, indexes, VACUUM ANALYZE
	CopySeconds  float64
	IndexSeconds float64
	Reused       bool
}

// pgBench is the open PostgreSQL side: one connection per dashboard
// panel (the first also runs the sequential queries).
type pgBench struct {
	conns []*pgx.Conn
	info  pgInfo
}

func (p *pgBench) Close() {
	for _, c := range p.conns {
		_ = c.Close(context.Background())
	}
}

func uuidOf(s string) [16]byte { return md5.Sum([]byte(s)) }

// connectPG connects, waiting up to 30 s for a server that is starting.
func connectPG(ctx context.Context, dsn string) (*pgx.Conn, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := pgx.Connect(ctx, dsn)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// preparePostgres loads the data set into PostgreSQL (unless the cluster
// already holds this very data set) and opens the benchmark's
// connections.
func preparePostgres(ctx context.Context, dsn string, ds *dataset) (*pgBench, error) {
	pb := &pgBench{}
	for range 7 {
		c, err := connectPG(ctx, dsn)
		if err != nil {
			pb.Close()
			return nil, err
		}
		pb.conns = append(pb.conns, c)
	}
	c := pb.conns[0]
	fingerprint := fmt.Sprintf("v%d|%s|%d|%d", pgSchemaVersion, ds.Meta.GeneratedAt.Format(time.RFC3339Nano), ds.Meta.Events, ds.Meta.Visits)
	var have string
	err := c.QueryRow(ctx, `SELECT fingerprint FROM bench_meta`).Scan(&have)
	var pgErr *pgconn.PgError
	switch {
	case err == nil && have == fingerprint:
		pb.info.Reused = true
		logf("PostgreSQL already holds this data set")
	case err == nil, errors.Is(err, pgx.ErrNoRows), errors.As(err, &pgErr) && pgErr.Code == "42P01": // undefined_table
		if err := loadPostgres(ctx, pb, ds, fingerprint); err != nil {
			pb.Close()
			return nil, err
		}
	default:
		pb.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := c.QueryRow(ctx, `SELECT version()`).Scan(&pb.info.Version); err != nil {
		pb.Close()
		return nil, err
	}
	for _, name := range []string{"shared_buffers", "effective_cache_size", "work_mem", "max_parallel_workers_per_gather", "max_parallel_workers", "jit", "random_page_cost"} {
		var v string
		if err := c.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
			pb.Close()
			return nil, err
		}
		pb.info.Settings = append(pb.info.Settings, [2]string{name, v})
	}
	var sb, eb int64
	err = c.QueryRow(ctx, `SELECT (SELECT count(*) FROM session), (SELECT count(*) FROM website_event),
		pg_total_relation_size('session'), pg_total_relation_size('website_event')`).Scan(
		&pb.info.SessionRows, &pb.info.EventRows, &sb, &eb)
	if err != nil {
		pb.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pb.info.SessionMB, pb.info.EventMB = mb(sb), mb(eb)
	return pb, nil
}

// loadPostgres copies the site's visits and events from the warehouse
// file (opened read-only; no server may hold it) into fresh tables, builds
// the indexes and analyzes the tables.
func loadPostgres(ctx context.Context, pb *pgBench, ds *dataset, fingerprint string) error {
	start := time.Now()
	c := pb.conns[0]
	for _, q := range []string{`DROP TABLE IF EXISTS bench_meta, website_event, session`} {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
	}
	duck, err := sql.Open("duckdb", ds.duckdbPath()+"?access_mode=READ_ONLY")
	if err != nil {
		return fmt.Errorf("open %s: %w", ds.duckdbPath(), err)
	}
	defer duck.Close()
	var siteID string
	if err := duck.QueryRowContext(ctx, `SELECT id FROM sites WHERE domain = ?`, ds.Meta.Domain).Scan(&siteID); err != nil {
		return fmt.Errorf("warehouse: site %s: %w", ds.Meta.Domain, err)
	}
	logf("copying visits and events from %s into PostgreSQL", ds.duckdbPath())
	var nSessions, nEvents atomic.Int64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				logf("copied %s visits, %s events", thousands(int(nSessions.Load())), thousands(int(nEvents.Load())))
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = copySessions(ctx, duck, pb.conns[0], siteID, ds.Meta.End, &nSessions) })
	wg.Go(func() { errs[1] = copyEvents(ctx, duck, pb.conns[1], siteID, ds.Meta.End, &nEvents) })
	wg.Wait()
	close(done)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	pb.info.CopySeconds = time.Since(start).Seconds()
	logf("copied %s visits and %s events in %s; building indexes", thousands(int(nSessions.Load())), thousands(int(nEvents.Load())),
		time.Since(start).Round(time.Second))
	if int(nSessions.Load()) != ds.Meta.Visits || int(nEvents.Load()) != ds.Meta.Events {
		return fmt.Errorf("MISMATCH: the warehouse gave %d visits and %d events of the data set's period, the simulator sent %d and %d",
			nSessions.Load(), nEvents.Load(), ds.Meta.Visits, ds.Meta.Events)
	}
	ixStart := time.Now()
	wg.Go(func() { errs[0] = execAll(ctx, pb.conns[0], append(pgSessionIndexes, `VACUUM (ANALYZE) session`)) })
	wg.Go(func() { errs[1] = execAll(ctx, pb.conns[1], append(pgEventIndexes, `VACUUM (ANALYZE) website_event`)) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	pb.info.IndexSeconds = time.Since(ixStart).Seconds()
	if err := execAll(ctx, c, []string{`CHECKPOINT`, `CREATE TABLE bench_meta (fingerprint text NOT NULL)`}); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, `INSERT INTO bench_meta VALUES ($1)`, fingerprint); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	pb.info.LoadSeconds = time.Since(start).Seconds()
	logf("PostgreSQL loaded in %s (indexes and VACUUM ANALYZE %s)", time.Since(start).Round(time.Second), time.Since(ixStart).Round(time.Second))
	return nil
}

func execAll(ctx context.Context, c *pgx.Conn, stmts []string) error {
	for _, q := range stmts {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: %s: %w", strings.SplitN(q, "\n", 2)[0], err)
		}
	}
	return nil
}

// copyInto creates a table and fills it with COPY in one transaction
// (with wal_level = minimal the rows then skip the write-ahead log).
func copyInto(ctx context.Context, c *pgx.Conn, create, table string, cols []string, next func() ([]any, error)) error {
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, create); err != nil {
		return fmt.Errorf("postgres: create %s: %w", table, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(next)); err != nil {
		return fmt.Errorf("postgres: copy into %s: %w", table, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

func copySessions(ctx context.Context, duck *sql.DB, c *pgx.Conn, siteID string, end time.Time, n *atomic.Int64) error {
	rows, err := duck.QueryContext(ctx, `SELECT visit_id, visitor_id, started_at, ended_at, hostname, entry_page, exit_page,
		referrer, source, channel, utm_source, utm_medium, utm_campaign, utm_term, utm_content, browser, os, device,
		country, region, city, pageviews, events, is_bounce, duration_s
		FROM visits WHERE site_id = ? AND started_at <= ?`, siteID, end)
	if err != nil {
		return fmt.Errorf("warehouse: visits: %w", err)
	}
	defer rows.Close()
	site := uuidOf("site:" + siteDomain)
	cols := []string{"session_id", "website_id", "visitor_id", "started_at", "ended_at", "hostname", "entry_page", "exit_page",
		"referrer", "source", "channel", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "browser", "os",
		"device", "country", "region", "city", "pageviews", "events", "is_bounce", "duration"}
	var (
		visit, visitor                                              string
		started, ended                                              time.Time
		host, entry, exit, ref, source, channel                     string
		us, um, uc, ut, uco, browser, os, device, country, reg, cty string
		pvs, evs, dur                                               int32
		bounce                                                      bool
	)
	err = copyInto(ctx, c, pgCreateSession, "session", cols, func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(&visit, &visitor, &started, &ended, &host, &entry, &exit, &ref, &source, &channel,
			&us, &um, &uc, &ut, &uco, &browser, &os, &device, &country, &reg, &cty, &pvs, &evs, &bounce, &dur); err != nil {
			return nil, fmt.Errorf("warehouse: visits: %w", err)
		}
		n.Add(1)
		return []any{uuidOf(visit), site, uuidOf(visitor), started, ended, host, entry, exit, ref, source, channel,
			us, um, uc, ut, uco, browser, os, device, country, reg, cty, pvs, evs, bounce, dur}, nil
	})
	if err != nil {
		return err
	}
	return rows.Err()
}

func copyEvents(ctx context.Context, duck *sql.DB, c *pgx.Conn, siteID string, end time.Time, n *atomic.Int64) error {
	rows, err := duck.QueryContext(ctx, `SELECT event_id, visit_id, visitor_id, ts, hostname, pathname, referrer, kind, name
		FROM events WHERE site_id = ? AND kind IN ('pageview', 'custom') AND ts <= ?`, siteID, end)
	if err != nil {
		return fmt.Errorf("warehouse: events: %w", err)
	}
	defer rows.Close()
	site := uuidOf("site:" + siteDomain)
	cols := []string{"event_id", "website_id", "session_id", "visitor_id", "created_at", "hostname", "url_path",
		"referrer_domain", "referrer_path", "event_type", "event_name"}
	var (
		id, visit, visitor, host, path, ref, kind, name string
		ts                                              time.Time
	)
	err = copyInto(ctx, c, pgCreateEvent, "website_event", cols, func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(&id, &visit, &visitor, &ts, &host, &path, &ref, &kind, &name); err != nil {
			return nil, fmt.Errorf("warehouse: events: %w", err)
		}
		n.Add(1)
		typ := int32(1)
		if kind == "custom" {
			typ = 2
		}
		refDomain, refPath := splitReferrer(ref)
		return []any{uuidOf(id), site, uuidOf(visit), uuidOf(visitor), ts, host, path, refDomain, refPath, typ, name}, nil
	})
	if err != nil {
		return err
	}
	return rows.Err()
}

// splitReferrer splits a referrer URL into its host and path, as such
// tools store it.
func splitReferrer(ref string) (domain, path string) {
	rest, ok := strings.CutPrefix(ref, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(ref, "http://")
	}
	if !ok {
		return "", ref
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return rest[:i], rest[i:]
	}
	return rest, ""
}

// Package db opens the DuckDB warehouse, applies the embedded numbered
// migrations and loads each slice's named SQL queries.
//
// Migrations live in migrations/NNNN_name.sql, one file per version, applied
// in order, each in its own transaction, and recorded in schema_migrations.
// A database whose recorded version is newer than this binary knows is
// refused: an older mops must not write a schema it does not understand.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ErrNewerSchema means the database was written by a newer mops.
var ErrNewerSchema = errors.New("database was written by a newer version of mops")

// DB is an open warehouse.
type DB struct {
	*sql.DB
	connector *duckdb.Connector
	path      string
}

// checkpointThreshold is how much write-ahead log DuckDB gathers before it
// checkpoints, that is writes the committed changes into the database file
// (DuckDB's default: 16MB). A checkpoint recompresses the partly filled row
// groups the changes went to, whatever their number, so frequent small
// checkpoints cost far more per event than rare large ones: with a loader
// batch of 20,000 events writing about 8MB of log, BenchmarkCommit spends
// 26–29 µs per event on commits and checkpoints with 16MB, 9–13 µs with
// 64MB and 7–8 µs with 96MB. The cost of the larger threshold is memory and
// restart time: changes not yet checkpointed are held by DuckDB's buffer
// manager (within memory_limit, spilling to its temporary directory beyond
// it) and a crash leaves up to this much log to replay on the next start
// (96MB: about 2 seconds). With a memory_limit of 179MB, 96MB spilled
// 10MB; 128MB spilled 44MB and was no faster.
const checkpointThreshold = "96MB"

// Open opens (creating if needed) the DuckDB file at path and applies
// checkpointThreshold. It does not migrate; call Migrate. Threads and the
// memory limit are the caller's to set (the server sets them from its
// configuration).
func Open(ctx context.Context, path string) (*DB, error) {
	c, err := duckdb.NewConnector(path, nil)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	sdb := sql.OpenDB(c)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if _, err := sdb.ExecContext(ctx, "SET GLOBAL checkpoint_threshold = '"+checkpointThreshold+"'"); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open database %s: set checkpoint_threshold: %w", path, err)
	}
	return &DB{DB: sdb, connector: c, path: path}, nil
}

// Path is the database file.
func (d *DB) Path() string { return d.path }

// Close closes the pool and the database, writing a checkpoint so the file
// is complete without its write-ahead log.
func (d *DB) Close() error {
	_, _ = d.Exec("CHECKPOINT")
	err := d.DB.Close()
	if cerr := d.connector.Close(); err == nil {
		err = cerr
	}
	return err
}

// InTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise.
func (d *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// BackupTo writes a transaction-consistent copy of the whole database to a
// new DuckDB file at path.
func (d *DB) BackupTo(ctx context.Context, path string) error {
	conn, err := d.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	var current string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&current); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "ATTACH "+quoteLiteral(path)+" AS mops_backup"); err != nil {
		return fmt.Errorf("backup: attach %s: %w", path, err)
	}
	_, err = conn.ExecContext(ctx, "COPY FROM DATABASE "+quoteIdent(current)+" TO mops_backup")
	if _, derr := conn.ExecContext(ctx, "DETACH mops_backup"); err == nil && derr != nil {
		err = derr
	}
	if err != nil {
		return fmt.Errorf("backup: copy database: %w", err)
	}
	return nil
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

func quoteIdent(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}

// Querier is what *sql.DB and *sql.Tx have in common, so store functions
// can run inside or outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

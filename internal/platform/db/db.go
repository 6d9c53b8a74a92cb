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

// Open opens (creating if needed) the DuckDB file at path. It does not
// migrate; call Migrate.
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

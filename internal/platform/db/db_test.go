package db

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "mops.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestMigrateFreshAndAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTemp(t)
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Fatalf("Migrate applied %d, want %d", n, len(ms))
	}
	if n, err := d.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("second Migrate = %d, %v; want 0, nil", n, err)
	}
	if err := d.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema after Migrate: %v", err)
	}
	var count int
	if err := d.QueryRow("SELECT count(*) FROM users").Scan(&count); err != nil {
		t.Fatalf("users table missing: %v", err)
	}
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTemp(t)
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec("INSERT INTO schema_migrations VALUES (999, 'future', now())"); err != nil {
		t.Fatal(err)
	}
	_, err := d.Migrate(ctx)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "999") {
		t.Fatalf("Migrate on newer db: %v; want ErrNewerSchema naming 999", err)
	}
	if err := d.CheckSchema(ctx); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("CheckSchema on newer db: %v", err)
	}
}

func TestMigrationFailureRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTemp(t)
	ms := []Migration{
		{Version: 1, Name: "ok", SQL: "CREATE TABLE a (x INTEGER)"},
		{Version: 2, Name: "bad", SQL: "CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1)"},
	}
	n, err := d.migrate(ctx, ms)
	if err == nil || n != 1 || !strings.Contains(err.Error(), "0002_bad") {
		t.Fatalf("migrate = %d, %v; want 1 and an error naming 0002_bad", n, err)
	}
	if v, _ := d.SchemaVersion(ctx); v != 1 {
		t.Fatalf("version after failure = %d, want 1", v)
	}
	if _, err := d.Exec("SELECT * FROM b"); err == nil {
		t.Fatal("table b of the failed migration exists; the transaction was not rolled back")
	}
	// Against the binary's real list, a database at version 1 is behind.
	if err := d.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "mops migrate") {
		t.Fatalf("CheckSchema on an old schema: %v; want an error naming mops migrate", err)
	}
}

func TestReadMigrationsRejectsGap(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"m/0001_a.sql": {Data: []byte("SELECT 1")},
		"m/0003_c.sql": {Data: []byte("SELECT 1")},
	}
	if _, err := readMigrations(fsys, "m"); err == nil || !strings.Contains(err.Error(), "0003_c") {
		t.Fatalf("readMigrations with a gap: %v; want an error naming 0003_c", err)
	}
}

func TestLoadQueries(t *testing.T) {
	t.Parallel()
	src := "-- name: get-a\nSELECT 1;\n\n-- name: get-b\nSELECT 2\nFROM x;\n"
	var q struct {
		GetA string `query:"get-a"`
		GetB string `query:"get-b"`
	}
	if err := LoadQueries(src, &q); err != nil {
		t.Fatal(err)
	}
	if q.GetA != "SELECT 1;" || q.GetB != "SELECT 2\nFROM x;" {
		t.Fatalf("LoadQueries = %+v", q)
	}
	var missing struct {
		GetC string `query:"get-c"`
	}
	if err := LoadQueries(src, &missing); err == nil || !strings.Contains(err.Error(), "get-c") {
		t.Fatalf("missing query: %v; want error naming get-c", err)
	}
	var partial struct {
		GetA string `query:"get-a"`
	}
	if err := LoadQueries(src, &partial); err == nil || !strings.Contains(err.Error(), "get-b") {
		t.Fatalf("unused query: %v; want error naming get-b", err)
	}
}

func TestBackupTo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openTemp(t)
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec("INSERT INTO workspaces VALUES ('ws_1', 'Acme', now())"); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.duckdb")
	if err := d.BackupTo(ctx, dst); err != nil {
		t.Fatal(err)
	}
	c, err := Open(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var name string
	if err := c.QueryRow("SELECT name FROM workspaces WHERE id = 'ws_1'").Scan(&name); err != nil || name != "Acme" {
		t.Fatalf("backup copy: name = %q, %v; want Acme", name, err)
	}
	if err := c.CheckSchema(ctx); err != nil {
		t.Fatalf("backup copy schema: %v", err)
	}
}

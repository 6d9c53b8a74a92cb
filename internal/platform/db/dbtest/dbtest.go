// Package dbtest opens fresh, migrated DuckDB databases for tests.
package dbtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mopshq/mops/internal/platform/db"
)

// Open returns a migrated database in a new file under t.TempDir(), closed
// when the test ends.
func Open(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "mops.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

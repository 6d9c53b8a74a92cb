package app

import (
	"strings"
	"testing"
)

func TestMemoryLimitSplit(t *testing.T) {
	t.Parallel()
	c := Defaults()
	c.MemoryLimitMB = 1000
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.DuckDBMemoryMB(); got != 250 {
		t.Errorf("DuckDB share of 1000 MB = %d MB, want 250", got)
	}
	if got := c.GoMemoryLimit(); got != 500<<20 {
		t.Errorf("Go limit of 1000 MB = %d bytes, want %d", got, 500<<20)
	}
	c.MemoryLimitMB = 0
	if err := c.Validate(); err != nil || c.DuckDBMemoryMB() != 0 || c.GoMemoryLimit() != 0 {
		t.Errorf("no limit: %v, DuckDB %d, Go %d; want valid and 0, 0", err, c.DuckDBMemoryMB(), c.GoMemoryLimit())
	}
	for _, bad := range []int{-1, 64} {
		c.MemoryLimitMB = bad
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--memory-limit-mb") {
			t.Errorf("limit %d: %v, want an error naming --memory-limit-mb", bad, err)
		}
	}
}

package stats

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mopshq/mops/internal/platform/httpx"
)

// TestQueryBeyondTheMemoryLimitIsA503 gives the warehouse too little
// memory for a breakdown of many visitors: the query fails as
// ErrOutOfMemory, which the API answers 503 with advice, and the same
// query succeeds again once the limit is raised.
func TestQueryBeyondTheMemoryLimitIsA503(t *testing.T) {
	svc, site := newFixture(t)
	// 400,000 more visits of 400,000 visitors in the fixture's week.
	if _, err := svc.db.Exec(`INSERT INTO visits SELECT v.* REPLACE ('M' || i AS visit_id, 'm' || i AS visitor_id,
		md5_number_lower('m' || i) AS visitor_key, 'c' || (i % 5000) AS country)
		FROM visits v, range(400000) r(i) WHERE v.visit_id = 'V1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.db.Exec("SET GLOBAL memory_limit = '8MB'"); err != nil {
		t.Fatal(err)
	}
	const query = `{"site_id": "acme.example", "date_range": ["2026-01-01", "2026-01-10"], "metrics": ["visitors"], "dimensions": ["visit:country"]}`
	q, err := ParseQuery(strings.NewReader(query))
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Run(context.Background(), site, q)
	if !errors.Is(err, ErrOutOfMemory) {
		t.Fatalf("with 8MB: err = %v, want ErrOutOfMemory", err)
	}
	he, ok := errors.AsType[*httpx.Error](PublicError(err))
	if !ok || he.Status != http.StatusServiceUnavailable || !strings.Contains(he.Message, "--memory-limit-mb") {
		t.Fatalf("public error = %#v, want a 503 naming --memory-limit-mb", PublicError(err))
	}
	if _, err := svc.db.Exec("SET GLOBAL memory_limit = '1GB'"); err != nil {
		t.Fatal(err)
	}
	if res := run(t, svc, site, query); len(res.Results) < 5000 {
		t.Fatalf("without the limit: %d countries, want at least 5000", len(res.Results))
	}
}

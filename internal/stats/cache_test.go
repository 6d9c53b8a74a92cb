package stats

import (
	"reflect"
	"testing"
)

// TestCacheFollowsLoads: an answer is served from the cache until the
// loader's position moves, then computed again from the warehouse.
func TestCacheFollowsLoads(t *testing.T) {
	svc, site := newFixture(t)
	var version uint64 = 7
	svc.UseCache(2, func() uint64 { return version })
	query := `{"site_id": "acme.example", "metrics": ["visitors"], ` + jan56 + `}`
	first := run(t, svc, site, query)
	if got := rows(first); !reflect.DeepEqual(got, []string{"=2"}) {
		t.Fatalf("first answer %q", got)
	}
	// A visit of a new visitor lands, but the loader has not moved: the
	// cached answer stands (the same answer, not recomputed).
	if _, err := svc.db.Exec(`INSERT INTO visits SELECT * REPLACE ('V9' AS visit_id, 'Z' AS visitor_id, md5_number_lower('Z') AS visitor_key) FROM visits WHERE visit_id = 'V1'`); err != nil {
		t.Fatal(err)
	}
	if again := run(t, svc, site, query); again != first {
		t.Fatalf("not served from the cache: %q", rows(again))
	}
	version++
	fresh := run(t, svc, site, query)
	if got := rows(fresh); !reflect.DeepEqual(got, []string{"=3"}) {
		t.Fatalf("after a load: %q, want the new visitor counted", got)
	}
	// Least recently used answers leave first.
	other := `{"site_id": "acme.example", "metrics": ["visits"], ` + jan56 + `}`
	third := `{"site_id": "acme.example", "metrics": ["pageviews"], ` + jan56 + `}`
	run(t, svc, site, other)
	kept := run(t, svc, site, third)
	if n := svc.cache.len(); n != 2 {
		t.Fatalf("cache holds %d answers, want 2", n)
	}
	if run(t, svc, site, third) != kept {
		t.Error("a recent answer was not kept")
	}
	if run(t, svc, site, query) == fresh {
		t.Error("the least recently used answer was kept")
	}
}

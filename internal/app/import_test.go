package app

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/collect"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/sites"
)

// TestImportAndReprocessOffline drives the operator path the CLI uses on a
// stopped data dir: import access-log hits, then rebuild the tables from
// the log, and get the same visits back.
func TestImportAndReprocessOffline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := OpenStore(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := st.Auth.CreateWorkspace(ctx, auth.CLIActor(), "Acme", nil)
	if _, err := st.Sites.Create(ctx, auth.CLIActor(), ws.ID, sites.Settings{Domain: "shop.example"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	t0 := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	hits := []collect.Hit{
		{IP: "203.0.113.5", Time: t0, Path: "/", Referrer: "https://www.google.com/", UserAgent: chromeUA},
		{IP: "203.0.113.5", Time: t0.Add(2 * time.Minute), Path: "/tents", UserAgent: chromeUA},
		{IP: "203.0.113.5", Time: t0.Add(3 * time.Hour), Path: "/sale", Query: "utm_source=newsletter&utm_medium=email", UserAgent: chromeUA},
		{IP: "203.0.113.6", Time: t0, Path: "/", UserAgent: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"},
	}
	c, err := OpenAdmin(ctx, dir, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := c.Do(ctx, "import.hits", ImportArgs{Site: "shop.example", Salt: "s1", Hits: hits})
	if err != nil {
		t.Fatal(err)
	}
	var res collect.ImportResult
	_ = json.Unmarshal(raw, &res)
	if res.Kept != 3 || res.Bots != 1 {
		t.Fatalf("import result %+v, want 3 kept and 1 bot", res)
	}
	// The same hits again (same run or not): the log drops the duplicates.
	if _, err := c.Do(ctx, "import.hits", ImportArgs{Site: "shop.example", Salt: "s1", Hits: hits}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(ctx, "import.hits", ImportArgs{Site: "nope.example", Salt: "s1", Hits: hits}); err == nil {
		t.Fatal("import into an unknown site succeeded")
	}
	if err := c.Close(); err != nil { // waits until everything is loaded
		t.Fatal(err)
	}

	check := func(when string) {
		t.Helper()
		st, err := OpenStore(ctx, dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var events, visits, bounces int
		var channels string
		if err := st.DB.QueryRow(`SELECT (SELECT count(*) FROM events),
			(SELECT count(*) FROM visits), (SELECT count(*) FILTER (WHERE is_bounce) FROM visits),
			(SELECT string_agg(channel, ',' ORDER BY started_at) FROM visits)`).Scan(&events, &visits, &bounces, &channels); err != nil {
			t.Fatal(err)
		}
		if events != 3 || visits != 2 || bounces != 1 || channels != "Organic Search,Email" {
			t.Fatalf("%s: %d events, %d visits (%d bounces, channels %s); want 3, 2 (1 bounce, Organic Search then Email)",
				when, events, visits, bounces, channels)
		}
	}
	check("after import")

	c, err = OpenAdmin(ctx, dir, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(ctx, "reprocess", struct{}{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	check("after reprocess")
}

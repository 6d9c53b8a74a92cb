package warehouse

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
	"github.com/mopshq/mops/internal/warehouse/event"
)

// writeVisitBatch sessionises evs and writes the visits they touched in a
// transaction of their own, committed when the write succeeds.
func writeVisitBatch(t *testing.T, d *db.DB, st *store, z *sessionizer, now time.Time, evs ...event.Event) error {
	t.Helper()
	ctx := context.Background()
	touched := map[string]*Session{}
	for i := range evs {
		if s := z.add(&evs[i], now); s != nil {
			touched[s.ID] = s
		}
	}
	conn, err := d.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		t.Fatal(err)
	}
	if err := st.writeVisits(ctx, conn, touched, now); err != nil {
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	return nil
}

type storedVisit struct {
	Visitor, Entry, Exit, Source, User string
	Start                              time.Time
	Pageviews, Events                  int
	Duration                           int
	Updated                            time.Time
}

func storedVisits(t *testing.T, d *db.DB) []storedVisit {
	t.Helper()
	rows, err := d.Query(`SELECT visitor_id, entry_page, exit_page, source, user_id, started_at, pageviews, events,
		duration_s, updated_at FROM visits ORDER BY visitor_id, started_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedVisit
	for rows.Next() {
		var v storedVisit
		if err := rows.Scan(&v.Visitor, &v.Entry, &v.Exit, &v.Source, &v.User, &v.Start, &v.Pageviews, &v.Events,
			&v.Duration, &v.Updated); err != nil {
			t.Fatal(err)
		}
		v.Start, v.Updated = v.Start.UTC(), v.Updated.UTC()
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// openStore opens a fresh database and the loader's store on it.
func openStore(t *testing.T) (*db.DB, *store) {
	t.Helper()
	d := dbtest.Open(t)
	st, err := newStore(d)
	if err != nil {
		t.Fatal(err)
	}
	return d, st
}

func TestWriteVisitsKeepsOneCurrentRowPerVisit(t *testing.T) {
	t.Parallel()
	d, st := openStore(t)
	z := newSessionizer()
	// Batch k is written at wall clock w(k).
	w := func(k int) time.Time { return t0.Add(time.Hour + time.Duration(k)*time.Second) }
	late := pv("e5", "v1", "/late", -10*time.Minute)
	late.Source = "Newsletter"
	identify := event.Event{ID: "e6", SiteID: "site_a", Kind: event.KindIdentify, Name: "identify",
		Time: t0.Add(7 * time.Minute), VisitorID: "v1", UserID: "u1"}

	for k, tc := range []struct {
		name    string
		restart bool // restore the sessionizer from the warehouse first
		evs     []event.Event
		want    []storedVisit
	}{
		{name: "new visits are appended", evs: []event.Event{pv("e1", "v1", "/a", 0), pv("e2", "v2", "/a", time.Minute)},
			want: []storedVisit{
				{"v1", "/a", "/a", "Google", "", t0, 1, 1, 0, w(1)},
				{"v2", "/a", "/a", "Google", "", t0.Add(time.Minute), 1, 1, 0, w(1)},
			}},
		{name: "a later event updates its visit", evs: []event.Event{pv("e3", "v1", "/b", 5*time.Minute)},
			want: []storedVisit{
				{"v1", "/a", "/b", "Google", "", t0, 2, 2, 300, w(2)},
				{"v2", "/a", "/a", "Google", "", t0.Add(time.Minute), 1, 1, 0, w(1)},
			}},
		{name: "an event 30 minutes on starts a new visit", evs: []event.Event{pv("e4", "v2", "/c", 40*time.Minute)},
			want: []storedVisit{
				{"v1", "/a", "/b", "Google", "", t0, 2, 2, 300, w(2)},
				{"v2", "/a", "/a", "Google", "", t0.Add(time.Minute), 1, 1, 0, w(1)},
				{"v2", "/c", "/c", "Google", "", t0.Add(40 * time.Minute), 1, 1, 0, w(3)},
			}},
		{name: "a late event moves the start and the dimensions", evs: []event.Event{late},
			want: []storedVisit{
				{"v1", "/late", "/b", "Newsletter", "", t0.Add(-10 * time.Minute), 3, 3, 900, w(4)},
				{"v2", "/a", "/a", "Google", "", t0.Add(time.Minute), 1, 1, 0, w(1)},
				{"v2", "/c", "/c", "Google", "", t0.Add(40 * time.Minute), 1, 1, 0, w(3)},
			}},
		{name: "an identify sets the user of the moved visit", evs: []event.Event{identify},
			want: []storedVisit{
				{"v1", "/late", "/b", "Newsletter", "u1", t0.Add(-10 * time.Minute), 3, 3, 900, w(5)},
				{"v2", "/a", "/a", "Google", "", t0.Add(time.Minute), 1, 1, 0, w(1)},
				{"v2", "/c", "/c", "Google", "", t0.Add(40 * time.Minute), 1, 1, 0, w(3)},
			}},
		{name: "restored visits are updated, not written again", restart: true,
			evs: []event.Event{pv("e7", "v1", "/d", 9*time.Minute), pv("e8", "v2", "/d", 42*time.Minute)},
			want: []storedVisit{
				{"v1", "/late", "/d", "Newsletter", "u1", t0.Add(-10 * time.Minute), 4, 4, 1140, w(6)},
				{"v2", "/a", "/a", "Google", "", t0.Add(time.Minute), 1, 1, 0, w(1)},
				{"v2", "/c", "/d", "Google", "", t0.Add(40 * time.Minute), 2, 2, 120, w(6)},
			}},
	} {
		if tc.restart {
			open, err := st.openSessions(context.Background(), idleVisitKeep)
			if err != nil {
				t.Fatal(err)
			}
			z = newSessionizer()
			for _, s := range open {
				z.restore(s, t0)
			}
		}
		if err := writeVisitBatch(t, d, st, z, w(k+1), tc.evs...); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := storedVisits(t, d)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: visits = %+v, want %+v", tc.name, got, tc.want)
		}
		for i := range tc.want {
			if got[i] != tc.want[i] {
				t.Errorf("%s: visit %d = %+v, want %+v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

func TestWriteVisitsFailsForAMissingRow(t *testing.T) {
	t.Parallel()
	d, st := openStore(t)
	z := newSessionizer()
	// A visit the sessionizer believes written, which visits does not hold.
	z.restore(&Session{ID: "s_gone", SiteID: "site_a", VisitorID: "v1", Start: t0, End: t0, Pageviews: 1, Events: 1,
		Interactions: 1, EntryPage: "/a", ExitPage: "/a"}, t0)
	err := writeVisitBatch(t, d, st, z, t0, pv("e1", "v1", "/b", time.Minute), pv("e2", "v2", "/a", time.Minute))
	if err == nil || !strings.Contains(err.Error(), "s_gone") {
		t.Fatalf("writeVisits with a restored visit missing from visits: %v; want an error naming s_gone", err)
	}
	if got := storedVisits(t, d); len(got) != 0 {
		t.Fatalf("visits after the failed batch = %+v, want none", got)
	}
}

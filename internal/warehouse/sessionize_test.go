package warehouse

import (
	"testing"
	"time"

	"github.com/mopshq/mops/internal/warehouse/event"
)

func TestSessionizerRules(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	z := newSessionizer()
	first := z.add(ptr(pv("a", "v", "/a", 0)), now)
	if got := z.add(ptr(pv("b", "v", "/b", 29*time.Minute)), now); got != first {
		t.Fatal("an event 29 minutes after the last one started a new visit")
	}
	late := z.add(ptr(pv("c", "v", "/c", 59*time.Minute+time.Second)), now)
	if late == first {
		t.Fatal("an event 30 minutes and 1 second after the last one joined the visit")
	}
	// An event older than the open visit, but outside it: a visit of its own,
	// and the newer visit stays open.
	older := z.add(ptr(pv("d", "v", "/d", -2*time.Hour)), now)
	if older == late || older == first || z.open[visitorKey{"site_a", "v"}] != late {
		t.Fatal("a late event from long before took over the open visit")
	}
	// An earlier pageview inside the visit's reach becomes its entry page.
	z.add(ptr(pv("e", "v", "/early", 59*time.Minute-10*time.Minute)), now)
	if late.EntryPage != "/early" || late.ExitPage != "/c" || late.Pageviews != 2 || late.DurationSeconds() != 601 {
		t.Fatalf("visit after an earlier event = entry %q exit %q, %d pageviews, %d s", late.EntryPage, late.ExitPage, late.Pageviews, late.DurationSeconds())
	}
	// Engagement joins the open visit but never starts one or counts.
	eng := &event.Event{ID: "f", SiteID: "site_a", Kind: event.KindEngagement, VisitorID: "v", Time: t0.Add(time.Hour)}
	if got := z.add(eng, now); got != late || late.Events != 2 {
		t.Fatalf("engagement: visit %v, events %d", got, late.Events)
	}
	lone := &event.Event{ID: "g", SiteID: "site_a", Kind: event.KindEngagement, VisitorID: "w", Time: t0}
	if z.add(lone, now) != nil {
		t.Fatal("an engagement event without a visit started one")
	}
	// Same visitor id on another site: another visit.
	other := pv("h", "v", "/", 0)
	other.SiteID = "site_b"
	if z.add(&other, now) == first {
		t.Fatal("visits are shared across sites")
	}
}

func TestSessionizerEvictsByWallClockAndEventTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	z := newSessionizer()
	// Restored visits count as changed at the restart, however old their
	// last write: the server may have been down for longer than a visit.
	z.restore(&Session{ID: "s1", SiteID: "site_a", VisitorID: "v", Start: t0, End: t0}, now.Add(-10*time.Minute))
	z.restore(&Session{ID: "s2", SiteID: "site_a", VisitorID: "w", Start: t0, End: t0}, now.Add(-50*time.Minute))
	if n := z.evict(now.Add(-idleVisitKeep), idleVisitKeep); n != 1 {
		t.Fatalf("evicted %d visits, want 1 (the one idle for 50 minutes)", n)
	}
	if z.open[visitorKey{"site_a", "v"}] == nil {
		t.Fatal("a visit restored 10 minutes ago was evicted")
	}

	// A backfill: events an hour of event time apart, loaded a second
	// apart. The visit that ended an hour before the site's newest event
	// goes; the one 20 minutes before it, and other sites' visits, stay.
	z = newSessionizer()
	early, mid, late := pv("e1", "v", "/", 0), pv("e2", "w", "/", 40*time.Minute), pv("e3", "x", "/", 60*time.Minute)
	other := pv("e4", "v", "/", 0)
	other.SiteID = "site_b"
	for _, e := range []*event.Event{&early, &mid, &late, &other} {
		z.add(e, now)
	}
	if n := z.evict(now.Add(-idleVisitKeep), idleVisitKeep); n != 1 {
		t.Fatalf("evicted %d visits, want 1", n)
	}
	if z.open[visitorKey{"site_a", "v"}] != nil {
		t.Fatal("a visit that ended an hour of event time before the newest event was kept")
	}
	for _, k := range []visitorKey{{"site_a", "w"}, {"site_a", "x"}, {"site_b", "v"}} {
		if z.open[k] == nil {
			t.Fatalf("visit of %v was evicted", k)
		}
	}
}

func ptr(e event.Event) *event.Event { return &e }

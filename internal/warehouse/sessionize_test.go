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

func TestSessionizerEvictKeepsRestoredRecentVisits(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	z := newSessionizer()
	z.restore(&Session{ID: "s1", SiteID: "site_a", VisitorID: "v", Start: t0, End: t0, touched: now.Add(-10 * time.Minute)})
	z.restore(&Session{ID: "s2", SiteID: "site_a", VisitorID: "w", Start: t0, End: t0, touched: now.Add(-50 * time.Minute)})
	if n := z.evict(now.Add(-idleVisitKeep)); n != 1 {
		t.Fatalf("evicted %d visits, want 1 (the one idle for 50 minutes)", n)
	}
	if z.open[visitorKey{"site_a", "v"}] == nil {
		t.Fatal("a visit changed 10 minutes ago was evicted")
	}
}

func ptr(e event.Event) *event.Event { return &e }

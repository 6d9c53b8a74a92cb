package sim

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/goals"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
	"github.com/mopshq/mops/internal/sites"
)

// crmDeps opens a migrated database with the services the demo's CRM
// needs.
func crmDeps(t *testing.T) Deps {
	t.Helper()
	d := dbtest.Open(t)
	a, err := auth.NewService(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sites.NewService(d, a)
	if err != nil {
		t.Fatal(err)
	}
	c, err := crm.NewService(d, a, a)
	if err != nil {
		t.Fatal(err)
	}
	return Deps{Auth: a, Sites: s, Goals: goals.NewService(d, a), CRM: c, DataDir: t.TempDir()}
}

// TestDemoCRMMatchesTruth: the demo's organisations, people and deals are
// in the CRM once, however often Ensure runs, and the open pipeline and
// its forecast equal the truth worked out from the account list.
func TestDemoCRMMatchesTruth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	deps := crmDeps(t)
	c := deps.CRM
	truth, err := Ensure(ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Ensure(ctx, deps); err != nil {
		t.Fatal(err)
	}
	want := demoCRMTruth()
	// By hand: 10 accounts, 15 people, 12 deals; 8 open worth 171,350 EUR,
	// weighted 9,200 + 7,800 + 11,137.50 + 29,450 + 420 + 16,950 + 390 +
	// 4,325 = 79,672.50.
	if want.Companies != 10 || want.Contacts != 15 || want.Deals != 12 || want.OpenDeals != 8 || want.OpenAmount != 171350 ||
		math.Abs(want.Weighted-79672.5) > 1e-9 {
		t.Fatalf("demo CRM truth = %+v", want)
	}
	ws := truth.WorkspaceID
	cos, _ := c.Companies(ctx, ws, crm.ListQuery{})
	cts, _ := c.Contacts(ctx, ws, crm.ListQuery{})
	dls, err := c.Deals(ctx, ws, crm.ListQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if cos.Total != want.Companies || cts.Total != want.Contacts+DemoQualityTruth().Created || dls.Total != want.Deals {
		t.Fatalf("CRM holds %d companies, %d contacts, %d deals; want %+v", cos.Total, cts.Total, dls.Total, want)
	}
	var open int
	var amount, weighted float64
	for _, dl := range dls.Items {
		if dl.Outcome == crm.Open {
			open++
			amount += dl.Amount
			weighted += dl.Weighted
		}
	}
	if open != want.OpenDeals || amount != want.OpenAmount || math.Abs(weighted-want.Weighted) > 0.01 {
		t.Errorf("open deals %d worth %.2f (weighted %.2f), want %d, %.2f (%.2f)", open, amount, weighted, want.OpenDeals, want.OpenAmount, want.Weighted)
	}
	// People at accounts with a won deal are customers; a lead stays a lead.
	for _, ct := range cts.Items {
		switch ct.Email {
		case "georg.huber@alpenverein-isartal.example", "marie.lechner@alpenverein-isartal.example":
			if ct.LifecycleStage != "customer" {
				t.Errorf("%s is %s, want customer", ct.Email, ct.LifecycleStage)
			}
		case "mehmet.yilmaz@greenline-logistics.example":
			if ct.LifecycleStage != "lead" {
				t.Errorf("%s is %s, want lead", ct.Email, ct.LifecycleStage)
			}
		}
	}
}

// TestDemoQualityMatchesTruth: the demo's fair leads are imported as the
// truth says (messy values normalised, the broken row refused, known
// people updated) and the duplicate queue holds the planted pairs.
func TestDemoQualityMatchesTruth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	deps := crmDeps(t)
	c := deps.CRM
	truth, err := Ensure(ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	ws := truth.WorkspaceID
	qt := DemoQualityTruth()
	all, err := c.Contacts(ctx, ws, crm.ListQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if want := demoCRMTruth().Contacts + qt.Created; all.Total != want {
		t.Errorf("contacts = %d, want %d (demo people plus the new fair leads)", all.Total, want)
	}
	stored := map[string]bool{}
	byEmail := map[string]string{}
	for _, ct := range all.Items {
		stored[ct.Email], stored[ct.Phone], stored[ct.LastName] = true, true, true
		byEmail[ct.Email] = ct.ID
	}
	for raw, clean := range qt.Normalised {
		if !stored[clean] {
			t.Errorf("%q was not stored as %q", raw, clean)
		}
	}
	pairs, err := c.OpenPairs(ctx, ws, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := map[[2]string]string{}
	for _, p := range pairs {
		found[[2]string{p.A.ID, p.B.ID}] = strings.Join(p.Reasons, ",")
		found[[2]string{p.B.ID, p.A.ID}] = strings.Join(p.Reasons, ",")
	}
	for _, pp := range qt.Pairs {
		a, b := byEmail[pp.EmailA], byEmail[pp.EmailB]
		if got := found[[2]string{a, b}]; got != pp.Reason {
			t.Errorf("planted pair %s / %s: found %q, want %q", pp.EmailA, pp.EmailB, got, pp.Reason)
		}
	}
	if len(pairs) != len(qt.Pairs) {
		t.Errorf("%d pairs in the queue, %d planted", len(pairs), len(qt.Pairs))
	}
}

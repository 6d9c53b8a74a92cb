package sim

import (
	"context"
	"slices"
	"testing"

	"github.com/mopshq/mops/internal/goals"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
	"github.com/mopshq/mops/internal/sites"
)

func TestEnsureCreatesOnceAndMatchesTruth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.Open(t)
	a, err := auth.NewService(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sites.NewService(d, a)
	if err != nil {
		t.Fatal(err)
	}
	gs := goals.NewService(d, a)
	deps := Deps{Auth: a, Sites: s, Goals: gs, DataDir: t.TempDir()}
	first, err := Ensure(ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || first.Password == "" {
		t.Fatalf("first Ensure = %+v", first)
	}
	// The printed login works.
	if _, err := a.Authenticate(ctx, first.Email, first.Password); err != nil {
		t.Fatalf("demo login does not authenticate: %v", err)
	}
	// The workspace holds exactly the team and the sites the truth records.
	members, err := a.Members(ctx, first.WorkspaceID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]auth.Role{DemoEmail: auth.RoleOwner}
	for _, m := range Team() {
		want[m.Email] = m.Role
	}
	if len(members) != len(want) {
		t.Fatalf("demo workspace has %d members, want %d", len(members), len(want))
	}
	for _, m := range members {
		if want[m.Email] != m.Role {
			t.Errorf("member %s has role %s, want %s", m.Email, m.Role, want[m.Email])
		}
	}
	got, _ := s.List(ctx, first.WorkspaceID)
	if len(got) != len(Sites()) || len(first.Sites) != len(Sites()) {
		t.Fatalf("demo sites: %d listed, %d in truth, want %d", len(got), len(first.Sites), len(Sites()))
	}

	second, err := Ensure(ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	if second.Created || second.Password != first.Password || second.WorkspaceID != first.WorkspaceID {
		t.Fatalf("second Ensure = %+v, want the same demo (not created again)", second)
	}
	if ws, _ := a.Workspaces(ctx); len(ws) != 1 {
		t.Fatalf("%d workspaces after two Ensure calls, want 1", len(ws))
	}
	// Every site has its goals, once, however often Ensure runs.
	for _, site := range got {
		have, err := gs.List(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := DemoGoals(site.Domain, site.Currency)
		if len(have) != len(want) {
			t.Errorf("%s has %d goals, want %d", site.Domain, len(have), len(want))
		}
		for _, in := range want {
			if !slices.ContainsFunc(have, func(g goals.Goal) bool { return g.DisplayName == in.Name() && g.Currency == in.Currency }) {
				t.Errorf("%s lacks goal %q", site.Domain, in.Name())
			}
		}
	}
}

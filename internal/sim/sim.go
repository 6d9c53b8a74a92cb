// Package sim builds the demo company that `mops serve --demo` shows: a
// small outdoor-gear retailer with its team, sites and (as capabilities
// are added) its traffic, CRM, spend and experiments. Everything it makes
// goes through the same services real users use, and it records the
// ground truth of what it made so tests can check the numbers mops shows.
package sim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/goals"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/id"
	"github.com/mopshq/mops/internal/sites"
)

// Demo account and company names.
const (
	DemoEmail     = "demo@trailhead.example"
	WorkspaceName = "Trailhead Outfitters"
)

// Deps are the services the generator writes through.
type Deps struct {
	Auth  *auth.Service
	Sites *sites.Service
	Goals *goals.Service
	// CRM receives the demo's organisations, people and deals (nil: none).
	CRM *crm.Service
	// DataDir holds the demo login file, so every start can print it.
	DataDir string
}

// Member is one person of the demo team.
type Member struct {
	Email string
	Name  string
	Role  auth.Role
}

// Team is the demo company's marketing team, one person per role.
func Team() []Member {
	return []Member{
		{"ines.moreau@trailhead.example", "Inès Moreau", auth.RoleAdmin},
		{"kofi.mensah@trailhead.example", "Kofi Mensah", auth.RoleAnalyst},
		{"lena.vogel@trailhead.example", "Lena Vogel", auth.RoleMarketer},
		{"sam.okafor@trailhead.example", "Sam Okafor", auth.RoleMarketer},
		{"priya.raman@trailhead.example", "Priya Raman", auth.RoleViewer},
	}
}

// SiteSpec is one demo site.
type SiteSpec struct {
	Domain, Timezone, Currency string
}

// Sites are the demo company's tracked properties.
func Sites() []SiteSpec {
	return []SiteSpec{
		{"trailhead.example", "Europe/Berlin", "EUR"},
		{"blog.trailhead.example", "Europe/Berlin", "EUR"},
	}
}

// Truth is what the generator made, for tests and for the start banner.
type Truth struct {
	Created     bool // false when the demo already existed
	Email       string
	Password    string
	WorkspaceID string
	Sites       []sites.Site
	Team        []Member
}

// Ensure creates the demo company once and returns its truth; on later
// starts it returns the existing one.
func Ensure(ctx context.Context, d Deps) (*Truth, error) {
	loginFile := filepath.Join(d.DataDir, "demo-login")
	t := &Truth{Email: DemoEmail, Team: Team()}
	if u, err := d.Auth.UserByEmail(ctx, DemoEmail); err == nil {
		b, err := os.ReadFile(loginFile)
		if err != nil {
			return nil, fmt.Errorf("demo: read %s: %w", loginFile, err)
		}
		t.Password = strings.TrimSpace(string(b))
		ms, err := d.Auth.UserWorkspaces(ctx, u.ID)
		if err != nil || len(ms) == 0 {
			return nil, fmt.Errorf("demo: the demo user has no workspace: %w", err)
		}
		t.WorkspaceID = ms[0].ID
		if t.Sites, err = d.Sites.List(ctx, t.WorkspaceID); err != nil {
			return nil, err
		}
		if err := ensureGoals(ctx, d, t.WorkspaceID, t.Sites); err != nil {
			return nil, err
		}
		return t, ensureCRM(ctx, d, t.WorkspaceID, time.Now().UTC())
	} else if !errors.Is(err, auth.ErrNotFound) {
		return nil, fmt.Errorf("demo: %w", err)
	}
	t.Created = true
	t.Password = id.Token(10)
	actor := auth.Actor{Type: auth.ActorSystem, Name: "demo generator"}
	owner, err := d.Auth.CreateUser(ctx, actor, DemoEmail, "Dana Demo", t.Password)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := os.WriteFile(loginFile, []byte(t.Password+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("demo: write %s: %w", loginFile, err)
	}
	ws, err := d.Auth.CreateWorkspace(ctx, actor, WorkspaceName, owner)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	t.WorkspaceID = ws.ID
	for _, m := range t.Team {
		u, err := d.Auth.CreateUser(ctx, actor, m.Email, m.Name, id.Token(16))
		if err != nil {
			return nil, fmt.Errorf("demo: team member %s: %w", m.Email, err)
		}
		if err := d.Auth.AddMember(ctx, actor, ws.ID, u.ID, m.Role); err != nil {
			return nil, fmt.Errorf("demo: team member %s: %w", m.Email, err)
		}
	}
	for _, s := range Sites() {
		site, err := d.Sites.Create(ctx, actor, ws.ID, sites.Settings{Domain: s.Domain, Timezone: s.Timezone, Currency: s.Currency})
		if err != nil {
			return nil, fmt.Errorf("demo: site %s: %w", s.Domain, err)
		}
		t.Sites = append(t.Sites, *site)
	}
	if err := ensureGoals(ctx, d, t.WorkspaceID, t.Sites); err != nil {
		return nil, err
	}
	return t, ensureCRM(ctx, d, t.WorkspaceID, time.Now().UTC())
}

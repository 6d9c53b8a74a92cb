package sites

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
)

func TestNormalizeDomain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want, err string
	}{
		{"plain", "example.com", "example.com", ""},
		{"upper and spaces", "  Example.COM ", "example.com", ""},
		{"url pasted", "https://www.example.com/pricing?x=1", "www.example.com", ""},
		{"trailing dot", "example.com.", "example.com", ""},
		{"path", "example.com/blog", "example.com", ""},
		{"localhost", "localhost", "localhost", ""},
		{"empty", "", "", "is required"},
		{"spaces inside", "not a domain", "", "not a valid domain"},
		{"no tld", "intranet", "", "top-level domain"},
		{"underscore", "my_site.com", "", "not a valid domain"},
		{"label too long", strings.Repeat("a", 64) + ".com", "", "not a valid domain"},
	} {
		got, err := NormalizeDomain(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: NormalizeDomain(%q) error = %v, want one containing %q", tc.name, tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: NormalizeDomain(%q) = %q, %v; want %q", tc.name, tc.in, got, err, tc.want)
		}
	}
}

func newService(t *testing.T) (*Service, *auth.Service) {
	t.Helper()
	d := dbtest.Open(t)
	a, err := auth.NewService(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(d, a)
	if err != nil {
		t.Fatal(err)
	}
	return s, a
}

func TestCreateValidatesAndIsolates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, a := newService(t)
	wsA, _ := a.CreateWorkspace(ctx, auth.CLIActor(), "A", nil)
	wsB, _ := a.CreateWorkspace(ctx, auth.CLIActor(), "B", nil)
	site, err := s.Create(ctx, auth.CLIActor(), wsA.ID, Settings{Domain: "https://Shop.Example.com/", Timezone: "Europe/Berlin", Currency: "usd"})
	if err != nil {
		t.Fatal(err)
	}
	if site.Domain != "shop.example.com" || site.Currency != "USD" || site.Timezone != "Europe/Berlin" || !strings.HasPrefix(site.WriteKey, "wk_") {
		t.Fatalf("created site = %+v", site)
	}
	def, err := s.Create(ctx, auth.CLIActor(), wsA.ID, Settings{Domain: "b.example"})
	if err != nil || def.Timezone != "UTC" || def.Currency != "EUR" {
		t.Fatalf("defaults: %+v, %v; want UTC and EUR", def, err)
	}
	for _, tc := range []struct {
		name  string
		in    Settings
		field string
	}{
		{"bad timezone", Settings{Domain: "c.example", Timezone: "Mars/Olympus"}, "timezone"},
		{"Local is not a zone", Settings{Domain: "c.example", Timezone: "Local"}, "timezone"},
		{"bad currency", Settings{Domain: "c.example", Currency: "EURO"}, "currency"},
		{"unknown currency", Settings{Domain: "c.example", Currency: "XYZ"}, "currency"},
	} {
		_, err := s.Create(ctx, auth.CLIActor(), wsA.ID, tc.in)
		var ve *auth.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: Create(%+v) = %v, want a ValidationError on %s", tc.name, tc.in, err, tc.field)
		}
	}
	if _, err := s.Create(ctx, auth.CLIActor(), wsB.ID, Settings{Domain: "shop.example.com"}); !errors.Is(err, ErrDomainTaken) {
		t.Fatalf("duplicate domain in another workspace: %v, want ErrDomainTaken", err)
	}
	if _, err := s.Get(ctx, wsB.ID, site.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get through another workspace: %v, want ErrNotFound", err)
	}
	if _, err := s.Update(ctx, auth.CLIActor(), wsB.ID, site.ID, "UTC", "EUR", false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Update through another workspace: %v, want ErrNotFound", err)
	}
	if list, _ := s.List(ctx, wsB.ID); len(list) != 0 {
		t.Fatalf("workspace B lists %d sites, want 0", len(list))
	}
	for _, key := range []string{site.ID, "shop.example.com", "SHOP.example.com"} {
		if got, err := s.Find(ctx, key); err != nil || got.ID != site.ID {
			t.Errorf("Find(%q) = %v, %v", key, got, err)
		}
	}
	if got, err := s.ByWriteKey(ctx, site.WriteKey); err != nil || got.ID != site.ID {
		t.Errorf("ByWriteKey = %v, %v", got, err)
	}
}

func TestUpdateAndRotateAreAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, a := newService(t)
	ws, _ := a.CreateWorkspace(ctx, auth.CLIActor(), "A", nil)
	site, _ := s.Create(ctx, auth.CLIActor(), ws.ID, Settings{Domain: "a.example"})
	upd, err := s.Update(ctx, auth.CLIActor(), ws.ID, site.ID, "America/New_York", "USD", true)
	if err != nil || upd.Timezone != "America/New_York" || upd.Currency != "USD" || !upd.CookieID {
		t.Fatalf("Update = %+v, %v", upd, err)
	}
	if got, err := s.Get(ctx, ws.ID, site.ID); err != nil || !got.CookieID || got.Currency != "USD" {
		t.Fatalf("site read back after Update = %+v, %v", got, err)
	}
	rot, err := s.RotateWriteKey(ctx, auth.CLIActor(), ws.ID, site.ID)
	if err != nil || rot.WriteKey == site.WriteKey {
		t.Fatalf("RotateWriteKey = %+v, %v", rot, err)
	}
	if _, err := s.ByWriteKey(ctx, site.WriteKey); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old write key still works: %v", err)
	}
	es, _ := a.Audit(ctx, ws.ID, auth.AuditFilter{Action: "site"})
	var acts []string
	for _, e := range es {
		acts = append(acts, e.Action)
	}
	if got := strings.Join(acts, ","); got != "site.rotate_write_key,site.update,site.create" {
		t.Fatalf("audit = %s", got)
	}
	if !strings.Contains(string(es[1].Before), `"UTC"`) || !strings.Contains(string(es[1].After), `"America/New_York"`) {
		t.Fatalf("update entry before/after: %s / %s", es[1].Before, es[1].After)
	}
}

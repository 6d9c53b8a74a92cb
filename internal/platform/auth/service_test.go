package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/db/dbtest"
)

func newTestService(t *testing.T) *Service {
	t.Helper()
	s, err := NewService(dbtest.Open(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustUser(t *testing.T, s *Service, email string) *User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), CLIActor(), email, "", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPasswordHashRoundTrip(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("s3cret-password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with the expected parameters", h)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"s3cret-password", true}, {"s3cret-passwore", false}, {"", false}} {
		got, err := CheckPassword(h, tc.pw)
		if err != nil || got != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tc.pw, got, err, tc.want)
		}
	}
	if _, err := CheckPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Error("CheckPassword accepted a non-argon2id hash")
	}
}

func TestRolePermissionTable(t *testing.T) {
	t.Parallel()
	// The table as documented in the README, written out by hand.
	want := map[Role]string{
		RoleOwner:    "view edit_analysis edit_marketing export_raw manage_sites manage_members manage_keys view_audit manage_owners",
		RoleAdmin:    "view edit_analysis edit_marketing export_raw manage_sites manage_members manage_keys view_audit",
		RoleAnalyst:  "view edit_analysis export_raw",
		RoleMarketer: "view edit_marketing",
		RoleViewer:   "view",
	}
	for _, r := range Roles() {
		var got []string
		for _, p := range Permissions() {
			if r.Can(p) {
				got = append(got, string(p))
			}
		}
		if strings.Join(got, " ") != want[r] {
			t.Errorf("role %s grants %q, want %q", r, strings.Join(got, " "), want[r])
		}
	}
}

func TestSetupOnlyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestService(t)
	if need, _ := s.NeedsSetup(ctx); !need {
		t.Fatal("NeedsSetup on an empty database = false")
	}
	if _, err := s.Setup(ctx, "Owner@Example.com", "Olive", "a long password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Setup(ctx, "second@example.com", "", "a long password"); !errors.Is(err, ErrSetupDone) {
		t.Fatalf("second Setup: %v, want ErrSetupDone", err)
	}
	u, err := s.Authenticate(ctx, "owner@example.com", "a long password")
	if err != nil || u.Email != "owner@example.com" {
		t.Fatalf("Authenticate with lower-cased email = %v, %v", u, err)
	}
}

func TestAuthenticateFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestService(t)
	mustUser(t, s, "ann@example.com")
	for _, tc := range []struct{ name, email, pw string }{
		{"wrong password", "ann@example.com", "wrong password!"},
		{"unknown user", "bob@example.com", "correct horse battery"},
		{"empty", "", ""},
	} {
		if _, err := s.Authenticate(ctx, tc.email, tc.pw); !errors.Is(err, ErrInvalidLogin) {
			t.Errorf("%s: Authenticate(%q) = %v, want ErrInvalidLogin", tc.name, tc.email, err)
		}
	}
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestService(t)
	mustUser(t, s, "ann@example.com")
	for _, tc := range []struct{ name, email, pw, field string }{
		{"bad email", "not-an-email", "long enough pw", "email"},
		{"short password", "c@example.com", "short", "password"},
	} {
		_, err := s.CreateUser(ctx, CLIActor(), tc.email, "", tc.pw)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: CreateUser(%q) = %v, want a ValidationError on %s", tc.name, tc.email, err, tc.field)
		}
	}
	if _, err := s.CreateUser(ctx, CLIActor(), "ANN@example.com", "", "long enough pw"); !errors.Is(err, ErrEmailTaken) {
		t.Errorf("duplicate email: %v, want ErrEmailTaken", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestService(t)
	u := mustUser(t, s, "ann@example.com")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tok, err := s.StartSession(ctx, u, "test")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionUser(ctx, tok); err != nil || got.ID != u.ID {
		t.Fatalf("SessionUser = %v, %v", got, err)
	}
	now = now.Add(SessionIdle + time.Minute)
	if _, err := s.SessionUser(ctx, tok); !errors.Is(err, ErrNotFound) {
		t.Fatalf("idle session: %v, want ErrNotFound", err)
	}
	tok2, _ := s.StartSession(ctx, u, "test")
	if err := s.EndSession(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, tok2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ended session: %v, want ErrNotFound", err)
	}
	tok3, _ := s.StartSession(ctx, u, "test")
	if err := s.SetPassword(ctx, CLIActor(), u.ID, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, tok3); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session after password reset: %v, want ErrNotFound", err)
	}
}

func TestOwnerRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestService(t)
	owner := mustUser(t, s, "owner@example.com")
	admin := mustUser(t, s, "admin@example.com")
	w, err := s.CreateWorkspace(ctx, UserActor(owner), "Acme", owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddMember(ctx, CLIActor(), w.ID, admin.ID, RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRole(ctx, UserActor(admin), RoleAdmin, w.ID, owner.ID, RoleViewer); !errors.Is(err, ErrForbidden) {
		t.Errorf("admin demoting owner: %v, want ErrForbidden", err)
	}
	if err := s.SetRole(ctx, UserActor(admin), RoleAdmin, w.ID, admin.ID, RoleOwner); !errors.Is(err, ErrForbidden) {
		t.Errorf("admin promoting self to owner: %v, want ErrForbidden", err)
	}
	if _, _, err := s.Invite(ctx, UserActor(admin), RoleAdmin, w.ID, "", RoleOwner); !errors.Is(err, ErrForbidden) {
		t.Errorf("admin inviting an owner: %v, want ErrForbidden", err)
	}
	if err := s.SetRole(ctx, UserActor(owner), RoleOwner, w.ID, owner.ID, RoleAdmin); !errors.Is(err, ErrLastOwner) {
		t.Errorf("last owner demoting self: %v, want ErrLastOwner", err)
	}
	if err := s.RemoveMember(ctx, UserActor(owner), RoleOwner, w.ID, owner.ID); !errors.Is(err, ErrLastOwner) {
		t.Errorf("last owner leaving: %v, want ErrLastOwner", err)
	}
	if err := s.SetRole(ctx, UserActor(owner), RoleOwner, w.ID, admin.ID, RoleOwner); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRole(ctx, UserActor(owner), RoleOwner, w.ID, owner.ID, RoleAdmin); err != nil {
		t.Errorf("demoting one of two owners: %v", err)
	}
	if r, _ := s.Role(ctx, w.ID, owner.ID); r != RoleAdmin {
		t.Errorf("role after change = %s, want admin", r)
	}
}

func TestInvitationFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestService(t)
	owner := mustUser(t, s, "owner@example.com")
	w, _ := s.CreateWorkspace(ctx, UserActor(owner), "Acme", owner)
	tok, inv, err := s.Invite(ctx, UserActor(owner), RoleOwner, w.ID, "", RoleMarketer)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Invitation(ctx, tok); err != nil || got.ID != inv.ID || got.WorkspaceName != "Acme" {
		t.Fatalf("Invitation(token) = %+v, %v", got, err)
	}
	mia := mustUser(t, s, "mia@example.com")
	if _, err := s.AcceptInvitation(ctx, tok, mia); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Role(ctx, w.ID, mia.ID); err != nil || r != RoleMarketer {
		t.Fatalf("role after accepting = %s, %v; want marketer", r, err)
	}
	leo := mustUser(t, s, "leo@example.com")
	if _, err := s.AcceptInvitation(ctx, tok, leo); err == nil {
		t.Fatal("a used invitation was accepted again")
	}
	tok2, inv2, _ := s.Invite(ctx, UserActor(owner), RoleOwner, w.ID, "zoe@example.com", RoleViewer)
	if _, err := s.AcceptInvitation(ctx, tok2, leo); err == nil {
		t.Fatal("an invitation for zoe@ was accepted by leo@")
	}
	if err := s.RevokeInvitation(ctx, UserActor(owner), w.ID, inv2.ID); err != nil {
		t.Fatal(err)
	}
	zoe := mustUser(t, s, "zoe@example.com")
	if _, err := s.AcceptInvitation(ctx, tok2, zoe); err == nil {
		t.Fatal("a revoked invitation was accepted")
	}
	if _, err := s.Invitation(ctx, "no-such-token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown token: %v, want ErrNotFound", err)
	}
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestService(t)
	w, _ := s.CreateWorkspace(ctx, CLIActor(), "Acme", nil)
	other, _ := s.CreateWorkspace(ctx, CLIActor(), "Other", nil)
	secret, k, err := s.CreateAPIKey(ctx, CLIActor(), w.ID, "ci", []Scope{ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, APIKeyPrefix) || !strings.HasPrefix(secret, k.Prefix) {
		t.Fatalf("secret %q / prefix %q", secret, k.Prefix)
	}
	var stored int
	if err := s.db.QueryRow("SELECT count(*) FROM api_keys WHERE key_hash = ? OR prefix = ?", secret, secret).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the key secret is stored in clear (%d rows, %v)", stored, err)
	}
	got, err := s.AuthenticateKey(ctx, secret)
	if err != nil || got.ID != k.ID || !got.HasScope(ScopeRead) || got.HasScope(ScopeWrite) || got.LastUsedAt == nil {
		t.Fatalf("AuthenticateKey = %+v, %v", got, err)
	}
	if _, err := s.RevokeAPIKey(ctx, CLIActor(), other.ID, k.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking through another workspace: %v, want ErrNotFound", err)
	}
	if _, err := s.RevokeAPIKey(ctx, CLIActor(), "", k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateKey(ctx, secret); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoked key: %v, want ErrNotFound", err)
	}
	if _, err := ParseScopes([]string{"read", "admin"}); err == nil || !strings.Contains(err.Error(), "admin") {
		t.Fatalf("ParseScopes with admin: %v", err)
	}
}

func TestAuditRecordsChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestService(t)
	owner := mustUser(t, s, "owner@example.com")
	w, _ := s.CreateWorkspace(ctx, UserActor(owner), "Acme", owner)
	if err := s.RenameWorkspace(ctx, UserActor(owner), w.ID, "Acme Inc"); err != nil {
		t.Fatal(err)
	}
	secret, _, _ := s.CreateAPIKey(ctx, UserActor(owner), w.ID, "ci", []Scope{ScopeRead})
	es, err := s.Audit(ctx, w.ID, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
	}
	if got, want := strings.Join(actions, ","), "apikey.create,workspace.rename,member.add,workspace.create"; got != want {
		t.Fatalf("audit actions = %s, want %s", got, want)
	}
	ren := es[1]
	if ren.Actor.ID != owner.ID || !strings.Contains(string(ren.Before), `"Acme"`) || !strings.Contains(string(ren.After), `"Acme Inc"`) {
		t.Fatalf("rename entry = %+v before=%s after=%s", ren, ren.Before, ren.After)
	}
	if strings.Contains(string(es[0].After), secret) {
		t.Fatalf("api key audit entry leaks the secret: %s", es[0].After)
	}
	only, _ := s.Audit(ctx, w.ID, AuditFilter{Action: "workspace"})
	if len(only) != 2 {
		t.Fatalf("filter by action prefix workspace: %d entries, want 2", len(only))
	}
	other, _ := s.CreateWorkspace(ctx, CLIActor(), "Other", nil)
	if es, _ := s.Audit(ctx, other.ID, AuditFilter{Action: "apikey"}); len(es) != 0 {
		t.Fatalf("another workspace sees %d apikey entries", len(es))
	}
}

func TestPruneSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestService(t)
	u := mustUser(t, s, "ann@example.com")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	if _, err := s.StartSession(ctx, u, "old"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(SessionIdle - time.Hour)
	if _, err := s.StartSession(ctx, u, "recent"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour) // the first is idle past the limit, the second is not
	if err := s.PruneSessions(ctx); err != nil {
		t.Fatal(err)
	}
	var agents []string
	rows, err := s.db.Query("SELECT user_agent FROM sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		agents = append(agents, a)
	}
	if len(agents) != 1 || agents[0] != "recent" {
		t.Fatalf("sessions after prune = %v, want [recent]", agents)
	}
}

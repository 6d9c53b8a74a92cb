package crm

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
)

type fixture struct {
	svc   *Service
	auth  *auth.Service
	owner *auth.User
	actor auth.Actor
	ws    string // workspace A
	other string // workspace B
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t)
	a, err := auth.NewService(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(d, a, a)
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.Setup(ctx, "owner@trailhead.example", "Olivia Owner", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{svc: svc, auth: a, owner: u, actor: auth.UserActor(u)}
	for _, name := range []string{"Trailhead", "Other Co"} {
		w, err := a.CreateWorkspace(ctx, f.actor, name, u)
		if err != nil {
			t.Fatal(err)
		}
		if f.ws == "" {
			f.ws = w.ID
		} else {
			f.other = w.ID
		}
	}
	return f
}

func fieldsOf(err error) map[string]string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	m := map[string]string{}
	for _, f := range ve.Fields {
		m[f.Field] = f.Message
	}
	return m
}

func TestCreateContactNormalisesAndRefusesDuplicates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c, err := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{
		Email: Str("  Anna.Schmidt@Example.COM "), FirstName: Str("anna"), LastName: Str("SCHMIDT"),
		Phone: Str("030 1234567"), Title: Str(" Head of Growth ")}, Cause{Kind: CauseManual})
	if err != nil {
		t.Fatal(err)
	}
	if c.Email != "anna.schmidt@example.com" || c.Phone != "+49301234567" || c.FirstName != "Anna" ||
		c.LastName != "Schmidt" || c.Title != "Head of Growth" {
		t.Errorf("normalised contact = %+v", c)
	}
	if c.LifecycleStage != "subscriber" || c.Source != CauseManual {
		t.Errorf("stage %q source %q, want subscriber, manual", c.LifecycleStage, c.Source)
	}
	_, err = f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Email: Str("ANNA.SCHMIDT@example.com")}, Cause{Kind: CauseAPI})
	var de *DuplicateError
	if !errors.As(err, &de) || de.ExistingID != c.ID || de.Field != "email" {
		t.Fatalf("duplicate email: err = %v, want DuplicateError for %s", err, c.ID)
	}
	// The same email in another workspace is another person's record.
	if _, err := f.svc.CreateContact(ctx, f.actor, f.other, ContactInput{Email: Str("anna.schmidt@example.com")}, Cause{Kind: CauseAPI}); err != nil {
		t.Fatalf("same email in workspace B: %v", err)
	}
	page, err := f.svc.Contacts(ctx, f.ws, ListQuery{})
	if err != nil || page.Total != 1 {
		t.Fatalf("workspace A holds %d contacts (%v), want 1", page.Total, err)
	}
}

func TestContactValidationNamesEveryField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Email: Str("anna@"), Phone: Str("12"),
		LifecycleStage: Str("vip"), LeadStatus: Str("hot"), OwnerID: Str("usr_nobody"),
		Props: map[string]any{"shoe_size": 42}}, Cause{Kind: CauseAPI})
	got := fieldsOf(err)
	for _, field := range []string{"email", "phone", "lifecycle_stage", "lead_status", "owner_id", "properties.shoe_size"} {
		if got[field] == "" {
			t.Errorf("no error for %s; errors: %v", field, got)
		}
	}
	if !strings.Contains(got["properties.shoe_size"], "define it first") {
		t.Errorf("unknown property message = %q", got["properties.shoe_size"])
	}
	_, err = f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Title: Str("CEO")}, Cause{Kind: CauseAPI})
	if fieldsOf(err)["email"] == "" {
		t.Errorf("a contact with only a title: err = %v, want an email error", err)
	}
}

func TestCustomPropertiesAreTyped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, d := range []PropertyDef{
		{Object: ObjContact, Label: "Shoe size (EU)", Type: PropNumber},
		{Object: ObjContact, Label: "Newsletter", Type: PropBoolean},
		{Object: ObjContact, Label: "Birthday", Type: PropDate},
		{Object: ObjContact, Label: "Plan", Type: PropSelect, Options: []string{"Free", "Pro"}},
	} {
		if _, err := f.svc.DefineProperty(ctx, f.actor, f.ws, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.DefineProperty(ctx, f.actor, f.ws, PropertyDef{Object: ObjContact, Label: "Email", Type: PropText}); fieldsOf(err)["key"] == "" {
		t.Errorf("a property shadowing email: err = %v", err)
	}
	c, err := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Email: Str("p@example.org"), Props: map[string]any{
		"shoe_size_eu": "42.5", "newsletter": "yes", "birthday": "1990-02-28", "plan": "pro"}}, Cause{Kind: CauseImport})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"shoe_size_eu": 42.5, "newsletter": true, "birthday": "1990-02-28", "plan": "Pro"}
	got, _ := f.svc.Contact(ctx, f.ws, c.ID)
	for k, v := range want {
		if got.Props[k] != v {
			t.Errorf("property %s = %#v, want %#v", k, got.Props[k], v)
		}
	}
	_, err = f.svc.UpdateContact(ctx, f.actor, f.ws, c.ID, ContactInput{Props: map[string]any{
		"shoe_size_eu": "big", "birthday": "28.02.", "plan": "Enterprise"}}, Cause{Kind: CauseAPI})
	if fe := fieldsOf(err); len(fe) != 3 {
		t.Errorf("bad typed values: errors %v, want 3", fe)
	}
	// A property removed with null; the others stay.
	got, err = f.svc.UpdateContact(ctx, f.actor, f.ws, c.ID, ContactInput{Props: map[string]any{"plan": nil}}, Cause{Kind: CauseAPI})
	if err != nil || got.Props["plan"] != nil || got.Props["newsletter"] != true {
		t.Errorf("after removing plan: %v, %v", got.Props, err)
	}
}

func TestLifecycleTransitionsAreRecorded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	now := t0
	f.svc.SetClock(func() time.Time { return now })
	c, err := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Email: Str("lc@example.org"), LifecycleStage: Str("Lead")},
		Cause{Kind: CauseForm, ID: "fm_1"})
	if err != nil {
		t.Fatal(err)
	}
	now = t0.Add(48 * time.Hour)
	if _, err := f.svc.UpdateContact(ctx, f.actor, f.ws, c.ID, ContactInput{LifecycleStage: Str("Marketing qualified lead")}, Cause{Kind: CauseManual}); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(72 * time.Hour)
	// A form that would set "lead" does not move an MQL back.
	got, err := f.svc.UpdateContact(ctx, f.actor, f.ws, c.ID, ContactInput{LifecycleStage: Str("lead")}, Cause{Kind: CauseForm, ForwardOnly: true})
	if err != nil || got.LifecycleStage != "mql" {
		t.Fatalf("forward-only update: stage %q, %v", got.LifecycleStage, err)
	}
	tr, err := f.svc.Transitions(ctx, f.ws, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []Transition{
		{From: "", To: "lead", At: t0, Cause: CauseForm, CauseID: "fm_1"},
		{From: "lead", To: "mql", At: t0.Add(48 * time.Hour), Cause: CauseManual},
	}
	if len(tr) != len(want) {
		t.Fatalf("transitions = %+v, want %d", tr, len(want))
	}
	for i, w := range want {
		g := tr[i]
		if g.From != w.From || g.To != w.To || !g.At.Equal(w.At) || g.Cause != w.Cause || g.CauseID != w.CauseID || g.Actor != f.owner.Email {
			t.Errorf("transition %d = %+v, want %+v", i, g, w)
		}
	}
	// Stages in use cannot be removed from the lifecycle.
	_, err = f.svc.SetLifecycle(ctx, f.actor, f.ws, []LifecycleStage{{Key: "lead", Label: "Lead"}, {Key: "customer", Label: "Customer"}})
	if msg := fieldsOf(err)["stages"]; !strings.Contains(msg, `"mql" still has 1 contacts`) {
		t.Errorf("removing a stage in use: %v", err)
	}
}

func TestCompaniesAndContactsFindEachOther(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	co, err := f.svc.CreateCompany(ctx, f.actor, f.ws, CompanyInput{Name: Str("Alpine Gear GmbH"), Website: Str("https://www.alpine-gear.de/shop"), Employees: Str("1,200")})
	if err != nil {
		t.Fatal(err)
	}
	if co.Domain != "alpine-gear.de" || co.Employees == nil || *co.Employees != 1200 {
		t.Errorf("company = %+v", co)
	}
	if _, err := f.svc.CreateCompany(ctx, f.actor, f.ws, CompanyInput{Domain: Str("ALPINE-GEAR.de")}); !errors.As(err, new(*DuplicateError)) {
		t.Errorf("duplicate domain: %v", err)
	}
	// A work email finds the company by its domain; a free mail does not.
	c1, err := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Email: Str("max@alpine-gear.de")}, Cause{Kind: CauseAPI})
	if err != nil || c1.CompanyID != co.ID || c1.CompanyName != "Alpine Gear GmbH" {
		t.Errorf("work email contact: company %q %q, %v", c1.CompanyID, c1.CompanyName, err)
	}
	c2, err := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Email: Str("max@gmail.com")}, Cause{Kind: CauseAPI})
	if err != nil || c2.CompanyID != "" {
		t.Errorf("free mail contact: company %q, %v", c2.CompanyID, err)
	}
	// A company name finds or creates the company.
	c3, err := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Email: Str("eva@summit.example"), CompanyName: Str("Summit Supplies")}, Cause{Kind: CauseAPI})
	if err != nil || c3.CompanyID == "" {
		t.Fatalf("contact with a new company name: %v", err)
	}
	summit, _ := f.svc.Company(ctx, f.ws, c3.CompanyID)
	if summit.Name != "Summit Supplies" || summit.Domain != "summit.example" {
		t.Errorf("created company = %+v", summit)
	}
	// Search finds contacts by their company's new name after a rename.
	if _, err := f.svc.UpdateCompany(ctx, f.actor, f.ws, co.ID, CompanyInput{Name: Str("Alpenwerk")}); err != nil {
		t.Fatal(err)
	}
	page, err := f.svc.Contacts(ctx, f.ws, ListQuery{Search: "alpenwerk"})
	if err != nil || page.Total != 1 || page.Items[0].ID != c1.ID {
		t.Errorf("search by the renamed company: %+v, %v", page, err)
	}
	got, _ := f.svc.Company(ctx, f.ws, co.ID)
	if got.Contacts != 1 {
		t.Errorf("company contacts = %d, want 1", got.Contacts)
	}
}

func TestDealsMoveThroughStages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c, err := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Email: Str("buyer@example.org"), LifecycleStage: Str("sql")}, Cause{Kind: CauseAPI})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.svc.CreateDeal(ctx, f.actor, f.ws, DealInput{Name: Str("Tents for the scouts"), Stage: Str("proposal"),
		Amount: new(12500.0), CloseDate: Str("2026-12-20"), ContactIDs: &[]string{c.ID}})
	if err != nil {
		t.Fatal(err)
	}
	// Proposal is 50 % in the default pipeline: 12,500 × 0.5.
	if d.StageName != "Proposal" || d.Weighted != 6250 || d.Currency != "EUR" || d.ClosedAt != nil {
		t.Errorf("deal = %+v", d)
	}
	won, err := f.svc.UpdateDeal(ctx, f.actor, f.ws, d.ID, DealInput{Stage: Str("Won")})
	if err != nil {
		t.Fatal(err)
	}
	if won.Outcome != Won || won.ClosedAt == nil || won.Weighted != 12500 {
		t.Errorf("won deal = %+v", won)
	}
	got, _ := f.svc.Contact(ctx, f.ws, c.ID)
	if got.LifecycleStage != "customer" {
		t.Errorf("contact of a won deal is %q, want customer", got.LifecycleStage)
	}
	tr, _ := f.svc.Transitions(ctx, f.ws, c.ID)
	if last := tr[len(tr)-1]; last.Cause != CauseDeal || last.CauseID != d.ID || last.From != "sql" {
		t.Errorf("last transition = %+v", last)
	}
	if _, err := f.svc.CreateDeal(ctx, f.actor, f.ws, DealInput{Name: Str("x"), Stage: Str("Signed"), Currency: Str("EURO"), ContactIDs: &[]string{"ct_nope"}}); len(fieldsOf(err)) != 3 {
		t.Errorf("bad deal: %v, want stage, currency and contact errors", err)
	}
}

func TestAnotherWorkspacesRecordsAreNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c, _ := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Email: Str("a@example.org")}, Cause{Kind: CauseAPI})
	co, _ := f.svc.CreateCompany(ctx, f.actor, f.ws, CompanyInput{Name: Str("A Inc")})
	d, _ := f.svc.CreateDeal(ctx, f.actor, f.ws, DealInput{Name: Str("A deal")})
	checks := map[string]error{}
	_, checks["get contact"] = f.svc.Contact(ctx, f.other, c.ID)
	_, checks["update contact"] = f.svc.UpdateContact(ctx, f.actor, f.other, c.ID, ContactInput{Title: Str("x")}, Cause{Kind: CauseAPI})
	checks["delete contact"] = f.svc.DeleteContact(ctx, f.actor, f.other, c.ID)
	_, checks["get company"] = f.svc.Company(ctx, f.other, co.ID)
	checks["delete company"] = f.svc.DeleteCompany(ctx, f.actor, f.other, co.ID)
	_, checks["get deal"] = f.svc.Deal(ctx, f.other, d.ID)
	_, checks["update deal"] = f.svc.UpdateDeal(ctx, f.actor, f.other, d.ID, DealInput{Name: Str("x")})
	_, checks["note on contact"] = f.svc.AddNote(ctx, f.actor, f.other, ObjContact, c.ID, "hello")
	for what, err := range checks {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s from workspace B: %v, want ErrNotFound", what, err)
		}
	}
	// Linking A's contact from B's deal is refused too.
	if _, err := f.svc.CreateDeal(ctx, f.actor, f.other, DealInput{Name: Str("B"), ContactIDs: &[]string{c.ID}, CompanyID: Str(co.ID)}); len(fieldsOf(err)) != 2 {
		t.Errorf("B's deal with A's contact and company: %v", err)
	}
	if got, err := f.svc.Contact(ctx, f.ws, c.ID); err != nil || got.Title != "" {
		t.Errorf("A's contact after B's attempts: %+v, %v", got, err)
	}
}

func TestContactListPagesInOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	names := []string{"Zoe", "adam", "Bea", "carl", "Dora", "Emil", "Finn", "Gus", "Hana", "Ida", "Jon"}
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	var i int
	f.svc.SetClock(func() time.Time { i++; return base.Add(time.Duration(i) * time.Minute) })
	for n, name := range names {
		stage := "lead"
		if n%3 == 0 {
			stage = "customer"
		}
		if _, err := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{FirstName: Str(name), LastName: Str("Test"),
			Email: Str(strings.ToLower(name) + "@example.org"), LifecycleStage: Str(stage)}, Cause{Kind: CauseAPI}); err != nil {
			t.Fatal(err)
		}
	}
	// By first name ascending, three at a time, only leads.
	var got []string
	q := ListQuery{Sort: "first_name", Limit: 3, Filters: map[string]string{"lifecycle_stage": "lead"}}
	for pages := 0; ; pages++ {
		p, err := f.svc.Contacts(ctx, f.ws, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 7 {
			t.Fatalf("total = %d, want 7", p.Total)
		}
		for _, c := range p.Items {
			got = append(got, c.FirstName)
		}
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	var want []string
	for n, name := range names {
		if n%3 != 0 {
			want = append(want, strings.ToUpper(name[:1])+name[1:])
		}
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
	// A cursor of one sort is refused by another; bad sorts and filters name themselves.
	p, _ := f.svc.Contacts(ctx, f.ws, ListQuery{Limit: 2})
	for _, bad := range []ListQuery{{Cursor: p.NextCursor, Sort: "email"}, {Cursor: "garbage"}, {Sort: "password"},
		{Filters: map[string]string{"salary": "1"}}} {
		if _, err := f.svc.Contacts(ctx, f.ws, bad); fieldsOf(err) == nil {
			t.Errorf("query %+v: err = %v, want a validation error", bad, err)
		}
	}
	// Newest first by default.
	p, _ = f.svc.Contacts(ctx, f.ws, ListQuery{Limit: 1})
	if p.Items[0].FirstName != "Jon" {
		t.Errorf("newest = %s, want Jon", p.Items[0].FirstName)
	}
}

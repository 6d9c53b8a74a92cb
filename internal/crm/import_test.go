package crm

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/crm/csvimport"
)

// hubspotContacts is a contact export as HubSpot writes it: a quoted
// newline in a field, a broken email, an owner by name, a repeated person.
const hubspotContacts = `Record ID,First Name,Last Name,Email,Phone Number,Job Title,Company Name,Lifecycle Stage,Contact owner,Shoe size,Favourite colour
101,anna,SCHMIDT,Anna.Schmidt@Alpine.example,030 1234567,"Head of
Growth",Alpine Gear,Lead,Olivia Owner,42,blue
102,Ben,Bauer,ben@,,,,Subscriber,,41,red
103,Cara,Conte,cara@summit.example,+39 06 1234 5678,Buyer,Summit,marketingqualifiedlead,,39,green
104,Anna,Schmidt,anna.schmidt@alpine.example,,CMO,Alpine Gear,Customer,,,
`

func TestImportContactsDryRunThenApply(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.DefineProperty(ctx, f.actor, f.ws, PropertyDef{Object: ObjContact, Label: "Shoe size", Type: PropNumber}); err != nil {
		t.Fatal(err)
	}
	existing, err := f.svc.CreateContact(ctx, f.actor, f.ws, ContactInput{Email: Str("cara@summit.example"), Title: Str("Intern")}, Cause{Kind: CauseManual})
	if err != nil {
		t.Fatal(err)
	}
	dry, err := f.svc.Import(ctx, f.actor, f.ws, strings.NewReader(hubspotContacts), ImportOptions{Kind: csvimport.Contacts, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	// Anna is created (line 2) and updated (line 5), Ben fails, Cara exists.
	if dry.Rows != 4 || dry.Created != 1 || dry.Updated != 2 || dry.Failed != 1 {
		t.Fatalf("dry run = %d rows, %d created, %d updated, %d failed; want 4, 1, 2, 1", dry.Rows, dry.Created, dry.Updated, dry.Failed)
	}
	if len(dry.Errors) != 1 || dry.Errors[0].Line != 4 || dry.Errors[0].Column != "email" {
		t.Errorf("dry run errors = %+v, want the email of line 4", dry.Errors)
	}
	if len(dry.Ignored) != 1 || dry.Ignored[0] != "Favourite colour" {
		t.Errorf("ignored columns = %v, want the undefined Favourite colour", dry.Ignored)
	}
	if p, _ := f.svc.Contacts(ctx, f.ws, ListQuery{}); p.Total != 1 {
		t.Fatalf("a dry run wrote: %d contacts", p.Total)
	}
	var progress []int
	rep, err := f.svc.Import(ctx, f.actor, f.ws, strings.NewReader(hubspotContacts), ImportOptions{Kind: csvimport.Contacts,
		Progress: func(n int) { progress = append(progress, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != dry.Created || rep.Updated != dry.Updated || rep.Failed != dry.Failed || len(progress) == 0 || progress[len(progress)-1] != 4 {
		t.Fatalf("import = %+v (progress %v), want the dry run's counts", rep, progress)
	}
	page, _ := f.svc.Contacts(ctx, f.ws, ListQuery{Sort: "email"})
	if page.Total != 2 {
		t.Fatalf("contacts after import = %d, want 2 (anna, cara)", page.Total)
	}
	anna, cara := page.Items[0], page.Items[1]
	if anna.Email != "anna.schmidt@alpine.example" || anna.FirstName != "Anna" || anna.LastName != "Schmidt" ||
		anna.Phone != "+49301234567" || anna.Title != "CMO" || anna.CompanyName != "Alpine Gear" ||
		anna.LifecycleStage != "customer" || anna.OwnerID != f.owner.ID || anna.Props["shoe_size"] != 42.0 || anna.ExternalID != "104" {
		t.Errorf("anna = %+v", anna)
	}
	if cara.ID != existing.ID || cara.Title != "Buyer" || cara.LifecycleStage != "mql" || cara.Phone != "+390612345678" {
		t.Errorf("cara = %+v", cara)
	}
	tr, _ := f.svc.Transitions(ctx, f.ws, anna.ID)
	if len(tr) != 2 || tr[0].To != "lead" || tr[1].To != "customer" || tr[1].Cause != CauseImport || tr[1].CauseID != rep.ID {
		t.Errorf("anna's transitions = %+v", tr)
	}
	// Importing the same file again doubles nothing.
	again, err := f.svc.Import(ctx, f.actor, f.ws, strings.NewReader(hubspotContacts), ImportOptions{Kind: csvimport.Contacts})
	if err != nil || again.Created != 0 || again.Updated != 3 {
		t.Errorf("second import = %+v, %v; want 0 created, 3 updated", again, err)
	}
}

func TestImportRefusesFilesItCannotRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for name, file := range map[string][]byte{
		"an Excel workbook":     append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0, 1, 2}, 100)...),
		"no identifying column": []byte("Shoe size,Colour\n42,blue\n"),
		"empty":                 nil,
	} {
		_, err := f.svc.Import(ctx, f.actor, f.ws, bytes.NewReader(file), ImportOptions{Kind: csvimport.Contacts})
		if fieldsOf(err) == nil {
			t.Errorf("%s: err = %v, want a validation error", name, err)
		}
	}
	// Windows-1252, as Excel on Windows saves it: decoded, not mangled.
	latin := []byte("Email;Last name\nm\xfcller@example.org;M\xfcller\n")
	rep, err := f.svc.Import(ctx, f.actor, f.ws, bytes.NewReader(latin), ImportOptions{Kind: csvimport.Contacts})
	if err != nil || rep.Created != 1 || rep.Encoding != "windows-1252" || rep.Delimiter != ";" {
		t.Fatalf("windows-1252 import = %+v, %v", rep, err)
	}
	p, _ := f.svc.Contacts(ctx, f.ws, ListQuery{})
	if p.Items[0].LastName != "Müller" || p.Items[0].Email != "müller@example.org" {
		t.Errorf("decoded contact = %+v", p.Items[0])
	}
}

func TestImportCompaniesThenDeals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	companies := "Account Name,Website,Industry,Employees,Account ID\nAlpine Gear,https://www.alpine.example,Retail,120,A1\nSummit,summit.example,Retail,x,A2\n"
	rep, err := f.svc.Import(ctx, f.actor, f.ws, strings.NewReader(companies), ImportOptions{Kind: csvimport.Companies})
	if err != nil || rep.Created != 1 || rep.Failed != 1 || rep.Errors[0].Column != "employees" {
		t.Fatalf("companies = %+v, %v", rep, err)
	}
	deals := "Opportunity Name,Amount,Stage,Close Date,Account Name,Opportunity ID\n" +
		"Tents,\"12,500.00\",Proposal,2026-12-20,Alpine Gear,O1\n" +
		"Ropes,300,Signed,2026-12-20,Alpine Gear,O2\n" +
		"Boots,900,Won,2026-11-02,Nobody Inc,O3\n"
	rep, err = f.svc.Import(ctx, f.actor, f.ws, strings.NewReader(deals), ImportOptions{Kind: csvimport.Deals})
	if err != nil || rep.Created != 1 || rep.Failed != 2 {
		t.Fatalf("deals = %+v, %v", rep, err)
	}
	p, _ := f.svc.Deals(ctx, f.ws, ListQuery{})
	if len(p.Items) != 1 || p.Items[0].Amount != 12500 || p.Items[0].StageName != "Proposal" || p.Items[0].CompanyID == "" {
		t.Errorf("imported deal = %+v", p.Items)
	}
}

// TestImportKeepsGoodRowsAroundABrokenOne: thousands of rows, with a
// broken one in the middle, arrive whole: every good row once, the broken
// one reported with its line, across several import transactions.
func TestImportKeepsGoodRowsAroundABrokenOne(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rep := importGenerated(t, f, 1500)
	if rep.Rows != 1500 || rep.Created != 1499 || rep.Failed != 1 || rep.Errors[0].Line != 752 {
		t.Fatalf("import = rows %d created %d failed %d errors %v", rep.Rows, rep.Created, rep.Failed, rep.Errors)
	}
	ctx := context.Background()
	p, _ := f.svc.Contacts(ctx, f.ws, ListQuery{Limit: 1})
	cos, _ := f.svc.Companies(ctx, f.ws, ListQuery{Limit: 1})
	if p.Total != 1499 || cos.Total != 150 {
		t.Errorf("%d contacts, %d companies; want 1,499 and 150", p.Total, cos.Total)
	}
}

// importGenerated imports n generated contacts at n/10 companies; row
// n/2 has a broken email.
func importGenerated(t testing.TB, f *fixture, n int) *ImportReport {
	var b strings.Builder
	b.WriteString("Email,First Name,Last Name,Phone Number,Company Name,Lifecycle Stage\n")
	for i := range n {
		if i == n/2 {
			b.WriteString("broken@,Bad,Row,,,Lead\n")
			continue
		}
		fmt.Fprintf(&b, "person%d@company%d.example,First%d,Last%d,+49 30 %07d,Company %d,Lead\n", i, i%(n/10), i, i, 1000000+i, i%(n/10))
	}
	rep, err := f.svc.Import(context.Background(), f.actor, f.ws, strings.NewReader(b.String()), ImportOptions{Kind: csvimport.Contacts})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// BenchmarkImport100kContacts reports how long 100,000 contact rows take
// (go test -run '^$' -bench Import100k ./internal/crm/).
func BenchmarkImport100kContacts(b *testing.B) {
	for b.Loop() {
		f := newFixture(b)
		start := time.Now()
		rep := importGenerated(b, f, 100000)
		b.ReportMetric(float64(rep.Rows)/time.Since(start).Seconds(), "rows/s")
	}
}

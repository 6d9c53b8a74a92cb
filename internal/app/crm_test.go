package app

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/platform/auth"
)

// TestCRMAPI: the contacts, companies and deals API over real HTTP: writes
// are normalised and validated with per-field errors, duplicates answer
// 409 naming the record that exists, bad bodies are refused without
// losing what was written, and another workspace's records are 404.
func TestCRMAPI(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.user(t, "owner@example.com")
	outsider := ta.user(t, "outsider@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Beta", outsider)
	read := ta.key(t, ws, auth.ScopeRead)
	write := ta.key(t, ws, auth.ScopeRead, auth.ScopeWrite)
	otherKey := ta.key(t, other, auth.ScopeRead, auth.ScopeWrite)
	hdr := func(k string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + k, "Content-Type": "application/json"}
	}
	created := ta.run(t, scenario{name: "create a contact", method: "POST", path: "/api/v1/contacts", headers: hdr(write),
		body:   `{"email":" Ines.Weber@Alpine-Gear.DE ","first_name":"ines","last_name":"WEBER","phone":"+49 89 1234567","lifecycle_stage":"MQL"}`,
		status: 201, want: []string{`"email":"ines.weber@alpine-gear.de"`, `"phone":"+49891234567"`, `"first_name":"Ines"`, `"lifecycle_stage":"mql"`}})
	var contact struct{ ID string }
	if err := json.Unmarshal([]byte(created), &contact); err != nil || contact.ID == "" {
		t.Fatalf("created contact: %s (%v)", created, err)
	}
	big := `{"email":"big@example.org","title":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, sc := range []scenario{
		{name: "duplicate email", method: "POST", path: "/api/v1/contacts", headers: hdr(write),
			body: `{"email":"INES.WEBER@alpine-gear.de"}`, status: 409, want: []string{`"existing_id":"` + contact.ID + `"`}},
		{name: "invalid fields are all named", method: "POST", path: "/api/v1/contacts", headers: hdr(write),
			body: `{"email":"ines@","phone":"12","properties":{"shoe_size":42}}`, status: 400,
			want: []string{`"field":"email"`, `"field":"phone"`, `"field":"properties.shoe_size"`}},
		{name: "malformed JSON", method: "POST", path: "/api/v1/contacts", headers: hdr(write), body: `{"email":`, status: 400},
		{name: "wrong type", method: "POST", path: "/api/v1/contacts", headers: hdr(write), body: `{"email":42}`, status: 400},
		{name: "huge payload", method: "POST", path: "/api/v1/contacts", headers: hdr(write), body: big, status: 413},
		{name: "read key cannot write", method: "POST", path: "/api/v1/contacts", headers: hdr(read), body: `{"email":"r@example.org"}`, status: 403},
		{name: "no key", method: "GET", path: "/api/v1/contacts", status: 401},
		{name: "get", method: "GET", path: "/api/v1/contacts/" + contact.ID, headers: hdr(read), status: 200, want: []string{"ines.weber@alpine-gear.de"}},
		{name: "another workspace's contact", method: "GET", path: "/api/v1/contacts/" + contact.ID, headers: hdr(otherKey), status: 404},
		{name: "another workspace cannot change it", method: "PATCH", path: "/api/v1/contacts/" + contact.ID, headers: hdr(otherKey),
			body: `{"title":"hacked"}`, status: 404},
		{name: "another workspace cannot delete it", method: "DELETE", path: "/api/v1/contacts/" + contact.ID, headers: hdr(otherKey), status: 404},
		{name: "patch one field", method: "PATCH", path: "/api/v1/contacts/" + contact.ID, headers: hdr(write),
			body: `{"title":"Head of Growth"}`, status: 200, want: []string{`"title":"Head of Growth"`, `"phone":"+49891234567"`}},
		{name: "list with a filter", method: "GET", path: "/api/v1/contacts?lifecycle_stage=mql&search=weber", headers: hdr(read), status: 200,
			want: []string{`"total":1`, contact.ID}, notWant: []string{"hacked"}},
		{name: "list with an unknown filter", method: "GET", path: "/api/v1/contacts?salary=1", headers: hdr(read), status: 400,
			want: []string{"not a filterable field"}},
		{name: "other workspace lists nothing", method: "GET", path: "/api/v1/contacts", headers: hdr(otherKey), status: 200,
			want: []string{`"total":0`}},
		{name: "company from a website", method: "POST", path: "/api/v1/companies", headers: hdr(write),
			body: `{"name":"Alpine Gear","website":"https://www.alpine-gear.de/"}`, status: 201, want: []string{`"domain":"alpine-gear.de"`}},
		{name: "company duplicate domain", method: "POST", path: "/api/v1/companies", headers: hdr(write),
			body: `{"domain":"alpine-gear.de"}`, status: 409},
		{name: "deal in the default pipeline", method: "POST", path: "/api/v1/deals", headers: hdr(write),
			body:   `{"name":"Winter tents","stage":"Negotiation","amount":8000,"contact_ids":["` + contact.ID + `"]}`,
			status: 201, want: []string{`"stage_name":"Negotiation"`, `"weighted_amount":6000`, `"currency":"EUR"`}},
		{name: "deal with another workspace's contact", method: "POST", path: "/api/v1/deals", headers: hdr(otherKey),
			body: `{"name":"x","contact_ids":["` + contact.ID + `"]}`, status: 400, want: []string{`"field":"contact_ids"`}},
		{name: "pipelines", method: "GET", path: "/api/v1/pipelines", headers: hdr(read), status: 200, want: []string{`"name":"Sales"`, `"outcome":"won"`}},
	} {
		ta.run(t, sc)
	}
	// Nothing accepted before the bad requests was lost.
	ta.run(t, scenario{name: "still one contact", method: "GET", path: "/api/v1/contacts", headers: hdr(read), status: 200,
		want: []string{`"total":1`, `"title":"Head of Growth"`}})
}

// TestCRMPages: the contacts, companies and deals pages: marketers add and
// edit records through CSRF-protected forms, viewers only read, contact
// exports need the export permission and hold what the list shows, and
// the board moves deals between stages.
func TestCRMPages(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	owner := ta.user(t, "owner@example.com")
	marketer := ta.user(t, "marketer@example.com")
	viewer := ta.user(t, "viewer@example.com")
	outsider := ta.user(t, "outsider@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Beta", outsider)
	for u, role := range map[*login]auth.Role{marketer: auth.RoleMarketer, viewer: auth.RoleViewer} {
		if err := ta.Auth.AddMember(ctx, auth.CLIActor(), ws.ID, u.user.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	base := "/w/" + ws.ID
	for _, sc := range []scenario{
		{name: "marketer adds a contact", method: "POST", path: base + "/contacts", session: marketer,
			form: url.Values{"email": {"Lena@Summit.example"}, "first_name": {"lena"}, "company_name": {"Summit Supplies"},
				"lifecycle_stage": {"lead"}, "consent_shown": {"1"}, "consent_email": {"on"}}, status: http.StatusSeeOther},
		{name: "invalid form shows the errors inline", method: "POST", path: base + "/contacts", session: marketer,
			form: url.Values{"email": {"lena@"}, "phone": {"12"}}, status: http.StatusUnprocessableEntity,
			want: []string{"Email is not a valid email address", "Phone is not a valid phone number", `value="lena@"`}},
		{name: "duplicate email", method: "POST", path: base + "/contacts", session: marketer,
			form: url.Values{"email": {"lena@summit.example"}}, status: http.StatusConflict, want: []string{"already exists"}},
		{name: "forged CSRF token", method: "POST", path: base + "/contacts", session: marketer,
			form: url.Values{"email": {"x@example.org"}, "csrf_token": {"forged"}}, status: http.StatusForbidden},
		{name: "viewer cannot add", method: "POST", path: base + "/contacts", session: viewer,
			form: url.Values{"email": {"v@example.org"}}, status: http.StatusForbidden},
		{name: "viewer sees the list", method: "GET", path: base + "/contacts", session: viewer, status: 200,
			want: []string{"Lena", "Summit Supplies", "1 contact"}, notWant: []string{"Add a contact", "Export CSV"}},
		{name: "search", method: "GET", path: base + "/contacts?search=summit", session: viewer, status: 200, want: []string{"Lena"}},
		{name: "search with no match", method: "GET", path: base + "/contacts?search=nobody", session: viewer, status: 200,
			want: []string{"No contacts match this view."}},
		{name: "marketer cannot export contacts", method: "GET", path: base + "/contacts.csv", session: marketer, status: http.StatusForbidden},
		{name: "another workspace's contacts", method: "GET", path: "/w/" + other.ID + "/contacts", session: owner, status: 404},
		{name: "companies list", method: "GET", path: base + "/companies", session: viewer, status: 200, want: []string{"Summit Supplies", "summit.example"}},
		{name: "deals board", method: "GET", path: base + "/deals", session: viewer, status: 200,
			want: []string{"Discovery", "Negotiation", "Won", "Forecast"}},
	} {
		ta.run(t, sc)
	}

	// The owner exports what the list shows; the numbers match the API.
	csvBody := ta.run(t, scenario{name: "owner exports contacts", method: "GET", path: base + "/contacts.csv?lifecycle_stage=lead", session: owner, status: 200})
	rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("export: %d rows, %v:\n%s", len(rows), err, csvBody)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if r := rows[1]; r[col["email"]] != "lena@summit.example" || r[col["first_name"]] != "Lena" || r[col["company_name"]] != "Summit Supplies" ||
		r[col["consent_email"]] != "true" || r[col["lifecycle_stage"]] != "lead" {
		t.Errorf("exported row = %v", r)
	}
	contactID := rows[1][col["id"]]

	// Contact page with its timeline; a note; an edit.
	ta.run(t, scenario{name: "contact page", method: "GET", path: base + "/contacts/" + contactID, session: viewer, status: 200,
		want: []string{"Lena", "Lifecycle stage: lead", "Email consent given"}, notWant: []string{"Edit contact"}})
	ta.run(t, scenario{name: "note", method: "POST", path: base + "/contacts/" + contactID + "/notes", session: marketer,
		form: url.Values{"body": {"Asked for a winter catalogue."}}, status: http.StatusSeeOther})
	ta.run(t, scenario{name: "edit", method: "POST", path: base + "/contacts/" + contactID, session: marketer,
		form:   url.Values{"first_name": {"Lena"}, "last_name": {"Vogel"}, "lifecycle_stage": {"sql"}, "email": {"lena@summit.example"}},
		status: http.StatusSeeOther})
	ta.run(t, scenario{name: "contact page after the edit", method: "GET", path: base + "/contacts/" + contactID, session: marketer, status: 200,
		want: []string{"Lena Vogel", "Asked for a winter catalogue.", "Lifecycle stage: lead → sql", "Edit contact"}})
	ta.run(t, scenario{name: "another workspace's contact page", method: "GET", path: "/w/" + other.ID + "/contacts/" + contactID, session: outsider, status: 404})

	// A deal moved on the board; a won deal makes its contact a customer.
	ps, err := ta.CRM.Pipelines(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	won, _ := ps[0].Stage("Won")
	ta.run(t, scenario{name: "add a deal", method: "POST", path: base + "/deals", session: marketer,
		form:   url.Values{"name": {"Summit order"}, "amount": {"1,250.50"}, "stage": {ps[0].Stages[0].ID}, "contact_ids": {contactID}},
		status: http.StatusSeeOther})
	deals, err := ta.CRM.Deals(ctx, ws.ID, crm.ListQuery{})
	if err != nil || len(deals.Items) != 1 || deals.Items[0].Amount != 1250.5 {
		t.Fatalf("deals = %+v, %v", deals, err)
	}
	ta.run(t, scenario{name: "move to won", method: "POST", path: base + "/deals/" + deals.Items[0].ID + "/stage", session: marketer,
		form: url.Values{"stage": {won.ID}}, status: http.StatusSeeOther})
	ta.run(t, scenario{name: "viewer cannot move", method: "POST", path: base + "/deals/" + deals.Items[0].ID + "/stage", session: viewer,
		form: url.Values{"stage": {ps[0].Stages[0].ID}}, status: http.StatusForbidden})
	c, err := ta.CRM.Contact(ctx, ws.ID, contactID)
	if err != nil || c.LifecycleStage != "customer" {
		t.Errorf("contact after the won deal: %+v, %v", c, err)
	}
	ta.run(t, scenario{name: "deal page", method: "GET", path: base + "/deals/" + deals.Items[0].ID, session: viewer, status: 200,
		want: []string{"Summit order", "1,250.50 EUR", "Discovery → Won"}})
}

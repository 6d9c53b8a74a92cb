package app

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/platform/auth"
)

// TestCRMDuplicatesAndQualityPages: the data-quality page counts what is
// wrong, the review queue finds the planted pair, a marketer merges it
// field by field and undoes the merge; viewers and other workspaces
// cannot.
func TestCRMDuplicatesAndQualityPages(t *testing.T) {
	ta := newTestApp(t)
	ctx := t.Context()
	owner := ta.user(t, "owner@example.com")
	viewer := ta.user(t, "viewer@example.com")
	outsider := ta.user(t, "outsider@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Beta", outsider)
	if err := ta.Auth.AddMember(ctx, auth.CLIActor(), ws.ID, viewer.user.ID, auth.RoleViewer); err != nil {
		t.Fatal(err)
	}
	mk := func(in crm.ContactInput) *crm.Contact {
		c, err := ta.CRM.CreateContact(ctx, auth.CLIActor(), ws.ID, in, crm.Cause{Kind: crm.CauseManual})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := mk(crm.ContactInput{Email: crm.Str("jo@acme.example"), FirstName: crm.Str("Jo"), LastName: crm.Str("Park"), Phone: crm.Str("+4915112345678")})
	b := mk(crm.ContactInput{Email: crm.Str("jo.park@gmail.com"), FirstName: crm.Str("Jo"), LastName: crm.Str("Park"),
		Phone: crm.Str("0151 12345678"), Title: crm.Str("CMO")})
	mk(crm.ContactInput{Phone: crm.Str("+4930123456")}) // no email, no name
	base := "/w/" + ws.ID

	ta.run(t, scenario{name: "quality before the scan", method: "GET", path: base + "/data-quality", session: viewer, status: 200,
		want: []string{"3 contacts", "Contacts without a name", "Possible duplicate contacts"}})
	ta.run(t, scenario{name: "viewer cannot scan", method: "POST", path: base + "/contacts/duplicates/scan", session: viewer,
		form: url.Values{}, status: http.StatusForbidden})
	ta.run(t, scenario{name: "scan", method: "POST", path: base + "/contacts/duplicates/scan", session: owner, form: url.Values{}, status: http.StatusSeeOther})
	ta.run(t, scenario{name: "queue", method: "GET", path: base + "/contacts/duplicates", session: owner, status: 200,
		want: []string{"1 pairs to review", "jo.park@gmail.com", "same phone"}})
	page := ta.run(t, scenario{name: "quality after the scan", method: "GET", path: base + "/data-quality", session: owner, status: 200})
	if !regexp.MustCompile(`data-issue="duplicates">\s*<td><a[^>]*>Possible duplicate contacts</a></td>\s*<td class="num" data-count>1</td>`).MatchString(page) ||
		!regexp.MustCompile(`data-issue="no_name">\s*<td><a[^>]*>Contacts without a name</a></td>\s*<td class="num" data-count>1</td>`).MatchString(page) ||
		!regexp.MustCompile(`data-issue="no_company">\s*<td><a[^>]*>Contacts without a company</a></td>\s*<td class="num" data-count>3</td>`).MatchString(page) {
		t.Errorf("quality counts are wrong:\n%s", page)
	}
	ta.run(t, scenario{name: "the empty filter link lists the nameless contact", method: "GET",
		path: base + "/contacts?first_name=:empty&last_name=:empty", session: owner, status: 200, want: []string{"1 contact", "4930123456"}})

	x, y := a.ID, b.ID
	if x > y {
		x, y = y, x
	}
	pair := base + "/contacts/duplicates/" + x + "/" + y
	ta.run(t, scenario{name: "review page", method: "GET", path: pair, session: owner, status: 200,
		want: []string{"Merge Jo Park and Jo Park?", `name="keep.title"`, "CMO", "(the same)"}})
	ta.run(t, scenario{name: "outsider cannot review", method: "GET", path: "/w/" + other.ID + "/contacts/duplicates/" + x + "/" + y,
		session: outsider, status: 404})
	ta.run(t, scenario{name: "viewer cannot merge", method: "POST", path: pair + "/merge", session: viewer,
		form: url.Values{"survivor": {"a"}}, status: http.StatusForbidden})
	// Keep a's record; take b's title.
	side := "b"
	if x == b.ID {
		side = "a"
	}
	survivor := "a"
	if x != a.ID {
		survivor = "b"
	}
	ta.run(t, scenario{name: "merge", method: "POST", path: pair + "/merge", session: owner,
		form: url.Values{"survivor": {survivor}, "keep.title": {side}}, status: http.StatusSeeOther})
	c, err := ta.CRM.Contact(ctx, ws.ID, a.ID)
	if err != nil || c.Title != "CMO" || c.Email != "jo@acme.example" {
		t.Fatalf("after merge: %+v, %v", c, err)
	}
	if _, err := ta.CRM.Contact(ctx, ws.ID, b.ID); err == nil {
		t.Fatal("the merged contact still exists")
	}
	merges := ta.run(t, scenario{name: "merges page", method: "GET", path: base + "/contacts/merges", session: owner, status: 200,
		want: []string{"jo.park@gmail.com", "title", "Undo"}})
	undo := regexp.MustCompile(`action="([^"]+/undo)"`).FindStringSubmatch(merges)
	if undo == nil {
		t.Fatal("no undo form")
	}
	ta.run(t, scenario{name: "outsider cannot undo", method: "POST", path: strings.Replace(undo[1], ws.ID, other.ID, 1), session: outsider,
		form: url.Values{}, status: 404})
	ta.run(t, scenario{name: "undo", method: "POST", path: undo[1], session: owner, form: url.Values{}, status: http.StatusSeeOther})
	if c, err := ta.CRM.Contact(ctx, ws.ID, b.ID); err != nil || c.Title != "CMO" {
		t.Fatalf("restored: %+v, %v", c, err)
	}
	if c, _ := ta.CRM.Contact(ctx, ws.ID, a.ID); c.Title != "" {
		t.Fatalf("survivor after undo: %+v", c)
	}
	ta.run(t, scenario{name: "undo again", method: "POST", path: undo[1], session: owner, form: url.Values{}, status: http.StatusSeeOther})
	ta.run(t, scenario{name: "merges page after undo", method: "GET", path: base + "/contacts/merges", session: owner, status: 200,
		want: []string{"undone"}})

	key := ta.key(t, ws, auth.ScopeRead, auth.ScopeWrite)
	otherKey := ta.key(t, other, auth.ScopeRead, auth.ScopeWrite)
	hdr := func(k string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + k, "Content-Type": "application/json"}
	}
	for _, sc := range []scenario{
		{name: "API duplicates", method: "GET", path: "/api/v1/contacts/duplicates", headers: hdr(key), status: 200, want: []string{`"same_phone"`}},
		{name: "API quality", method: "GET", path: "/api/v1/data-quality", headers: hdr(key), status: 200, want: []string{`"key":"no_name","label":"Contacts without a name","count":1`}},
		{name: "API merge from another workspace", method: "POST", path: "/api/v1/contacts/merge", headers: hdr(otherKey),
			body: `{"survivor_id":"` + a.ID + `","other_id":"` + b.ID + `"}`, status: 404},
		{name: "API merge with a bad choice", method: "POST", path: "/api/v1/contacts/merge", headers: hdr(key),
			body: `{"survivor_id":"` + a.ID + `","other_id":"` + b.ID + `","choose":{"title":"mine"}}`, status: 400, want: []string{`"field":"choose.title"`}},
		{name: "API merge with malformed JSON", method: "POST", path: "/api/v1/contacts/merge", headers: hdr(key), body: `{"survivor_id":`, status: 400},
		{name: "API merge", method: "POST", path: "/api/v1/contacts/merge", headers: hdr(key),
			body: `{"survivor_id":"` + b.ID + `","other_id":"` + a.ID + `"}`, status: 200, want: []string{`"survivor_id":"` + b.ID + `"`}},
	} {
		ta.run(t, sc)
	}
}

// TestCRMSavedViewsAndBulkEdit: a saved view reopens its filters; bulk
// edit changes every selected contact in one go, or none when one of
// them is another workspace's.
func TestCRMSavedViewsAndBulkEdit(t *testing.T) {
	ta := newTestApp(t)
	ctx := t.Context()
	owner := ta.user(t, "owner@example.com")
	outsider := ta.user(t, "outsider@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Beta", outsider)
	var ids []string
	for _, e := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		c, err := ta.CRM.CreateContact(ctx, auth.CLIActor(), ws.ID, crm.ContactInput{Email: crm.Str(e), LifecycleStage: crm.Str("mql")}, crm.Cause{Kind: crm.CauseManual})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	foreign, err := ta.CRM.CreateContact(ctx, auth.CLIActor(), other.ID, crm.ContactInput{Email: crm.Str("x@example.org")}, crm.Cause{Kind: crm.CauseManual})
	if err != nil {
		t.Fatal(err)
	}
	base := "/w/" + ws.ID
	loc := postAndFollow(t, ta, owner, base+"/views/contacts", url.Values{"name": {"MQLs"}, "query": {"lifecycle_stage=mql&sort=email"}})
	if !strings.Contains(loc, "lifecycle_stage=mql") || !strings.Contains(loc, "view=sv_") {
		t.Fatalf("saved view redirect: %s", loc)
	}
	ta.run(t, scenario{name: "the view is listed and opens", method: "GET", path: loc, session: owner, status: 200,
		want: []string{">MQLs</a>", "3 contacts match this view", `Delete the view “MQLs”`}})
	ta.run(t, scenario{name: "a view with a bad filter is refused", method: "POST", path: base + "/views/contacts", session: owner,
		form: url.Values{"name": {"Bad"}, "query": {"salary=1"}}, status: http.StatusSeeOther})
	if vs, _ := ta.CRM.SavedViews(ctx, ws.ID, "contacts"); len(vs) != 1 {
		t.Fatalf("views = %+v", vs)
	}
	ta.run(t, scenario{name: "another workspace sees no view", method: "GET", path: "/w/" + other.ID + "/contacts", session: outsider, status: 200,
		notWant: []string{">MQLs</a>"}})

	ta.run(t, scenario{name: "bulk edit with another workspace's contact", method: "POST", path: base + "/contacts/bulk", session: owner,
		form: url.Values{"ids": {ids[0], foreign.ID}, "lead_status": {"open"}}, status: http.StatusSeeOther})
	if c, _ := ta.CRM.Contact(ctx, ws.ID, ids[0]); c.LeadStatus != "" {
		t.Fatalf("a failed bulk edit changed a contact: %+v", c)
	}
	ta.run(t, scenario{name: "bulk edit", method: "POST", path: base + "/contacts/bulk", session: owner,
		form: url.Values{"ids": {ids[0], ids[2]}, "lead_status": {"open"}, "lifecycle_stage": {"sql"}, "owner_id": {owner.user.ID}}, status: http.StatusSeeOther})
	for i, id := range ids {
		c, err := ta.CRM.Contact(ctx, ws.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		changed := i != 1
		if (c.LeadStatus == "open") != changed || (c.LifecycleStage == "sql") != changed || (c.OwnerID == owner.user.ID) != changed {
			t.Errorf("contact %d after the bulk edit: %+v", i, c)
		}
	}
	if c, _ := ta.CRM.Contact(ctx, other.ID, foreign.ID); c.LeadStatus != "" {
		t.Errorf("the other workspace's contact changed: %+v", c)
	}
}

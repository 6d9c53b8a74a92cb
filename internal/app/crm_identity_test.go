package app

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/platform/auth"
)

// TestIdentifyMakesContacts: an identify call through the Segment API
// turns the visitor into a contact within seconds, with the visitor's
// earlier anonymous visit as its first touch and on its timeline; an
// alias joins another id; a call with a malformed email is passed over
// without holding up the next one; another workspace sees none of it.
func TestIdentifyMakesContacts(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Beta", owner)
	site := ta.site(t, ws, "acme.example")
	wk := basic(site.WriteKey)
	start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	ts := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }
	for _, c := range []struct{ path, body string }{
		{"/v1/page", `{"anonymousId":"anon-1","messageId":"p1","timestamp":"` + ts(0) + `","properties":{"url":"https://acme.example/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=winter"}}`},
		{"/v1/track", `{"anonymousId":"anon-1","messageId":"t1","timestamp":"` + ts(time.Minute) + `","event":"Signup","properties":{"list":"newsletter"}}`},
		{"/v1/identify", `{"anonymousId":"anon-1","userId":"u-42","messageId":"i1","timestamp":"` + ts(2*time.Minute) + `","traits":{"email":"Ann.Lee@Example.com","firstName":"ann","lastName":"lee","company":{"name":"Lee Outdoor"}}}`},
		{"/v1/identify", `{"anonymousId":"anon-9","messageId":"i2","timestamp":"` + ts(3*time.Minute) + `","traits":{"email":"not-an-email"}}`},
		{"/v1/alias", `{"previousId":"old-device","userId":"u-42","messageId":"a1","timestamp":"` + ts(4*time.Minute) + `"}`},
		{"/v1/identify", `{"anonymousId":"anon-3","messageId":"i3","timestamp":"` + ts(5*time.Minute) + `","traits":{"email":"bo@example.org","name":"Bo Berg"}}`},
	} {
		if status, resp, _ := ta.segment(t, c.path, c.body, wk); status != 200 {
			t.Fatalf("%s: %d %s", c.path, status, resp)
		}
	}
	ta.waitLoaded(t)
	var page *crm.Page[crm.Contact]
	deadline := time.Now().Add(5 * time.Second)
	for {
		var err error
		if page, err = ta.CRM.Contacts(ctx, ws.ID, crm.ListQuery{Sort: "email"}); err != nil {
			t.Fatal(err)
		}
		if page.Total >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if page.Total != 2 {
		t.Fatalf("contacts = %d, want 2 (ann and bo; the malformed email passed over)", page.Total)
	}
	ann, bo := page.Items[0], page.Items[1]
	if ann.Email != "ann.lee@example.com" || ann.FirstName != "Ann" || ann.LastName != "Lee" || ann.CompanyName != "Lee Outdoor" ||
		ann.Source != crm.CauseIdentify || ann.LifecycleStage != "subscriber" {
		t.Errorf("ann = %+v", ann)
	}
	if want := (crm.Touch{Channel: "Email", Source: "newsletter", Campaign: "winter"}); ann.FirstTouch != want {
		t.Errorf("ann's first touch = %+v, want %+v", ann.FirstTouch, want)
	}
	if bo.FirstName != "Bo" || bo.LastName != "Berg" {
		t.Errorf("bo = %+v", bo)
	}
	ids, err := ta.CRM.Identities(ctx, ws.ID, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, i := range ids {
		have[i.Kind+":"+i.Value] = true
	}
	for _, want := range []string{"visitor:anon-1", "user:u-42", "user:old-device", "visitor:old-device"} {
		if !have[want] {
			t.Errorf("ann lacks identity %s; has %v", want, have)
		}
	}
	tl, err := ta.CRM.Timeline(ctx, ws.ID, crm.ObjContact, ann.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, it := range tl {
		kinds[it.Kind]++
	}
	if kinds["visit"] != 1 || kinds["event"] != 1 || kinds["stage"] != 1 {
		t.Errorf("timeline kinds = %v, want one visit, one event (Signup), one stage", kinds)
	}
	// A second identify of the same person updates, never doubles.
	if status, resp, _ := ta.segment(t, "/v1/identify", `{"userId":"u-42","messageId":"i4","traits":{"title":"Buyer"}}`, wk); status != 200 {
		t.Fatalf("identify: %d %s", status, resp)
	}
	ta.waitLoaded(t)
	deadline = time.Now().Add(5 * time.Second)
	for {
		c, err := ta.CRM.Contact(ctx, ws.ID, ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Title == "Buyer" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ann's title after the second identify = %q", c.Title)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p, _ := ta.CRM.Contacts(ctx, ws.ID, crm.ListQuery{}); p.Total != 2 {
		t.Errorf("contacts after a repeated identify = %d, want 2", p.Total)
	}
	if p, _ := ta.CRM.Contacts(ctx, other.ID, crm.ListQuery{}); p.Total != 0 {
		t.Errorf("the other workspace has %d contacts", p.Total)
	}

	// GDPR: the export holds ann's events; erasing her pseudonymises them
	// and keeps the counts.
	key := ta.key(t, ws, auth.ScopeRead, auth.ScopeWrite)
	otherKey := ta.key(t, other, auth.ScopeRead, auth.ScopeWrite)
	bearer := map[string]string{"Authorization": "Bearer " + key}
	ta.run(t, scenario{name: "personal data", method: "GET", path: "/api/v1/contacts/" + ann.ID + "/personal-data", headers: bearer,
		status: 200, want: []string{`"email":"ann.lee@example.com"`, `"name":"Signup"`, `"path":"/pricing"`, `"utm_campaign":"winter"`, `"value":"u-42"`}})
	ta.run(t, scenario{name: "another workspace's personal data", method: "GET", path: "/api/v1/contacts/" + ann.ID + "/personal-data",
		headers: map[string]string{"Authorization": "Bearer " + otherKey}, status: 404})
	ta.run(t, scenario{name: "another workspace cannot erase", method: "POST", path: "/api/v1/contacts/" + ann.ID + "/erase",
		headers: map[string]string{"Authorization": "Bearer " + otherKey}, status: 404})
	var before int
	if err := ta.DB.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE site_id = ?", site.ID).Scan(&before); err != nil {
		t.Fatal(err)
	}
	// Five identities: the four above and visitor u-42 (the visitor id of
	// the identify that had only a userId). Five events: her pageview,
	// Signup and identify as anon-1, the alias and the second identify.
	ta.run(t, scenario{name: "erase", method: "POST", path: "/api/v1/contacts/" + ann.ID + "/erase", headers: bearer, status: 200,
		want: []string{`"identities":5`, `"events_pseudonymised":5`, `"visits_pseudonymised":1`}})
	var after, linked, traits int
	if err := ta.DB.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE visitor_id IN ('anon-1', 'old-device') OR user_id IN ('u-42', 'old-device')),
		count(*) FILTER (WHERE traits LIKE '%ann%' OR traits LIKE '%Ann%') FROM events WHERE site_id = ?`, site.ID).Scan(&after, &linked, &traits); err != nil {
		t.Fatal(err)
	}
	if after != before || linked != 0 || traits != 0 {
		t.Errorf("events after erasure: %d (before %d), %d still linked, %d with traits", after, before, linked, traits)
	}
	if _, err := ta.CRM.Contact(ctx, ws.ID, ann.ID); err == nil {
		t.Error("ann is still a contact")
	}
	var leaked int
	if err := ta.DB.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE target_id = ? AND (before_json LIKE '%ann.lee%' OR after_json LIKE '%ann.lee%')`,
		ann.ID).Scan(&leaked); err != nil || leaked != 0 {
		t.Errorf("%d audit entries still hold ann's email (%v)", leaked, err)
	}
	ta.run(t, scenario{name: "erased contact", method: "GET", path: "/api/v1/contacts/" + ann.ID, headers: bearer, status: 404})
}

// TestTrackerIdentify: mops.identify from the tracker (an "identify"
// event on /api/event) makes the visitor a contact, with the pageview
// the same browser sent before on its timeline.
func TestTrackerIdentify(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	ta.site(t, ws, "acme.example")
	const ua = "Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0"
	for _, body := range []string{
		`{"n":"pageview","u":"https://acme.example/pricing?utm_source=google&utm_medium=cpc&utm_campaign=tents","d":"acme.example","r":null}`,
		`{"n":"identify","u":"https://acme.example/pricing","d":"acme.example","i":true,"p":{"id":"u-7","email":"Kim@Example.org","firstName":"kim"}}`,
	} {
		if status, _, resp := ta.postEvent(t, body, "text/plain", ua); status != http.StatusAccepted {
			t.Fatalf("%s: %d %s", body, status, resp)
		}
	}
	ta.waitLoaded(t)
	deadline := time.Now().Add(5 * time.Second)
	var page *crm.Page[crm.Contact]
	for {
		var err error
		if page, err = ta.CRM.Contacts(ctx, ws.ID, crm.ListQuery{}); err != nil {
			t.Fatal(err)
		}
		if page.Total > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if page.Total != 1 {
		t.Fatalf("contacts = %d, want 1", page.Total)
	}
	kim := page.Items[0]
	if kim.Email != "kim@example.org" || kim.FirstName != "Kim" || kim.FirstTouch.Campaign != "tents" || kim.FirstTouch.Channel != "Paid Search" {
		t.Errorf("kim = %+v", kim)
	}
	ids, err := ta.CRM.Identities(ctx, ws.ID, kim.ID)
	if err != nil || len(ids) != 2 {
		t.Fatalf("identities = %+v, %v (want the visitor and user u-7)", ids, err)
	}
	tl, err := ta.CRM.Timeline(ctx, ws.ID, crm.ObjContact, kim.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	visits := 0
	for _, it := range tl {
		if it.Kind == "visit" {
			visits++
		}
	}
	if visits != 1 {
		t.Errorf("timeline = %+v, want the visit", tl)
	}
}

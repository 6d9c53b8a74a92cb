package app

import (
	"context"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/crm"
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
}

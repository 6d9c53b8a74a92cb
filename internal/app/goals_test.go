package app

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/mopshq/mops/internal/platform/auth"
)

// TestGoalsPagesAndAPI: goals are managed by analysts and above, through
// the site's goals page (CSRF-protected) or the API; another workspace's
// site is out of reach; the stats query and dashboard query count them.
func TestGoalsPagesAndAPI(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	owner := ta.user(t, "owner@example.com")
	viewer := ta.user(t, "viewer@example.com")
	outsider := ta.user(t, "outsider@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Beta", outsider)
	if err := ta.Auth.AddMember(ctx, auth.CLIActor(), ws.ID, viewer.user.ID, auth.RoleViewer); err != nil {
		t.Fatal(err)
	}
	site := ta.site(t, ws, "acme.example")
	otherSite := ta.site(t, other, "beta.example")
	read := ta.key(t, ws, auth.ScopeRead)
	write := ta.key(t, ws, auth.ScopeRead, auth.ScopeWrite)
	jsonKey := func(k string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + k, "Content-Type": "application/json"}
	}
	goalsPath := "/w/" + ws.ID + "/sites/" + site.ID + "/goals"

	for _, sc := range []scenario{
		{name: "owner adds a page goal", method: "POST", path: goalsPath, session: owner,
			form: url.Values{"kind": {"page"}, "page_path": {"/thank-you"}}, status: http.StatusSeeOther},
		{name: "forged CSRF token", method: "POST", path: goalsPath, session: owner,
			form: url.Values{"kind": {"event"}, "event_name": {"Forged"}, "csrf_token": {"forged"}}, status: http.StatusForbidden},
		{name: "bad goal shows the error", method: "POST", path: goalsPath, session: owner,
			form: url.Values{"kind": {"page"}, "page_path": {"thank-you"}}, status: http.StatusUnprocessableEntity, want: []string{"must start with /"}},
		{name: "viewer cannot add", method: "POST", path: goalsPath, session: viewer,
			form: url.Values{"kind": {"event"}, "event_name": {"Signup"}}, status: http.StatusForbidden},
		{name: "viewer sees goals", method: "GET", path: goalsPath, session: viewer, status: 200,
			want: []string{"Visit /thank-you"}, notWant: []string{"Add a goal", "Forged"}},
		{name: "API creates a revenue goal", method: "POST", path: "/api/v1/sites/" + site.ID + "/goals", headers: jsonKey(write),
			body: `{"event_name":"Order Completed","currency":"EUR"}`, status: 201, want: []string{`"display_name":"Order Completed"`, `"currency":"EUR"`}},
		{name: "API refuses a duplicate", method: "POST", path: "/api/v1/sites/" + site.ID + "/goals", headers: jsonKey(write),
			body: `{"event_name":"Order Completed"}`, status: 409},
		{name: "API refuses malformed JSON", method: "POST", path: "/api/v1/sites/" + site.ID + "/goals", headers: jsonKey(write),
			body: `{"event_name":`, status: 400},
		{name: "read key cannot create", method: "POST", path: "/api/v1/sites/" + site.ID + "/goals", headers: jsonKey(read),
			body: `{"event_name":"Signup"}`, status: 403},
		{name: "API lists, site by domain", method: "GET", path: "/api/v1/sites/acme.example/goals", headers: jsonKey(read), status: 200,
			want: []string{"Order Completed", "Visit /thank-you"}},
		{name: "another workspace's site through the API", method: "GET", path: "/api/v1/sites/" + otherSite.ID + "/goals", headers: jsonKey(read), status: 404},
		{name: "another workspace's site by domain", method: "GET", path: "/api/v1/sites/beta.example/goals", headers: jsonKey(read), status: 404},
		{name: "another workspace's goals page", method: "GET", path: "/w/" + other.ID + "/sites/" + otherSite.ID + "/goals", session: owner, status: 404},
		{name: "another workspace's site under own workspace", method: "POST", path: "/w/" + ws.ID + "/sites/" + otherSite.ID + "/goals", session: owner,
			form: url.Values{"kind": {"event"}, "event_name": {"X"}}, status: 404},
	} {
		ta.run(t, sc)
	}

	// A conversion, read back through the dashboard's query route.
	for _, body := range []string{
		`{"n":"pageview","u":"https://acme.example/","d":"acme.example"}`,
		`{"n":"pageview","u":"https://acme.example/thank-you","d":"acme.example"}`,
	} {
		if status, _, b := ta.postEvent(t, body, "text/plain", chromeUA); status != http.StatusAccepted {
			t.Fatalf("event: %d %s", status, b)
		}
	}
	ta.waitLoaded(t)
	query := `{"metrics":["visitors","conversion_rate"],"date_range":"day","dimensions":["event:goal"]}`
	memberQuery := "/w/" + ws.ID + "/sites/" + site.ID + "/query"
	ta.run(t, scenario{name: "dashboard query", method: "POST", path: memberQuery, session: viewer, body: query,
		headers: map[string]string{"X-CSRF-Token": viewer.csrf, "Content-Type": "application/json"},
		status:  200, want: []string{`{"dimensions":["Visit /thank-you"],"metrics":[1,100]}`}})
	ta.run(t, scenario{name: "dashboard query without CSRF", method: "POST", path: memberQuery, session: viewer, body: query,
		headers: map[string]string{"Content-Type": "application/json"}, status: http.StatusForbidden})
	ta.run(t, scenario{name: "dashboard query by an outsider", method: "POST", path: memberQuery, session: outsider, body: query,
		headers: map[string]string{"X-CSRF-Token": outsider.csrf, "Content-Type": "application/json"}, status: http.StatusNotFound})
	ta.run(t, scenario{name: "dashboard query naming another site", method: "POST", path: memberQuery, session: viewer,
		body:    `{"site_id":"beta.example","metrics":["visitors"],"date_range":"day"}`,
		headers: map[string]string{"X-CSRF-Token": viewer.csrf, "Content-Type": "application/json"}, status: http.StatusBadRequest})

	ta.run(t, scenario{name: "owner sees the delete buttons", method: "GET", path: goalsPath, session: owner, status: 200, want: []string{"Delete"}})
	gs, err := ta.Goals.List(ctx, site.ID)
	if err != nil || len(gs) != 2 {
		t.Fatalf("goals: %+v %v", gs, err)
	}
	ta.run(t, scenario{name: "delete", method: "POST", path: goalsPath + "/" + gs[0].ID + "/delete", session: owner, form: url.Values{},
		status: http.StatusSeeOther})
	ta.run(t, scenario{name: "API delete of a deleted goal", method: "DELETE", path: "/api/v1/sites/" + site.ID + "/goals/" + gs[0].ID,
		headers: jsonKey(write), status: 404})
	ta.run(t, scenario{name: "API delete", method: "DELETE", path: "/api/v1/sites/" + site.ID + "/goals/" + gs[1].ID,
		headers: jsonKey(write), status: 204})
}

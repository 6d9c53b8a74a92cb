package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// firstOwner is the account first-run setup creates in the browser tests.
var firstOwner = struct{ Name, Email, Password string }{"Olga Owner", "olga@acme.example", "correct horse battery"}

// TestSetupLoginWorkspaceSiteKeyAudit walks the first day of an owner:
// first-run setup, logout and login, a workspace, a site, an API key that
// works for a script until it is revoked, and the audit log of all of it.
func TestSetupLoginWorkspaceSiteKeyAudit(t *testing.T) {
	base, _ := startAppServer(t)
	p := newTab(t, base)

	p.setUpOwner()
	p.logOut()
	p.expectStatus(p.logIn(firstOwner.Email, firstOwner.Password), http.StatusOK, "logging in")
	p.expectPath(`/workspaces`)

	ws := p.createWorkspace("Acme Outdoor")

	// Add a site.
	p.fill("#domain", "acme.example")
	p.fill("#timezone", "Europe/Berlin")
	p.fill("#currency", "EUR")
	p.expectStatus(p.submit(`form[action="/w/`+ws+`/sites"] button[type=submit]`), http.StatusOK, "adding a site")
	p.expectPath(`/w/` + ws + `/sites/[^/]+`)
	p.expectText("Site acme.example added.")
	if snippet := p.textOf("#snippet"); !strings.Contains(snippet, `data-domain="acme.example"`) {
		t.Fatalf("snippet = %q, want it to contain data-domain=\"acme.example\"", snippet)
	}
	if tz, cur := p.valueOf("#timezone"), p.valueOf("#currency"); tz != "Europe/Berlin" || cur != "EUR" {
		t.Fatalf("site settings show time zone %q, currency %q; want Europe/Berlin, EUR", tz, cur)
	}

	// Create a read key; its secret is shown once.
	p.clickNav("API keys")
	p.expectPath(`/w/` + ws + `/api-keys`)
	p.fill("#key-name", "CI export")
	if got := p.checkedScopes(); !slices.Equal(got, []string{"read"}) {
		t.Fatalf("scopes checked by default = %v, want [read]", got)
	}
	p.expectStatus(p.submit(`form[action$="/api-keys"] button[type=submit]`), http.StatusOK, "creating a key")
	secret := p.textOf("#new-key")
	if !strings.HasPrefix(secret, "mops_") {
		t.Fatalf("new key secret = %q, want it to start with mops_", secret)
	}

	// A script can use it.
	status, body := scriptGet(t, base, "/api/v1/sites", secret)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/sites with the new key: status %d, body %s", status, body)
	}
	var list struct {
		Sites []struct {
			Domain   string `json:"domain"`
			Timezone string `json:"timezone"`
			Currency string `json:"currency"`
		} `json:"sites"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("GET /api/v1/sites: %v in %s", err, body)
	}
	if len(list.Sites) != 1 || list.Sites[0].Domain != "acme.example" ||
		list.Sites[0].Timezone != "Europe/Berlin" || list.Sites[0].Currency != "EUR" {
		t.Fatalf("GET /api/v1/sites = %+v, want only acme.example (Europe/Berlin, EUR)", list.Sites)
	}

	// The secret is never shown again.
	p.expectStatus(p.open("/w/"+ws+"/api-keys"), http.StatusOK, "the API keys page")
	if page := p.bodyText(); strings.Contains(page, secret) {
		t.Fatalf("the API keys page still shows the secret after a reload")
	} else if !strings.Contains(page, "CI export") {
		t.Fatalf("the API keys page does not list the key CI export")
	}

	// Everything so far is in the audit log, done by the owner.
	p.clickNav("Audit log")
	p.expectPath(`/w/` + ws + `/audit`)
	p.expectAudited(firstOwner.Email, "workspace.create", "site.create", "apikey.create")

	// Revoke the key, confirming the browser's dialog.
	p.clickNav("API keys")
	dialogs := p.acceptDialogs()
	p.expectStatus(p.submit(`form[action$="/revoke"] button[type=submit]`), http.StatusOK, "revoking the key")
	select {
	case msg := <-dialogs:
		if want := "Revoke CI export? Scripts using it will stop working."; msg != want {
			t.Errorf("confirm dialog said %q, want %q", msg, want)
		}
	default:
		t.Errorf("revoking asked for no confirmation")
	}
	p.expectPath(`/w/` + ws + `/api-keys`)
	p.expectText("Key CI export revoked.")
	if badge := p.textOf(".badge.red"); !strings.HasPrefix(badge, "revoked") {
		t.Fatalf("key status = %q, want revoked", badge)
	}
	if status, body := scriptGet(t, base, "/api/v1/sites", secret); status != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/sites with the revoked key: status %d, body %s; want 401", status, body)
	}

	p.clickNav("Audit log")
	p.expectAudited(firstOwner.Email, "apikey.revoke")
}

// TestLoginErrorsShownInline checks that bad input re-renders the form
// with a message instead of an error page.
func TestLoginErrorsShownInline(t *testing.T) {
	base, _ := startAppServer(t)
	p := newTab(t, base)

	p.setUpOwner()
	p.logOut()

	p.expectStatus(p.logIn(firstOwner.Email, "not the password"), http.StatusUnauthorized, "a wrong password")
	p.expectPath(`/login`)
	if msg := p.textOf(".alert.error"); msg != "Wrong email or password." {
		t.Fatalf("login error = %q, want %q", msg, "Wrong email or password.")
	}
	if email := p.valueOf("#email"); email != firstOwner.Email {
		t.Errorf("after a failed login the email field holds %q, want %q", email, firstOwner.Email)
	}
	if pw := p.valueOf("#password"); pw != "" {
		t.Errorf("after a failed login the password field is filled in")
	}

	p.expectStatus(p.logIn(firstOwner.Email, firstOwner.Password), http.StatusOK, "logging in")
	p.expectPath(`/workspaces`)

	for _, name := range []string{"", "   "} {
		p.fill("#ws-name", name)
		p.expectStatus(p.submit(`form[action="/workspaces"] button[type=submit]`), http.StatusUnprocessableEntity,
			fmt.Sprintf("workspace name %q", name))
		p.expectPath(`/workspaces`)
		if msg := p.textOf("#new .field-error"); msg != "Name is required" {
			t.Fatalf("workspace name %q: error = %q, want %q", name, msg, "Name is required")
		}
		if has := tabEval[bool](p, `document.querySelector("#ws-name").closest(".field").classList.contains("has-error")`); !has {
			t.Errorf("workspace name %q: the field is not marked as having an error", name)
		}
	}
}

// TestInvitationLinkFlow checks that an invitation link lets a new person
// join with the role chosen, and that the role limits what they see.
func TestInvitationLinkFlow(t *testing.T) {
	base, _ := startAppServer(t)
	owner := newTab(t, base)

	owner.setUpOwner()
	ws := owner.createWorkspace("Acme Outdoor")

	owner.clickNav("Members")
	owner.expectPath(`/w/` + ws + `/members`)
	owner.choose("#invite-role", "marketer")
	owner.expectStatus(owner.submit(`form[action$="/invitations"] button[type=submit]`), http.StatusOK, "creating an invitation")
	link := owner.textOf("#invite-link")
	if !strings.HasPrefix(link, base+"/invite/") {
		t.Fatalf("invitation link = %q, want %s/invite/…", link, base)
	}
	invites := tabEval[[]string](owner, `Array.from(document.querySelectorAll(".card"))
		.filter(c => c.querySelector("h2")?.textContent === "Open invitations")
		.flatMap(c => Array.from(c.querySelectorAll("tbody tr"), tr => tr.innerText.replace(/\s+/g, " ").trim()))`)
	if len(invites) != 1 || !strings.Contains(invites[0], "anyone with the link marketer "+firstOwner.Email) {
		t.Errorf("open invitations = %q, want one for anyone with the link, marketer, by %s", invites, firstOwner.Email)
	}

	// A new person, in a browser of their own.
	mia := newTab(t, base)
	mia.expectStatus(mia.open(link), http.StatusOK, "the invitation link")
	mia.expectText("Join Acme Outdoor")
	mia.click(`input[name=mode][value=signup]`)
	mia.fill("#email", "mia@acme.example")
	mia.fill("#name", "Mia Marketer")
	mia.fill("#password", "mia's long password")
	mia.expectStatus(mia.submit(`form[action^="/invite/"] button[type=submit]`), http.StatusOK, "accepting the invitation")
	mia.expectPath(`/w/` + ws + `/sites`)
	mia.expectText("You joined Acme Outdoor as marketer.")
	if who := mia.textOf("details.user-menu .user-email"); who != "mia@acme.example" {
		t.Fatalf("logged in as %q, want mia@acme.example", who)
	}

	nav := tabEval[[]string](mia, `Array.from(document.querySelectorAll('nav[aria-label="Workspace"] a'), a => a.textContent.trim())`)
	if !slices.Contains(nav, "Sites") {
		t.Errorf("marketer's navigation %v lacks Sites", nav)
	}
	for _, hidden := range []string{"Members", "API keys"} {
		if slices.Contains(nav, hidden) {
			t.Errorf("marketer's navigation %v shows %s", nav, hidden)
		}
	}

	mia.expectStatus(mia.open("/w/"+ws+"/api-keys"), http.StatusForbidden, "a marketer opening API keys")
	mia.expectText("does not allow")

	// The owner sees the new member.
	owner.open("/w/" + ws + "/members")
	owner.expectText("mia@acme.example")
}

// setUpOwner runs first-run setup: the start page leads to /setup, and the
// new owner lands on the workspace list, logged in.
func (p *tab) setUpOwner() {
	p.t.Helper()
	p.expectStatus(p.open("/"), http.StatusOK, "the start page")
	p.expectPath(`/setup`)
	p.fill("#name", firstOwner.Name)
	p.fill("#email", firstOwner.Email)
	p.fill("#password", firstOwner.Password)
	p.fill("#password_confirm", firstOwner.Password)
	p.expectStatus(p.submit(`form[action="/setup"] button[type=submit]`), http.StatusOK, "setup")
	p.expectPath(`/workspaces`)
	p.expectText("Welcome to mops.")
	if who := p.textOf("details.user-menu .user-email"); who != firstOwner.Email {
		p.t.Fatalf("after setup the user menu shows %q, want %s", who, firstOwner.Email)
	}
}

// logOut logs out through the user menu.
func (p *tab) logOut() {
	p.t.Helper()
	p.click("details.user-menu summary")
	p.expectStatus(p.submit(`details.user-menu form[action="/logout"] button[type=submit]`), http.StatusOK, "logging out")
	p.expectPath(`/login`)
	p.expectText("You are logged out.")
}

// logIn submits the login form and returns the status of the page it
// leads to; the caller checks which page that is.
func (p *tab) logIn(email, password string) int {
	p.t.Helper()
	if p.path() != "/login" {
		p.open("/login")
	}
	p.fill("#email", email)
	p.fill("#password", password)
	return p.submit(`form[action="/login"] button[type=submit]`)
}

// createWorkspace creates a workspace from the workspace list and returns
// its id; the owner lands on its sites page.
func (p *tab) createWorkspace(name string) string {
	p.t.Helper()
	if p.path() != "/workspaces" {
		p.open("/workspaces")
	}
	p.fill("#ws-name", name)
	p.expectStatus(p.submit(`form[action="/workspaces"] button[type=submit]`), http.StatusOK, "creating a workspace")
	ws := p.expectPath(`/w/([^/]+)/sites`)[1]
	p.expectText("Workspace " + name + " created.")
	if cur := p.textOf(".switcher-name"); cur != name {
		p.t.Fatalf("workspace switcher shows %q, want %q", cur, name)
	}
	return ws
}

// checkedScopes lists the scope boxes checked on the new key form.
func (p *tab) checkedScopes() []string {
	p.t.Helper()
	return tabEval[[]string](p, `Array.from(document.querySelectorAll('input[name=scopes]:checked'), i => i.value)`)
}

// expectAudited fails the test unless the audit log page shows a row for
// each action, done by who.
func (p *tab) expectAudited(who string, actions ...string) {
	p.t.Helper()
	type auditRow struct {
		Who    string `json:"who"`
		Action string `json:"action"`
	}
	rows := tabEval[[]auditRow](p, `Array.from(document.querySelectorAll("table.audit tbody tr"), tr => ({
		who: tr.cells[1].innerText.split("\n")[0].trim(),
		action: tr.cells[2].innerText.trim(),
	}))`)
	for _, action := range actions {
		if !slices.Contains(rows, auditRow{Who: who, Action: action}) {
			p.t.Fatalf("audit log has no %s by %s; rows: %+v", action, who, rows)
		}
	}
}

// scriptGet sends GET path with the API key, as a script would, and returns
// the status and body.
func scriptGet(t *testing.T, base, path, key string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, body
}

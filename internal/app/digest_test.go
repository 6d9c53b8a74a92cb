package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/report/smtptest"
)

// TestDigestSettingsPage drives the digest settings page, its preview and
// its test button over real HTTP, with a real SMTP server.
func TestDigestSettingsPage(t *testing.T) {
	mailbox := smtptest.Start(t, smtptest.Options{})
	ta := newTestAppWith(t, func(c *Config) {
		c.SMTPURL = mailbox.URL()
		c.SMTPFrom = "mops <reports@example.com>"
	})
	ctx := context.Background()
	owner := ta.user(t, "owner@example.com")
	viewer := ta.user(t, "viewer@example.com")
	outsider := ta.user(t, "outsider@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Other", outsider)
	if err := ta.Auth.AddMember(ctx, auth.CLIActor(), ws.ID, viewer.user.ID, auth.RoleViewer); err != nil {
		t.Fatal(err)
	}
	site := ta.site(t, ws, "acme.example")
	otherSite := ta.site(t, other, "other.example")
	page := "/w/" + ws.ID + "/sites/" + site.ID + "/digest"

	for _, sc := range []scenario{
		{name: "site page links to digests", method: "GET", path: "/w/" + ws.ID + "/sites/" + site.ID, session: viewer, status: 200,
			want: []string{`href="` + page + `"`, "Digest emails"}},
		{name: "viewer sees settings, no form", method: "GET", path: page, session: viewer, status: 200,
			want: []string{"Digest emails", "Preview: last 7 days"}, notWant: []string{"Save digest settings", "Send a test now", "Sending email is off"}},
		{name: "owner sees the form", method: "GET", path: page, session: owner, status: 200,
			want: []string{"Save digest settings", "Send a test now", `name="recipients"`}},
		{name: "viewer cannot save", method: "POST", path: page, session: viewer,
			form: url.Values{"weekly": {"on"}, "recipients": {"v@example.com"}}, status: 403},
		{name: "no CSRF token", method: "POST", path: page, session: owner, noCSRF: true,
			form: url.Values{"weekly": {"on"}, "recipients": {"a@example.com"}}, status: 403},
		{name: "bad email refused inline", method: "POST", path: page, session: owner,
			form: url.Values{"weekly": {"on"}, "recipients": {"ana@example.com\nbob(at)example.com"}}, status: 422,
			want: []string{"has-error", "&#34;bob(at)example.com&#34; is not a valid email address", "bob(at)example.com"}},
		{name: "weekly without recipients refused", method: "POST", path: page, session: owner,
			form: url.Values{"weekly": {"on"}, "recipients": {""}}, status: 422, want: []string{"need at least one address"}},
		{name: "test before any recipient", method: "POST", path: page + "/test", session: owner, form: url.Values{}, status: 422,
			want: []string{"Save at least one recipient"}},
		{name: "owner saves", method: "POST", path: page, session: owner,
			form: url.Values{"weekly": {"on"}, "monthly": {"on"}, "recipients": {"Ana@Example.com, ben@example.org"}}, status: 303},
		{name: "saved settings shown", method: "GET", path: page, session: owner, status: 200,
			want: []string{"ana@example.com\nben@example.org", `name="weekly" checked`, `name="monthly" checked`}},
		{name: "another workspace's site", method: "GET", path: "/w/" + ws.ID + "/sites/" + otherSite.ID + "/digest", session: owner, status: 404,
			notWant: []string{"other.example"}},
		{name: "another workspace", method: "POST", path: "/w/" + other.ID + "/sites/" + otherSite.ID + "/digest", session: owner,
			form: url.Values{"weekly": {"on"}, "recipients": {"x@example.com"}}, status: 404},
		{name: "preview", method: "GET", path: page + "/preview?period=30d", session: viewer, status: 200,
			want: []string{"<svg", "acme.example", "Unique visitors"}, notWant: []string{"<script"}},
		{name: "preview with a bad period", method: "GET", path: page + "/preview?period=fortnight", session: viewer, status: 400,
			want: []string{"period &#34;fortnight&#34;"}},
		{name: "viewer cannot send a test", method: "POST", path: page + "/test", session: viewer, form: url.Values{}, status: 403},
	} {
		ta.run(t, sc)
	}

	entries, err := ta.Auth.Audit(ctx, ws.ID, auth.AuditFilter{Action: "site.digest_update"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor.ID != owner.user.ID || !strings.Contains(string(entries[0].After), `"ana@example.com","ben@example.org"`) {
		t.Errorf("audit: %+v", entries)
	}

	// The preview's inline styles are allowed, and nothing else.
	req, _ := http.NewRequest("GET", ta.srv.URL+page+"/preview", nil)
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: owner.token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'; style-src 'unsafe-inline'") ||
		strings.Contains(csp, "script-src") {
		t.Errorf("preview policy %q", csp)
	}
	if !strings.HasPrefix(string(body), "<!doctype html>") {
		t.Errorf("the preview is not the report document: %.100s", body)
	}

	// Send a test now: it reaches the saved recipients and is audited.
	ta.run(t, scenario{name: "send a test", method: "POST", path: page + "/test", session: owner, form: url.Values{}, status: 303})
	got := mailbox.Next(t, 10*time.Second)
	p, err := got.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.To, ",") != "ana@example.com,ben@example.org" || got.From != "reports@example.com" ||
		!strings.HasPrefix(p.Subject, "[Test] Test digest · acme.example · ") || p.ContentType != "multipart/alternative" ||
		!strings.Contains(p.Parts["text/html"], "<svg") || !strings.Contains(p.Parts["text/plain"], "acme.example") {
		t.Errorf("test digest to %v, subject %q, type %s", got.To, p.Subject, p.ContentType)
	}
	if es, _ := ta.Auth.Audit(ctx, ws.ID, auth.AuditFilter{Action: "site.digest_test"}); len(es) != 1 {
		t.Errorf("test sends audited: %d, want 1", len(es))
	}
}

// TestDigestPageWithoutSMTP shows how to turn sending on, and refuses a test.
func TestDigestPageWithoutSMTP(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.user(t, "owner@example.com")
	ws := ta.workspace(t, "Acme", owner)
	site := ta.site(t, ws, "acme.example")
	page := "/w/" + ws.ID + "/sites/" + site.ID + "/digest"
	for _, sc := range []scenario{
		{name: "sending off", method: "GET", path: page, session: owner, status: 200,
			want: []string{"Sending email is off", "MOPS_SMTP_URL", "MOPS_SMTP_FROM", "Save digest settings"}, notWant: []string{"Send a test now"}},
		{name: "settings still saved", method: "POST", path: page, session: owner,
			form: url.Values{"weekly": {"on"}, "recipients": {"ana@example.com"}}, status: 303},
		{name: "test refused", method: "POST", path: page + "/test", session: owner, form: url.Values{}, status: 409,
			want: []string{"Sending email is off on this mops"}},
	} {
		ta.run(t, sc)
	}
}

func TestSMTPConfigValidated(t *testing.T) {
	for _, tc := range []struct{ url, from, want string }{
		{"http://mail.example.com", "a@example.com", "MOPS_SMTP_URL"},
		{"smtp://mail.example.com", "", "MOPS_SMTP_FROM"},
	} {
		cfg := Defaults()
		cfg.Data, cfg.SMTPURL, cfg.SMTPFrom = t.TempDir(), tc.url, tc.from
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SMTP %q from %q: %v, want an error naming %s", tc.url, tc.from, err, tc.want)
		}
	}
}

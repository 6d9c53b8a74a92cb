package app

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/platform/auth"
)

// multipartFile is a form with a file field, as a browser sends it.
func multipartFile(t *testing.T, fields map[string]string, name string, content []byte) (body, contentType string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

// TestCRMImportPages: a marketer uploads a HubSpot export, checks the
// suggested columns, sees a dry run that writes nothing with the broken
// row's line, and imports; the API takes the same file. Another
// workspace cannot use the upload or see the import.
func TestCRMImportPages(t *testing.T) {
	ta := newTestApp(t)
	owner := ta.user(t, "owner@example.com")
	outsider := ta.user(t, "outsider@example.com")
	ws := ta.workspace(t, "Acme", owner)
	other := ta.workspace(t, "Beta", outsider)
	base := "/w/" + ws.ID
	file := "First Name,Last Name,Email,Phone Number,Lifecycle Stage,Favourite colour\n" +
		"Ada,Lovelace,ADA@example.com,+44 20 7946 0018,Lead,blue\n" +
		"Bad,Row,bad@,,lead,red\n" +
		"Grace,Hopper,grace@example.com,,customer,green\n"

	body, ct := multipartFile(t, map[string]string{"kind": "contacts", "csrf_token": owner.csrf}, "hubspot.csv", []byte(file))
	req, _ := http.NewRequest("POST", ta.srv.URL+base+"/import", strings.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: owner.token})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, base+"/import/up_") {
		t.Fatalf("upload: %d, Location %q", resp.StatusCode, loc)
	}
	mapPath := strings.Split(loc, "?")[0]
	ta.run(t, scenario{name: "columns page", method: "GET", path: loc, session: owner, status: 200,
		want: []string{"hubspot.csv", `<option value="email" selected>`, `<option value="lifecycle_stage" selected>`,
			"ADA@example.com", "Property “favourite_colour”"}})
	ta.run(t, scenario{name: "outsider cannot use the upload", method: "GET", path: "/w/" + other.ID + "/import/" + strings.TrimPrefix(mapPath, base+"/import/"),
		session: outsider, status: 404})
	ta.run(t, scenario{name: "a field mapped twice is refused", method: "POST", path: mapPath, session: owner,
		form: url.Values{"kind": {"contacts"}, "col.0": {"email"}, "action": {"dry"}}, status: http.StatusUnprocessableEntity,
		want: []string{"already mapped"}})

	// The dry run.
	job := postAndFollow(t, ta, owner, mapPath, url.Values{"kind": {"contacts"}, "col.5": {"-"}, "action": {"dry"}})
	st := waitImport(t, ta, owner, job)
	if r := st.Report; r == nil || !r.DryRun || r.Rows != 3 || r.Created != 2 || r.Failed != 1 || r.Errors[0].Line != 3 {
		t.Fatalf("dry run: %+v", st)
	}
	page := ta.run(t, scenario{name: "dry run report", method: "GET", path: job, session: owner, status: 200,
		want: []string{"Nothing was written", "Would create", ">3<", "is not a valid email address", "Import 2 rows now"}})
	if n := countContacts(t, ta, ws.ID); n != 0 {
		t.Fatalf("the dry run wrote %d contacts", n)
	}
	ta.run(t, scenario{name: "outsider cannot see the import", method: "GET", path: "/w/" + other.ID + "/imports/" + jobID(job),
		session: outsider, status: 404})

	// Import with the dry run's columns, as its button posts them.
	form := url.Values{}
	for _, m := range regexp.MustCompile(`name="(col\.\d+|kind|action)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		form.Set(m[1], m[2])
	}
	if form.Get("col.5") != "-" || form.Get("action") != "apply" {
		t.Fatalf("the report's import form: %v", form)
	}
	job = postAndFollow(t, ta, owner, mapPath, form)
	st = waitImport(t, ta, owner, job)
	if r := st.Report; r == nil || r.DryRun || r.Created != 2 || r.Failed != 1 {
		t.Fatalf("import: %+v", st)
	}
	ta.run(t, scenario{name: "import report", method: "GET", path: job, session: owner, status: 200, want: []string{"Created", "Open contacts"}})
	ta.run(t, scenario{name: "the upload is consumed", method: "GET", path: mapPath, session: owner, status: 404})
	c, err := ta.CRM.Contacts(t.Context(), ws.ID, crm.ListQuery{Search: "lovelace"})
	if err != nil || len(c.Items) != 1 || c.Items[0].Email != "ada@example.com" || c.Items[0].Phone != "+442079460018" || c.Items[0].LifecycleStage != "lead" {
		t.Fatalf("imported contact: %+v, %v", c, err)
	}

	// The API takes the file as the body; the same rows now update.
	key := ta.key(t, ws, auth.ScopeRead, auth.ScopeWrite)
	ta.run(t, scenario{name: "API import", method: "POST", path: "/api/v1/imports/contacts", body: file,
		headers: map[string]string{"Authorization": "Bearer " + key, "Content-Type": "text/csv"}, status: 200,
		want: []string{`"created":0`, `"updated":2`, `"failed":1`}})
	for _, sc := range []scenario{
		{name: "API import of an unknown kind", method: "POST", path: "/api/v1/imports/leads", body: file,
			headers: map[string]string{"Authorization": "Bearer " + key}, status: 400, want: []string{`"field":"kind"`}},
		{name: "API import of a binary file", method: "POST", path: "/api/v1/imports/contacts", body: "\x00\x01\x02PK\x03\x04",
			headers: map[string]string{"Authorization": "Bearer " + key}, status: 400, want: []string{`"field":"file"`}},
		{name: "API import without a key", method: "POST", path: "/api/v1/imports/contacts", body: file, status: 401},
	} {
		ta.run(t, sc)
	}
	if n := countContacts(t, ta, ws.ID); n != 2 {
		t.Fatalf("%d contacts after the imports, want 2", n)
	}

	// A file that is not text is refused on the upload page.
	body, ct = multipartFile(t, map[string]string{"kind": "contacts", "csrf_token": owner.csrf}, "photo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00"))
	ta.run(t, scenario{name: "binary upload", method: "POST", path: base + "/import", body: body, session: owner,
		headers: map[string]string{"Content-Type": ct}, status: http.StatusUnprocessableEntity, want: []string{"The file"}})
	body, ct = multipartFile(t, map[string]string{"kind": "contacts", "csrf_token": "forged"}, "a.csv", []byte(file))
	ta.run(t, scenario{name: "upload with a forged CSRF token", method: "POST", path: base + "/import", body: body, session: owner,
		headers: map[string]string{"Content-Type": ct}, status: http.StatusForbidden})
}

func jobID(path string) string {
	return strings.Split(path[strings.LastIndex(path, "/")+1:], "?")[0]
}

// postAndFollow posts a form that must redirect, and returns the target.
func postAndFollow(t *testing.T, ta *testApp, l *login, path string, form url.Values) string {
	t.Helper()
	form.Set("csrf_token", l.csrf)
	req, _ := http.NewRequest("POST", ta.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: l.token})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: %d", path, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// waitImport polls the import's status until it is done.
func waitImport(t *testing.T, ta *testApp, l *login, job string) crm.ImportStatus {
	t.Helper()
	sep := "?"
	if strings.Contains(job, "?") {
		sep = "&"
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st crm.ImportStatus
		raw := ta.run(t, scenario{name: "import status", method: "GET", path: job + sep + "format=json", session: l, status: 200})
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatal(err)
		}
		if st.Done {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("import not done: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countContacts(t *testing.T, ta *testApp, ws string) int {
	t.Helper()
	p, err := ta.CRM.Contacts(t.Context(), ws, crm.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Total
}

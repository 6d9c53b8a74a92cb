package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mopshq/mops/internal/crm"
)

// TestImportContactsCommand imports a CSV file on an idle data dir and
// then through a running server: a dry run writes nothing, a broken row
// is reported with its line, a second import updates instead of doubling.
func TestImportContactsCommand(t *testing.T) {
	dir := t.TempDir()
	var ws struct {
		ID string `json:"workspace_id"`
	}
	mopsJSON(t, &ws, "workspace", "create", "Acme", "--data", dir)
	file := filepath.Join(t.TempDir(), "contacts.csv")
	csv := "E-mail,First Name,Last Name,Phone Number,Secret\n" +
		"ada@example.com,Ada,Lovelace,030 1234567,x\n" +
		"not-an-email,Bad,Row,,y\n" +
		"\"grace@example.com\",Grace,\"Hopper\nHQ\",,z\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}

	var rep crm.ImportReport
	mopsJSON(t, &rep, "import", "contacts", "--workspace", ws.ID, "--dry-run", "--map", "Secret=-", file, "--data", dir)
	if !rep.DryRun || rep.Rows != 3 || rep.Created != 2 || rep.Failed != 1 || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 {
		t.Fatalf("dry run: %+v", rep)
	}
	code, out, errOut := mops(t, "import", "contacts", "--workspace", ws.ID, "--map", "Secret=-", file, "--data", dir)
	if code != 0 || !strings.Contains(out, "imported 3 rows") || !strings.Contains(out, "2 created, 0 updated, 1 failed") ||
		!strings.Contains(out, "line 3: column \"email\": is not a valid email address") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "100%") {
		t.Errorf("no progress bar: %q", errOut)
	}

	startServer(t, dir)
	mopsJSON(t, &rep, "import", "contacts", "--workspace", ws.ID, "--map", "Secret=-", file, "--data", dir)
	if rep.DryRun || rep.Created != 0 || rep.Updated != 2 || rep.Failed != 1 {
		t.Fatalf("second import through the server: %+v", rep)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "contacts", "--workspace", ws.ID, "--map", "Nope=email", file}, `the file has no column "Nope"`},
		{[]string{"import", "contacts", "--workspace", ws.ID, "--map", "Secret=shoe", file}, `have no field "shoe"`},
		{[]string{"import", "contacts", "--workspace", ws.ID, filepath.Join(dir, "missing.csv")}, "no such file"},
		{[]string{"import", "contacts", "--workspace", "ws_nope", file}, "no workspace"},
		{[]string{"import", "deals", "--workspace", ws.ID, file}, "no column holds the deal name"},
	} {
		code, _, errOut := mops(t, append(tc.args, "--data", dir)...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("mops %s: exit %d, %q; want an error with %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}

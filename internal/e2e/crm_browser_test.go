package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mopshq/mops/internal/sim"
)

// TestCRMBrowser drives the CRM in Chromium on the demo company: the
// data-quality page counts the planted duplicates, a pair is merged from
// the review page and the merge undone, and a CSV file goes through the
// column page, a dry run that writes nothing and the import.
func TestCRMBrowser(t *testing.T) {
	base, a := startAppServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	truth, err := sim.Ensure(ctx, sim.Deps{Auth: a.Auth, Sites: a.Sites, Goals: a.Goals, CRM: a.CRM, DataDir: a.Config.Data})
	if err != nil {
		t.Fatal(err)
	}
	ws := truth.WorkspaceID
	p := newTab(t, base)
	p.expectStatus(p.logIn(truth.Email, truth.Password), http.StatusOK, "logging in as the demo user")

	p.clickNav("Data quality")
	planted := len(sim.DemoQualityTruth().Pairs)
	if got := p.textOf(`[data-issue=duplicates] [data-count]`); got != strconv.Itoa(planted) {
		t.Fatalf("duplicates on the data-quality page = %q, want %d", got, planted)
	}
	p.expectStatus(p.submit(`[data-issue=duplicates] a`), http.StatusOK, "the review queue")
	p.expectText(strconv.Itoa(planted) + " pairs to review")
	p.expectStatus(p.submit(`#duplicate-pairs tbody tr a.button`), http.StatusOK, "a pair's review page")
	p.expectText("Merge ")
	p.expectStatus(p.submit(`#merge-button`), http.StatusOK, "merging")
	p.expectPath(`^/w/` + ws + `/contacts/ct_[0-9a-z]+$`)
	p.expectText("You can undo this under Merges.")

	p.expectStatus(p.open("/w/"+ws+"/contacts/merges"), http.StatusOK, "the merges")
	p.expectStatus(p.submit(`#merges form button`), http.StatusOK, "undoing the merge")
	p.expectText("is a contact of its own again")
	p.expectStatus(p.open("/w/"+ws+"/contacts/duplicates"), http.StatusOK, "the queue after the undo")
	p.expectText(strconv.Itoa(planted) + " pairs to review")

	// Import: upload, columns, dry run, import.
	file := filepath.Join(t.TempDir(), "expo.csv")
	csv := "Email,First Name,Last Name,Favourite trail\nnora.berg@example.org,Nora,Berg,Zugspitze\nbroken@,Bad,Row,\nole.sand@example.org,Ole,Sand,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	p.expectStatus(p.open("/w/"+ws+"/import?kind=contacts"), http.StatusOK, "the import page")
	p.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}))
	p.expectStatus(p.submit(`#upload-button`), http.StatusOK, "uploading")
	p.expectText("expo.csv")
	if v := p.valueOf(`#col-0`); v != "email" {
		t.Fatalf("the email column is mapped to %q", v)
	}
	p.choose(`#col-3`, "-")
	p.expectStatus(p.submit(`button[value=dry]`), http.StatusOK, "the dry run")
	p.waitFor("the dry run report", `document.getElementById("import-report") !== null`)
	if got := p.textOf(`[data-created]`); got != "2" {
		t.Errorf("dry run would create %q, want 2", got)
	}
	if got := p.textOf(`#import-errors tbody td`); got != "3" {
		t.Errorf("refused line %q, want 3", got)
	}
	p.expectStatus(p.submit(`#import-report form button`), http.StatusOK, "importing")
	p.waitFor("the import report", `document.getElementById("import-report") !== null`)
	p.expectText("Created")
	if got := p.textOf(`[data-created]`); got != "2" {
		t.Errorf("import created %q, want 2", got)
	}
	p.expectStatus(p.open("/w/"+ws+"/contacts?search=berg"), http.StatusOK, "the imported contact")
	if !strings.Contains(p.bodyText(), "nora.berg@example.org") {
		t.Error("Nora Berg is not in the contacts list")
	}
}

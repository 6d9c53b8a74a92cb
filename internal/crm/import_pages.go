package crm

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/mopshq/mops/internal/crm/csvimport"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/platform/ui"
)

// FileLimit bounds an uploaded CSV file.
const FileLimit = 64 << 20

// TakesFile reports whether a POST to the path carries a CSV file, so
// the server lets its body be up to FileLimit.
func TakesFile(path string) bool {
	if rest, ok := strings.CutPrefix(path, "/w/"); ok {
		_, tail, _ := strings.Cut(rest, "/")
		return tail == "import"
	}
	return strings.HasPrefix(path, "/api/v1/imports/")
}

func importKind(s string) (csvimport.Kind, bool) {
	k := csvimport.Kind(s)
	return k, csvimport.Fields(k) != nil
}

// importForm is what the upload page shows.
type importForm struct{ Kind csvimport.Kind }

func (h *Pages) showImportPage(w http.ResponseWriter, r *http.Request) {
	p := h.ui.NewPage(w, r, "Import")
	kind, ok := importKind(r.URL.Query().Get("kind"))
	if !ok {
		kind = csvimport.Contacts
	}
	p.Data = importForm{Kind: kind}
	h.ui.Render(w, http.StatusOK, "import", p)
}

func (h *Pages) uploadImport(w http.ResponseWriter, r *http.Request) {
	p := h.ui.NewPage(w, r, "Import")
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	kind, ok := importKind(r.FormValue("kind"))
	p.Data = importForm{Kind: kind}
	p.Form = r.PostForm
	if !ok {
		h.fail(w, r, p, "import", &ValidationError{Fields: []FieldError{{"kind", "choose contacts, companies or deals"}}})
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		h.fail(w, r, p, "import", &ValidationError{Fields: []FieldError{{"file", "choose a CSV file"}}})
		return
	}
	defer f.Close()
	u, err := h.svc.SaveUpload(workspaceOf(r), hdr.Filename, f, FileLimit)
	if err != nil {
		h.fail(w, r, p, "import", err)
		return
	}
	ui.Redirect(w, r, fmt.Sprintf("%s/%s?kind=%s", p.WorkspacePath("/import"), u.ID, kind), "")
}

// mappingView is the column mapping page.
type mappingView struct {
	Kind    csvimport.Kind
	Upload  *Upload
	Mapping csvimport.Mapping
	Fields  []csvimport.Field
	Props   []PropertyDef
}

func (h *Pages) showImportMapping(w http.ResponseWriter, r *http.Request) {
	p := h.ui.NewPage(w, r, "Import: columns")
	v, ok := h.mappingView(w, r)
	if !ok {
		return
	}
	p.Data = v
	h.ui.Render(w, http.StatusOK, "import_map", p)
}

// mappingView reads the upload and kind of the request and suggests a
// mapping; false when it answered with an error.
func (h *Pages) mappingView(w http.ResponseWriter, r *http.Request) (*mappingView, bool) {
	u, ok := h.svc.Upload(workspaceOf(r), r.PathValue("upload"))
	if !ok {
		h.ui.ErrorPage(w, r, http.StatusNotFound, "This upload has expired or does not exist. Upload the file again.")
		return nil, false
	}
	kind, ok := importKind(r.FormValue("kind"))
	if !ok {
		kind = csvimport.Contacts
	}
	object := map[csvimport.Kind]string{csvimport.Contacts: ObjContact, csvimport.Companies: ObjCompany, csvimport.Deals: ObjDeal}[kind]
	defs, err := h.svc.Properties(r.Context(), workspaceOf(r), object)
	if err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Import"), "import", err)
		return nil, false
	}
	return &mappingView{Kind: kind, Upload: u, Mapping: csvimport.Suggest(kind, u.Headers), Fields: csvimport.Fields(kind), Props: defs}, true
}

func (h *Pages) startImport(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	v, ok := h.mappingView(w, r)
	if !ok {
		return
	}
	for i, c := range v.Mapping.Columns {
		if t, ok := r.PostForm["col."+strconv.Itoa(i)]; ok {
			v.Mapping.Set(c.Header, t[0])
		}
	}
	p := h.ui.NewPage(w, r, "Import: columns")
	p.Data = v
	if err := v.Mapping.Validate(); err != nil {
		p.Error = "The columns cannot be imported like this: " + err.Error()
		h.ui.Render(w, http.StatusUnprocessableEntity, "import_map", p)
		return
	}
	if msg := missingColumns(v.Mapping); msg != "" {
		p.Error = "The columns cannot be imported like this: " + msg
		h.ui.Render(w, http.StatusUnprocessableEntity, "import_map", p)
		return
	}
	dry := r.PostForm.Get("action") != "apply"
	jobID, err := h.svc.StartUploadImport(r.Context(), pageActor(r), v.Upload,
		ImportOptions{Kind: v.Kind, Mapping: &v.Mapping, DryRun: dry})
	if err != nil {
		h.fail(w, r, p, "import_map", err)
		return
	}
	target := p.WorkspacePath("/imports/" + jobID)
	if dry {
		target += "?upload=" + v.Upload.ID
	}
	ui.Redirect(w, r, target, "")
}

// jobView is the progress and report page of an import.
type jobView struct {
	Status ImportStatus
	Upload *Upload // the dry run's upload, still there to import for real
	Back   string  // the list of the imported kind
}

// Percent is how much of the file has been read, 0–100.
func (v jobView) Percent() int {
	if v.Status.Done {
		return 100
	}
	if v.Status.Bytes == 0 {
		return 0
	}
	return int(100 * v.Status.BytesRead / v.Status.Bytes)
}

func (h *Pages) showImportJob(w http.ResponseWriter, r *http.Request) {
	st, ok := h.svc.ImportStatus(workspaceOf(r), r.PathValue("job"))
	if !ok {
		h.ui.ErrorPage(w, r, http.StatusNotFound, "This import finished over an hour ago or does not exist.")
		return
	}
	if r.URL.Query().Get("format") == "json" {
		httpx.WriteJSON(w, http.StatusOK, st)
		return
	}
	p := h.ui.NewPage(w, r, "Import")
	v := jobView{Status: st, Back: p.WorkspacePath("/" + string(st.Kind))}
	if up, ok := h.svc.Upload(workspaceOf(r), r.URL.Query().Get("upload")); ok && st.DryRun {
		v.Upload = up
	}
	p.Data = v
	h.ui.Render(w, http.StatusOK, "import_job", p)
}

func workspaceOf(r *http.Request) string { return auth.AccessFrom(r.Context()).Workspace.ID }

// importFile answers POST /api/v1/imports/{kind}: the body is the CSV
// file; ?dry_run=true checks it without writing. The answer is the
// import's report once it is done.
func (h *API) importFile(w http.ResponseWriter, r *http.Request) {
	kind, ok := importKind(r.PathValue("kind"))
	if !ok {
		h.fail(w, r, &ValidationError{Fields: []FieldError{{"kind", "must be contacts, companies or deals"}}})
		return
	}
	dry, _ := strconv.ParseBool(r.URL.Query().Get("dry_run"))
	rep, err := h.svc.Import(r.Context(), actor(r), workspace(r), r.Body, ImportOptions{Kind: kind, DryRun: dry})
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		httpx.WriteJSON(w, http.StatusRequestEntityTooLarge, errorBody{Error: fmt.Sprintf("the file is larger than %d bytes", mbe.Limit)})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}

// Importable is how many rows of a dry run would be written.
func (v jobView) Importable() int {
	if v.Status.Report == nil {
		return 0
	}
	return v.Status.Report.Rows - v.Status.Report.Failed
}

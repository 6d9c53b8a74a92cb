package crm

import (
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/ui"
)

// Templates holds the CRM's views.
//
//go:embed templates
var Templates embed.FS

// formLimit bounds a posted CRM form.
const formLimit = 64 << 10

// Pages serves the CRM's UI.
type Pages struct {
	svc    *Service
	auth   *auth.Service
	ui     *ui.Renderer
	logger *slog.Logger
}

// NewPages returns the UI handler.
func NewPages(svc *Service, a *auth.Service, r *ui.Renderer, logger *slog.Logger) *Pages {
	return &Pages{svc: svc, auth: a, ui: r, logger: logger}
}

// Nav lists the CRM's entries of the workspace navigation.
func Nav() []ui.NavItem {
	return []ui.NavItem{
		{Label: "Contacts", Path: "/contacts", Perm: auth.PermView, Group: "CRM"},
		{Label: "Companies", Path: "/companies", Perm: auth.PermView, Group: "CRM"},
		{Label: "Deals", Path: "/deals", Perm: auth.PermView, Group: "CRM"},
		{Label: "Data quality", Path: "/data-quality", Perm: auth.PermView, Group: "CRM"},
	}
}

// Register adds the routes to mux.
func (h *Pages) Register(mux *http.ServeMux) {
	member := func(p auth.Permission, f http.HandlerFunc) http.Handler {
		return h.auth.RequireMember(p, h.ui.Deny, f)
	}
	mux.Handle("GET /w/{ws}/contacts", member(auth.PermView, h.showContactsPage))
	mux.Handle("GET /w/{ws}/contacts.csv", member(auth.PermExportRaw, h.exportContacts))
	mux.Handle("POST /w/{ws}/contacts", member(auth.PermEditMarketing, h.saveNewContact))
	mux.Handle("GET /w/{ws}/contacts/{id}", member(auth.PermView, h.showContactPage))
	mux.Handle("POST /w/{ws}/contacts/{id}", member(auth.PermEditMarketing, h.saveContact))
	mux.Handle("POST /w/{ws}/contacts/{id}/delete", member(auth.PermEditMarketing, h.deleteContact))

	mux.Handle("GET /w/{ws}/companies", member(auth.PermView, h.showCompaniesPage))
	mux.Handle("GET /w/{ws}/companies.csv", member(auth.PermView, h.exportCompanies))
	mux.Handle("POST /w/{ws}/companies", member(auth.PermEditMarketing, h.saveNewCompany))
	mux.Handle("GET /w/{ws}/companies/{id}", member(auth.PermView, h.showCompanyPage))
	mux.Handle("POST /w/{ws}/companies/{id}", member(auth.PermEditMarketing, h.saveCompany))

	mux.Handle("GET /w/{ws}/deals", member(auth.PermView, h.showDealsPage))
	mux.Handle("GET /w/{ws}/deals.csv", member(auth.PermView, h.exportDeals))
	mux.Handle("POST /w/{ws}/deals", member(auth.PermEditMarketing, h.saveNewDeal))
	mux.Handle("GET /w/{ws}/deals/{id}", member(auth.PermView, h.showDealPage))
	mux.Handle("POST /w/{ws}/deals/{id}", member(auth.PermEditMarketing, h.saveDeal))
	mux.Handle("POST /w/{ws}/deals/{id}/stage", member(auth.PermEditMarketing, h.moveDeal))

	mux.Handle("GET /w/{ws}/contacts/{id}/personal-data.json", member(auth.PermExportRaw, h.exportPersonalData))
	mux.Handle("POST /w/{ws}/contacts/{id}/erase", member(auth.PermExportRaw, h.eraseContact))
	mux.Handle("POST /w/{ws}/views/{object}", member(auth.PermEditMarketing, h.saveView))
	mux.Handle("POST /w/{ws}/views/{object}/{id}/delete", member(auth.PermEditMarketing, h.deleteView))
	mux.Handle("POST /w/{ws}/contacts/bulk", member(auth.PermEditMarketing, h.bulkEditContacts))
	mux.Handle("GET /w/{ws}/data-quality", member(auth.PermView, h.showQuality))
	mux.Handle("GET /w/{ws}/contacts/duplicates", member(auth.PermView, h.showDuplicates))
	mux.Handle("POST /w/{ws}/contacts/duplicates/scan", member(auth.PermEditMarketing, h.scanDuplicates))
	mux.Handle("GET /w/{ws}/contacts/duplicates/{a}/{b}", member(auth.PermEditMarketing, h.showPair))
	mux.Handle("POST /w/{ws}/contacts/duplicates/{a}/{b}/merge", member(auth.PermEditMarketing, h.mergePair))
	mux.Handle("POST /w/{ws}/contacts/duplicates/{a}/{b}/dismiss", member(auth.PermEditMarketing, h.dismissPair))
	mux.Handle("GET /w/{ws}/contacts/merges", member(auth.PermView, h.showMerges))
	mux.Handle("POST /w/{ws}/merges/{id}/undo", member(auth.PermEditMarketing, h.undoMerge))
	mux.Handle("GET /w/{ws}/import", member(auth.PermEditMarketing, h.showImportPage))
	mux.Handle("POST /w/{ws}/import", member(auth.PermEditMarketing, h.uploadImport))
	mux.Handle("GET /w/{ws}/import/{upload}", member(auth.PermEditMarketing, h.showImportMapping))
	mux.Handle("POST /w/{ws}/import/{upload}", member(auth.PermEditMarketing, h.startImport))
	mux.Handle("GET /w/{ws}/imports/{job}", member(auth.PermEditMarketing, h.showImportJob))

	for _, kind := range []string{"contacts", "companies", "deals"} {
		mux.Handle("POST /w/{ws}/"+kind+"/{id}/notes", member(auth.PermEditMarketing, h.saveNote))
		mux.Handle("POST /w/{ws}/"+kind+"/{id}/tasks", member(auth.PermEditMarketing, h.saveTask))
		mux.Handle("POST /w/{ws}/"+kind+"/{id}/tasks/{task}", member(auth.PermEditMarketing, h.saveTaskDone))
	}
}

func pageActor(r *http.Request) auth.Actor {
	return auth.AccessFrom(r.Context()).Actor(auth.UserFrom(r.Context()))
}

// fail renders err on the page: validation errors inline (the form keeps
// what was typed), a missing record as 404, anything else as 500.
func (h *Pages) fail(w http.ResponseWriter, r *http.Request, p *ui.Page, view string, err error) {
	var ve *ValidationError
	var de *DuplicateError
	switch {
	case errors.As(err, &ve):
		for _, f := range ve.Fields {
			p.Errors[strings.TrimPrefix(f.Field, "properties.")] = f.Message
		}
		p.Error = "Please correct the fields marked below."
		h.ui.Render(w, http.StatusUnprocessableEntity, view, p)
	case errors.As(err, &de):
		p.Errors[de.Field] = "is already used by another record"
		p.Error = "A record with this " + de.Field + " already exists: " + de.ExistingID
		h.ui.Render(w, http.StatusConflict, view, p)
	case errors.Is(err, ErrNotFound):
		h.ui.Deny(w, r, http.StatusNotFound)
	default:
		h.logger.Error("CRM page failed", "request.path", r.URL.Path, "error", err)
		h.ui.ErrorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. The error was logged.")
	}
}

// formStr returns a pointer to the posted field's value, or nil when the
// form does not have the field.
func formStr(f url.Values, key string) *string {
	if _, ok := f[key]; !ok {
		return nil
	}
	v := f.Get(key)
	return &v
}

// formProps reads the custom property fields (prop.KEY) of object.
func formProps(f url.Values, defs []PropertyDef, object string) map[string]any {
	props := map[string]any{}
	for _, d := range defs {
		if d.Object != object {
			continue
		}
		if v, ok := f["prop."+d.Key]; ok {
			if v[0] == "" {
				props[d.Key] = nil
			} else {
				props[d.Key] = v[0]
			}
		}
	}
	return props
}

// listView is what a list page shows.
type listView[T any] struct {
	Page      *Page[T]
	Query     ListQuery
	Stages    []LifecycleStage
	Statuses  []string
	Members   []auth.Member
	Props     []PropertyDef
	Pipelines []Pipeline
	Next      string // the URL of the next page
	Export    string // the URL of the CSV export of this view
	Sorts     map[string]string
	Views     []SavedView // the list's saved views
	ViewQuery string      // this view's query, to save it under a name
	Object    string      // the list's path: contacts, companies
}

// OwnerName is the name of the member with the id, or "".
func (v *listView[T]) OwnerName(userID string) string { return memberName(v.Members, userID) }

// queryFromURL reads a list page's query string (as the API does).
func queryFromURL(v url.Values) (ListQuery, url.Values) {
	clean := url.Values{}
	for k, vals := range v {
		if vals[0] != "" && k != "cursor" && k != "view" {
			clean.Set(k, vals[0])
		}
	}
	q, err := listQuery(clean)
	if err != nil {
		q = ListQuery{Desc: true, Filters: map[string]string{}}
	}
	q.Cursor = v.Get("cursor")
	q.Limit = 50
	return q, clean
}

// sortLinks gives each sortable column the URL that sorts by it (and
// reverses the order when it is already sorted by it).
func sortLinks(base string, clean url.Values, fields ...string) map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		v := url.Values{}
		for k, vals := range clean {
			v[k] = vals
		}
		order := "asc"
		if clean.Get("sort") == f && clean.Get("order") != "desc" {
			order = "desc"
		}
		v.Set("sort", f)
		v.Set("order", order)
		out[f] = base + "?" + v.Encode()
	}
	return out
}

func nextURL(base string, clean url.Values, cursor string) string {
	if cursor == "" {
		return ""
	}
	v := url.Values{}
	for k, vals := range clean {
		v[k] = vals
	}
	v.Set("cursor", cursor)
	return base + "?" + v.Encode()
}

func exportURL(base string, clean url.Values) string {
	if len(clean) == 0 {
		return base + ".csv"
	}
	return base + ".csv?" + clean.Encode()
}

func (h *Pages) contactsPage(w http.ResponseWriter, r *http.Request) (*ui.Page, error) {
	p := h.ui.NewPage(w, r, "Contacts")
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	q, clean := queryFromURL(r.URL.Query())
	base := "/w/" + ws + "/contacts"
	v := &listView[Contact]{Query: q, Statuses: LeadStatuses(), Export: exportURL(base, clean),
		Sorts: sortLinks(base, clean, "first_name", "last_name", "email", "company_name", "lifecycle_stage", "created_at")}
	p.Data = v
	for k, val := range clean {
		p.Form.Set(k, val[0])
	}
	var err error
	v.ViewQuery, v.Object = clean.Encode(), "contacts"
	if v.Views, err = h.svc.SavedViews(r.Context(), ws, v.Object); err != nil {
		return p, err
	}
	if v.Stages, err = h.svc.Lifecycle(r.Context(), ws); err != nil {
		return p, err
	}
	if v.Members, err = h.auth.Members(r.Context(), ws); err != nil {
		return p, err
	}
	if v.Props, err = h.svc.Properties(r.Context(), ws, ObjContact); err != nil {
		return p, err
	}
	page, err := h.svc.Contacts(r.Context(), ws, q)
	if err != nil {
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return p, err
		}
		p.Error = ve.Error()
		page, err = h.svc.Contacts(r.Context(), ws, ListQuery{Desc: true, Limit: 50})
		if err != nil {
			return p, err
		}
	}
	v.Page = page
	v.Next = nextURL(base, clean, page.NextCursor)
	return p, nil
}

func (h *Pages) showContactsPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.contactsPage(w, r)
	if err != nil {
		h.fail(w, r, p, "contacts", err)
		return
	}
	h.ui.Render(w, http.StatusOK, "contacts", p)
}

// contactInputFromForm reads the contact form. Fields missing from the
// form stay as they are.
func contactInputFromForm(f url.Values, defs []PropertyDef, current *Contact) ContactInput {
	in := ContactInput{
		Email: formStr(f, "email"), FirstName: formStr(f, "first_name"), LastName: formStr(f, "last_name"),
		Phone: formStr(f, "phone"), Title: formStr(f, "title"), OwnerID: formStr(f, "owner_id"),
		LifecycleStage: formStr(f, "lifecycle_stage"), LeadStatus: formStr(f, "lead_status"),
		City: formStr(f, "city"), Country: formStr(f, "country"), Props: formProps(f, defs, ObjContact),
	}
	if _, ok := f["consent_shown"]; ok {
		consent := f.Get("consent_email") == "on"
		in.ConsentEmail = &consent
	}
	if name := formStr(f, "company_name"); name != nil {
		switch n := strings.TrimSpace(*name); {
		case n == "":
			in.CompanyID = Str("")
		case current == nil || !strings.EqualFold(n, current.CompanyName):
			in.CompanyName = &n
		}
	}
	if in.LifecycleStage != nil && *in.LifecycleStage == "" {
		in.LifecycleStage = nil
	}
	return in
}

func (h *Pages) saveNewContact(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	defs, err := h.svc.Properties(r.Context(), ws, ObjContact)
	if err == nil {
		var c *Contact
		c, err = h.svc.CreateContact(r.Context(), pageActor(r), ws, contactInputFromForm(r.PostForm, defs, nil), Cause{Kind: CauseManual})
		if err == nil {
			ui.Redirect(w, r, "/w/"+ws+"/contacts/"+c.ID, "Contact "+c.Name()+" added.")
			return
		}
	}
	p, perr := h.contactsPage(w, r)
	if perr != nil {
		err = perr
	}
	p.Form = r.PostForm
	p.Form.Set("new", "1")
	h.fail(w, r, p, "contacts", err)
}

// recordView is what a contact, company or deal page shows beside the
// record itself.
type recordView struct {
	Kind      string // contacts, companies, deals
	Notes     []Note
	Tasks     []Task
	Members   []auth.Member
	Props     []PropertyDef
	Stages    []LifecycleStage
	Statuses  []string
	Pipelines []Pipeline
}

type contactView struct {
	recordView
	Contact     *Contact
	Transitions []Transition
	Consents    []ConsentRecord
	Deals       []Deal
	Timeline    []TimelineItem
}

func (h *Pages) loadRecord(r *http.Request, kind, object, objectID string) (recordView, error) {
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	rv := recordView{Kind: kind, Statuses: LeadStatuses()}
	var err error
	if rv.Notes, err = h.svc.Notes(r.Context(), ws, objectID); err != nil {
		return rv, err
	}
	if rv.Tasks, err = h.svc.Tasks(r.Context(), ws, objectID); err != nil {
		return rv, err
	}
	if rv.Members, err = h.auth.Members(r.Context(), ws); err != nil {
		return rv, err
	}
	if rv.Props, err = h.svc.Properties(r.Context(), ws, object); err != nil {
		return rv, err
	}
	if rv.Stages, err = h.svc.Lifecycle(r.Context(), ws); err != nil {
		return rv, err
	}
	rv.Pipelines, err = h.svc.Pipelines(r.Context(), ws)
	return rv, err
}

func (h *Pages) contactPage(w http.ResponseWriter, r *http.Request) (*ui.Page, error) {
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	c, err := h.svc.Contact(r.Context(), ws, r.PathValue("id"))
	if err != nil {
		return h.ui.NewPage(w, r, "Contact"), err
	}
	p := h.ui.NewPage(w, r, c.Name())
	v := &contactView{Contact: c}
	p.Data = v
	if v.recordView, err = h.loadRecord(r, "contacts", ObjContact, c.ID); err != nil {
		return p, err
	}
	if v.Transitions, err = h.svc.Transitions(r.Context(), ws, c.ID); err != nil {
		return p, err
	}
	if v.Consents, err = h.svc.Consents(r.Context(), ws, c.ID); err != nil {
		return p, err
	}
	ids, err := h.svc.ContactDeals(r.Context(), ws, c.ID)
	if err != nil {
		return p, err
	}
	for _, id := range ids {
		d, err := h.svc.Deal(r.Context(), ws, id)
		if err != nil {
			return p, err
		}
		v.Deals = append(v.Deals, *d)
	}
	if v.Timeline, err = h.svc.Timeline(r.Context(), ws, ObjContact, c.ID, 200); err != nil {
		return p, err
	}
	f := p.Form
	f.Set("email", c.Email)
	f.Set("first_name", c.FirstName)
	f.Set("last_name", c.LastName)
	f.Set("phone", c.Phone)
	f.Set("title", c.Title)
	f.Set("company_name", c.CompanyName)
	f.Set("owner_id", c.OwnerID)
	f.Set("lifecycle_stage", c.LifecycleStage)
	f.Set("lead_status", c.LeadStatus)
	f.Set("city", c.City)
	f.Set("country", c.Country)
	if c.ConsentEmail {
		f.Set("consent_email", "on")
	}
	for k, val := range c.Props {
		f.Set("prop."+k, propText(val))
	}
	return p, nil
}

// propText renders a stored property value for a form or a CSV cell.
func propText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func (h *Pages) showContactPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.contactPage(w, r)
	if err != nil {
		h.fail(w, r, p, "contact", err)
		return
	}
	h.ui.Render(w, http.StatusOK, "contact", p)
}

func (h *Pages) saveContact(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	current, err := h.svc.Contact(r.Context(), ws, r.PathValue("id"))
	if err == nil {
		var defs []PropertyDef
		if defs, err = h.svc.Properties(r.Context(), ws, ObjContact); err == nil {
			_, err = h.svc.UpdateContact(r.Context(), pageActor(r), ws, current.ID,
				contactInputFromForm(r.PostForm, defs, current), Cause{Kind: CauseManual})
		}
	}
	if err == nil {
		ui.Redirect(w, r, r.URL.Path, "Contact saved.")
		return
	}
	p, perr := h.contactPage(w, r)
	if perr != nil {
		err = perr
	}
	p.Form = r.PostForm
	h.fail(w, r, p, "contact", err)
}

func (h *Pages) deleteContact(w http.ResponseWriter, r *http.Request) {
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	if err := h.svc.DeleteContact(r.Context(), pageActor(r), ws, r.PathValue("id")); err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Contact"), "contact", err)
		return
	}
	ui.Redirect(w, r, "/w/"+ws+"/contacts", "Contact deleted.")
}

// kindOf is the record kind of a URL: /w/{ws}/KIND/...
func kindOf(r *http.Request) string {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/w/"), "/", 3)
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// objectOf maps a URL's record kind to its object.
func objectOf(kind string) (string, bool) {
	switch kind {
	case "contacts":
		return ObjContact, true
	case "companies":
		return ObjCompany, true
	case "deals":
		return ObjDeal, true
	}
	return "", false
}

func (h *Pages) saveNote(w http.ResponseWriter, r *http.Request) {
	object, ok := objectOf(kindOf(r))
	if !ok {
		h.ui.Deny(w, r, http.StatusNotFound)
		return
	}
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	back := "/w/" + ws + "/" + kindOf(r) + "/" + r.PathValue("id")
	_, err := h.svc.AddNote(r.Context(), pageActor(r), ws, object, r.PathValue("id"), r.PostForm.Get("body"))
	if err != nil {
		h.recordFail(w, r, back, err)
		return
	}
	ui.Redirect(w, r, back, "Note added.")
}

// recordFail answers a failed note or task: a missing record is 404, an
// invalid one goes back to the record with the message.
func (h *Pages) recordFail(w http.ResponseWriter, r *http.Request, back string, err error) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		ui.Redirect(w, r, back, "Not saved: "+ve.Error()+".")
		return
	}
	h.fail(w, r, h.ui.NewPage(w, r, "Error"), "contact", err)
}

func (h *Pages) saveTask(w http.ResponseWriter, r *http.Request) {
	object, ok := objectOf(kindOf(r))
	if !ok {
		h.ui.Deny(w, r, http.StatusNotFound)
		return
	}
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	back := "/w/" + ws + "/" + kindOf(r) + "/" + r.PathValue("id")
	in := TaskInput{Title: r.PostForm.Get("title"), AssigneeID: r.PostForm.Get("assignee_id")}
	if due := strings.TrimSpace(r.PostForm.Get("due")); due != "" {
		t, err := time.Parse(time.DateOnly, due)
		if err != nil {
			ui.Redirect(w, r, back, "Not saved: the due date must be a date.")
			return
		}
		in.DueAt = &t
	}
	if _, err := h.svc.AddTask(r.Context(), pageActor(r), ws, object, r.PathValue("id"), in); err != nil {
		h.recordFail(w, r, back, err)
		return
	}
	ui.Redirect(w, r, back, "Task added.")
}

func (h *Pages) saveTaskDone(w http.ResponseWriter, r *http.Request) {
	if _, ok := objectOf(kindOf(r)); !ok {
		h.ui.Deny(w, r, http.StatusNotFound)
		return
	}
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	back := "/w/" + ws + "/" + kindOf(r) + "/" + r.PathValue("id")
	if _, err := h.svc.SetTaskDone(r.Context(), pageActor(r), ws, r.PathValue("task"), r.PostForm.Get("done") == "1"); err != nil {
		h.recordFail(w, r, back, err)
		return
	}
	ui.Redirect(w, r, back, "Task updated.")
}

func memberName(members []auth.Member, userID string) string {
	i := slices.IndexFunc(members, func(m auth.Member) bool { return m.UserID == userID })
	if i < 0 {
		return ""
	}
	if members[i].Name != "" {
		return members[i].Name
	}
	return members[i].Email
}

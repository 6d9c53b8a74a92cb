package crm

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/ui"
)

func (h *Pages) companiesPage(w http.ResponseWriter, r *http.Request) (*ui.Page, error) {
	p := h.ui.NewPage(w, r, "Companies")
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	q, clean := queryFromURL(r.URL.Query())
	base := "/w/" + ws + "/companies"
	v := &listView[Company]{Query: q, Export: exportURL(base, clean),
		Sorts: sortLinks(base, clean, "name", "domain", "employees", "created_at")}
	p.Data = v
	for k, val := range clean {
		p.Form.Set(k, val[0])
	}
	var err error
	v.ViewQuery, v.Object = clean.Encode(), "companies"
	if v.Views, err = h.svc.SavedViews(r.Context(), ws, v.Object); err != nil {
		return p, err
	}
	if v.Members, err = h.auth.Members(r.Context(), ws); err != nil {
		return p, err
	}
	page, err := h.svc.Companies(r.Context(), ws, q)
	if err != nil {
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return p, err
		}
		p.Error = ve.Error()
		if page, err = h.svc.Companies(r.Context(), ws, ListQuery{Desc: true, Limit: 50}); err != nil {
			return p, err
		}
	}
	v.Page = page
	v.Next = nextURL(base, clean, page.NextCursor)
	return p, nil
}

func (h *Pages) showCompaniesPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.companiesPage(w, r)
	if err != nil {
		h.fail(w, r, p, "companies", err)
		return
	}
	h.ui.Render(w, http.StatusOK, "companies", p)
}

func companyInputFromForm(f url.Values, defs []PropertyDef) CompanyInput {
	return CompanyInput{Name: formStr(f, "name"), Website: formStr(f, "domain"), Industry: formStr(f, "industry"),
		Employees: formStr(f, "employees"), RevenueBand: formStr(f, "revenue_band"), Phone: formStr(f, "phone"),
		City: formStr(f, "city"), Country: formStr(f, "country"), OwnerID: formStr(f, "owner_id"),
		Props: formProps(f, defs, ObjCompany)}
}

func (h *Pages) saveNewCompany(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	c, err := h.svc.CreateCompany(r.Context(), pageActor(r), ws, companyInputFromForm(r.PostForm, nil))
	if err == nil {
		ui.Redirect(w, r, "/w/"+ws+"/companies/"+c.ID, "Company "+c.Name+" added.")
		return
	}
	p, perr := h.companiesPage(w, r)
	if perr != nil {
		err = perr
	}
	p.Form = r.PostForm
	p.Form.Set("new", "1")
	h.fail(w, r, p, "companies", err)
}

type companyView struct {
	recordView
	Company  *Company
	Contacts *Page[Contact]
	Deals    *Page[Deal]
	Timeline []TimelineItem
}

func (h *Pages) companyPage(w http.ResponseWriter, r *http.Request) (*ui.Page, error) {
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	c, err := h.svc.Company(r.Context(), ws, r.PathValue("id"))
	if err != nil {
		return h.ui.NewPage(w, r, "Company"), err
	}
	p := h.ui.NewPage(w, r, c.Name)
	v := &companyView{Company: c}
	p.Data = v
	if v.recordView, err = h.loadRecord(r, "companies", ObjCompany, c.ID); err != nil {
		return p, err
	}
	if v.Contacts, err = h.svc.Contacts(r.Context(), ws, ListQuery{Filters: map[string]string{"company_id": c.ID}, Sort: "last_name", Limit: 200}); err != nil {
		return p, err
	}
	if v.Deals, err = h.svc.Deals(r.Context(), ws, ListQuery{Filters: map[string]string{"company_id": c.ID}, Desc: true, Limit: 200}); err != nil {
		return p, err
	}
	if v.Timeline, err = h.svc.Timeline(r.Context(), ws, ObjCompany, c.ID, 200); err != nil {
		return p, err
	}
	f := p.Form
	f.Set("name", c.Name)
	f.Set("domain", c.Domain)
	f.Set("industry", c.Industry)
	if c.Employees != nil {
		f.Set("employees", strconv.FormatInt(*c.Employees, 10))
	}
	f.Set("revenue_band", c.RevenueBand)
	f.Set("phone", c.Phone)
	f.Set("city", c.City)
	f.Set("country", c.Country)
	f.Set("owner_id", c.OwnerID)
	for k, val := range c.Props {
		f.Set("prop."+k, propText(val))
	}
	return p, nil
}

func (h *Pages) showCompanyPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.companyPage(w, r)
	if err != nil {
		h.fail(w, r, p, "company", err)
		return
	}
	h.ui.Render(w, http.StatusOK, "company", p)
}

func (h *Pages) saveCompany(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	defs, err := h.svc.Properties(r.Context(), ws, ObjCompany)
	if err == nil {
		_, err = h.svc.UpdateCompany(r.Context(), pageActor(r), ws, r.PathValue("id"), companyInputFromForm(r.PostForm, defs))
	}
	if err == nil {
		ui.Redirect(w, r, r.URL.Path, "Company saved.")
		return
	}
	p, perr := h.companyPage(w, r)
	if perr != nil {
		err = perr
	}
	p.Form = r.PostForm
	h.fail(w, r, p, "company", err)
}

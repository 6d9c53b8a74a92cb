package crm

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/ui"
)

// boardDealLimit bounds the deals one board shows; the list view pages
// through all of them.
const boardDealLimit = 1000

// Totals sums amounts per currency (deals are not converted here).
type Totals map[string]float64

// Text renders the totals, largest first: "12,500.00 EUR · 300.00 USD".
func (t Totals) Text() string {
	if len(t) == 0 {
		return "0"
	}
	curs := sortedKeys(t)
	sort.SliceStable(curs, func(i, j int) bool { return t[curs[i]] > t[curs[j]] })
	parts := make([]string, len(curs))
	for i, c := range curs {
		parts[i] = ui.Money(t[c], c)
	}
	return strings.Join(parts, " · ")
}

// BoardColumn is one stage of the deals board.
type BoardColumn struct {
	Stage    Stage
	Deals    []Deal
	Amount   Totals
	Weighted Totals
}

// ForecastRow is the open pipeline expected to close in one month.
type ForecastRow struct {
	Month    string // YYYY-MM, "" for deals without a close date
	Deals    int
	Amount   Totals
	Weighted Totals
}

type dealsView struct {
	listView[Deal]
	Pipeline  Pipeline
	Board     []BoardColumn
	Forecast  []ForecastRow
	Open      ForecastRow // all open deals
	Companies map[string]string
	Truncated bool
	ListView  bool
}

// forecast groups open deals by the month of their close date.
func forecast(deals []Deal) ([]ForecastRow, ForecastRow) {
	rows := map[string]*ForecastRow{}
	total := ForecastRow{Amount: Totals{}, Weighted: Totals{}}
	for _, d := range deals {
		if d.Outcome != Open {
			continue
		}
		m := ""
		if len(d.CloseDate) >= 7 {
			m = d.CloseDate[:7]
		}
		r := rows[m]
		if r == nil {
			r = &ForecastRow{Month: m, Amount: Totals{}, Weighted: Totals{}}
			rows[m] = r
		}
		for _, x := range []*ForecastRow{r, &total} {
			x.Deals++
			x.Amount[d.Currency] += d.Amount
			x.Weighted[d.Currency] += d.Weighted
		}
	}
	out := make([]ForecastRow, 0, len(rows))
	for _, m := range sortedKeys(rows) {
		if m != "" {
			out = append(out, *rows[m])
		}
	}
	if r := rows[""]; r != nil {
		out = append(out, *r)
	}
	return out, total
}

func (h *Pages) dealsPage(w http.ResponseWriter, r *http.Request) (*ui.Page, error) {
	p := h.ui.NewPage(w, r, "Deals")
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	v := &dealsView{ListView: r.URL.Query().Get("view") == "list", Companies: map[string]string{}}
	p.Data = v
	var err error
	if v.Pipelines, err = h.svc.Pipelines(r.Context(), ws); err != nil {
		return p, err
	}
	if v.Members, err = h.auth.Members(r.Context(), ws); err != nil {
		return p, err
	}
	v.Pipeline = v.Pipelines[0]
	if i := slices.IndexFunc(v.Pipelines, func(pl Pipeline) bool { return pl.ID == r.URL.Query().Get("pipeline") }); i >= 0 {
		v.Pipeline = v.Pipelines[i]
	}
	p.Form.Set("pipeline", v.Pipeline.ID)
	base := "/w/" + ws + "/deals"
	q, clean := queryFromURL(r.URL.Query())
	delete(q.Filters, "view")
	delete(q.Filters, "pipeline")
	q.Filters["pipeline_id"] = v.Pipeline.ID
	v.Query = q
	exportQuery := url.Values{"pipeline_id": {v.Pipeline.ID}}
	if q.Search != "" {
		exportQuery.Set("search", q.Search)
	}
	v.Export = exportURL(base, exportQuery)
	for k, val := range clean {
		p.Form.Set(k, val[0])
	}
	if v.ListView {
		v.Sorts = sortLinks(base, clean, "name", "amount", "close_date", "created_at")
		page, err := h.svc.Deals(r.Context(), ws, q)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				return p, err
			}
			p.Error = ve.Error()
			page, err = h.svc.Deals(r.Context(), ws, ListQuery{Desc: true, Limit: 50, Filters: map[string]string{"pipeline_id": v.Pipeline.ID}})
			if err != nil {
				return p, err
			}
		}
		v.Page = page
		v.Next = nextURL(base, clean, page.NextCursor)
	} else {
		page, err := h.svc.Deals(r.Context(), ws, ListQuery{Search: q.Search, Sort: "updated_at", Desc: true, Limit: boardDealLimit,
			Filters: map[string]string{"pipeline_id": v.Pipeline.ID}})
		if err != nil {
			return p, err
		}
		v.Page = page
		v.Truncated = page.NextCursor != ""
		for _, st := range v.Pipeline.Stages {
			col := BoardColumn{Stage: st, Amount: Totals{}, Weighted: Totals{}}
			for _, d := range page.Items {
				if d.StageID == st.ID {
					col.Deals = append(col.Deals, d)
					col.Amount[d.Currency] += d.Amount
					col.Weighted[d.Currency] += d.Weighted
				}
			}
			v.Board = append(v.Board, col)
		}
	}
	v.Forecast, v.Open = forecast(v.Page.Items)
	for _, d := range v.Page.Items {
		if d.CompanyID != "" && v.Companies[d.CompanyID] == "" {
			if co, err := h.svc.Company(r.Context(), ws, d.CompanyID); err == nil {
				v.Companies[d.CompanyID] = co.Name
			}
		}
	}
	return p, nil
}

func (h *Pages) showDealsPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.dealsPage(w, r)
	if err != nil {
		h.fail(w, r, p, "deals", err)
		return
	}
	h.ui.Render(w, http.StatusOK, "deals", p)
}

func dealInputFromForm(f url.Values, defs []PropertyDef) (DealInput, error) {
	in := DealInput{Name: formStr(f, "name"), Pipeline: formStr(f, "pipeline"), Stage: formStr(f, "stage"),
		Currency: formStr(f, "currency"), CloseDate: formStr(f, "close_date"), OwnerID: formStr(f, "owner_id"),
		CompanyID: formStr(f, "company_id"), Props: formProps(f, defs, ObjDeal)}
	if a := formStr(f, "amount"); a != nil {
		amount, err := ParseAmount(*a)
		if err != nil {
			return in, &ValidationError{Fields: []FieldError{{"amount", err.Error()}}}
		}
		in.Amount = &amount
	}
	if ids, ok := f["contact_ids"]; ok {
		var clean []string
		for _, id := range ids {
			for part := range strings.FieldsFuncSeq(id, func(r rune) bool { return r == ',' || r == ' ' }) {
				clean = append(clean, part)
			}
		}
		in.ContactIDs = &clean
	}
	return in, nil
}

func (h *Pages) saveNewDeal(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	in, err := dealInputFromForm(r.PostForm, nil)
	if err == nil {
		var d *Deal
		if d, err = h.svc.CreateDeal(r.Context(), pageActor(r), ws, in); err == nil {
			ui.Redirect(w, r, "/w/"+ws+"/deals/"+d.ID, "Deal "+d.Name+" added.")
			return
		}
	}
	p, perr := h.dealsPage(w, r)
	if perr != nil {
		err = perr
	}
	p.Form = r.PostForm
	p.Form.Set("new", "1")
	h.fail(w, r, p, "deals", err)
}

type dealView struct {
	recordView
	Deal     *Deal
	Pipeline Pipeline
	Company  *Company
	Contacts []Contact
	Timeline []TimelineItem
}

func (h *Pages) dealPage(w http.ResponseWriter, r *http.Request) (*ui.Page, error) {
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	d, err := h.svc.Deal(r.Context(), ws, r.PathValue("id"))
	if err != nil {
		return h.ui.NewPage(w, r, "Deal"), err
	}
	p := h.ui.NewPage(w, r, d.Name)
	v := &dealView{Deal: d}
	p.Data = v
	if v.recordView, err = h.loadRecord(r, "deals", ObjDeal, d.ID); err != nil {
		return p, err
	}
	if i := slices.IndexFunc(v.Pipelines, func(pl Pipeline) bool { return pl.ID == d.PipelineID }); i >= 0 {
		v.Pipeline = v.Pipelines[i]
	}
	if d.CompanyID != "" {
		if v.Company, err = h.svc.Company(r.Context(), ws, d.CompanyID); err != nil {
			return p, err
		}
	}
	for _, cid := range d.ContactIDs {
		c, err := h.svc.Contact(r.Context(), ws, cid)
		if err != nil {
			return p, err
		}
		v.Contacts = append(v.Contacts, *c)
	}
	if v.Timeline, err = h.svc.Timeline(r.Context(), ws, ObjDeal, d.ID, 200); err != nil {
		return p, err
	}
	f := p.Form
	f.Set("name", d.Name)
	f.Set("stage", d.StageID)
	f.Set("amount", strconv.FormatFloat(d.Amount, 'f', -1, 64))
	f.Set("currency", d.Currency)
	f.Set("close_date", d.CloseDate)
	f.Set("owner_id", d.OwnerID)
	f.Set("company_id", d.CompanyID)
	f.Set("contact_ids", strings.Join(d.ContactIDs, ", "))
	for k, val := range d.Props {
		f.Set("prop."+k, propText(val))
	}
	return p, nil
}

func (h *Pages) showDealPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.dealPage(w, r)
	if err != nil {
		h.fail(w, r, p, "deal", err)
		return
	}
	h.ui.Render(w, http.StatusOK, "deal", p)
}

func (h *Pages) saveDeal(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	defs, err := h.svc.Properties(r.Context(), ws, ObjDeal)
	if err == nil {
		var in DealInput
		if in, err = dealInputFromForm(r.PostForm, defs); err == nil {
			_, err = h.svc.UpdateDeal(r.Context(), pageActor(r), ws, r.PathValue("id"), in)
		}
	}
	if err == nil {
		ui.Redirect(w, r, r.URL.Path, "Deal saved.")
		return
	}
	p, perr := h.dealPage(w, r)
	if perr != nil {
		err = perr
	}
	p.Form = r.PostForm
	h.fail(w, r, p, "deal", err)
}

// moveDeal moves a deal to another stage from the board (a form per card;
// the board's script submits the same form when a card is dropped).
func (h *Pages) moveDeal(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	stage := r.PostForm.Get("stage")
	d, err := h.svc.UpdateDeal(r.Context(), pageActor(r), ws, r.PathValue("id"), DealInput{Stage: &stage})
	back := "/w/" + ws + "/deals"
	if d != nil {
		back += "?pipeline=" + url.QueryEscape(d.PipelineID)
	}
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			ui.Redirect(w, r, back, "Not moved: "+ve.Error()+".")
			return
		}
		h.fail(w, r, h.ui.NewPage(w, r, "Deals"), "deals", err)
		return
	}
	ui.Redirect(w, r, back, "Deal "+d.Name+" moved to "+d.StageName+".")
}

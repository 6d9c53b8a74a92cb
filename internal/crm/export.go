package crm

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
)

// exportPage is how many records an export reads at a time.
const exportPage = 1000

// cell makes a value safe for spreadsheets: text that a spreadsheet would
// run as a formula (=, +, -, @, tab, carriage return first) gets a leading
// apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}

func timeCell(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// csvExport streams every record of a list view as CSV: a header, then the
// rows, read a page at a time so a million contacts never sit in memory.
func csvExport[T any](w http.ResponseWriter, r *http.Request, h *Pages, file string, header []string,
	next func(ctx context.Context, q ListQuery) (*Page[T], error), row func(*T) []string) {
	q, _ := queryFromURL(r.URL.Query())
	q.Limit, q.Cursor = exportPage, ""
	first, err := next(r.Context(), q)
	if err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Export"), "contacts", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	cw := csv.NewWriter(w)
	_ = cw.Write(header)
	page := first
	for {
		for i := range page.Items {
			cells := row(&page.Items[i])
			for j := range cells {
				cells[j] = cell(cells[j])
			}
			_ = cw.Write(cells)
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
		if page, err = next(r.Context(), q); err != nil {
			// The header is sent: end the file where it failed, and log why.
			h.logger.Error("CSV export failed", "request.path", r.URL.Path, "error", err)
			break
		}
	}
	cw.Flush()
}

func exportName(kind string) string {
	return "mops-" + kind + "-" + time.Now().UTC().Format("2006-01-02") + ".csv"
}

func (h *Pages) exportContacts(w http.ResponseWriter, r *http.Request) {
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	defs, err := h.svc.Properties(r.Context(), ws, ObjContact)
	if err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Export"), "contacts", err)
		return
	}
	header := []string{"id", "email", "first_name", "last_name", "phone", "title", "company_id", "company_name",
		"owner_id", "lifecycle_stage", "lead_status", "city", "country", "source",
		"first_touch_channel", "first_touch_source", "first_touch_campaign",
		"last_touch_channel", "last_touch_source", "last_touch_campaign",
		"consent_email", "external_id", "created_at", "updated_at"}
	for _, d := range defs {
		header = append(header, d.Key)
	}
	csvExport(w, r, h, exportName("contacts"), header,
		func(ctx context.Context, q ListQuery) (*Page[Contact], error) { return h.svc.Contacts(ctx, ws, q) },
		func(c *Contact) []string {
			out := []string{c.ID, c.Email, c.FirstName, c.LastName, c.Phone, c.Title, c.CompanyID, c.CompanyName,
				c.OwnerID, c.LifecycleStage, c.LeadStatus, c.City, c.Country, c.Source,
				c.FirstTouch.Channel, c.FirstTouch.Source, c.FirstTouch.Campaign,
				c.LastTouch.Channel, c.LastTouch.Source, c.LastTouch.Campaign,
				strconv.FormatBool(c.ConsentEmail), c.ExternalID, timeCell(c.CreatedAt), timeCell(c.UpdatedAt)}
			for _, d := range defs {
				out = append(out, propText(c.Props[d.Key]))
			}
			return out
		})
}

func (h *Pages) exportCompanies(w http.ResponseWriter, r *http.Request) {
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	defs, err := h.svc.Properties(r.Context(), ws, ObjCompany)
	if err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Export"), "companies", err)
		return
	}
	header := []string{"id", "name", "domain", "industry", "employees", "revenue_band", "phone", "city", "country",
		"owner_id", "contacts", "external_id", "created_at", "updated_at"}
	for _, d := range defs {
		header = append(header, d.Key)
	}
	csvExport(w, r, h, exportName("companies"), header,
		func(ctx context.Context, q ListQuery) (*Page[Company], error) { return h.svc.Companies(ctx, ws, q) },
		func(c *Company) []string {
			employees := ""
			if c.Employees != nil {
				employees = strconv.FormatInt(*c.Employees, 10)
			}
			out := []string{c.ID, c.Name, c.Domain, c.Industry, employees, c.RevenueBand, c.Phone, c.City, c.Country,
				c.OwnerID, strconv.Itoa(c.Contacts), c.ExternalID, timeCell(c.CreatedAt), timeCell(c.UpdatedAt)}
			for _, d := range defs {
				out = append(out, propText(c.Props[d.Key]))
			}
			return out
		})
}

func (h *Pages) exportDeals(w http.ResponseWriter, r *http.Request) {
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	defs, err := h.svc.Properties(r.Context(), ws, ObjDeal)
	if err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Export"), "deals", err)
		return
	}
	header := []string{"id", "name", "pipeline_id", "stage", "outcome", "amount", "currency", "probability",
		"weighted_amount", "close_date", "company_id", "owner_id", "contact_ids", "external_id", "created_at", "closed_at"}
	for _, d := range defs {
		header = append(header, d.Key)
	}
	csvExport(w, r, h, exportName("deals"), header,
		func(ctx context.Context, q ListQuery) (*Page[Deal], error) { return h.svc.Deals(ctx, ws, q) },
		func(d *Deal) []string {
			closed := ""
			if d.ClosedAt != nil {
				closed = timeCell(*d.ClosedAt)
			}
			out := []string{d.ID, d.Name, d.PipelineID, d.StageName, string(d.Outcome),
				strconv.FormatFloat(d.Amount, 'f', 2, 64), d.Currency, strconv.FormatFloat(d.Probability, 'f', -1, 64),
				strconv.FormatFloat(d.Weighted, 'f', 2, 64), d.CloseDate, d.CompanyID, d.OwnerID,
				strings.Join(d.ContactIDs, " "), d.ExternalID, timeCell(d.CreatedAt), closed}
			for _, def := range defs {
				out = append(out, propText(d.Props[def.Key]))
			}
			return out
		})
}

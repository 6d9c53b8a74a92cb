package crm

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
)

// maxRecordBody bounds a JSON write of one record.
const maxRecordBody = 64 << 10

// API serves the CRM's JSON routes under /api/v1.
type API struct {
	svc    *Service
	auth   *auth.Service
	logger *slog.Logger
}

// NewAPI returns the JSON API.
func NewAPI(svc *Service, a *auth.Service, logger *slog.Logger) *API {
	return &API{svc: svc, auth: a, logger: logger}
}

// Register adds the routes to mux.
func (h *API) Register(mux *http.ServeMux) {
	key := func(s auth.Scope, f http.HandlerFunc) http.Handler {
		return h.auth.RequireKey(s, auth.DenyJSON, f)
	}
	mux.Handle("GET /api/v1/contacts", key(auth.ScopeRead, h.listContacts))
	mux.Handle("POST /api/v1/contacts", key(auth.ScopeWrite, h.createContact))
	mux.Handle("GET /api/v1/contacts/{id}", key(auth.ScopeRead, h.getContact))
	mux.Handle("PATCH /api/v1/contacts/{id}", key(auth.ScopeWrite, h.updateContact))
	mux.Handle("DELETE /api/v1/contacts/{id}", key(auth.ScopeWrite, h.deleteContact))

	mux.Handle("GET /api/v1/companies", key(auth.ScopeRead, h.listCompanies))
	mux.Handle("POST /api/v1/companies", key(auth.ScopeWrite, h.createCompany))
	mux.Handle("GET /api/v1/companies/{id}", key(auth.ScopeRead, h.getCompany))
	mux.Handle("PATCH /api/v1/companies/{id}", key(auth.ScopeWrite, h.updateCompany))
	mux.Handle("DELETE /api/v1/companies/{id}", key(auth.ScopeWrite, h.deleteCompany))

	mux.Handle("GET /api/v1/deals", key(auth.ScopeRead, h.listDeals))
	mux.Handle("POST /api/v1/deals", key(auth.ScopeWrite, h.createDeal))
	mux.Handle("GET /api/v1/deals/{id}", key(auth.ScopeRead, h.getDeal))
	mux.Handle("PATCH /api/v1/deals/{id}", key(auth.ScopeWrite, h.updateDeal))
	mux.Handle("DELETE /api/v1/deals/{id}", key(auth.ScopeWrite, h.deleteDeal))

	mux.Handle("GET /api/v1/pipelines", key(auth.ScopeRead, h.listPipelines))
	mux.Handle("GET /api/v1/properties", key(auth.ScopeRead, h.listProperties))
	mux.Handle("POST /api/v1/properties", key(auth.ScopeWrite, h.createProperty))
	mux.Handle("POST /api/v1/imports/{kind}", key(auth.ScopeWrite, h.importFile))
	mux.Handle("GET /api/v1/contacts/duplicates", key(auth.ScopeRead, h.listDuplicates))
	mux.Handle("POST /api/v1/contacts/merge", key(auth.ScopeWrite, h.mergeContacts))
	mux.Handle("POST /api/v1/contacts/merges/{id}/undo", key(auth.ScopeWrite, h.undoMerge))
	mux.Handle("GET /api/v1/data-quality", key(auth.ScopeRead, h.dataQuality))
	mux.Handle("GET /api/v1/contacts/{id}/personal-data", key(auth.ScopeRead, h.exportPersonalData))
	mux.Handle("POST /api/v1/contacts/{id}/erase", key(auth.ScopeWrite, h.eraseContact))
}

// errorBody is the JSON of a refused write: the contract's "error" and,
// for validation errors, every invalid field; for duplicates, the record
// that is already there.
type errorBody struct {
	Error      string       `json:"error"`
	Fields     []FieldError `json:"fields,omitempty"`
	ExistingID string       `json:"existing_id,omitempty"`
}

// WriteError answers err the way the CRM's API does.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	var ve *ValidationError
	var de *DuplicateError
	switch {
	case errors.As(err, &ve):
		httpx.WriteJSON(w, http.StatusBadRequest, errorBody{Error: ve.Error(), Fields: ve.Fields})
	case errors.As(err, &de):
		httpx.WriteJSON(w, http.StatusConflict, errorBody{Error: de.Error(), ExistingID: de.ExistingID})
	case errors.Is(err, ErrNotFound):
		httpx.WriteError(w, r, logger, httpx.ErrNotFound)
	default:
		httpx.WriteError(w, r, logger, err)
	}
}

func (h *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, h.logger, err)
}

// listQuery reads a list's query string: search, sort, order (asc, desc),
// limit, cursor; every other parameter is a filter.
func listQuery(v url.Values) (ListQuery, error) {
	q := ListQuery{Search: v.Get("search"), Sort: v.Get("sort"), Cursor: v.Get("cursor"), Filters: map[string]string{}}
	if q.Search == "" {
		q.Search = v.Get("q")
	}
	switch v.Get("order") {
	case "desc":
		q.Desc = true
	case "", "asc":
		if q.Sort == "" && v.Get("order") == "" {
			q.Desc = true // newest first by default
		}
	default:
		return q, &ValidationError{Fields: []FieldError{{"order", "must be asc or desc"}}}
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return q, &ValidationError{Fields: []FieldError{{"limit", "must be a whole number from 1 to 1000"}}}
		}
		q.Limit = n
	}
	for k, vals := range v {
		switch k {
		case "search", "q", "sort", "order", "limit", "cursor":
			continue
		}
		q.Filters[k] = strings.Join(vals, ",")
	}
	return q, nil
}

func workspace(r *http.Request) string { return auth.AccessFrom(r.Context()).Workspace.ID }

func actor(r *http.Request) auth.Actor {
	return auth.AccessFrom(r.Context()).Actor(auth.UserFrom(r.Context()))
}

var apiCause = Cause{Kind: CauseAPI}

func (h *API) listContacts(w http.ResponseWriter, r *http.Request) {
	q, err := listQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.svc.Contacts(r.Context(), workspace(r), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (h *API) getContact(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Contact(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}

func (h *API) createContact(w http.ResponseWriter, r *http.Request) {
	var in ContactInput
	if err := httpx.DecodeJSON(w, r, maxRecordBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.svc.CreateContact(r.Context(), actor(r), workspace(r), in, apiCause)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
}

func (h *API) updateContact(w http.ResponseWriter, r *http.Request) {
	var in ContactInput
	if err := httpx.DecodeJSON(w, r, maxRecordBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.svc.UpdateContact(r.Context(), actor(r), workspace(r), r.PathValue("id"), in, apiCause)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}

func (h *API) deleteContact(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteContact(r.Context(), actor(r), workspace(r), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"deleted": r.PathValue("id")})
}

func (h *API) listCompanies(w http.ResponseWriter, r *http.Request) {
	q, err := listQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.svc.Companies(r.Context(), workspace(r), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (h *API) getCompany(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Company(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}

func (h *API) createCompany(w http.ResponseWriter, r *http.Request) {
	var in CompanyInput
	if err := httpx.DecodeJSON(w, r, maxRecordBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.svc.CreateCompany(r.Context(), actor(r), workspace(r), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
}

func (h *API) updateCompany(w http.ResponseWriter, r *http.Request) {
	var in CompanyInput
	if err := httpx.DecodeJSON(w, r, maxRecordBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.svc.UpdateCompany(r.Context(), actor(r), workspace(r), r.PathValue("id"), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}

func (h *API) deleteCompany(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteCompany(r.Context(), actor(r), workspace(r), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"deleted": r.PathValue("id")})
}

func (h *API) listDeals(w http.ResponseWriter, r *http.Request) {
	q, err := listQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.svc.Deals(r.Context(), workspace(r), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (h *API) getDeal(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Deal(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d)
}

func (h *API) createDeal(w http.ResponseWriter, r *http.Request) {
	var in DealInput
	if err := httpx.DecodeJSON(w, r, maxRecordBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.svc.CreateDeal(r.Context(), actor(r), workspace(r), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, d)
}

func (h *API) updateDeal(w http.ResponseWriter, r *http.Request) {
	var in DealInput
	if err := httpx.DecodeJSON(w, r, maxRecordBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.svc.UpdateDeal(r.Context(), actor(r), workspace(r), r.PathValue("id"), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d)
}

func (h *API) deleteDeal(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteDeal(r.Context(), actor(r), workspace(r), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"deleted": r.PathValue("id")})
}

func (h *API) listPipelines(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.Pipelines(r.Context(), workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"pipelines": ps})
}

func (h *API) listProperties(w http.ResponseWriter, r *http.Request) {
	defs, err := h.svc.Properties(r.Context(), workspace(r), r.URL.Query().Get("object"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if defs == nil {
		defs = []PropertyDef{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"properties": defs})
}

func (h *API) createProperty(w http.ResponseWriter, r *http.Request) {
	var in PropertyDef
	if err := httpx.DecodeJSON(w, r, maxRecordBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.svc.DefineProperty(r.Context(), actor(r), workspace(r), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, d)
}

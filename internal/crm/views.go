package crm

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/id"
	"github.com/mopshq/mops/internal/platform/ui"
)

// SavedView is a named list query the whole workspace can open.
type SavedView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Query     string    `json:"query"` // the list's URL query
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// viewObjects are the lists that have saved views.
var viewObjects = map[string]bool{"contacts": true, "companies": true}

// maxBulk bounds how many records one bulk edit changes.
const maxBulk = 500

// SaveView stores a list's query under a name. The query is checked as
// the list would read it; the page cursor is dropped.
func (s *Service) SaveView(ctx context.Context, actor auth.Actor, ws, object, name, query string) (*SavedView, error) {
	var fe fieldErrors
	if !viewObjects[object] {
		fe.add("object", "must be contacts or companies")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 80 {
		fe.add("name", "is required, at most 80 characters")
	}
	v, err := url.ParseQuery(strings.TrimPrefix(query, "?"))
	if err != nil {
		fe.add("query", "is not a list query")
	}
	v.Del("cursor")
	_, clean := queryFromURL(v)
	if q, err := listQuery(clean); err != nil {
		fe.add("query", msgOf(err))
	} else if spec, ok := map[string]func() listSpec{"contacts": contactSpec, "companies": companySpec}[object]; ok {
		if _, err := spec().build(ws, q); err != nil {
			fe.add("query", msgOf(err))
		}
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	sv := &SavedView{ID: id.New("sv"), Name: name, Query: clean.Encode(), CreatedBy: actor.Name, CreatedAt: s.now()}
	err = s.write(ctx, ws, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.mq.InsertSavedView, sv.ID, ws, object, sv.Name, sv.Query, sv.CreatedBy, sv.CreatedAt); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "crm.view.create", "saved_view", sv.ID, nil, sv)
	})
	if err != nil {
		return nil, fmt.Errorf("save view: %w", err)
	}
	return sv, nil
}

// SavedViews lists a list's saved views by name.
func (s *Service) SavedViews(ctx context.Context, ws, object string) ([]SavedView, error) {
	rows, err := s.db.QueryContext(ctx, s.mq.ListSavedViews, ws, object)
	if err != nil {
		return nil, fmt.Errorf("list saved views: %w", err)
	}
	defer rows.Close()
	var out []SavedView
	for rows.Next() {
		var v SavedView
		if err := rows.Scan(&v.ID, &v.Name, &v.Query, &v.CreatedBy, &v.CreatedAt); err != nil {
			return nil, fmt.Errorf("list saved views: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// DeleteView removes a saved view.
func (s *Service) DeleteView(ctx context.Context, actor auth.Actor, ws, object, viewID string) error {
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.mq.DeleteSavedView, ws, object, viewID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.audit.Record(ctx, tx, ws, actor, "crm.view.delete", "saved_view", viewID, nil, nil)
	})
	if err != nil {
		return fmt.Errorf("delete view: %w", err)
	}
	return nil
}

// BulkUpdateContacts applies one change to many contacts in one
// transaction: all of them change, or none (the first invalid one names
// the problem). Each change is audited.
func (s *Service) BulkUpdateContacts(ctx context.Context, actor auth.Actor, ws string, ids []string, in ContactInput) (int, error) {
	if len(ids) == 0 {
		return 0, &ValidationError{Fields: []FieldError{{"ids", "select at least one contact"}}}
	}
	if len(ids) > maxBulk {
		return 0, &ValidationError{Fields: []FieldError{{"ids", fmt.Sprintf("at most %d contacts at a time", maxBulk)}}}
	}
	err := s.writeWith(ctx, ws, func(tx *sql.Tx, wc *writeCtx) error {
		for _, cid := range ids {
			if _, err := s.updateContact(ctx, tx, wc, actor, cid, in, Cause{Kind: CauseManual}); err != nil {
				return fmt.Errorf("contact %s: %w", cid, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bulk edit: %w", err)
	}
	return len(ids), nil
}

func (h *Pages) saveView(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	object := r.PathValue("object")
	ws := workspaceOf(r)
	back := "/w/" + ws + "/" + object
	if !viewObjects[object] {
		h.ui.Deny(w, r, http.StatusNotFound)
		return
	}
	sv, err := h.svc.SaveView(r.Context(), pageActor(r), ws, object, r.PostForm.Get("name"), r.PostForm.Get("query"))
	if err != nil {
		ui.Redirect(w, r, back+"?"+r.PostForm.Get("query"), "The view was not saved: "+msgOf(err))
		return
	}
	ui.Redirect(w, r, back+"?"+sv.Query+"&view="+sv.ID, "Saved the view “"+sv.Name+"”.")
}

func (h *Pages) deleteView(w http.ResponseWriter, r *http.Request) {
	object, ws := r.PathValue("object"), workspaceOf(r)
	if err := h.svc.DeleteView(r.Context(), pageActor(r), ws, object, r.PathValue("id")); err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Views"), "contacts", err)
		return
	}
	ui.Redirect(w, r, "/w/"+ws+"/"+object, "The view was deleted.")
}

func (h *Pages) bulkEditContacts(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := workspaceOf(r)
	f := r.PostForm
	var in ContactInput
	set := func(key string) *string {
		if v := f.Get(key); v != "" {
			if v == EmptyValue {
				v = ""
			}
			return &v
		}
		return nil
	}
	in.OwnerID, in.LifecycleStage, in.LeadStatus = set("owner_id"), set("lifecycle_stage"), set("lead_status")
	back := "/w/" + ws + "/contacts?" + f.Get("query")
	if in.OwnerID == nil && in.LifecycleStage == nil && in.LeadStatus == nil {
		ui.Redirect(w, r, back, "Nothing was changed: choose an owner, a stage or a lead status to set.")
		return
	}
	n, err := h.svc.BulkUpdateContacts(r.Context(), pageActor(r), ws, f["ids"], in)
	if err != nil {
		ui.Redirect(w, r, back, "Nothing was changed: "+msgOf(err))
		return
	}
	ui.Redirect(w, r, back, fmt.Sprintf("Updated %d contacts.", n))
}

package crm

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/platform/id"
	"github.com/mopshq/mops/internal/platform/ui"
)

// PersonalData is everything mops holds about a contact, for a data
// subject's access request (GDPR article 15) or portability (article 20).
type PersonalData struct {
	ExportedAt  time.Time       `json:"exported_at"`
	Contact     *Contact        `json:"contact"`
	Company     *Company        `json:"company,omitempty"`
	Identities  []Identity      `json:"identities"`
	Consents    []ConsentRecord `json:"consent_records"`
	Lifecycle   []Transition    `json:"lifecycle_transitions"`
	Notes       []Note          `json:"notes"`
	Tasks       []Task          `json:"tasks"`
	Deals       []*Deal         `json:"deals"`
	Events      []PersonalEvent `json:"events"`
	Explanation string          `json:"explanation"`
}

// PersonalEvent is one tracked event of the contact's visitors.
type PersonalEvent struct {
	At         time.Time `json:"at"`
	Site       string    `json:"site"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name"`
	Host       string    `json:"host"`
	Path       string    `json:"path"`
	Referrer   string    `json:"referrer"`
	Channel    string    `json:"channel"`
	Source     string    `json:"source"`
	UTMSource  string    `json:"utm_source"`
	UTMMedium  string    `json:"utm_medium"`
	Campaign   string    `json:"utm_campaign"`
	Browser    string    `json:"browser"`
	OS         string    `json:"os"`
	Device     string    `json:"device"`
	Country    string    `json:"country"`
	Region     string    `json:"region"`
	City       string    `json:"city"`
	Properties string    `json:"properties"`
	Revenue    float64   `json:"revenue"`
	Currency   string    `json:"currency"`
}

// ExportPersonalData gathers everything about a contact. The export is
// audited (who exported whose data), without the data itself.
func (s *Service) ExportPersonalData(ctx context.Context, actor auth.Actor, ws, contactID string) (*PersonalData, error) {
	c, err := s.Contact(ctx, ws, contactID)
	if err != nil {
		return nil, fmt.Errorf("export personal data: %w", err)
	}
	out := &PersonalData{ExportedAt: s.now(), Contact: c, Explanation: "Everything this workspace's CRM and web analytics hold about the " +
		"person: the contact record, the identities that link them to web visits, consent records, lifecycle history, notes, " +
		"tasks, deals and every tracked event of their visits. IP addresses are never stored."}
	if c.CompanyID != "" {
		if out.Company, err = s.Company(ctx, ws, c.CompanyID); err != nil {
			return nil, fmt.Errorf("export personal data: %w", err)
		}
	}
	if out.Identities, err = s.Identities(ctx, ws, contactID); err != nil {
		return nil, err
	}
	if out.Consents, err = s.Consents(ctx, ws, contactID); err != nil {
		return nil, err
	}
	if out.Lifecycle, err = s.Transitions(ctx, ws, contactID); err != nil {
		return nil, err
	}
	if out.Notes, err = s.Notes(ctx, ws, contactID); err != nil {
		return nil, err
	}
	if out.Tasks, err = s.Tasks(ctx, ws, contactID); err != nil {
		return nil, err
	}
	dealIDs, err := s.ContactDeals(ctx, ws, contactID)
	if err != nil {
		return nil, err
	}
	for _, d := range dealIDs {
		deal, err := s.Deal(ctx, ws, d)
		if err != nil {
			return nil, fmt.Errorf("export personal data: %w", err)
		}
		out.Deals = append(out.Deals, deal)
	}
	rows, err := s.db.QueryContext(ctx, s.mq.ListContactAllEvents, ws, contactID, ws)
	if err != nil {
		return nil, fmt.Errorf("export personal data: events: %w", err)
	}
	defer rows.Close()
	out.Events = []PersonalEvent{}
	for rows.Next() {
		var e PersonalEvent
		if err := rows.Scan(&e.At, &e.Site, &e.Kind, &e.Name, &e.Host, &e.Path, &e.Referrer, &e.Channel, &e.Source,
			&e.UTMSource, &e.UTMMedium, &e.Campaign, &e.Browser, &e.OS, &e.Device, &e.Country, &e.Region, &e.City,
			&e.Properties, &e.Revenue, &e.Currency); err != nil {
			return nil, fmt.Errorf("export personal data: events: %w", err)
		}
		e.At = e.At.UTC()
		out.Events = append(out.Events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("export personal data: events: %w", err)
	}
	if err := s.audit.Record(ctx, s.db, ws, actor, "contact.export_personal_data", "contact", contactID, nil,
		map[string]int{"events": len(out.Events), "notes": len(out.Notes), "deals": len(out.Deals)}); err != nil {
		return nil, err
	}
	return out, nil
}

// Erasure is what erasing a contact did.
type Erasure struct {
	ContactID    string    `json:"contact_id"`
	ErasedAt     time.Time `json:"erased_at"`
	Identities   int       `json:"identities"`
	Events       int64     `json:"events_pseudonymised"`
	Visits       int64     `json:"visits_pseudonymised"`
	AuditRedacts bool      `json:"audit_redacted"`
}

// EraseContact erases a contact (GDPR article 17): the record, its notes,
// tasks, lifecycle history, consent records, deal links, duplicate pairs
// and merges are deleted; its events and visits stay in the aggregate
// numbers but are pseudonymised (a new random visitor id, no user id, no
// traits or properties, no city); earlier audit entries about it are
// redacted. The erasure itself is audited with its counts only.
func (s *Service) EraseContact(ctx context.Context, actor auth.Actor, ws, contactID string) (*Erasure, error) {
	var out *Erasure
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		if _, err := s.st.contact(ctx, tx, ws, contactID); err != nil {
			return err
		}
		ids, err := s.identities(ctx, tx, ws, contactID)
		if err != nil {
			return err
		}
		er := &Erasure{ContactID: contactID, ErasedAt: s.now(), Identities: len(ids), AuditRedacts: true}
		for _, ident := range ids {
			visitor, user := "", ""
			if ident.Kind == IdentityVisitor {
				visitor = ident.Value
			} else {
				user = ident.Value
			}
			pseudonym := id.New("erased")
			for _, q := range []struct {
				sql string
				n   *int64
			}{{s.mq.PseudonymiseEvents, &er.Events}, {s.mq.PseudonymiseVisits, &er.Visits}} {
				res, err := tx.ExecContext(ctx, q.sql, pseudonym, pseudonym, ws, visitor, visitor, user, user)
				if err != nil {
					return fmt.Errorf("pseudonymise: %w", err)
				}
				n, _ := res.RowsAffected()
				*q.n += n
			}
		}
		if err := execEach(ctx, tx, []string{s.st.q.DeleteContact, s.st.q.DeleteContactIdentities, s.st.q.DeleteContactDealLinks,
			s.st.q.DeleteObjectNotes, s.st.q.DeleteObjectTasks, s.mq.DeleteTransitions, s.mq.DeleteConsents}, ws, contactID); err != nil {
			return err
		}
		if err := execEach(ctx, tx, []string{s.mq.ForgetContactPairs, s.mq.ForgetContactMerges}, ws, contactID, contactID); err != nil {
			return err
		}
		if err := s.audit.Redact(ctx, tx, ws, "contact", contactID); err != nil {
			return err
		}
		out = er
		return s.audit.Record(ctx, tx, ws, actor, "contact.erase", "contact", contactID, nil, er)
	})
	if err != nil {
		return nil, fmt.Errorf("erase contact: %w", err)
	}
	return out, nil
}

// personalDataJSON is the export as an indented JSON document.
func personalDataJSON(p *PersonalData) ([]byte, error) {
	return json.MarshalIndent(p, "", "  ")
}

func (h *API) exportPersonalData(w http.ResponseWriter, r *http.Request) {
	p, err := h.svc.ExportPersonalData(r.Context(), actor(r), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (h *API) eraseContact(w http.ResponseWriter, r *http.Request) {
	e, err := h.svc.EraseContact(r.Context(), actor(r), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, e)
}

func (h *Pages) exportPersonalData(w http.ResponseWriter, r *http.Request) {
	p, err := h.svc.ExportPersonalData(r.Context(), pageActor(r), workspaceOf(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Contact"), "contact", err)
		return
	}
	b, err := personalDataJSON(p)
	if err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Contact"), "contact", err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="personal-data-`+p.Contact.ID+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

func (h *Pages) eraseContact(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, formLimit); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	ws := workspaceOf(r)
	if r.PostForm.Get("confirm") != "ERASE" {
		ui.Redirect(w, r, "/w/"+ws+"/contacts/"+r.PathValue("id"), "Nothing was erased: type ERASE to confirm.")
		return
	}
	e, err := h.svc.EraseContact(r.Context(), pageActor(r), ws, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, h.ui.NewPage(w, r, "Contact"), "contact", err)
		return
	}
	ui.Redirect(w, r, "/w/"+ws+"/contacts", fmt.Sprintf("The contact was erased; %d events and %d visits were pseudonymised.", e.Events, e.Visits))
}

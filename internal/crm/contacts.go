package crm

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/crm/normalize"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/id"
)

// ContactInput is a write of a contact: nil fields are left as they are
// (on create: empty). Props are merged into the contact's properties; a
// null value removes one.
type ContactInput struct {
	Email          *string        `json:"email"`
	FirstName      *string        `json:"first_name"`
	LastName       *string        `json:"last_name"`
	Phone          *string        `json:"phone"`
	Title          *string        `json:"title"`
	CompanyID      *string        `json:"company_id"`
	CompanyName    *string        `json:"company_name"` // finds the company by name, or creates it
	OwnerID        *string        `json:"owner_id"`
	LifecycleStage *string        `json:"lifecycle_stage"`
	LeadStatus     *string        `json:"lead_status"`
	City           *string        `json:"city"`
	Country        *string        `json:"country"`
	ConsentEmail   *bool          `json:"consent_email"`
	FirstTouch     *Touch         `json:"first_touch"`
	LastTouch      *Touch         `json:"last_touch"`
	ExternalID     *string        `json:"external_id"`
	Props          map[string]any `json:"properties"`
}

// Cause says why a write happens: it becomes the cause of lifecycle
// transitions and the source of consent records and new contacts.
type Cause struct {
	Kind string // CauseManual, CauseAPI, CauseImport, CauseForm, ...
	ID   string // the form, import or deal, when there is one
	// Detail is the consent text shown, for consent records.
	Detail string
	// ForwardOnly makes a lifecycle stage in the input apply only when it
	// is later than the contact's current stage (forms, identify, deals:
	// a customer who fills in a newsletter form stays a customer).
	ForwardOnly bool
	// At is when it happened (an identify call's time), for a new
	// contact's creation and the lifecycle transitions; zero is now.
	At time.Time
}

// at is when the cause happened.
func (c Cause) at(now time.Time) time.Time {
	if c.At.IsZero() || c.At.After(now) {
		return now
	}
	return c.At.UTC()
}

// Str returns a pointer to s, for building inputs.
func Str(s string) *string { return &s }

// writeCtx is what validating a write needs from the workspace.
type writeCtx struct {
	ws       string
	settings Settings
	stages   []LifecycleStage
	defs     []PropertyDef
	members  []auth.Member
	// bulk, during an import, answers the duplicate checks from memory;
	// the import is audited once instead of row by row.
	bulk *bulk
}

// findContactByEmail returns the contact with the email, or "".
func (s *Service) findContactByEmail(ctx context.Context, tx *sql.Tx, wc *writeCtx, email string) (string, error) {
	if wc.bulk != nil {
		return wc.bulk.contactsByEmail[email], nil
	}
	return findID(ctx, tx, s.st.q.FindContactByEmail, wc.ws, email)
}

// exec runs a write. During an import each statement is prepared once
// per transaction instead of once per row.
func (s *Service) exec(ctx context.Context, tx *sql.Tx, wc *writeCtx, query string, args ...any) error {
	if wc.bulk == nil || wc.bulk.stmts == nil {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}
	if wc.bulk.buffered(s, query, args) {
		return nil
	}
	st := wc.bulk.stmts[query]
	if st == nil {
		var err error
		if st, err = tx.PrepareContext(ctx, query); err != nil {
			return err
		}
		wc.bulk.stmts[query] = st
	}
	_, err := st.ExecContext(ctx, args...)
	return err
}

// record audits a change, except row by row during an import.
func (s *Service) record(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, action, targetType, targetID string, before, after any) error {
	if wc.bulk != nil {
		return nil
	}
	return s.audit.Record(ctx, tx, wc.ws, actor, action, targetType, targetID, before, after)
}

func (s *Service) loadWriteCtx(ctx context.Context, tx *sql.Tx, ws string) (*writeCtx, error) {
	wc := &writeCtx{ws: ws}
	var err error
	if wc.settings, err = s.settings(ctx, tx, ws); err != nil {
		return nil, err
	}
	if wc.stages, err = s.lifecycle(ctx, tx, ws); err != nil {
		return nil, err
	}
	if wc.defs, err = s.propertyDefs(ctx, tx, ws); err != nil {
		return nil, err
	}
	if wc.members, err = s.members.Members(ctx, ws); err != nil {
		return nil, err
	}
	return wc, nil
}

func (wc *writeCtx) isMember(userID string) bool {
	return slices.ContainsFunc(wc.members, func(m auth.Member) bool { return m.UserID == userID })
}

// memberByEmail returns the id of the member with the email, or "".
func (wc *writeCtx) memberByEmail(email string) string {
	for _, m := range wc.members {
		if strings.EqualFold(m.Email, strings.TrimSpace(email)) {
			return m.UserID
		}
	}
	return ""
}

func text(field string, p *string, max int, dst *string, fe *fieldErrors) {
	if p == nil {
		return
	}
	v, err := normalize.Text(field, *p, max)
	if err != nil {
		fe.add(field, msgOf(err))
		return
	}
	*dst = v
}

func name(field string, p *string, dst *string, fe *fieldErrors) {
	if p == nil {
		return
	}
	v := normalize.Name(*p)
	if len([]rune(v)) > 100 {
		fe.add(field, "is longer than 100 characters")
		return
	}
	*dst = v
}

// applyContact validates in and writes it over c. It does not touch the
// database: company names and uniqueness are resolved by the caller.
func applyContact(wc *writeCtx, c *Contact, in ContactInput, fe *fieldErrors) {
	if in.Email != nil {
		if v, err := normalize.Email(*in.Email); err != nil {
			fe.add("email", msgOf(err))
		} else {
			c.Email = v
		}
	}
	if in.Phone != nil {
		if v, err := normalize.Phone(*in.Phone, wc.settings.PhoneRegion); err != nil {
			fe.add("phone", msgOf(err))
		} else {
			c.Phone = v
		}
	}
	name("first_name", in.FirstName, &c.FirstName, fe)
	name("last_name", in.LastName, &c.LastName, fe)
	text("title", in.Title, 200, &c.Title, fe)
	text("city", in.City, 200, &c.City, fe)
	text("country", in.Country, 100, &c.Country, fe)
	text("external_id", in.ExternalID, 200, &c.ExternalID, fe)
	if in.OwnerID != nil {
		o := strings.TrimSpace(*in.OwnerID)
		if o != "" && !wc.isMember(o) {
			fe.add("owner_id", fmt.Sprintf("%q is not a member of this workspace", o))
		} else {
			c.OwnerID = o
		}
	}
	if in.LeadStatus != nil {
		ls := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(*in.LeadStatus)), " ", "_")
		if ls != "" && !slices.Contains(LeadStatuses(), ls) {
			fe.add("lead_status", fmt.Sprintf("%q is not one of %s", *in.LeadStatus, strings.Join(LeadStatuses(), ", ")))
		} else {
			c.LeadStatus = ls
		}
	}
	if in.ConsentEmail != nil {
		c.ConsentEmail = *in.ConsentEmail
	}
	if in.FirstTouch != nil {
		c.FirstTouch = cleanTouch(*in.FirstTouch)
	}
	if in.LastTouch != nil {
		c.LastTouch = cleanTouch(*in.LastTouch)
	}
	if in.Props != nil {
		c.Props = applyProps(wc.defs, ObjContact, c.Props, in.Props, fe)
	}
}

func cleanTouch(t Touch) Touch {
	clip := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) > 200 {
			s = s[:200]
		}
		return s
	}
	return Touch{Channel: clip(t.Channel), Source: clip(t.Source), Campaign: clip(t.Campaign)}
}

// contactSearch is the text contact search matches.
func contactSearch(c *Contact, company string) string {
	return strings.ToLower(strings.Join([]string{c.FirstName, c.LastName, c.Email, c.Phone, c.Title, company}, " "))
}

// CreateContact adds a contact. A contact with the same email already in
// the workspace makes it a *DuplicateError.
func (s *Service) CreateContact(ctx context.Context, actor auth.Actor, ws string, in ContactInput, cause Cause) (*Contact, error) {
	var out *Contact
	err := s.writeWith(ctx, ws, func(tx *sql.Tx, wc *writeCtx) (err error) {
		out, err = s.createContact(ctx, tx, wc, actor, in, cause)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create contact: %w", err)
	}
	return out, nil
}

func (s *Service) createContact(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, in ContactInput, cause Cause) (*Contact, error) {
	now := cause.at(s.now())
	c := &Contact{ID: id.NewAt("ct", now), Props: map[string]any{}, Source: cause.Kind, CreatedAt: now, UpdatedAt: now}
	var fe fieldErrors
	applyContact(wc, c, in, &fe)
	stage := wc.stages[0].Key
	if in.LifecycleStage != nil && strings.TrimSpace(*in.LifecycleStage) != "" {
		if k, ok := resolveStage(wc.stages, *in.LifecycleStage); ok {
			stage = k
		} else {
			fe.add("lifecycle_stage", fmt.Sprintf("%q is not a lifecycle stage of this workspace", *in.LifecycleStage))
		}
	}
	c.LifecycleStage = stage
	if c.Email == "" && c.Phone == "" && c.FirstName == "" && c.LastName == "" && len(fe) == 0 {
		fe.add("email", "is required when there is no phone number or name")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if c.Email != "" {
		dup, err := s.findContactByEmail(ctx, tx, wc, c.Email)
		if err != nil {
			return nil, err
		}
		if dup != "" {
			return nil, &DuplicateError{Field: "email", Value: c.Email, ExistingID: dup}
		}
	}
	if err := s.resolveContactCompany(ctx, tx, wc, actor, c, in); err != nil {
		return nil, err
	}
	company, err := s.companyName(ctx, tx, wc, c.CompanyID)
	if err != nil {
		return nil, err
	}
	c.CompanyName = company
	if err := s.insertContactRow(ctx, tx, wc, c); err != nil {
		return nil, err
	}
	if err := s.transition(ctx, tx, wc, c.ID, "", c.LifecycleStage, now, cause.Kind, cause.ID, actor); err != nil {
		return nil, err
	}
	if in.ConsentEmail != nil {
		if err := s.recordConsent(ctx, tx, wc, c.ID, c.ConsentEmail, cause, now); err != nil {
			return nil, err
		}
	}
	return c, s.record(ctx, tx, wc, actor, "contact.create", "contact", c.ID, nil, c)
}

// insertContactRow writes a new contact's row as it is.
func (s *Service) insertContactRow(ctx context.Context, tx *sql.Tx, wc *writeCtx, c *Contact) error {
	return s.exec(ctx, tx, wc, s.st.q.InsertContact, c.ID, wc.ws, c.Email, c.FirstName, c.LastName, c.Phone, c.Title,
		c.CompanyID, c.OwnerID, c.LifecycleStage, c.LeadStatus, c.City, c.Country, c.Source,
		c.FirstTouch.Channel, c.FirstTouch.Source, c.FirstTouch.Campaign,
		c.LastTouch.Channel, c.LastTouch.Source, c.LastTouch.Campaign,
		c.ConsentEmail, encodeProps(c.Props), c.ExternalID, contactSearch(c, c.CompanyName), c.CreatedAt, c.UpdatedAt)
}

// updateContactRow writes a contact's row as it is (c.UpdatedAt included).
func (s *Service) updateContactRow(ctx context.Context, tx *sql.Tx, wc *writeCtx, c *Contact) error {
	return s.exec(ctx, tx, wc, s.st.q.UpdateContact, c.Email, c.FirstName, c.LastName, c.Phone, c.Title,
		c.CompanyID, c.OwnerID, c.LifecycleStage, c.LeadStatus, c.City, c.Country,
		c.FirstTouch.Channel, c.FirstTouch.Source, c.FirstTouch.Campaign,
		c.LastTouch.Channel, c.LastTouch.Source, c.LastTouch.Campaign,
		c.ConsentEmail, encodeProps(c.Props), c.ExternalID, contactSearch(c, c.CompanyName), c.UpdatedAt, wc.ws, c.ID)
}

// resolveContactCompany sets c's company from the input's company id or
// name, or (for a new contact without one) from its email's domain.
func (s *Service) resolveContactCompany(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, c *Contact, in ContactInput) error {
	switch {
	case in.CompanyID != nil:
		cid := strings.TrimSpace(*in.CompanyID)
		if cid != "" {
			ok, err := exists(ctx, tx, s.st.q.CompanyExists, wc.ws, cid)
			if err != nil {
				return err
			}
			if !ok {
				return &ValidationError{Fields: []FieldError{{"company_id", fmt.Sprintf("%q is not a company of this workspace", cid)}}}
			}
		}
		c.CompanyID = cid
	case in.CompanyName != nil && strings.TrimSpace(*in.CompanyName) != "":
		// A company's name keeps its case ("IBM", "SAP SE").
		name, err := normalize.Text("company_name", strings.Join(strings.Fields(*in.CompanyName), " "), 200)
		if err != nil {
			return &ValidationError{Fields: []FieldError{{"company_name", msgOf(err)}}}
		}
		cid, err := s.findOrCreateCompany(ctx, tx, wc, actor, name, normalize.CompanyDomain("", c.Email))
		if err != nil {
			return err
		}
		c.CompanyID = cid
	case c.CompanyID == "" && c.Email != "":
		if d := normalize.CompanyDomain("", c.Email); d != "" {
			cid, err := s.findCompanyByDomain(ctx, tx, wc, d)
			if err != nil {
				return err
			}
			c.CompanyID = cid
		}
	}
	return nil
}

func (s *Service) companyName(ctx context.Context, tx *sql.Tx, wc *writeCtx, companyID string) (string, error) {
	if companyID == "" {
		return "", nil
	}
	if wc.bulk != nil {
		if name, ok := wc.bulk.companyNames[companyID]; ok {
			return name, nil
		}
	}
	ws := wc.ws
	var name string
	err := tx.QueryRowContext(ctx, s.st.q.GetCompanyName, ws, companyID).Scan(&name)
	return name, notFound(err)
}

// Contact returns a contact of the workspace.
func (s *Service) Contact(ctx context.Context, ws, contactID string) (*Contact, error) {
	c, err := s.st.contact(ctx, s.db, ws, contactID)
	if err != nil {
		return nil, fmt.Errorf("get contact: %w", err)
	}
	return c, nil
}

// UpdateContact changes the fields of in that are set.
func (s *Service) UpdateContact(ctx context.Context, actor auth.Actor, ws, contactID string, in ContactInput, cause Cause) (*Contact, error) {
	var out *Contact
	err := s.writeWith(ctx, ws, func(tx *sql.Tx, wc *writeCtx) (err error) {
		out, err = s.updateContact(ctx, tx, wc, actor, contactID, in, cause)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update contact: %w", err)
	}
	return out, nil
}

func (s *Service) updateContact(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, contactID string, in ContactInput, cause Cause) (*Contact, error) {
	if err := s.flushIfPending(ctx, tx, wc, contactID); err != nil {
		return nil, err
	}
	before, err := s.st.contact(ctx, tx, wc.ws, contactID)
	if err != nil {
		return nil, err
	}
	c := *before
	var fe fieldErrors
	applyContact(wc, &c, in, &fe)
	if in.LifecycleStage != nil {
		k, ok := resolveStage(wc.stages, *in.LifecycleStage)
		switch {
		case !ok:
			fe.add("lifecycle_stage", fmt.Sprintf("%q is not a lifecycle stage of this workspace", *in.LifecycleStage))
		case cause.ForwardOnly && stageIndex(wc.stages, k) <= stageIndex(wc.stages, before.LifecycleStage):
		default:
			c.LifecycleStage = k
		}
	}
	if c.Email == "" && c.Phone == "" && c.FirstName == "" && c.LastName == "" && len(fe) == 0 {
		fe.add("email", "is required when there is no phone number or name")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if c.Email != "" && c.Email != before.Email {
		dup, err := s.findContactByEmail(ctx, tx, wc, c.Email)
		if err != nil {
			return nil, err
		}
		if dup != "" && dup != c.ID {
			return nil, &DuplicateError{Field: "email", Value: c.Email, ExistingID: dup}
		}
	}
	if err := s.resolveContactCompany(ctx, tx, wc, actor, &c, in); err != nil {
		return nil, err
	}
	if c.CompanyName, err = s.companyName(ctx, tx, wc, c.CompanyID); err != nil {
		return nil, err
	}
	now := s.now()
	c.UpdatedAt = now
	if err := s.updateContactRow(ctx, tx, wc, &c); err != nil {
		return nil, err
	}
	if c.LifecycleStage != before.LifecycleStage {
		if err := s.transition(ctx, tx, wc, c.ID, before.LifecycleStage, c.LifecycleStage, cause.at(now), cause.Kind, cause.ID, actor); err != nil {
			return nil, err
		}
	}
	if in.ConsentEmail != nil && c.ConsentEmail != before.ConsentEmail {
		if err := s.recordConsent(ctx, tx, wc, c.ID, c.ConsentEmail, cause, now); err != nil {
			return nil, err
		}
	}
	if wc.bulk != nil && c.Email != before.Email {
		delete(wc.bulk.contactsByEmail, before.Email)
		wc.bulk.contactsByEmail[c.Email] = c.ID
	}
	return &c, s.record(ctx, tx, wc, actor, "contact.update", "contact", c.ID, before, c)
}

// DeleteContact removes a contact with its notes, tasks, identities and
// deal links. (Erasing one under GDPR also pseudonymises its events.)
func (s *Service) DeleteContact(ctx context.Context, actor auth.Actor, ws, contactID string) error {
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		before, err := s.st.contact(ctx, tx, ws, contactID)
		if err != nil {
			return err
		}
		if err := execEach(ctx, tx, []string{s.st.q.DeleteContact, s.st.q.DeleteContactIdentities, s.st.q.DeleteContactDealLinks,
			s.st.q.DeleteObjectNotes, s.st.q.DeleteObjectTasks}, ws, contactID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "contact.delete", "contact", contactID, before, nil)
	})
	if err != nil {
		return fmt.Errorf("delete contact: %w", err)
	}
	return nil
}

// ConsentRecord is one grant or withdrawal of consent.
type ConsentRecord struct {
	ID       string    `json:"id"`
	Purpose  string    `json:"purpose"`
	Granted  bool      `json:"granted"`
	Source   string    `json:"source"`
	SourceID string    `json:"source_id"`
	Detail   string    `json:"detail"`
	At       time.Time `json:"at"`
}

func (s *Service) recordConsent(ctx context.Context, tx *sql.Tx, wc *writeCtx, contactID string, granted bool, cause Cause, at time.Time) error {
	return s.exec(ctx, tx, wc, s.st.q.InsertConsent, id.NewAt("cr", at), wc.ws, contactID, "email", granted, cause.Kind, cause.ID, cause.Detail, at)
}

// Consents returns a contact's consent history, oldest first.
func (s *Service) Consents(ctx context.Context, ws, contactID string) ([]ConsentRecord, error) {
	rows, err := s.db.QueryContext(ctx, s.st.q.ListConsents, ws, contactID)
	if err != nil {
		return nil, fmt.Errorf("list consents: %w", err)
	}
	defer rows.Close()
	var out []ConsentRecord
	for rows.Next() {
		var r ConsentRecord
		if err := rows.Scan(&r.ID, &r.Purpose, &r.Granted, &r.Source, &r.SourceID, &r.Detail, &r.At); err != nil {
			return nil, fmt.Errorf("list consents: %w", err)
		}
		r.At = r.At.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

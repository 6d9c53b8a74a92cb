package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/crm/csvimport"
	"github.com/mopshq/mops/internal/crm/normalize"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/id"
)

// importChunk is how many rows one import transaction writes.
const importChunk = 1000

// maxReportedErrors bounds the row errors a report lists (the count is
// always complete).
const maxReportedErrors = 1000

// ImportOptions say how a file is imported.
type ImportOptions struct {
	Kind csvimport.Kind
	// Mapping is which column feeds which field; nil takes the suggested
	// one (our field names, HubSpot's and Salesforce's export headers).
	Mapping *csvimport.Mapping
	// DryRun reads, checks and counts everything, and writes nothing.
	DryRun bool
	// Progress, when set, is called after each chunk with the rows read.
	Progress func(rows int)
}

// ImportReport is what an import did, or would do in a dry run.
type ImportReport struct {
	ID        string               `json:"id"`
	Kind      csvimport.Kind       `json:"kind"`
	DryRun    bool                 `json:"dry_run"`
	Encoding  string               `json:"encoding"`
	Delimiter string               `json:"delimiter"`
	Mapping   csvimport.Mapping    `json:"mapping"`
	Rows      int                  `json:"rows"`
	Created   int                  `json:"created"`
	Updated   int                  `json:"updated"`
	Failed    int                  `json:"failed"`
	Errors    []csvimport.RowError `json:"errors"`
	Ignored   []string             `json:"ignored_columns"` // columns of properties the workspace does not define
	// Duplicates is how many possible duplicate pairs wait for review
	// after the import (background imports only).
	Duplicates int           `json:"duplicates,omitempty"`
	Elapsed    time.Duration `json:"-"`
	started    time.Time
}

func (r *ImportReport) rowError(line int, column, msg string) {
	r.Failed++
	if len(r.Errors) < maxReportedErrors {
		r.Errors = append(r.Errors, csvimport.RowError{Line: line, Column: column, Message: msg})
	}
}

// bulk is what an import keeps across its rows instead of asking the
// database per row: the workspace's emails, domains and external ids.
type bulk struct {
	contactsByEmail    map[string]string
	contactsByExternal map[string]string
	companiesByDomain  map[string]string
	companiesByName    map[string]string
	companiesByExt     map[string]string
	dealsByExternal    map[string]string
	companyNames       map[string]string // id → name
	// stmts are the current transaction's prepared statements.
	stmts map[string]*sql.Stmt
	// pending are inserts of new contacts, their transitions and consent,
	// written many rows a statement (flush) before the transaction ends or
	// anything reads them; pendingContacts are the contacts among them.
	pending         map[string][][]any
	pendingContacts map[string]bool
}

// insertsPerStatement is how many rows one multi-row INSERT writes.
const insertsPerStatement = 250

// buffered keeps an insert of a new contact, transition or consent for
// the next flush, and reports whether it did.
func (b *bulk) buffered(s *Service, query string, args []any) bool {
	switch query {
	case s.st.q.InsertContact:
		b.pendingContacts[args[0].(string)] = true
	case s.st.q.InsertTransition, s.st.q.InsertConsent:
	default:
		return false
	}
	b.pending[query] = append(b.pending[query], args)
	return true
}

// flushIfPending writes the pending inserts when contactID is among them.
func (s *Service) flushIfPending(ctx context.Context, tx *sql.Tx, wc *writeCtx, contactID string) error {
	if wc.bulk == nil || !wc.bulk.pendingContacts[contactID] {
		return nil
	}
	return s.flush(ctx, tx, wc)
}

// flush writes the pending inserts, many rows a statement: the query's
// VALUES tuple repeated.
func (s *Service) flush(ctx context.Context, tx *sql.Tx, wc *writeCtx) error {
	b := wc.bulk
	if b == nil {
		return nil
	}
	for _, q := range []string{s.st.q.InsertContact, s.st.q.InsertTransition, s.st.q.InsertConsent} {
		rows := b.pending[q]
		if len(rows) == 0 {
			continue
		}
		head, tuple, ok := strings.Cut(strings.TrimSuffix(strings.TrimSpace(q), ";"), "VALUES")
		if !ok {
			return fmt.Errorf("flush: no VALUES in %q", q)
		}
		for len(rows) > 0 {
			n := min(len(rows), insertsPerStatement)
			stmt := head + "VALUES " + strings.TrimSpace(tuple) + strings.Repeat(", "+strings.TrimSpace(tuple), n-1)
			args := make([]any, 0, n*len(rows[0]))
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
			if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
				return fmt.Errorf("flush: %w", err)
			}
			rows = rows[n:]
		}
		b.pending[q] = nil
	}
	clear(b.pendingContacts)
	return nil
}

// Import reads a CSV file of contacts, companies or deals and writes it:
// a row matching an existing record (contacts by email or external id,
// companies by domain or external id, deals by external id) updates it,
// any other creates one. Every row is checked before it is written, so a
// broken row is reported with its line and never half-written; the rows
// around it are imported. The import is audited once, with its counts.
func (s *Service) Import(ctx context.Context, actor auth.Actor, ws string, file io.Reader, opt ImportOptions) (*ImportReport, error) {
	rep := &ImportReport{ID: id.New("im"), Kind: opt.Kind, DryRun: opt.DryRun, Errors: []csvimport.RowError{}, Ignored: []string{}, started: time.Now()}
	if csvimport.Fields(opt.Kind) == nil {
		return nil, &ValidationError{Fields: []FieldError{{"kind", "must be contacts, companies or deals"}}}
	}
	rd, err := csvimport.NewReader(file)
	if err != nil {
		if errors.Is(err, csvimport.ErrNotText) || !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, &ValidationError{Fields: []FieldError{{"file", err.Error()}}}
		}
		return nil, fmt.Errorf("import: %w", err)
	}
	rep.Encoding, rep.Delimiter = rd.Encoding(), string(rd.Delimiter())
	m := csvimport.Suggest(opt.Kind, rd.Headers())
	if opt.Mapping != nil {
		m = *opt.Mapping
		m.Kind = opt.Kind
	}
	if err := m.Validate(); err != nil {
		return nil, &ValidationError{Fields: []FieldError{{"mapping", err.Error()}}}
	}
	if msg := missingColumns(m); msg != "" {
		return nil, &ValidationError{Fields: []FieldError{{"mapping", msg}}}
	}
	object := map[csvimport.Kind]string{csvimport.Contacts: ObjContact, csvimport.Companies: ObjCompany, csvimport.Deals: ObjDeal}[opt.Kind]
	defs, err := s.Properties(ctx, ws, object)
	if err != nil {
		return nil, err
	}
	for i, c := range m.Columns {
		if c.Field == "" && !c.Ignore && !defined(defs, c.Property) {
			m.Columns[i].Ignore = true
			rep.Ignored = append(rep.Ignored, c.Header)
		}
	}
	rep.Mapping = m
	b, err := s.loadBulk(ctx, ws)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	cause := Cause{Kind: CauseImport, ID: rep.ID, ForwardOnly: true}
	// next reads the next chunk of rows; row errors go to the report.
	next := func() ([]csvimport.Row, bool, error) {
		var rows []csvimport.Row
		for len(rows) < importChunk {
			row, err := rd.Next(m)
			if err == io.EOF {
				return rows, true, nil
			}
			if re, ok := errors.AsType[*csvimport.RowError](err); ok {
				rep.Rows++
				rep.rowError(re.Line, re.Column, re.Message)
				continue
			}
			if err != nil {
				return nil, false, fmt.Errorf("read: %w", err)
			}
			rows = append(rows, row)
		}
		return rows, false, nil
	}
	// A real import commits chunk by chunk; a dry run writes the whole
	// file in one transaction and rolls it back, so its later rows see
	// what its earlier ones would have created.
	errDryRun := errors.New("dry run")
	chunks := func(tx *sql.Tx, wc *writeCtx, once bool) (bool, error) {
		for {
			rows, done, err := next()
			if err != nil {
				return done, err
			}
			if err := s.importRows(ctx, tx, wc, actor, opt.Kind, rows, cause, rep); err != nil {
				return done, err
			}
			if err := s.flush(ctx, tx, wc); err != nil {
				return done, err
			}
			if opt.Progress != nil {
				opt.Progress(rep.Rows)
			}
			if done || once {
				return done, nil
			}
		}
	}
	for done := false; !done; {
		err := s.write(ctx, ws, func(tx *sql.Tx) error {
			wc, err := s.loadWriteCtx(ctx, tx, ws)
			if err != nil {
				return err
			}
			wc.bulk = b
			b.stmts = map[string]*sql.Stmt{} // closed with the transaction
			defer func() { b.stmts = nil }()
			done, err = chunks(tx, wc, !opt.DryRun)
			if err == nil && opt.DryRun {
				return errDryRun
			}
			return err
		})
		if err != nil && !errors.Is(err, errDryRun) {
			return nil, fmt.Errorf("import: %w", err)
		}
	}
	rep.Elapsed = time.Since(rep.started)
	if !opt.DryRun {
		summary := map[string]any{"id": rep.ID, "kind": rep.Kind, "rows": rep.Rows, "created": rep.Created,
			"updated": rep.Updated, "failed": rep.Failed}
		if err := s.audit.Record(ctx, s.db, ws, actor, "crm.import", string(opt.Kind), rep.ID, nil, summary); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
	}
	return rep, nil
}

// missingColumns says which columns a file of the mapping's kind lacks,
// or "".
func missingColumns(m csvimport.Mapping) string {
	has := map[string]bool{}
	for _, c := range m.Columns {
		if c.Field != "" && !c.Ignore {
			has[c.Field] = true
		}
	}
	switch m.Kind {
	case csvimport.Contacts:
		if !has["email"] && !has["phone"] && !has["first_name"] && !has["last_name"] {
			return "no column holds an email, a phone number or a name (map one of them)"
		}
	case csvimport.Companies:
		if !has["name"] && !has["domain"] && !has["website"] {
			return "no column holds a company name, domain or website (map one of them)"
		}
	case csvimport.Deals:
		if !has["name"] {
			return "no column holds the deal name (map one to name)"
		}
	}
	return ""
}

func defined(defs []PropertyDef, key string) bool {
	for _, d := range defs {
		if d.Key == key {
			return true
		}
	}
	return false
}

func (s *Service) loadBulk(ctx context.Context, ws string) (*bulk, error) {
	b := &bulk{contactsByEmail: map[string]string{}, contactsByExternal: map[string]string{},
		companiesByDomain: map[string]string{}, companiesByName: map[string]string{}, companiesByExt: map[string]string{},
		dealsByExternal: map[string]string{}, companyNames: map[string]string{},
		pending: map[string][][]any{}, pendingContacts: map[string]bool{}}
	load := func(q string, fn func(id, a, b string)) error {
		rows, err := s.db.QueryContext(ctx, q, ws)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, x, y string
			if err := rows.Scan(&id, &x, &y); err != nil {
				return err
			}
			fn(id, x, y)
		}
		return rows.Err()
	}
	if err := load(s.st.q.ListContactKeys, func(id, email, ext string) {
		if email != "" {
			b.contactsByEmail[email] = id
		}
		if ext != "" {
			b.contactsByExternal[ext] = id
		}
	}); err != nil {
		return nil, err
	}
	if err := load(s.st.q.ListCompanyKeys, func(id, domain, name string) {
		b.companyNames[id] = name
		if domain != "" {
			b.companiesByDomain[domain] = id
		}
		if _, ok := b.companiesByName[strings.ToLower(name)]; !ok {
			b.companiesByName[strings.ToLower(name)] = id
		}
	}); err != nil {
		return nil, err
	}
	if err := load(s.st.q.ListCompanyExternalIDs, func(id, ext, _ string) {
		if ext != "" {
			b.companiesByExt[ext] = id
		}
	}); err != nil {
		return nil, err
	}
	return b, load(s.st.q.ListDealExternalIDs, func(id, ext, _ string) {
		if ext != "" {
			b.dealsByExternal[ext] = id
		}
	})
}

// importRows writes rows in tx, counting them in rep.
func (s *Service) importRows(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, kind csvimport.Kind, rows []csvimport.Row, cause Cause, rep *ImportReport) error {
	for _, row := range rows {
		rep.Rows++
		var created bool
		var err error
		switch kind {
		case csvimport.Contacts:
			created, err = s.importContact(ctx, tx, wc, actor, row, cause)
		case csvimport.Companies:
			created, err = s.importCompany(ctx, tx, wc, actor, row)
		case csvimport.Deals:
			created, err = s.importDeal(ctx, tx, wc, actor, row)
		}
		var ve *ValidationError
		switch {
		case errors.As(err, &ve):
			rep.Failed++
			for _, f := range ve.Fields {
				if len(rep.Errors) < maxReportedErrors {
					rep.Errors = append(rep.Errors, csvimport.RowError{Line: row.Line, Column: f.Field, Message: f.Message})
				}
			}
		case err != nil:
			return fmt.Errorf("line %d: %w", row.Line, err)
		case created:
			rep.Created++
		default:
			rep.Updated++
		}
	}
	return nil
}

func val(row csvimport.Row, key string) *string {
	v, ok := row.Values[key]
	if !ok {
		return nil
	}
	return &v
}

func rowProps(row csvimport.Row) map[string]any {
	if len(row.Props) == 0 {
		return nil
	}
	out := make(map[string]any, len(row.Props))
	for k, v := range row.Props {
		out[k] = v
	}
	return out
}

// owner finds the member an export names as owner, by email or by name.
func (wc *writeCtx) owner(v *string, fe *fieldErrors) *string {
	if v == nil {
		return nil
	}
	if id := wc.memberByEmail(*v); id != "" {
		return &id
	}
	for _, m := range wc.members {
		if m.Name != "" && strings.EqualFold(m.Name, strings.TrimSpace(*v)) {
			return &m.UserID
		}
	}
	fe.add("owner_email", fmt.Sprintf("%q is not a member of this workspace", *v))
	return nil
}

func (s *Service) importContact(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, row csvimport.Row, cause Cause) (bool, error) {
	var fe fieldErrors
	in := ContactInput{Email: val(row, "email"), FirstName: val(row, "first_name"), LastName: val(row, "last_name"),
		Phone: val(row, "phone"), Title: val(row, "title"), LifecycleStage: val(row, "lifecycle_stage"),
		LeadStatus: val(row, "lead_status"), City: val(row, "city"), Country: val(row, "country"),
		ExternalID: val(row, "external_id"), OwnerID: wc.owner(val(row, "owner_email"), &fe), Props: rowProps(row)}
	if v := val(row, "company_name"); v != nil {
		in.CompanyName = v
	}
	for key, invert := range map[string]bool{"consent_email": false, "email_opt_out": true} {
		if v := val(row, key); v != nil {
			b, ok := parseBool(*v)
			if !ok {
				fe.add(key, fmt.Sprintf("%q is not yes or no", *v))
				continue
			}
			b = b != invert
			in.ConsentEmail = &b
		}
	}
	if v := val(row, "source"); v != nil {
		in.FirstTouch = &Touch{Channel: *v}
	}
	if err := fe.err(); err != nil {
		return false, err
	}
	existing := ""
	if in.Email != nil {
		if e, err := normalize.Email(*in.Email); err == nil {
			existing = wc.bulk.contactsByEmail[e]
		}
	}
	if existing == "" && in.ExternalID != nil {
		existing = wc.bulk.contactsByExternal[*in.ExternalID]
	}
	if existing != "" {
		if in.FirstTouch != nil {
			in.FirstTouch = nil // the first touch of a known contact is already known
		}
		_, err := s.updateContact(ctx, tx, wc, actor, existing, in, cause)
		return false, err
	}
	if in.LifecycleStage != nil && *in.LifecycleStage == "" {
		in.LifecycleStage = nil
	}
	c, err := s.createContact(ctx, tx, wc, actor, in, cause)
	if err != nil {
		return false, err
	}
	if c.Email != "" {
		wc.bulk.contactsByEmail[c.Email] = c.ID
	}
	if c.ExternalID != "" {
		wc.bulk.contactsByExternal[c.ExternalID] = c.ID
	}
	return true, nil
}

func (s *Service) importCompany(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, row csvimport.Row) (bool, error) {
	var fe fieldErrors
	in := CompanyInput{Name: val(row, "name"), Domain: val(row, "domain"), Industry: val(row, "industry"),
		Employees: val(row, "employees"), RevenueBand: val(row, "annual_revenue"), City: val(row, "city"),
		Country: val(row, "country"), Phone: val(row, "phone"), ExternalID: val(row, "external_id"),
		OwnerID: wc.owner(val(row, "owner_email"), &fe), Props: rowProps(row)}
	if in.Domain == nil {
		in.Domain = val(row, "website")
	}
	if err := fe.err(); err != nil {
		return false, err
	}
	existing := ""
	if in.Domain != nil {
		if d, err := normalize.Domain(*in.Domain); err == nil && d != "" {
			existing = wc.bulk.companiesByDomain[d]
		}
	}
	if existing == "" && in.ExternalID != nil {
		existing = wc.bulk.companiesByExt[*in.ExternalID]
	}
	if existing != "" {
		_, err := s.updateCompany(ctx, tx, wc, actor, existing, in)
		return false, err
	}
	c, err := s.createCompany(ctx, tx, wc, actor, in)
	if err != nil {
		return false, err
	}
	wc.bulk.addCompany(c)
	return true, nil
}

func (b *bulk) addCompany(c *Company) {
	b.companyNames[c.ID] = c.Name
	if c.Domain != "" {
		b.companiesByDomain[c.Domain] = c.ID
	}
	if _, ok := b.companiesByName[strings.ToLower(c.Name)]; !ok {
		b.companiesByName[strings.ToLower(c.Name)] = c.ID
	}
	if c.ExternalID != "" {
		b.companiesByExt[c.ExternalID] = c.ID
	}
}

func (s *Service) importDeal(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, row csvimport.Row) (bool, error) {
	var fe fieldErrors
	in := DealInput{Name: val(row, "name"), Pipeline: val(row, "pipeline"), Stage: val(row, "stage"),
		Currency: val(row, "currency"), CloseDate: val(row, "close_date"), ExternalID: val(row, "external_id"),
		OwnerID: wc.owner(val(row, "owner_email"), &fe), Props: rowProps(row)}
	if v := val(row, "amount"); v != nil {
		a, err := ParseAmount(*v)
		if err != nil {
			fe.add("amount", err.Error())
		}
		in.Amount = &a
	}
	if v := val(row, "company_domain"); v != nil {
		d, _ := normalize.Domain(*v)
		if cid := wc.bulk.companiesByDomain[d]; cid != "" {
			in.CompanyID = &cid
		} else {
			fe.add("company_domain", fmt.Sprintf("no company has the domain %q (import companies first)", *v))
		}
	} else if v := val(row, "company_name"); v != nil {
		if cid := wc.bulk.companiesByName[strings.ToLower(strings.TrimSpace(*v))]; cid != "" {
			in.CompanyID = &cid
		} else {
			fe.add("company_name", fmt.Sprintf("no company is named %q (import companies first)", *v))
		}
	}
	if v := val(row, "contact_email"); v != nil {
		var ids []string
		for _, e := range strings.FieldsFunc(*v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			ne, _ := normalize.Email(e)
			if cid := wc.bulk.contactsByEmail[ne]; cid != "" {
				ids = append(ids, cid)
			} else {
				fe.add("contact_email", fmt.Sprintf("no contact has the email %q", e))
			}
		}
		in.ContactIDs = &ids
	}
	if err := fe.err(); err != nil {
		return false, err
	}
	if in.ExternalID != nil {
		if existing := wc.bulk.dealsByExternal[*in.ExternalID]; existing != "" {
			_, err := s.updateDealTx(ctx, tx, wc, actor, existing, in)
			return false, err
		}
	}
	d, err := s.createDeal(ctx, tx, wc, actor, in)
	if err != nil {
		return false, err
	}
	if d.ExternalID != "" {
		wc.bulk.dealsByExternal[d.ExternalID] = d.ID
	}
	return true, nil
}

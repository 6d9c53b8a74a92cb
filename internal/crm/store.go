package crm

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
)

//go:embed queries.sql
var queriesSQL string

type queries struct {
	GetSettings             string `query:"get-settings"`
	UpsertSettings          string `query:"upsert-settings"`
	ListLifecycleStages     string `query:"list-lifecycle-stages"`
	InsertLifecycleStage    string `query:"insert-lifecycle-stage"`
	DeleteLifecycleStages   string `query:"delete-lifecycle-stages"`
	CountContactsInStage    string `query:"count-contacts-in-stage"`
	InsertTransition        string `query:"insert-transition"`
	ListTransitions         string `query:"list-transitions"`
	ListPropertyDefs        string `query:"list-property-defs"`
	InsertPropertyDef       string `query:"insert-property-def"`
	DeletePropertyDef       string `query:"delete-property-def"`
	GetContact              string `query:"get-contact"`
	FindContactByEmail      string `query:"find-contact-by-email"`
	InsertContact           string `query:"insert-contact"`
	UpdateContact           string `query:"update-contact"`
	DeleteContact           string `query:"delete-contact"`
	DeleteContactIdentities string `query:"delete-contact-identities"`
	DeleteContactDealLinks  string `query:"delete-contact-deal-links"`
	CountContacts           string `query:"count-contacts"`
	GetCompany              string `query:"get-company"`
	FindCompanyByDomain     string `query:"find-company-by-domain"`
	FindCompanyByName       string `query:"find-company-by-name"`
	InsertCompany           string `query:"insert-company"`
	UpdateCompany           string `query:"update-company"`
	DeleteCompany           string `query:"delete-company"`
	UnlinkCompanyContacts   string `query:"unlink-company-contacts"`
	RenameCompanyContacts   string `query:"rename-company-contacts"`
	UnlinkCompanyDeals      string `query:"unlink-company-deals"`
	ListPipelines           string `query:"list-pipelines"`
	ListStages              string `query:"list-stages"`
	InsertPipeline          string `query:"insert-pipeline"`
	InsertStage             string `query:"insert-stage"`
	UpdateStage             string `query:"update-stage"`
	GetDeal                 string `query:"get-deal"`
	InsertDeal              string `query:"insert-deal"`
	UpdateDeal              string `query:"update-deal"`
	DeleteDeal              string `query:"delete-deal"`
	ListDealContacts        string `query:"list-deal-contacts"`
	InsertDealContact       string `query:"insert-deal-contact"`
	DeleteDealContacts      string `query:"delete-deal-contacts"`
	ListContactDeals        string `query:"list-contact-deals"`
	InsertDealStageChange   string `query:"insert-deal-stage-change"`
	DeleteDealStageChanges  string `query:"delete-deal-stage-changes"`
	ContactExists           string `query:"contact-exists"`
	CompanyExists           string `query:"company-exists"`
	DealExists              string `query:"deal-exists"`
	InsertNote              string `query:"insert-note"`
	ListNotes               string `query:"list-notes"`
	DeleteObjectNotes       string `query:"delete-object-notes"`
	InsertTask              string `query:"insert-task"`
	ListTasks               string `query:"list-tasks"`
	GetTask                 string `query:"get-task"`
	SetTaskDone             string `query:"set-task-done"`
	DeleteObjectTasks       string `query:"delete-object-tasks"`
	InsertConsent           string `query:"insert-consent"`
	ListContactVisits       string `query:"list-contact-visits"`
	ListContactEvents       string `query:"list-contact-events"`
	ListContactDealChanges  string `query:"list-contact-deal-changes"`
	ListCompanyDealChanges  string `query:"list-company-deal-changes"`
	ListDealChanges         string `query:"list-deal-changes"`
	GetIdentitySeq          string `query:"get-identity-seq"`
	SetIdentitySeq          string `query:"set-identity-seq"`
	ListIdentityEvents      string `query:"list-identity-events"`
	FindIdentity            string `query:"find-identity"`
	InsertIdentity          string `query:"insert-identity"`
	ListContactIdentities   string `query:"list-contact-identities"`
	FirstVisitOf            string `query:"first-visit-of"`
	LastVisitOf             string `query:"last-visit-of"`
	ListContactKeys         string `query:"list-contact-keys"`
	ListCompanyKeys         string `query:"list-company-keys"`
	ListCompanyExternalIDs  string `query:"list-company-external-ids"`
	ListDealExternalIDs     string `query:"list-deal-external-ids"`
	GetCompanyName          string `query:"get-company-name"`
	ListConsents            string `query:"list-consents"`
}

type store struct{ q queries }

func newStore() (*store, error) {
	s := &store{}
	if err := db.LoadQueries(queriesSQL, &s.q); err != nil {
		return nil, fmt.Errorf("crm: %w", err)
	}
	return s, nil
}

type scanner interface{ Scan(dest ...any) error }

// notFound turns sql.ErrNoRows into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

func decodeProps(raw string) (map[string]any, error) {
	props := map[string]any{}
	if raw == "" {
		return props, nil
	}
	if err := json.Unmarshal([]byte(raw), &props); err != nil {
		return nil, fmt.Errorf("decode properties: %w", err)
	}
	return props, nil
}

func encodeProps(props map[string]any) string {
	if len(props) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(props) // values are strings, numbers and booleans
	return string(b)
}

func scanContact(r scanner) (*Contact, error) {
	var c Contact
	var props string
	if err := r.Scan(&c.ID, &c.Email, &c.FirstName, &c.LastName, &c.Phone, &c.Title, &c.CompanyID, &c.CompanyName,
		&c.OwnerID, &c.LifecycleStage, &c.LeadStatus, &c.City, &c.Country, &c.Source,
		&c.FirstTouch.Channel, &c.FirstTouch.Source, &c.FirstTouch.Campaign,
		&c.LastTouch.Channel, &c.LastTouch.Source, &c.LastTouch.Campaign,
		&c.ConsentEmail, &props, &c.ExternalID, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, notFound(err)
	}
	var err error
	if c.Props, err = decodeProps(props); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func scanCompany(r scanner) (*Company, error) {
	var c Company
	var props string
	var employees sql.NullInt64
	if err := r.Scan(&c.ID, &c.Name, &c.Domain, &c.Industry, &employees, &c.RevenueBand, &c.Phone, &c.City, &c.Country,
		&c.OwnerID, &props, &c.ExternalID, &c.Contacts, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, notFound(err)
	}
	if employees.Valid {
		c.Employees = &employees.Int64
	}
	var err error
	if c.Props, err = decodeProps(props); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func scanDeal(r scanner) (*Deal, error) {
	var d Deal
	var props string
	var closed sql.NullTime
	if err := r.Scan(&d.ID, &d.Name, &d.PipelineID, &d.StageID, &d.Amount, &d.Currency, &d.CloseDate,
		&d.CompanyID, &d.OwnerID, &props, &d.ExternalID, &d.CreatedAt, &d.UpdatedAt, &closed); err != nil {
		return nil, notFound(err)
	}
	if closed.Valid {
		t := closed.Time.UTC()
		d.ClosedAt = &t
	}
	var err error
	if d.Props, err = decodeProps(props); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

func (st *store) contact(ctx context.Context, q db.Querier, ws, id string) (*Contact, error) {
	return scanContact(q.QueryRowContext(ctx, st.q.GetContact, ws, id))
}

func (st *store) company(ctx context.Context, q db.Querier, ws, id string) (*Company, error) {
	return scanCompany(q.QueryRowContext(ctx, st.q.GetCompany, ws, id))
}

// exists reports whether the query (workspace, id) counts a row.
func exists(ctx context.Context, q db.Querier, query, ws, id string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, query, ws, id).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// findID returns the id the query finds, or "".
func findID(ctx context.Context, q db.Querier, query string, args ...any) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, query, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// execEach runs each of queries with the same arguments (the deletes of
// a record and of what hangs off it).
func execEach(ctx context.Context, tx *sql.Tx, queries []string, args ...any) error {
	for _, q := range queries {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// nullTime is t as a nullable timestamp parameter.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

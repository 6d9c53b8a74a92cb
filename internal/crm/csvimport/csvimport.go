// Package csvimport is the reading half of the CRM's CSV import: it
// decodes a file (UTF-8, UTF-16 or Windows-1252), sniffs its delimiter,
// suggests which column feeds which field of a contact, company or deal,
// and streams the rows with their line numbers.
//
// It knows nothing of storage or of the CRM's rules: the caller validates
// each Row (a contact needs an email, a phone or a name, a company a name
// or a domain, and so on) and writes it.
//
//	r, err := csvimport.NewReader(f)
//	if err != nil { ... }                 // not a CSV text file, bad header
//	m := csvimport.Suggest(csvimport.Contacts, r.Headers())
//	if err := m.Validate(); err != nil { ... }
//	for {
//		row, err := r.Next(m)
//		if err == io.EOF { break }
//		var re *csvimport.RowError
//		if errors.As(err, &re) { report(re); continue } // the next row can still be read
//		if err != nil { return err }                    // I/O error or bad mapping
//		save(row)
//	}
package csvimport

import (
	"fmt"
	"strings"
)

// Kind is the kind of record a file imports.
type Kind string

// The kinds of record an import can create.
const (
	Contacts  Kind = "contacts"
	Companies Kind = "companies"
	Deals     Kind = "deals"
)

// ParseKind reads a kind as typed on the command line or sent by the UI:
// case-insensitive, singular or plural ("contact", "Deals").
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "contacts", "contact":
		return Contacts, nil
	case "companies", "company":
		return Companies, nil
	case "deals", "deal":
		return Deals, nil
	}
	return "", fmt.Errorf("unknown import kind %q: want contacts, companies or deals", s)
}

// Field is a target field of a kind: its key (e.g. "email"), a label
// ("Email") and whether every row must have a value for it. Rules that
// involve several fields (a contact needs an email, a phone or a name)
// are the caller's, not flags here.
type Field struct {
	Key      string
	Label    string
	Required bool
}

// field is a Field with the other headers Suggest recognises for it, as
// written by HubSpot and Salesforce exports. The key and the label are
// recognised too, so they are not repeated here.
type field struct {
	Field
	aliases []string
}

// contactFields are the contact fields. A contact row needs an email, a
// phone or a name, which the caller checks.
var contactFields = []field{
	{Field{Key: "email", Label: "Email"}, []string{"Email Address", "E-mail"}},
	{Field{Key: "first_name", Label: "First name"}, []string{"FirstName", "Given Name"}},
	{Field{Key: "last_name", Label: "Last name"}, []string{"LastName", "Surname", "Family Name"}},
	// "Mobile Phone Number" after "Phone Number" becomes a custom property
	// (first wins); alone, it is the contact's phone.
	{Field{Key: "phone", Label: "Phone"}, []string{"Phone Number", "Mobile Phone Number", "MobilePhone", "Mobile Phone", "Mobile"}},
	{Field{Key: "title", Label: "Job title"}, []string{"Title"}},
	{Field{Key: "company_name", Label: "Company name"}, []string{"Company", "Associated Company", "Account Name"}},
	{Field{Key: "company_domain", Label: "Company domain"}, []string{"Company Domain Name"}},
	{Field{Key: "website", Label: "Website"}, []string{"Website URL"}},
	// Exports often carry the owner's name rather than the email; the
	// caller resolves the user by either.
	{Field{Key: "owner_email", Label: "Owner email"}, []string{"Owner", "Contact Owner", "Lead Owner", "Owner Name"}},
	{Field{Key: "lifecycle_stage", Label: "Lifecycle stage"}, nil},
	{Field{Key: "lead_status", Label: "Lead status"}, []string{"Status"}},
	{Field{Key: "city", Label: "City"}, []string{"Mailing City"}},
	{Field{Key: "country", Label: "Country"}, []string{"Country/Region", "Mailing Country"}},
	// consent_email is marketing email consent: yes/no/true/false/1/0.
	{Field{Key: "consent_email", Label: "Email consent"}, []string{"Marketing email consent"}},
	// email_opt_out is Salesforce's opt-out flag, the inverse of
	// consent_email. It is kept as its own field, not inverted here, so the
	// caller decides what an opt-out of "false" means for consent.
	{Field{Key: "email_opt_out", Label: "Email opt-out"}, []string{"HasOptedOutOfEmail"}},
	{Field{Key: "source", Label: "Source"}, []string{"Original Source", "Lead Source"}},
	{Field{Key: "created_at", Label: "Created at"}, []string{"Create Date", "Created Date", "Created"}},
	{Field{Key: "external_id", Label: "External ID"}, []string{"Record ID", "Contact ID", "Lead ID", "ID"}},
}

// companyFields are the company fields. A company row needs a name or a
// domain, which the caller checks.
var companyFields = []field{
	{Field{Key: "name", Label: "Name"}, []string{"Company Name", "Company", "Account Name"}},
	{Field{Key: "domain", Label: "Domain"}, []string{"Company Domain Name", "Company Domain"}},
	{Field{Key: "website", Label: "Website"}, []string{"Website URL"}},
	{Field{Key: "industry", Label: "Industry"}, nil},
	{Field{Key: "employees", Label: "Employees"}, []string{"Number of Employees", "NumberOfEmployees"}},
	{Field{Key: "annual_revenue", Label: "Annual revenue"}, nil},
	{Field{Key: "city", Label: "City"}, []string{"Billing City"}},
	{Field{Key: "country", Label: "Country"}, []string{"Country/Region", "Billing Country"}},
	{Field{Key: "phone", Label: "Phone"}, []string{"Phone Number"}},
	{Field{Key: "owner_email", Label: "Owner email"}, []string{"Owner", "Company Owner", "Account Owner", "Owner Name"}},
	{Field{Key: "external_id", Label: "External ID"}, []string{"Record ID", "Account ID", "Company ID", "ID"}},
	{Field{Key: "created_at", Label: "Created at"}, []string{"Create Date", "Created Date", "Created"}},
}

// dealFields are the deal fields.
var dealFields = []field{
	{Field{Key: "name", Label: "Name", Required: true}, []string{"Deal Name", "Opportunity Name"}},
	{Field{Key: "amount", Label: "Amount"}, nil},
	{Field{Key: "currency", Label: "Currency"}, []string{"Opportunity Currency", "Currency ISO Code"}},
	{Field{Key: "stage", Label: "Stage"}, []string{"Deal Stage", "StageName"}},
	{Field{Key: "pipeline", Label: "Pipeline"}, nil},
	{Field{Key: "close_date", Label: "Close date"}, nil},
	{Field{Key: "company_domain", Label: "Company domain"}, []string{"Company Domain Name"}},
	{Field{Key: "company_name", Label: "Company name"}, []string{"Company", "Associated Company", "Account Name"}},
	{Field{Key: "contact_email", Label: "Contact email"}, []string{"Associated Contact", "Contact"}},
	{Field{Key: "owner_email", Label: "Owner email"}, []string{"Owner", "Deal Owner", "Opportunity Owner", "Owner Name"}},
	{Field{Key: "external_id", Label: "External ID"}, []string{"Record ID", "Opportunity ID", "Deal ID", "ID"}},
	{Field{Key: "created_at", Label: "Created at"}, []string{"Create Date", "Created Date", "Created"}},
}

// fieldsOf returns the table of k, or nil for an unknown kind.
func fieldsOf(k Kind) []field {
	switch k {
	case Contacts:
		return contactFields
	case Companies:
		return companyFields
	case Deals:
		return dealFields
	}
	return nil
}

// Fields returns the target fields of k in display order, or nil for an
// unknown kind. The slice is the caller's to keep.
//
// Two contact fields need the caller's care: consent_email is marketing
// email consent (yes/no/true/false/1/0), while email_opt_out is
// Salesforce's "Email Opt Out", its inverse, passed through as read. And
// owner_email may hold the owner's name, which is what HubSpot and
// Salesforce export.
func Fields(k Kind) []Field {
	defs := fieldsOf(k)
	if defs == nil {
		return nil
	}
	out := make([]Field, len(defs))
	for i, f := range defs {
		out[i] = f.Field
	}
	return out
}

package crm

import (
	"context"
	"fmt"
	"strings"

	"github.com/mopshq/mops/internal/crm/normalize"
)

// QualityIssue is one kind of problem in the CRM's data: how many records
// have it, why it matters, how to fix it and the list that shows them.
type QualityIssue struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count int    `json:"count"`
	Of    int    `json:"of"` // records checked
	Why   string `json:"why"`
	Fix   string `json:"fix"`
	Link  string `json:"link,omitempty"` // workspace-relative list of the records, when there is one
}

// Share is Count as a share of Of, 0–100.
func (q QualityIssue) Share() float64 {
	if q.Of == 0 {
		return 0
	}
	return 100 * float64(q.Count) / float64(q.Of)
}

// QualityReport is the data-quality page: the issues with their counts.
type QualityReport struct {
	Contacts  int            `json:"contacts"`
	Companies int            `json:"companies"`
	Issues    []QualityIssue `json:"issues"`
	// Invalid lists stored values that no longer pass validation (first
	// ones), e.g. phone numbers written before the default region changed.
	Invalid []InvalidValue `json:"invalid"`
}

// InvalidValue is one stored value that fails today's rules.
type InvalidValue struct {
	ContactID string `json:"contact_id"`
	Field     string `json:"field"`
	Value     string `json:"value"`
	Problem   string `json:"problem"`
	Suggested string `json:"suggested,omitempty"` // the normalised value, when there is one
}

// maxInvalidListed bounds the invalid values the report lists.
const maxInvalidListed = 50

// Quality counts the workspace's data-quality issues.
func (s *Service) Quality(ctx context.Context, ws string) (*QualityReport, error) {
	var total, noEmail, unreachable, noName, noCompany, noOwner, noSource, noStatus, noConsent int
	if err := s.db.QueryRowContext(ctx, s.mq.QualityCounts, ws).Scan(&total, &noEmail, &unreachable, &noName, &noCompany,
		&noOwner, &noSource, &noStatus, &noConsent); err != nil {
		return nil, fmt.Errorf("data quality: %w", err)
	}
	var companies, noDomain, noIndustry, empty int
	if err := s.db.QueryRowContext(ctx, s.mq.QualityCompanyCounts, ws, ws).Scan(&companies, &noDomain, &noIndustry, &empty); err != nil {
		return nil, fmt.Errorf("data quality: %w", err)
	}
	pairs, err := s.PairCounts(ctx, ws)
	if err != nil {
		return nil, err
	}
	set, err := s.Settings(ctx, ws)
	if err != nil {
		return nil, err
	}
	rep := &QualityReport{Contacts: total, Companies: companies}
	invalid, err := s.invalidValues(ctx, ws, set.PhoneRegion, rep)
	if err != nil {
		return nil, err
	}
	rep.Issues = []QualityIssue{
		{Key: "duplicates", Label: "Possible duplicate contacts", Count: pairs.Open, Of: total,
			Why:  "One person in two records splits their history, doubles emails and skews funnels and attribution.",
			Fix:  "Review each pair and merge it (choosing the values to keep) or mark it as two people. Merges can be undone.",
			Link: "/contacts/duplicates"},
		{Key: "invalid", Label: "Stored values that fail validation", Count: invalid, Of: total,
			Why: "Malformed emails bounce and phone numbers without a country code cannot be dialled.",
			Fix: "Correct them on the contact; the list below shows the suggested value where there is one."},
		{Key: "unreachable", Label: "Contacts with neither email nor phone", Count: unreachable, Of: total,
			Why:  "Nobody can reach them, and they cannot be matched to web visits or imports.",
			Fix:  "Add an email or a phone number, or delete the records.",
			Link: "/contacts?email=:empty&phone=:empty"},
		{Key: "no_name", Label: "Contacts without a name", Count: noName, Of: total,
			Why:  "Unnamed records cannot be personalised and are hard to recognise as duplicates.",
			Fix:  "Ask for the name on your forms, or fill it in from the email address.",
			Link: "/contacts?first_name=:empty&last_name=:empty"},
		{Key: "no_company", Label: "Contacts without a company", Count: noCompany, Of: total,
			Why:  "Account-based reporting and company segments miss them.",
			Fix:  "Set the company; contacts with a work email join their company automatically.",
			Link: "/contacts?company_id=:empty"},
		{Key: "no_owner", Label: "Contacts without an owner", Count: noOwner, Of: total,
			Why:  "Nobody is responsible for following up.",
			Fix:  "Select the contacts in the list and set an owner with bulk edit.",
			Link: "/contacts?owner_id=:empty"},
		{Key: "no_source", Label: "Contacts without a first-touch channel", Count: noSource, Of: total,
			Why: "Their revenue cannot be attributed to a channel.",
			Fix: "Link them to their web visits: identify them from the tracker (mops.identify) or a form."},
		{Key: "no_status", Label: "Contacts without a lead status", Count: noStatus, Of: total,
			Why:  "Sales cannot tell which leads were worked.",
			Fix:  "Set a lead status with bulk edit.",
			Link: "/contacts?lead_status=:empty"},
		{Key: "no_consent", Label: "Contacts with an email but no marketing consent", Count: noConsent, Of: total,
			Why:  "They must not receive marketing email.",
			Fix:  "Ask for consent with a form's consent checkbox; never set it without a record of how it was given.",
			Link: "/contacts?consent_email=false"},
		{Key: "company_no_domain", Label: "Companies without a domain", Count: noDomain, Of: companies,
			Why:  "Contacts with a work email cannot find their company, so it collects duplicates.",
			Fix:  "Add the website or domain.",
			Link: "/companies?domain=:empty"},
		{Key: "company_no_industry", Label: "Companies without an industry", Count: noIndustry, Of: companies,
			Why:  "Industry segments and reports miss them.",
			Fix:  "Fill in the industry.",
			Link: "/companies?industry=:empty"},
		{Key: "company_empty", Label: "Companies without contacts", Count: empty, Of: companies,
			Why: "Often left over from imports or typos of another company's name.",
			Fix: "Delete them, or add their contacts."},
	}
	return rep, nil
}

// invalidValues re-checks the stored emails and phone numbers with
// today's rules, lists the first failures in rep and returns how many
// contacts have one.
func (s *Service) invalidValues(ctx context.Context, ws, region string, rep *QualityReport) (int, error) {
	rows, err := s.db.QueryContext(ctx, s.mq.ListStoredValues, ws)
	if err != nil {
		return 0, fmt.Errorf("data quality: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, email, phone string
		if err := rows.Scan(&id, &email, &phone); err != nil {
			return 0, fmt.Errorf("data quality: %w", err)
		}
		bad := false
		if email != "" {
			if norm, err := normalize.Email(email); err != nil || norm != email {
				bad = true
				rep.addInvalid(id, "email", email, problem(err, "is not in normal form"), norm)
			}
		}
		if phone != "" {
			if norm, err := normalize.Phone(phone, region); err != nil || norm != phone {
				bad = true
				rep.addInvalid(id, "phone", phone, problem(err, "is not in E.164 form"), norm)
			}
		}
		if bad {
			n++
		}
	}
	return n, rows.Err()
}

func problem(err error, otherwise string) string {
	if err != nil {
		return strings.TrimPrefix(msgOf(err), "is ")
	}
	return strings.TrimPrefix(otherwise, "is ")
}

func (r *QualityReport) addInvalid(id, field, value, problem, suggested string) {
	if len(r.Invalid) < maxInvalidListed {
		r.Invalid = append(r.Invalid, InvalidValue{ContactID: id, Field: field, Value: value, Problem: problem, Suggested: suggested})
	}
}

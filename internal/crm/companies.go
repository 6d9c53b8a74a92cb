package crm

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/mopshq/mops/internal/crm/normalize"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/id"
)

// CompanyInput is a write of a company; nil fields are left as they are.
// Website, when set, gives the domain.
type CompanyInput struct {
	Name        *string        `json:"name"`
	Domain      *string        `json:"domain"`
	Website     *string        `json:"website"`
	Industry    *string        `json:"industry"`
	Employees   *string        `json:"employees"` // a whole number; "" clears it
	RevenueBand *string        `json:"revenue_band"`
	Phone       *string        `json:"phone"`
	City        *string        `json:"city"`
	Country     *string        `json:"country"`
	OwnerID     *string        `json:"owner_id"`
	ExternalID  *string        `json:"external_id"`
	Props       map[string]any `json:"properties"`
}

func applyCompany(wc *writeCtx, c *Company, in CompanyInput, fe *fieldErrors) {
	text("name", in.Name, 200, &c.Name, fe)
	for _, p := range []*string{in.Domain, in.Website} {
		if p == nil {
			continue
		}
		if d, err := normalize.Domain(*p); err != nil {
			fe.add("domain", msgOf(err))
		} else {
			c.Domain = d
		}
		break
	}
	text("industry", in.Industry, 100, &c.Industry, fe)
	text("revenue_band", in.RevenueBand, 50, &c.RevenueBand, fe)
	text("city", in.City, 200, &c.City, fe)
	text("country", in.Country, 100, &c.Country, fe)
	text("external_id", in.ExternalID, 200, &c.ExternalID, fe)
	if in.Employees != nil {
		e := strings.ReplaceAll(strings.TrimSpace(*in.Employees), ",", "")
		if e == "" {
			c.Employees = nil
		} else if n, err := strconv.ParseInt(e, 10, 64); err != nil || n < 0 {
			fe.add("employees", fmt.Sprintf("%q is not a whole number", *in.Employees))
		} else {
			c.Employees = &n
		}
	}
	if in.Phone != nil {
		if v, err := normalize.Phone(*in.Phone, wc.settings.PhoneRegion); err != nil {
			fe.add("phone", msgOf(err))
		} else {
			c.Phone = v
		}
	}
	if in.OwnerID != nil {
		o := strings.TrimSpace(*in.OwnerID)
		if o != "" && !wc.isMember(o) {
			fe.add("owner_id", fmt.Sprintf("%q is not a member of this workspace", o))
		} else {
			c.OwnerID = o
		}
	}
	if in.Props != nil {
		c.Props = applyProps(wc.defs, ObjCompany, c.Props, in.Props, fe)
	}
	if c.Name == "" && c.Domain != "" {
		c.Name = c.Domain
	}
	if c.Name == "" {
		fe.add("name", "is required (or a domain)")
	}
}

// findCompanyByDomain returns the company with the domain, or "".
func (s *Service) findCompanyByDomain(ctx context.Context, tx *sql.Tx, wc *writeCtx, domain string) (string, error) {
	if wc.bulk != nil {
		return wc.bulk.companiesByDomain[domain], nil
	}
	return findID(ctx, tx, s.st.q.FindCompanyByDomain, wc.ws, domain)
}

func companySearch(c *Company) string { return strings.ToLower(c.Name + " " + c.Domain) }

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// CreateCompany adds a company. A company with the same domain already in
// the workspace makes it a *DuplicateError.
func (s *Service) CreateCompany(ctx context.Context, actor auth.Actor, ws string, in CompanyInput) (*Company, error) {
	var out *Company
	err := s.writeWith(ctx, ws, func(tx *sql.Tx, wc *writeCtx) (err error) {
		out, err = s.createCompany(ctx, tx, wc, actor, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create company: %w", err)
	}
	return out, nil
}

func (s *Service) createCompany(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, in CompanyInput) (*Company, error) {
	now := s.now()
	c := &Company{ID: id.NewAt("co", now), Props: map[string]any{}, CreatedAt: now, UpdatedAt: now}
	var fe fieldErrors
	applyCompany(wc, c, in, &fe)
	if err := fe.err(); err != nil {
		return nil, err
	}
	if c.Domain != "" {
		dup, err := s.findCompanyByDomain(ctx, tx, wc, c.Domain)
		if err != nil {
			return nil, err
		}
		if dup != "" {
			return nil, &DuplicateError{Field: "domain", Value: c.Domain, ExistingID: dup}
		}
	}
	if err := s.exec(ctx, tx, wc, s.st.q.InsertCompany, c.ID, wc.ws, c.Name, c.Domain, c.Industry, nullInt(c.Employees),
		c.RevenueBand, c.Phone, c.City, c.Country, c.OwnerID, encodeProps(c.Props), c.ExternalID, companySearch(c),
		c.CreatedAt, c.UpdatedAt); err != nil {
		return nil, err
	}
	if wc.bulk != nil {
		wc.bulk.addCompany(c)
	}
	return c, s.record(ctx, tx, wc, actor, "company.create", "company", c.ID, nil, c)
}

// findOrCreateCompany returns the company with the domain (when there is
// one) or the name, creating it when there is none.
func (s *Service) findOrCreateCompany(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, name, domain string) (string, error) {
	if domain != "" {
		cid, err := s.findCompanyByDomain(ctx, tx, wc, domain)
		if err != nil || cid != "" {
			return cid, err
		}
	}
	if name != "" {
		if wc.bulk != nil {
			if cid := wc.bulk.companiesByName[strings.ToLower(name)]; cid != "" {
				return cid, nil
			}
		} else {
			cid, err := findID(ctx, tx, s.st.q.FindCompanyByName, wc.ws, name)
			if err != nil || cid != "" {
				return cid, err
			}
		}
	}
	in := CompanyInput{Name: &name}
	if domain != "" {
		in.Domain = &domain
	}
	c, err := s.createCompany(ctx, tx, wc, actor, in)
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

// Company returns a company of the workspace.
func (s *Service) Company(ctx context.Context, ws, companyID string) (*Company, error) {
	c, err := s.st.company(ctx, s.db, ws, companyID)
	if err != nil {
		return nil, fmt.Errorf("get company: %w", err)
	}
	return c, nil
}

// UpdateCompany changes the fields of in that are set.
func (s *Service) UpdateCompany(ctx context.Context, actor auth.Actor, ws, companyID string, in CompanyInput) (*Company, error) {
	var out *Company
	err := s.writeWith(ctx, ws, func(tx *sql.Tx, wc *writeCtx) (err error) {
		out, err = s.updateCompany(ctx, tx, wc, actor, companyID, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update company: %w", err)
	}
	return out, nil
}

func (s *Service) updateCompany(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, companyID string, in CompanyInput) (*Company, error) {
	before, err := s.st.company(ctx, tx, wc.ws, companyID)
	if err != nil {
		return nil, err
	}
	c := *before
	var fe fieldErrors
	applyCompany(wc, &c, in, &fe)
	if err := fe.err(); err != nil {
		return nil, err
	}
	if c.Domain != "" && c.Domain != before.Domain {
		dup, err := s.findCompanyByDomain(ctx, tx, wc, c.Domain)
		if err != nil {
			return nil, err
		}
		if dup != "" && dup != c.ID {
			return nil, &DuplicateError{Field: "domain", Value: c.Domain, ExistingID: dup}
		}
	}
	c.UpdatedAt = s.now()
	if err := s.exec(ctx, tx, wc, s.st.q.UpdateCompany, c.Name, c.Domain, c.Industry, nullInt(c.Employees), c.RevenueBand,
		c.Phone, c.City, c.Country, c.OwnerID, encodeProps(c.Props), c.ExternalID, companySearch(&c), c.UpdatedAt,
		wc.ws, c.ID); err != nil {
		return nil, err
	}
	if c.Name != before.Name {
		if err := s.flush(ctx, tx, wc); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, s.st.q.RenameCompanyContacts, c.Name, wc.ws, c.ID); err != nil {
			return nil, err
		}
	}
	if wc.bulk != nil {
		wc.bulk.addCompany(&c)
	}
	return &c, s.record(ctx, tx, wc, actor, "company.update", "company", c.ID, before, c)
}

// DeleteCompany removes a company; its contacts and deals stay, without a
// company.
func (s *Service) DeleteCompany(ctx context.Context, actor auth.Actor, ws, companyID string) error {
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		before, err := s.st.company(ctx, tx, ws, companyID)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, s.st.q.UnlinkCompanyContacts, now, ws, companyID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.st.q.UnlinkCompanyDeals, now, ws, companyID); err != nil {
			return err
		}
		if err := execEach(ctx, tx, []string{s.st.q.DeleteCompany, s.st.q.DeleteObjectNotes, s.st.q.DeleteObjectTasks}, ws, companyID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "company.delete", "company", companyID, before, nil)
	})
	if err != nil {
		return fmt.Errorf("delete company: %w", err)
	}
	return nil
}

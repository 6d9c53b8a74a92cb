package crm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
)

// ListQuery selects, orders and pages a list of records.
type ListQuery struct {
	// Search matches records whose name, email, phone, title, company or
	// domain contain every word of it (case-insensitive).
	Search string
	// Filters are field = value conditions; the fields each list allows
	// are in its documentation. "properties.KEY" filters on a custom
	// property.
	// A filter's value EmptyValue matches records where the field is
	// empty.
	Filters map[string]string
	// Sort is a sortable field; Desc reverses it. The default is the
	// newest first.
	Sort string
	Desc bool
	// Limit is the page size (default 50, at most 1000).
	Limit int
	// Cursor continues after the page that returned it.
	Cursor string
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T    `json:"data"`
	Total      int    `json:"total"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// column is a field of a list: its SQL expression and type.
type column struct {
	expr string
	kind byte // 's' text, 't' timestamp, 'n' number
}

// listSpec is what a list allows.
type listSpec struct {
	from    string // FROM … with the table aliased
	alias   string
	filters map[string]column
	sorts   map[string]column
	search  string // the lower-cased search column, "" for none
}

// cursor is the position after a page: the sort it belongs to, the last
// row's sort value and id.
type cursor struct {
	Sort  string `json:"s"`
	Desc  bool   `json:"d,omitempty"`
	Value string `json:"v"`
	ID    string `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return c, &ValidationError{Fields: []FieldError{{"cursor", "is not a cursor this list returned"}}}
	}
	return c, nil
}

// builtQuery is a list query turned into SQL.
type builtQuery struct {
	where string
	args  []any
	// countWhere and countArgs select the whole list, without the cursor.
	countWhere string
	countArgs  []any
	order      string
	limit      int
	sortCol    column
	sort       string
	desc       bool
}

func (spec listSpec) build(ws string, q ListQuery) (*builtQuery, error) {
	a := spec.alias
	b := &builtQuery{where: a + ".workspace_id = ?", args: []any{ws}, limit: q.Limit, sort: q.Sort, desc: q.Desc}
	if b.limit <= 0 {
		b.limit = 50
	}
	if b.limit > 1000 {
		b.limit = 1000
	}
	if b.sort == "" {
		b.sort, b.desc = "created_at", true
	}
	col, ok := spec.sorts[b.sort]
	if !ok {
		return nil, &ValidationError{Fields: []FieldError{{"sort", fmt.Sprintf("%q is not a sortable field (%s)", b.sort, strings.Join(sortedKeys(spec.sorts), ", "))}}}
	}
	b.sortCol = col
	if words := strings.Fields(strings.ToLower(q.Search)); len(words) > 0 && spec.search != "" {
		for _, w := range words {
			b.where += " AND contains(" + spec.search + ", ?)"
			b.args = append(b.args, w)
		}
	}
	for _, f := range sortedKeys(q.Filters) {
		v := q.Filters[f]
		if key, ok := strings.CutPrefix(f, "properties."); ok {
			if !propKey.MatchString(key) {
				return nil, &ValidationError{Fields: []FieldError{{"filter", fmt.Sprintf("%q is not a property key", key)}}}
			}
			if v == EmptyValue {
				b.where += " AND coalesce(json_extract_string(" + a + ".props, ?), '') = ''"
				b.args = append(b.args, "$."+key)
				continue
			}
			b.where += " AND json_extract_string(" + a + ".props, ?) = ?"
			b.args = append(b.args, "$."+key, v)
			continue
		}
		c, ok := spec.filters[f]
		if !ok {
			return nil, &ValidationError{Fields: []FieldError{{"filter", fmt.Sprintf("%q is not a filterable field (%s, properties.KEY)", f, strings.Join(sortedKeys(spec.filters), ", "))}}}
		}
		if v == EmptyValue {
			b.where += " AND coalesce(CAST(" + c.expr + " AS TEXT), '') = ''"
			continue
		}
		b.where += " AND " + c.expr + " = ?"
		b.args = append(b.args, v)
	}
	dir, cmp := "ASC", ">"
	if b.desc {
		dir, cmp = "DESC", "<"
	}
	b.order = col.expr + " " + dir + " NULLS LAST, " + a + ".id " + dir
	b.countWhere, b.countArgs = b.where, slices.Clone(b.args)
	if q.Cursor != "" {
		cur, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		if cur.Sort != b.sort || cur.Desc != b.desc {
			return nil, &ValidationError{Fields: []FieldError{{"cursor", "belongs to another sort order"}}}
		}
		v, err := cursorValue(col, cur.Value)
		if err != nil {
			return nil, err
		}
		if v == nil {
			// Past the rows with a value: only NULLs remain, by id.
			b.where += " AND " + col.expr + " IS NULL AND " + a + ".id " + cmp + " ?"
			b.args = append(b.args, cur.ID)
		} else {
			b.where += " AND (" + col.expr + " " + cmp + " ? OR (" + col.expr + " = ? AND " + a + ".id " + cmp + " ?) OR " + col.expr + " IS NULL)"
			b.args = append(b.args, v, v, cur.ID)
		}
	}
	return b, nil
}

func cursorValue(col column, v string) (any, error) {
	bad := &ValidationError{Fields: []FieldError{{"cursor", "is not a cursor this list returned"}}}
	if v == "\x00" {
		return nil, nil
	}
	switch col.kind {
	case 't':
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, bad
		}
		return t, nil
	case 'n':
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, bad
		}
		return f, nil
	}
	return v, nil
}

// sortValue renders a row's sort value for a cursor.
func sortValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "\x00"
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if x == nil {
			return "\x00"
		}
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case *int64:
		if x == nil {
			return "\x00"
		}
		return strconv.FormatInt(*x, 10)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// list runs a built query: the page (one row more than asked, to know
// whether another follows) and the total.
func list[T any](ctx context.Context, q db.Querier, spec listSpec, selectCols string, b *builtQuery,
	scan func(scanner) (*T, error), keyOf func(*T) (any, string)) (*Page[T], error) {
	page := &Page[T]{Items: []T{}}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+spec.from+" WHERE "+b.countWhere, b.countArgs...).Scan(&page.Total); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT "+selectCols+" FROM "+spec.from+" WHERE "+b.where+" ORDER BY "+b.order+
		" LIMIT "+strconv.Itoa(b.limit+1), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, *t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(page.Items) > b.limit {
		page.Items = page.Items[:b.limit]
		v, id := keyOf(&page.Items[b.limit-1])
		page.NextCursor = cursor{Sort: b.sort, Desc: b.desc, Value: sortValue(v), ID: id}.encode()
	}
	return page, nil
}

const contactCols = `c.id, c.email, c.first_name, c.last_name, c.phone, c.title, c.company_id, coalesce(co.name, ''), c.owner_id,
       c.lifecycle_stage, c.lead_status, c.city, c.country, c.source,
       c.first_touch_channel, c.first_touch_source, c.first_touch_campaign,
       c.last_touch_channel, c.last_touch_source, c.last_touch_campaign,
       c.consent_email, c.props, c.external_id, c.created_at, c.updated_at`

// EmptyValue as a filter's value matches records where the field is empty.
const EmptyValue = ":empty"

func contactSpec() listSpec {
	f := func(col string) column { return column{expr: "c." + col, kind: 's'} }
	return listSpec{
		from:  "contacts c LEFT JOIN companies co ON co.workspace_id = c.workspace_id AND co.id = c.company_id",
		alias: "c",
		filters: map[string]column{"lifecycle_stage": f("lifecycle_stage"), "lead_status": f("lead_status"),
			"owner_id": f("owner_id"), "company_id": f("company_id"), "country": f("country"), "source": f("source"),
			"email": f("email"), "first_touch_channel": f("first_touch_channel"), "last_touch_channel": f("last_touch_channel"),
			"phone": f("phone"), "first_name": f("first_name"), "last_name": f("last_name"), "consent_email": f("consent_email")},
		sorts: map[string]column{"created_at": {"c.created_at", 't'}, "updated_at": {"c.updated_at", 't'},
			"email": f("email"), "first_name": f("first_name"), "last_name": f("last_name"),
			"lifecycle_stage": f("lifecycle_stage"), "company_name": {"co.name", 's'}},
		search: "c.search",
	}
}

func contactSortValue(sort string) func(*Contact) (any, string) {
	return func(c *Contact) (any, string) {
		switch sort {
		case "updated_at":
			return c.UpdatedAt, c.ID
		case "email":
			return c.Email, c.ID
		case "first_name":
			return c.FirstName, c.ID
		case "last_name":
			return c.LastName, c.ID
		case "lifecycle_stage":
			return c.LifecycleStage, c.ID
		case "company_name":
			if c.CompanyID == "" {
				return nil, c.ID
			}
			return c.CompanyName, c.ID
		}
		return c.CreatedAt, c.ID
	}
}

// Contacts lists the workspace's contacts. Filters: lifecycle_stage,
// lead_status, owner_id, company_id, country, source, email, phone,
// first_name, last_name, consent_email, first_touch_channel,
// last_touch_channel, properties.KEY. Sorts:
// created_at, updated_at, email, first_name, last_name, lifecycle_stage,
// company_name.
func (s *Service) Contacts(ctx context.Context, ws string, q ListQuery) (*Page[Contact], error) {
	spec := contactSpec()
	b, err := spec.build(ws, q)
	if err != nil {
		return nil, err
	}
	p, err := list(ctx, s.db, spec, contactCols, b, scanContact, contactSortValue(b.sort))
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	return p, nil
}

const companyCols = `co.id, co.name, co.domain, co.industry, co.employees, co.revenue_band, co.phone, co.city, co.country,
       co.owner_id, co.props, co.external_id,
       (SELECT count(*) FROM contacts c WHERE c.workspace_id = co.workspace_id AND c.company_id = co.id),
       co.created_at, co.updated_at`

func companySpec() listSpec {
	f := func(col string) column { return column{expr: "co." + col, kind: 's'} }
	return listSpec{
		from:  "companies co",
		alias: "co",
		filters: map[string]column{"industry": f("industry"), "owner_id": f("owner_id"), "country": f("country"),
			"domain": f("domain"), "revenue_band": f("revenue_band")},
		sorts: map[string]column{"created_at": {"co.created_at", 't'}, "updated_at": {"co.updated_at", 't'},
			"name": {"lower(co.name)", 's'}, "domain": f("domain"), "employees": {"co.employees", 'n'}},
		search: "co.search",
	}
}

// Companies lists the workspace's companies. Filters: industry, owner_id,
// country, domain, revenue_band, properties.KEY. Sorts: created_at,
// updated_at, name, domain, employees.
func (s *Service) Companies(ctx context.Context, ws string, q ListQuery) (*Page[Company], error) {
	spec := companySpec()
	b, err := spec.build(ws, q)
	if err != nil {
		return nil, err
	}
	key := func(c *Company) (any, string) {
		switch b.sort {
		case "updated_at":
			return c.UpdatedAt, c.ID
		case "name":
			return strings.ToLower(c.Name), c.ID
		case "domain":
			return c.Domain, c.ID
		case "employees":
			if c.Employees == nil {
				return nil, c.ID
			}
			return float64(*c.Employees), c.ID
		}
		return c.CreatedAt, c.ID
	}
	p, err := list(ctx, s.db, spec, companyCols, b, scanCompany, key)
	if err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	return p, nil
}

const dealCols = `d.id, d.name, d.pipeline_id, d.stage_id, d.amount, d.currency, coalesce(strftime(d.close_date, '%Y-%m-%d'), ''),
       d.company_id, d.owner_id, d.props, d.external_id, d.created_at, d.updated_at, d.closed_at`

func dealSpec() listSpec {
	f := func(col string) column { return column{expr: "d." + col, kind: 's'} }
	return listSpec{
		from:  "deals d",
		alias: "d",
		filters: map[string]column{"pipeline_id": f("pipeline_id"), "stage_id": f("stage_id"), "owner_id": f("owner_id"),
			"company_id": f("company_id"), "currency": f("currency")},
		sorts: map[string]column{"created_at": {"d.created_at", 't'}, "updated_at": {"d.updated_at", 't'},
			"name": {"lower(d.name)", 's'}, "amount": {"CAST(d.amount AS DOUBLE)", 'n'},
			"close_date": {"strftime(d.close_date, '%Y-%m-%d')", 's'}},
		search: "lower(d.name)",
	}
}

// Deals lists the workspace's deals. Filters: pipeline_id, stage_id,
// owner_id, company_id, currency, properties.KEY. Sorts: created_at,
// updated_at, name, amount, close_date.
func (s *Service) Deals(ctx context.Context, ws string, q ListQuery) (*Page[Deal], error) {
	spec := dealSpec()
	b, err := spec.build(ws, q)
	if err != nil {
		return nil, err
	}
	key := func(d *Deal) (any, string) {
		switch b.sort {
		case "updated_at":
			return d.UpdatedAt, d.ID
		case "name":
			return strings.ToLower(d.Name), d.ID
		case "amount":
			return d.Amount, d.ID
		case "close_date":
			if d.CloseDate == "" {
				return nil, d.ID
			}
			return d.CloseDate, d.ID
		}
		return d.CreatedAt, d.ID
	}
	p, err := list(ctx, s.db, spec, dealCols, b, scanDeal, key)
	if err != nil {
		return nil, fmt.Errorf("list deals: %w", err)
	}
	ps, err := s.Pipelines(ctx, ws)
	if err != nil {
		return nil, err
	}
	if err := s.fillDealContacts(ctx, ws, p.Items); err != nil {
		return nil, fmt.Errorf("list deals: %w", err)
	}
	for i := range p.Items {
		withStage(&p.Items[i], ps)
	}
	return p, nil
}

// fillDealContacts reads the contact ids of a page of deals in one query.
func (s *Service) fillDealContacts(ctx context.Context, ws string, deals []Deal) error {
	if len(deals) == 0 {
		return nil
	}
	idx := map[string]int{}
	args := []any{ws}
	for i := range deals {
		deals[i].ContactIDs = []string{}
		idx[deals[i].ID] = i
		args = append(args, deals[i].ID)
	}
	// The IN list's length varies with the page, so the statement is built here.
	rows, err := s.db.QueryContext(ctx, "SELECT deal_id, contact_id FROM deal_contacts WHERE workspace_id = ? AND deal_id IN (?"+
		strings.Repeat(", ?", len(deals)-1)+") ORDER BY deal_id, contact_id", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var d, c string
		if err := rows.Scan(&d, &c); err != nil {
			return err
		}
		deals[idx[d]].ContactIDs = append(deals[idx[d]].ContactIDs, c)
	}
	return rows.Err()
}

package csvimport

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

func TestParseKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Kind
		wantErr bool
	}{
		{"contacts", Contacts, false},
		{"Contact", Contacts, false},
		{" companies ", Companies, false},
		{"company", Companies, false},
		{"DEALS", Deals, false},
		{"deal", Deals, false},
		{"leads", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseKind(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParseKind(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestFields(t *testing.T) {
	t.Parallel()
	keys := func(k Kind) []string {
		var out []string
		for _, f := range Fields(k) {
			out = append(out, f.Key)
		}
		return out
	}
	want := map[Kind][]string{
		Contacts: {"email", "first_name", "last_name", "phone", "title", "company_name", "company_domain", "website",
			"owner_email", "lifecycle_stage", "lead_status", "city", "country", "consent_email", "email_opt_out",
			"source", "created_at", "external_id"},
		Companies: {"name", "domain", "website", "industry", "employees", "annual_revenue", "city", "country", "phone",
			"owner_email", "external_id", "created_at"},
		Deals: {"name", "amount", "currency", "stage", "pipeline", "close_date", "company_domain", "company_name",
			"contact_email", "owner_email", "external_id", "created_at"},
	}
	for k, w := range want {
		if got := keys(k); !reflect.DeepEqual(got, w) {
			t.Errorf("Fields(%s) keys = %v, want %v", k, got, w)
		}
	}
	for k := range want {
		for _, f := range Fields(k) {
			wantReq := k == Deals && f.Key == "name"
			if f.Required != wantReq {
				t.Errorf("Fields(%s) %s.Required = %v, want %v", k, f.Key, f.Required, wantReq)
			}
		}
	}
	if got := Fields("leads"); got != nil {
		t.Errorf("Fields(leads) = %v, want nil", got)
	}
}

// TestNoAmbiguousNames makes sure no header Suggest recognises could mean
// two fields of one kind.
func TestNoAmbiguousNames(t *testing.T) {
	t.Parallel()
	for _, k := range []Kind{Contacts, Companies, Deals} {
		owner := make(map[string]string)
		for _, f := range fieldsOf(k) {
			for _, name := range append([]string{f.Key, f.Label}, f.aliases...) {
				n := normalise(name)
				if o, ok := owner[n]; ok && o != f.Key {
					t.Errorf("%s: %q names both %s and %s", k, name, o, f.Key)
				}
				owner[n] = f.Key
			}
		}
	}
}

// mapped renders a mapping's columns as "field" or "+property" (custom
// property), for compact expectations.
func mapped(m Mapping) []string {
	out := make([]string, len(m.Columns))
	for i, c := range m.Columns {
		switch {
		case c.Ignore:
			out[i] = "-"
		case c.Field != "":
			out[i] = c.Field
		default:
			out[i] = "+" + c.Property
		}
	}
	return out
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	type col struct{ header, want string }
	tests := []struct {
		name string
		kind Kind
		cols []col
	}{
		{"hubspot contacts", Contacts, []col{
			{"Record ID", "external_id"},
			{"First Name", "first_name"},
			{"Last Name", "last_name"},
			{"Email", "email"},
			{"Phone Number", "phone"},
			{"Mobile Phone Number", "+mobile_phone_number"}, // phone is taken
			{"Job Title", "title"},
			{"Company Name", "company_name"},
			{"Associated Company", "+associated_company"}, // company_name is taken
			{"Company Domain Name", "company_domain"},
			{"Website URL", "website"},
			{"Contact owner", "owner_email"},
			{"Lifecycle Stage", "lifecycle_stage"},
			{"Lead Status", "lead_status"},
			{"Create Date", "created_at"},
			{"City", "city"},
			{"Country/Region", "country"},
			{"Original Source", "source"},
			{"Marketing contact status", "+marketing_contact_status"}, // not consent
			{"Last Activity Date", "+last_activity_date"},
		}},
		{"hubspot contacts, mobile only", Contacts, []col{
			{"Email", "email"},
			{"Mobile Phone Number", "phone"},
			{"Associated Company", "company_name"},
		}},
		{"salesforce leads", Contacts, []col{
			{"Lead ID", "external_id"},
			{"First Name", "first_name"},
			{"LastName", "last_name"},
			{"Title", "title"},
			{"Company", "company_name"},
			{"Email", "email"},
			{"Phone", "phone"},
			{"MobilePhone", "+mobile_phone"},
			{"Website", "website"},
			{"LeadSource", "source"},
			{"Status", "lead_status"},
			{"Lead Owner", "owner_email"},
			{"CreatedDate", "created_at"},
			{"City", "city"},
			{"Country", "country"},
			{"Email Opt Out", "email_opt_out"},
			{"Industry", "+industry"},
			{"Rating", "+rating"},
		}},
		{"salesforce contacts", Contacts, []col{
			{"Contact ID", "external_id"},
			{"Account ID", "+account_id"},
			{"FirstName", "first_name"},
			{"Last Name", "last_name"},
			{"Account Name", "company_name"},
			{"Mailing City", "city"},
			{"MailingCountry", "country"},
			{"Mailing State", "+mailing_state"},
			{"HasOptedOutOfEmail", "email_opt_out"},
			{"Owner Name", "owner_email"},
			{"Created Date", "created_at"},
			{"Lead Source", "source"},
			{"Id", "+id"}, // external_id is taken
		}},
		{"own keys", Contacts, []col{
			{"email", "email"},
			{"first_name", "first_name"},
			{"LAST_NAME", "last_name"},
			{"owner_email", "owner_email"},
			{"consent_email", "consent_email"},
			{"email_opt_out", "email_opt_out"},
			{"external-id", "external_id"},
			{"Lifecycle stage", "lifecycle_stage"},
			{"Email consent", "+email_consent"}, // the label, but consent_email is taken
		}},
		{"hubspot companies", Companies, []col{
			{"Record ID", "external_id"},
			{"Company name", "name"},
			{"Company Domain Name", "domain"},
			{"Industry", "industry"},
			{"Number of Employees", "employees"},
			{"Annual Revenue", "annual_revenue"},
			{"Phone Number", "phone"},
			{"Company owner", "owner_email"},
			{"City", "city"},
			{"Country/Region", "country"},
			{"Create Date", "created_at"},
			{"Website URL", "website"},
			{"Name", "+name"}, // name is taken
		}},
		{"salesforce accounts", Companies, []col{
			{"Account ID", "external_id"},
			{"Account Name", "name"},
			{"Website", "website"},
			{"Industry", "industry"},
			{"NumberOfEmployees", "employees"},
			{"AnnualRevenue", "annual_revenue"},
			{"Billing City", "city"},
			{"Billing Country", "country"},
			{"Billing State", "+billing_state"},
			{"Account Owner", "owner_email"},
			{"Employees", "+employees"},
		}},
		{"hubspot deals", Deals, []col{
			{"Record ID", "external_id"},
			{"Deal Name", "name"},
			{"Amount", "amount"},
			{"Deal Stage", "stage"},
			{"Pipeline", "pipeline"},
			{"Close Date", "close_date"},
			{"Deal owner", "owner_email"},
			{"Currency", "currency"},
			{"Associated Company", "company_name"},
			{"Associated Contact", "contact_email"},
			{"Create Date", "created_at"},
		}},
		{"salesforce opportunities", Deals, []col{
			{"Opportunity ID", "external_id"},
			{"Opportunity Name", "name"},
			{"Account Name", "company_name"},
			{"Amount", "amount"},
			{"StageName", "stage"},
			{"CloseDate", "close_date"},
			{"Opportunity Owner", "owner_email"},
			{"Opportunity Currency", "currency"},
			{"Probability (%)", "+probability"},
			{"Id", "+id"},
		}},
		{"duplicate headers", Contacts, []col{
			{"Email", "email"},
			{"email", "+email"},
			{"Notes", "+notes"},
			{"Notes", "+notes_2"},
			{"notes_2", "+notes_2_2"},
			{"column 6", "+column_6"},
			{"???", "+column_7"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := make([]string, len(tt.cols))
			want := make([]string, len(tt.cols))
			for i, c := range tt.cols {
				headers[i], want[i] = c.header, c.want
			}
			m := Suggest(tt.kind, headers)
			got := mapped(m)
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("Suggest(%s): column %q maps to %q, want %q", tt.kind, headers[i], got[i], want[i])
				}
			}
			for i, c := range m.Columns {
				if c.Index != i || c.Header != headers[i] {
					t.Errorf("column %d = %+v, want index %d and header %q", i, c, i, headers[i])
				}
			}
			if err := m.Validate(); err != nil {
				t.Errorf("Suggest(%s, %q).Validate() = %v, want nil", tt.kind, headers, err)
			}
		})
	}
}

func TestPropertyKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
	}{
		{"Mailing State", "mailing_state"},
		{"MailingState", "mailing_state"},
		{"LeadID", "lead_id"},
		{"URLPath", "url_path"},
		{"HasOptedOutOfEmail", "has_opted_out_of_email"},
		{"Probability (%)", "probability"},
		{"Country/Region", "country_region"},
		{"  Q3 Budget  ", "q3_budget"},
		{"address2", "address2"},
		{"Größe", "größe"},
		{"notes_2", "notes_2"},
		{"--", "column_4"},
		{"", "column_4"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := propertyKey(tt.in, 3); got != tt.want {
				t.Errorf("propertyKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := propertyKey(tt.want, 3); again != tt.want {
				t.Errorf("propertyKey(%q) = %q, want it unchanged", tt.want, again)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	col := func(i int, header, field, prop string) Column {
		return Column{Index: i, Header: header, Field: field, Property: prop}
	}
	tests := []struct {
		name string
		m    Mapping
		want []string // substrings of the error; none means no error
	}{
		{"ok", Mapping{Kind: Contacts, Columns: []Column{
			col(0, "Email", "email", ""), col(1, "Shoe size", "", "shoe_size"), col(2, "Opt out", "email_opt_out", ""),
		}}, nil},
		{"ignored column needs nothing", Mapping{Kind: Contacts, Columns: []Column{
			col(0, "Email", "email", ""), {Index: 1, Header: "Junk", Field: "fax", Ignore: true},
		}}, nil},
		{"unknown kind", Mapping{Kind: "leads"}, []string{`unknown import kind "leads"`}},
		{"field twice", Mapping{Kind: Contacts, Columns: []Column{
			col(0, "Email", "email", ""), col(1, "Work Email", "email", ""),
		}}, []string{`column "Work Email": field "email" is already mapped from column "Email"`}},
		{"unknown field", Mapping{Kind: Contacts, Columns: []Column{col(0, "Fax", "fax", "")}},
			[]string{`column "Fax": contacts have no field "fax"`}},
		{"field of another kind", Mapping{Kind: Companies, Columns: []Column{col(0, "Opt out", "email_opt_out", "")}},
			[]string{`column "Opt out": companies have no field "email_opt_out"`}},
		{"no property key", Mapping{Kind: Deals, Columns: []Column{col(0, "Notes", "", "")}},
			[]string{`column "Notes": has no field, no property key and is not ignored`}},
		{"property not snake case", Mapping{Kind: Deals, Columns: []Column{col(0, "Shoe size", "", "Shoe Size")}},
			[]string{`column "Shoe size": property key "Shoe Size" is not lower_snake_case (try "shoe_size")`}},
		{"property twice", Mapping{Kind: Deals, Columns: []Column{col(0, "Notes", "", "notes"), col(1, "notes", "", "notes")}},
			[]string{`column "notes": property "notes" is already mapped from column "Notes"`}},
		{"index twice", Mapping{Kind: Deals, Columns: []Column{col(0, "Name", "name", ""), col(0, "Amount", "amount", "")}},
			[]string{`column "Amount": index 0 is negative or used twice`}},
		{"all problems at once", Mapping{Kind: Contacts, Columns: []Column{
			col(0, "Email", "email", ""), col(1, "E-mail", "email", ""), col(2, "Fax", "fax", ""),
		}}, []string{`column "E-mail": field "email"`, `column "Fax": contacts have no field "fax"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("Validate(%+v) = %v, want nil", tt.m, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(%+v) = nil, want an error with %q", tt.m, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate(%+v) = %q, want it to contain %q", tt.m, err, w)
				}
			}
		})
	}
}

func TestRowErrorError(t *testing.T) {
	t.Parallel()
	if got, want := (RowError{Line: 12, Column: "Email", Message: "too long"}).Error(), `line 12: column "Email": too long`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (RowError{Line: 12, Message: "bad"}).Error(), `line 12: bad`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// result is what Next returned for one record, for comparing whole files.
type result struct {
	Line   int
	Values map[string]string
	Props  map[string]string
	Err    string // RowError.Error(), or ""
}

// readAll reads every record of in with the suggested contact mapping.
func readAll(t *testing.T, in string) (*Reader, []result) {
	t.Helper()
	r, err := NewReader(strings.NewReader(in))
	if err != nil {
		t.Fatalf("NewReader(%q) = %v", in, err)
	}
	m := Suggest(Contacts, r.Headers())
	var out []result
	for {
		row, err := r.Next(m)
		if err == io.EOF {
			return r, out
		}
		var re *RowError
		switch {
		case errors.As(err, &re):
			out = append(out, result{Line: re.Line, Err: re.Error()})
		case err != nil:
			t.Fatalf("Next after %d records of %q = %v", len(out), in, err)
		default:
			out = append(out, result{Line: row.Line, Values: row.Values, Props: row.Props})
		}
	}
}

// v builds a map from key, value pairs.
func v(kv ...string) map[string]string {
	m := make(map[string]string)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestReader(t *testing.T) {
	t.Parallel()
	utf16le := func(s string) string {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name     string
		in       string
		encoding string
		delim    rune
		headers  []string
		want     []result
	}{
		{
			name:     "comma",
			in:       "Email,First Name,Notes\na@x.com, Ann ,hello\n",
			encoding: "utf-8", delim: ',',
			headers: []string{"Email", "First Name", "Notes"},
			want:    []result{{Line: 2, Values: v("email", "a@x.com", "first_name", "Ann"), Props: v("notes", "hello")}},
		},
		{
			name: "semicolon from European Excel, CRLF, decimal comma",
			in:   "Email;Last Name;Budget\r\na@x.com;Dupont;1,5\r\nb@x.com;;\r\n",
			// "1,5" holds a comma, yet the header has two semicolons and no comma.
			encoding: "utf-8", delim: ';',
			headers: []string{"Email", "Last Name", "Budget"},
			want: []result{
				{Line: 2, Values: v("email", "a@x.com", "last_name", "Dupont"), Props: v("budget", "1,5")},
				{Line: 3, Values: v("email", "b@x.com"), Props: v()},
			},
		},
		{
			name:     "tab with empty fields",
			in:       "Email\tPhone\tCity\na@x.com\t\tParis\n",
			encoding: "utf-8", delim: '\t',
			headers: []string{"Email", "Phone", "City"},
			want:    []result{{Line: 2, Values: v("email", "a@x.com", "city", "Paris"), Props: v()}},
		},
		{
			name:     "pipe",
			in:       "Email|City\na@x.com|Paris\n",
			encoding: "utf-8", delim: '|',
			headers: []string{"Email", "City"},
			want:    []result{{Line: 2, Values: v("email", "a@x.com", "city", "Paris"), Props: v()}},
		},
		{
			name:     "delimiters inside quoted header don't count",
			in:       "\"a;b;c\",Email\nx,a@x.com\n",
			encoding: "utf-8", delim: ',',
			headers: []string{"a;b;c", "Email"},
			want:    []result{{Line: 2, Values: v("email", "a@x.com"), Props: v("a_b_c", "x")}},
		},
		{
			name:     "utf-8 BOM",
			in:       "\xEF\xBB\xBFEmail,City\na@x.com,Zürich\n",
			encoding: "utf-8 with BOM", delim: ',',
			headers: []string{"Email", "City"},
			want:    []result{{Line: 2, Values: v("email", "a@x.com", "city", "Zürich"), Props: v()}},
		},
		{
			name:     "utf-16le with BOM, tab (Excel Unicode text)",
			in:       utf16le("Email\tCity\r\na@x.com\tKraków\r\n"),
			encoding: "utf-16le", delim: '\t',
			headers: []string{"Email", "City"},
			want:    []result{{Line: 2, Values: v("email", "a@x.com", "city", "Kraków"), Props: v()}},
		},
		{
			// Written by hand: BOM FE FF, then big-endian code units.
			name:     "utf-16be with BOM",
			in:       "\xFE\xFF\x00E\x00,\x00C\x00\n\x00x\x00,\x00\xFC\x00\n",
			encoding: "utf-16be", delim: ',',
			headers: []string{"E", "C"},
			want:    []result{{Line: 2, Values: v(), Props: v("e", "x", "c", "ü")}},
		},
		{
			name:     "windows-1252",
			in:       "Email;Last Name;Budget\r\nm@x.de;M\xFCller;100 \x80\r\n",
			encoding: "windows-1252", delim: ';',
			headers: []string{"Email", "Last Name", "Budget"},
			want:    []result{{Line: 2, Values: v("email", "m@x.de", "last_name", "Müller"), Props: v("budget", "100 €")}},
		},
		{
			name: "quoted newlines",
			in: "Email,Notes\n" + // line 1
				"a@x.com,\"first\n" + // line 2 starts the record
				"second\n" + // line 3
				"third\"\n" + // line 4 ends it
				"b@x.com,plain\n", // line 5
			encoding: "utf-8", delim: ',',
			headers: []string{"Email", "Notes"},
			want: []result{
				{Line: 2, Values: v("email", "a@x.com"), Props: v("notes", "first\nsecond\nthird")},
				{Line: 5, Values: v("email", "b@x.com"), Props: v("notes", "plain")},
			},
		},
		{
			name: "bad quotes are rows errors and reading goes on",
			in: "Email,Name\n" + // 1
				"a@x.com,Ann\n" + // 2
				"b@x.com,Bo\"b\n" + // 3: bare quote
				"c@x.com,Cy\n" + // 4
				"\n" + // 5: empty, skipped
				"d@x.com,\"Di \"\"D\"\"\"\n" + // 6: escaped quotes are fine
				"e@x.com,\"Ed\n" + // 7: quoted value runs on...
				"more\"x\n" + // 8: ...and is closed badly
				"f@x.com, \"Fay\"\n", // 9: a space before the quote is allowed
			encoding: "utf-8", delim: ',',
			headers: []string{"Email", "Name"},
			want: []result{
				{Line: 2, Values: v("email", "a@x.com"), Props: v("name", "Ann")},
				{Line: 3, Err: `line 3: a " appears in a value that is not in quotes: put the value in double quotes and double the " inside it`},
				{Line: 4, Values: v("email", "c@x.com"), Props: v("name", "Cy")},
				{Line: 6, Values: v("email", "d@x.com"), Props: v("name", `Di "D"`)},
				{Line: 7, Err: `line 7: a quoted value is not closed properly: after the closing " must come the delimiter or the end of the line (found on line 8)`},
				{Line: 9, Values: v("email", "f@x.com"), Props: v("name", "Fay")},
			},
		},
		{
			name: "field counts",
			in: "Email,Name\n" +
				"a@x.com,Ann,extra\n" + // 2
				"b@x.com\n" + // 3
				",\n" + // 4: only delimiters, skipped
				"c@x.com,Cy\n", // 5
			encoding: "utf-8", delim: ',',
			headers: []string{"Email", "Name"},
			want: []result{
				{Line: 2, Err: "line 2: the row has 3 fields, the header has 2"},
				{Line: 3, Err: "line 3: the row has 1 field, the header has 2"},
				{Line: 5, Values: v("email", "c@x.com"), Props: v("name", "Cy")},
			},
		},
		{
			name:     "unnamed header cells and leading blank line",
			in:       "\nEmail,,\na@x.com,x,y\n",
			encoding: "utf-8", delim: ',',
			headers: []string{"Email", "column 2", "column 3"},
			want:    []result{{Line: 3, Values: v("email", "a@x.com"), Props: v("column_2", "x", "column_3", "y")}},
		},
		{
			name:     "sep line",
			in:       "sep=;\r\nEmail;City\r\na@x.com;Lyon\r\n",
			encoding: "utf-8", delim: ';',
			headers: []string{"Email", "City"},
			want:    []result{{Line: 3, Values: v("email", "a@x.com", "city", "Lyon"), Props: v()}},
		},
		{
			name:     "header only",
			in:       "Email",
			encoding: "utf-8", delim: ',',
			headers: []string{"Email"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, got := readAll(t, tt.in)
			if r.Encoding() != tt.encoding || r.Delimiter() != tt.delim {
				t.Errorf("encoding, delimiter = %q, %q; want %q, %q", r.Encoding(), r.Delimiter(), tt.encoding, tt.delim)
			}
			if !reflect.DeepEqual(r.Headers(), tt.headers) {
				t.Errorf("Headers() = %q, want %q", r.Headers(), tt.headers)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("read %d records of %q:\n%+v\nwant %d:\n%+v", len(got), tt.in, got, len(tt.want), tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.Line != w.Line || g.Err != w.Err || !maps.Equal(g.Values, w.Values) || !maps.Equal(g.Props, w.Props) {
					t.Errorf("record %d of %q:\n got %+v\nwant %+v", i, tt.in, g, w)
				}
			}
		})
	}
}

func TestNewReaderRefuses(t *testing.T) {
	t.Parallel()
	wide := strings.Repeat("c,", MaxColumns) + "c\n" // MaxColumns+1 columns
	tests := []struct {
		name    string
		in      string
		want    string
		notText bool
	}{
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml",
			"the file is a ZIP archive such as an Excel workbook (.xlsx), not a CSV text file: save it as CSV UTF-8 first", true},
		{"xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00",
			"the file is an old Excel workbook (.xls), not a CSV text file: save it as CSV UTF-8 first", true},
		{"NUL bytes", "E\x00m\x00a\x00i\x00l\x00\n\x00",
			"the file contains NUL bytes, it is binary or UTF-16 without a byte order mark, not a CSV text file: save it as CSV UTF-8", true},
		{"control characters", "\x89PNG\r\n\x1a\n\x01\x02\x03\x04\x05\xFF\xFE",
			"the file contains control characters, not a CSV text file: save it as CSV UTF-8", true},
		{"empty", "", "the file is empty", false},
		{"blank lines only", "\n\r\n\n", "the file has no header row", false},
		{"unnamed header", ",,\na,b,c\n", "line 1: the header row has no column names", false},
		{"too many columns", wide, "line 1: the header has 501 columns, at most 500 are allowed", false},
		{"bad header", "Email,Na\"me\n", `line 1: a " appears in a value that is not in quotes`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewReader(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("NewReader(%q) = nil error, want %q", tt.in, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("NewReader(%q) = %q, want %q", tt.in, err, tt.want)
			}
			if errors.Is(err, ErrNotText) != tt.notText {
				t.Errorf("errors.Is(%q, ErrNotText) = %v, want %v", err, !tt.notText, tt.notText)
			}
		})
	}

	// MaxColumns exactly is fine.
	if _, err := NewReader(strings.NewReader(strings.Repeat("c,", MaxColumns-1) + "c\n")); err != nil {
		t.Errorf("NewReader(%d columns) = %v, want nil", MaxColumns, err)
	}
}

// TestLateInvalidUTF8 puts a Windows-1252 byte after the 64 KB the
// encoding is chosen from: that row alone is refused.
func TestLateInvalidUTF8(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("Email,Last Name\n")
	const filler = 3000 // 3000 rows of 26 bytes: well past 64 KB
	for i := range filler {
		fmt.Fprintf(&b, "user%05d@example.com,Roe\n", i)
	}
	b.WriteString("m@x.de,M\xFCller\n") // line filler+2
	b.WriteString("z@x.de,Zed\n")       // line filler+3
	if b.Len() < sniffSize+1000 {
		t.Fatalf("the file is %d bytes, want more than %d", b.Len(), sniffSize)
	}

	r, got := readAll(t, b.String())
	if r.Encoding() != "utf-8" {
		t.Fatalf("Encoding() = %q, want utf-8", r.Encoding())
	}
	if len(got) != filler+2 {
		t.Fatalf("read %d records, want %d", len(got), filler+2)
	}
	for _, g := range got[:filler] {
		if g.Err != "" {
			t.Fatalf("filler record = %+v, want no error", g)
		}
	}
	wantErr := result{Line: 3002, Err: `line 3002: column "Last Name": the value is not valid UTF-8 text: save the file as CSV UTF-8`}
	if g := got[filler]; !reflect.DeepEqual(g, wantErr) {
		t.Errorf("bad record = %+v, want %+v", g, wantErr)
	}
	if g := got[filler+1]; g.Line != 3003 || g.Err != "" || g.Values["last_name"] != "Zed" {
		t.Errorf("record after = %+v, want line 3003 with last name Zed", g)
	}
}

func TestValueTooLong(t *testing.T) {
	t.Parallel()
	in := "Email,Notes\na@x.com," + strings.Repeat("x", MaxValueSize+1) + "\nb@x.com,ok\n"
	_, got := readAll(t, in)
	want := []result{
		{Line: 2, Err: `line 2: column "Notes": the value is 65537 bytes long, at most 65536 are allowed`},
		{Line: 3, Values: v("email", "b@x.com"), Props: v("notes", "ok")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestNextWithEditedMapping(t *testing.T) {
	t.Parallel()
	r, err := NewReader(strings.NewReader("Email,Junk,Score\na@x.com,zzz,7\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := Suggest(Contacts, r.Headers())
	m.Columns[1].Ignore = true
	m.Columns[2].Property = "lead_score"
	row, err := r.Next(m)
	if err != nil {
		t.Fatal(err)
	}
	if want := v("email", "a@x.com"); !maps.Equal(row.Values, want) {
		t.Errorf("Values = %v, want %v", row.Values, want)
	}
	if want := v("lead_score", "7"); !maps.Equal(row.Props, want) {
		t.Errorf("Props = %v, want %v", row.Props, want)
	}

	// A mapping made for a wider file is a programming error, not a row error.
	r, err = NewReader(strings.NewReader("Email\na@x.com\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Next(Suggest(Contacts, []string{"Email", "Phone"}))
	var re *RowError
	if err == nil || errors.As(err, &re) {
		t.Errorf("Next(mapping with 2 columns on a 1-column file) = %v, want a plain error", err)
	}
}

// bigFile returns a contact file of n rows.
func bigFile(n int) string {
	var b strings.Builder
	b.WriteString("Record ID,First Name,Last Name,Email,Phone Number,Company Name,City,Country/Region,Lifecycle Stage,Notes\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,Ann%d,Lee,ann%d@example.com,+33 1 23 45 67 %02d,Acme %d,Paris,France,lead,\"said \"\"hi\"\", twice\"\n",
			i, i, i, i%100, i%50)
	}
	return b.String()
}

func TestManyRows(t *testing.T) {
	t.Parallel()
	const n = 100_000
	r, err := NewReader(strings.NewReader(bigFile(n)))
	if err != nil {
		t.Fatal(err)
	}
	m := Suggest(Contacts, r.Headers())
	count := 0
	var last Row
	for {
		row, err := r.Next(m)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next after %d rows = %v", count, err)
		}
		count++
		last = row
	}
	if count != n {
		t.Errorf("read %d rows, want %d", count, n)
	}
	if last.Line != n+1 || last.Values["email"] != "ann99999@example.com" || last.Props["notes"] != `said "hi", twice` {
		t.Errorf("last row = %+v, want line %d, ann99999@example.com and the notes", last, n+1)
	}
}

func BenchmarkReader(b *testing.B) {
	const n = 100_000
	in := bigFile(n)
	b.SetBytes(int64(len(in)))
	rows := 0
	for b.Loop() {
		r, err := NewReader(strings.NewReader(in))
		if err != nil {
			b.Fatal(err)
		}
		m := Suggest(Contacts, r.Headers())
		for {
			_, err := r.Next(m)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func TestValidUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		atEOF bool
		want  bool
	}{
		{"ascii", "abc", false, true},
		{"whole rune at the end", "ab\xC3\xA9", false, true},
		{"2-byte rune cut", "ab\xC3", false, true},
		{"3-byte rune cut after 2", "ab\xE2\x82", false, true},
		{"4-byte rune cut after 3", "ab\xF0\x9F\x98", false, true},
		{"cut rune at end of file", "ab\xC3", true, false},
		{"windows-1252 byte at the end", "M\xFC", false, false},
		{"windows-1252 byte inside", "M\xFCller", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validUTF8([]byte(tt.in), tt.atEOF); got != tt.want {
				t.Errorf("validUTF8(%q, %v) = %v, want %v", tt.in, tt.atEOF, got, tt.want)
			}
		})
	}
}

// TestRuneAcrossSniffBoundary puts a 3-byte rune across the end of the
// first 64 KB: the file is still UTF-8.
func TestRuneAcrossSniffBoundary(t *testing.T) {
	t.Parallel()
	head := "Email,Notes\na@x.com,"
	pad := strings.Repeat("x", sniffSize-len(head)-1) // "€" starts at byte sniffSize-1
	in := head + pad + "€\n"
	r, got := readAll(t, in)
	if r.Encoding() != "utf-8" {
		t.Fatalf("Encoding() = %q, want utf-8", r.Encoding())
	}
	if len(got) != 1 {
		t.Fatalf("read %d records, want 1", len(got))
	}
	if got[0].Err != "" || got[0].Props["notes"] != pad+"€" {
		t.Errorf("record error %q, notes of %d bytes; want no error and notes ending in €", got[0].Err, len(got[0].Props["notes"]))
	}
}

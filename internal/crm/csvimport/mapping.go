package csvimport

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Mapping says which source column feeds which field. A column mapped to
// no field becomes a custom property, keyed by its Property, unless it is
// ignored.
type Mapping struct {
	Kind    Kind
	Columns []Column // one per source column, in file order
}

// Column is one source column of a Mapping.
type Column struct {
	Index    int    // position in the record, from 0
	Header   string // as in the file
	Field    string // target field key; "" means a custom property, or ignored
	Property string // custom property key when Field == "" and !Ignore: lower_snake_case of the header
	Ignore   bool   // the column's values are dropped
}

// Suggest maps headers to the fields of k by name, ignoring case and
// punctuation. It knows the fields' keys and labels and the export
// headers of HubSpot and Salesforce. When two columns name the same
// field, the first wins and the later one becomes a custom property.
// Every unrecognised column becomes a custom property with a key unique
// within the mapping ("notes", "notes_2"). Nothing is ignored.
func Suggest(k Kind, headers []string) Mapping {
	known := make(map[string]string) // normalised name → field key
	for _, f := range fieldsOf(k) {
		known[normalise(f.Key)] = f.Key
		known[normalise(f.Label)] = f.Key
		for _, a := range f.aliases {
			known[normalise(a)] = f.Key
		}
	}

	m := Mapping{Kind: k, Columns: make([]Column, len(headers))}
	taken := make(map[string]bool)
	props := make(map[string]bool)
	for i, h := range headers {
		c := Column{Index: i, Header: h}
		if key, ok := known[normalise(h)]; ok && !taken[key] {
			c.Field = key
			taken[key] = true
		} else {
			c.Property = uniqueKey(propertyKey(h, i), props)
		}
		m.Columns[i] = c
	}
	return m
}

// Validate checks a mapping, for instance one edited in the UI: the kind
// is known, each field is a field of the kind and mapped from one column
// only, each custom property has a lower_snake_case key used once, and
// column indexes are distinct. All problems are joined in the error, each
// naming its column.
func (m Mapping) Validate() error {
	defs := fieldsOf(m.Kind)
	if defs == nil {
		return fmt.Errorf("unknown import kind %q", m.Kind)
	}
	isField := make(map[string]bool, len(defs))
	for _, f := range defs {
		isField[f.Key] = true
	}

	var errs []error
	fieldFrom := make(map[string]string) // field key → header of the column that feeds it
	propFrom := make(map[string]string)
	indexes := make(map[int]bool)
	for _, c := range m.Columns {
		if c.Index < 0 || indexes[c.Index] {
			errs = append(errs, fmt.Errorf("column %q: index %d is negative or used twice", c.Header, c.Index))
		}
		indexes[c.Index] = true
		switch {
		case c.Ignore:
		case c.Field != "":
			if !isField[c.Field] {
				errs = append(errs, fmt.Errorf("column %q: %s have no field %q", c.Header, m.Kind, c.Field))
			} else if prev, ok := fieldFrom[c.Field]; ok {
				errs = append(errs, fmt.Errorf("column %q: field %q is already mapped from column %q", c.Header, c.Field, prev))
			} else {
				fieldFrom[c.Field] = c.Header
			}
		case c.Property == "":
			errs = append(errs, fmt.Errorf("column %q: has no field, no property key and is not ignored", c.Header))
		case propertyKey(c.Property, c.Index) != c.Property:
			errs = append(errs, fmt.Errorf("column %q: property key %q is not lower_snake_case (try %q)", c.Header, c.Property, propertyKey(c.Property, c.Index)))
		default:
			if prev, ok := propFrom[c.Property]; ok {
				errs = append(errs, fmt.Errorf("column %q: property %q is already mapped from column %q", c.Header, c.Property, prev))
			} else {
				propFrom[c.Property] = c.Header
			}
		}
	}
	return errors.Join(errs...)
}

// Target names what a column feeds, as written in the UI and on the
// command line: a field key, "property:KEY" for a custom property, or
// "-" to ignore the column.
func (c Column) Target() string {
	switch {
	case c.Ignore:
		return "-"
	case c.Field != "":
		return c.Field
	}
	return "property:" + c.Property
}

// Set points the column with the given header (compared ignoring case
// and punctuation) at target, written as Target writes it. It reports
// whether the header was found; Validate checks the target.
func (m *Mapping) Set(header, target string) bool {
	for i, c := range m.Columns {
		if normalise(c.Header) != normalise(header) {
			continue
		}
		c.Field, c.Property, c.Ignore = "", "", false
		switch key, isProp := strings.CutPrefix(strings.TrimSpace(target), "property:"); {
		case target == "-":
			c.Ignore = true
		case isProp:
			c.Property = key
		default:
			c.Field = key
		}
		m.Columns[i] = c
		return true
	}
	return false
}

// normalise reduces a header to lower-case letters and digits, so that
// "First Name", "first_name", "FirstName" and "first-name" compare equal.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// propertyKey turns a header into lower_snake_case: "Mailing State" and
// "MailingState" give "mailing_state", "Lead ID" and "LeadID" "lead_id".
// A header with no letter or digit gives "column_N" (N from 1). The
// result is its own key, which Validate relies on.
func propertyKey(h string, index int) string {
	rs := []rune(h)
	var b strings.Builder
	sep := false // an underscore is due before the next letter or digit
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			sep = b.Len() > 0
			continue
		}
		// Split camelCase: before an upper-case letter that follows a
		// lower-case letter or digit, or that starts a word after an
		// acronym ("URLPath" → "url_path").
		if unicode.IsUpper(r) && i > 0 && b.Len() > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				sep = true
			}
		}
		if sep {
			b.WriteByte('_')
			sep = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	if b.Len() == 0 {
		return "column_" + strconv.Itoa(index+1)
	}
	return b.String()
}

// uniqueKey returns key, or key_2, key_3, ... if key is in used, and
// records the result in used.
func uniqueKey(key string, used map[string]bool) string {
	k := key
	for n := 2; used[k]; n++ {
		k = key + "_" + strconv.Itoa(n)
	}
	used[k] = true
	return k
}

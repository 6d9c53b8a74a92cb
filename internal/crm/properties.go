package crm

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
)

func (s *Service) propertyDefs(ctx context.Context, q db.Querier, ws string) ([]PropertyDef, error) {
	rows, err := q.QueryContext(ctx, s.st.q.ListPropertyDefs, ws)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PropertyDef
	for rows.Next() {
		var d PropertyDef
		var opts string
		if err := rows.Scan(&d.Object, &d.Key, &d.Label, &d.Type, &opts, &d.CreatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(opts), &d.Options); err != nil {
			return nil, fmt.Errorf("property %s options: %w", d.Key, err)
		}
		d.CreatedAt = d.CreatedAt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// Properties returns the workspace's custom property definitions of
// object ("" for all).
func (s *Service) Properties(ctx context.Context, ws, object string) ([]PropertyDef, error) {
	defs, err := s.propertyDefs(ctx, s.db, ws)
	if err != nil {
		return nil, fmt.Errorf("list properties: %w", err)
	}
	if object == "" {
		return defs, nil
	}
	return slices.DeleteFunc(defs, func(d PropertyDef) bool { return d.Object != object }), nil
}

var propKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,59}$`)

// PropertyKey turns a label or a column header into a property key:
// "Shoe size (EU)" → "shoe_size_eu".
func PropertyKey(s string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if underscore && b.Len() > 0 {
				b.WriteByte('_')
			}
			underscore = false
			b.WriteRune(r)
			continue
		}
		underscore = true
	}
	k := b.String()
	if k != "" && k[0] >= '0' && k[0] <= '9' {
		k = "p_" + k
	}
	if len(k) > 60 {
		k = strings.TrimRight(k[:60], "_")
	}
	return k
}

// DefineProperty adds a custom property to the workspace's contacts,
// companies or deals.
func (s *Service) DefineProperty(ctx context.Context, actor auth.Actor, ws string, d PropertyDef) (*PropertyDef, error) {
	var fe fieldErrors
	d.Label = strings.TrimSpace(d.Label)
	if d.Key == "" {
		d.Key = PropertyKey(d.Label)
	}
	switch {
	case d.Object != ObjContact && d.Object != ObjCompany && d.Object != ObjDeal:
		fe.add("object", "must be contact, company or deal")
	}
	if d.Label == "" || len(d.Label) > 80 {
		fe.add("label", "must be 1 to 80 characters")
	}
	if !propKey.MatchString(d.Key) {
		fe.add("key", fmt.Sprintf("%q must be lower-case letters, digits and _ (starting with a letter)", d.Key))
	} else if builtinField(d.Object, d.Key) {
		fe.add("key", fmt.Sprintf("%q is a built-in field", d.Key))
	}
	if !slices.Contains(PropertyTypes(), d.Type) {
		fe.add("type", "must be text, number, date, boolean or select")
	}
	var opts []string
	for _, o := range d.Options {
		if o = strings.TrimSpace(o); o != "" && !slices.Contains(opts, o) {
			opts = append(opts, o)
		}
	}
	if d.Type == PropSelect && len(opts) == 0 {
		fe.add("options", "a select property needs at least one option")
	}
	if d.Type != PropSelect {
		opts = nil
	}
	d.Options = opts
	if err := fe.err(); err != nil {
		return nil, err
	}
	d.CreatedAt = s.now()
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		defs, err := s.propertyDefs(ctx, tx, ws)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(defs, func(o PropertyDef) bool { return o.Object == d.Object && o.Key == d.Key }) {
			return &ValidationError{Fields: []FieldError{{"key", fmt.Sprintf("%q is already a %s property", d.Key, d.Object)}}}
		}
		optsJSON, _ := json.Marshal(append([]string{}, d.Options...))
		if _, err := tx.ExecContext(ctx, s.st.q.InsertPropertyDef, ws, d.Object, d.Key, d.Label, d.Type, string(optsJSON), d.CreatedAt); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "crm.property.create", "property", d.Object+"."+d.Key, nil, d)
	})
	if err != nil {
		return nil, fmt.Errorf("define property: %w", err)
	}
	return &d, nil
}

// DeleteProperty removes a property definition. Values already stored on
// records stay in their JSON (an export still shows them) but can no
// longer be written.
func (s *Service) DeleteProperty(ctx context.Context, actor auth.Actor, ws, object, key string) error {
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		defs, err := s.propertyDefs(ctx, tx, ws)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(defs, func(o PropertyDef) bool { return o.Object == object && o.Key == key })
		if i < 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, s.st.q.DeletePropertyDef, ws, object, key); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "crm.property.delete", "property", object+"."+key, defs[i], nil)
	})
	if err != nil {
		return fmt.Errorf("delete property: %w", err)
	}
	return nil
}

// builtinField reports whether key is a built-in field of object, which a
// custom property may not shadow.
func builtinField(object, key string) bool {
	var fields []string
	switch object {
	case ObjContact:
		fields = []string{"id", "email", "first_name", "last_name", "name", "phone", "title", "company", "company_id",
			"company_name", "owner", "owner_id", "lifecycle_stage", "lead_status", "city", "country", "source",
			"consent_email", "external_id", "created_at", "updated_at"}
	case ObjCompany:
		fields = []string{"id", "name", "domain", "website", "industry", "employees", "revenue_band", "phone", "city",
			"country", "owner", "owner_id", "external_id", "created_at", "updated_at"}
	case ObjDeal:
		fields = []string{"id", "name", "pipeline", "pipeline_id", "stage", "stage_id", "amount", "currency",
			"close_date", "company", "company_id", "owner", "owner_id", "contact_ids", "external_id", "created_at",
			"updated_at"}
	}
	return slices.Contains(fields, key)
}

// applyProps validates the custom property values in and merges them into
// props (a nil or "" value removes the property). Values may come as JSON
// values or as text (forms, imports); they are stored in their type.
func applyProps(defs []PropertyDef, object string, props, in map[string]any, fe *fieldErrors) map[string]any {
	out := map[string]any{}
	for k, v := range props {
		out[k] = v
	}
	for _, key := range sortedKeys(in) {
		v := in[key]
		field := "properties." + key
		i := slices.IndexFunc(defs, func(d PropertyDef) bool { return d.Object == object && d.Key == key })
		if i < 0 {
			fe.add(field, fmt.Sprintf("is not a %s property of this workspace (define it first)", object))
			continue
		}
		if v == nil || v == "" {
			delete(out, key)
			continue
		}
		val, msg := propValue(defs[i], v)
		if msg != "" {
			fe.add(field, msg)
			continue
		}
		out[key] = val
	}
	return out
}

func propValue(d PropertyDef, v any) (any, string) {
	text, isText := v.(string)
	text = strings.TrimSpace(text)
	switch d.Type {
	case PropText:
		if !isText {
			if f, ok := v.(float64); ok {
				return strconv.FormatFloat(f, 'f', -1, 64), ""
			}
			return nil, "must be text"
		}
		if len([]rune(text)) > 2000 {
			return nil, "is longer than 2000 characters"
		}
		return text, ""
	case PropNumber:
		switch n := v.(type) {
		case float64:
			return n, ""
		case string:
			f, err := strconv.ParseFloat(strings.ReplaceAll(text, ",", ""), 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, fmt.Sprintf("%q is not a number", text)
			}
			return f, ""
		}
		return nil, "must be a number"
	case PropDate:
		if !isText {
			return nil, "must be a date YYYY-MM-DD"
		}
		t, err := time.Parse(time.DateOnly, text)
		if err != nil {
			if t2, err2 := time.Parse(time.RFC3339, text); err2 == nil {
				t = t2
			} else {
				return nil, fmt.Sprintf("%q is not a date YYYY-MM-DD", text)
			}
		}
		return t.Format(time.DateOnly), ""
	case PropBoolean:
		if b, ok := v.(bool); ok {
			return b, ""
		}
		if b, ok := parseBool(text); ok && isText {
			return b, ""
		}
		return nil, "must be true or false"
	case PropSelect:
		if !isText {
			return nil, "must be one of " + strings.Join(d.Options, ", ")
		}
		for _, o := range d.Options {
			if strings.EqualFold(o, text) {
				return o, ""
			}
		}
		return nil, fmt.Sprintf("%q is not one of %s", text, strings.Join(d.Options, ", "))
	}
	return nil, "has an unknown type"
}

// parseBool reads the ways people and exports write yes and no.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "on", "ja", "x", "opted in", "subscribed":
		return true, true
	case "false", "no", "n", "0", "off", "nein", "opted out", "unsubscribed":
		return false, true
	}
	return false, false
}

package db

import (
	"fmt"
	"reflect"
	"strings"
)

// LoadQueries parses named SQL blocks from src and assigns each to the string
// field of dst (a pointer to struct) tagged `query:"name"`. A block starts
// with a line `-- name: get-sites` and runs to the next such line.
//
// A tagged field without a block, or a block no field asks for, is an error:
// callers run this at startup so a typo fails the start, not a request.
func LoadQueries(src string, dst any) error {
	blocks, err := parseQueries(src)
	if err != nil {
		return err
	}
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("load queries: dst must be a pointer to a struct, not %T", dst)
	}
	v = v.Elem()
	used := map[string]bool{}
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		name, ok := f.Tag.Lookup("query")
		if !ok {
			continue
		}
		q, ok := blocks[name]
		if !ok {
			return fmt.Errorf("load queries: no query named %q for field %s", name, f.Name)
		}
		if f.Type.Kind() != reflect.String {
			return fmt.Errorf("load queries: field %s must be a string", f.Name)
		}
		v.Field(i).SetString(q)
		used[name] = true
	}
	for name := range blocks {
		if !used[name] {
			return fmt.Errorf("load queries: query %q is not used by %T", name, dst)
		}
	}
	return nil
}

func parseQueries(src string) (map[string]string, error) {
	blocks := map[string]string{}
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		q := strings.TrimSpace(body.String())
		if q == "" {
			return fmt.Errorf("load queries: query %q is empty", name)
		}
		if _, dup := blocks[name]; dup {
			return fmt.Errorf("load queries: query %q is defined twice", name)
		}
		blocks[name] = q
		return nil
	}
	for line := range strings.Lines(src) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			name = strings.TrimSpace(rest)
			body.Reset()
			continue
		}
		if name != "" {
			body.WriteString(line)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return blocks, nil
}

package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/crm/csvimport"
	"github.com/mopshq/mops/internal/platform/auth"
)

// CRMImportArgs start an import of a CSV file of contacts, companies or
// deals. Path is absolute: the server reads the file itself.
type CRMImportArgs struct {
	Workspace string            `json:"workspace"`
	Kind      string            `json:"kind"`
	Path      string            `json:"path"`
	DryRun    bool              `json:"dry_run"`
	Map       map[string]string `json:"map"` // header → field key, "property:KEY" or "-"
}

// CRMImportStatusArgs name a running import.
type CRMImportStatusArgs struct {
	Workspace string `json:"workspace"`
	ID        string `json:"id"`
}

// startCRMImport opens the file, applies the column overrides to the
// suggested mapping and starts the import in the background.
func (a *Admin) startCRMImport(ctx context.Context, args CRMImportArgs) (any, error) {
	if _, err := a.workspace(ctx, args.Workspace); err != nil {
		return nil, err
	}
	kind := csvimport.Kind(args.Kind)
	if csvimport.Fields(kind) == nil {
		return nil, &AdminError{400, fmt.Sprintf("%q: import contacts, companies or deals", args.Kind)}
	}
	if !filepath.IsAbs(args.Path) {
		return nil, &AdminError{400, "the file path must be absolute"}
	}
	f, err := os.Open(args.Path)
	if err != nil {
		return nil, &AdminError{400, fmt.Sprintf("open %s: %v", args.Path, errors.Unwrap(err))}
	}
	opt := crm.ImportOptions{Kind: kind, DryRun: args.DryRun}
	if len(args.Map) > 0 {
		m, err := mappingWith(f, kind, args.Map)
		if err != nil {
			f.Close()
			return nil, err
		}
		opt.Mapping = m
		if _, err := f.Seek(0, 0); err != nil {
			f.Close()
			return nil, fmt.Errorf("rewind %s: %w", args.Path, err)
		}
	}
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return map[string]string{"id": a.st.CRM.StartImport(ctx, auth.CLIActor(), args.Workspace, f, size, opt)}, nil
}

// mappingWith is the suggested mapping of the file's headers with the
// given columns pointed elsewhere.
func mappingWith(f *os.File, kind csvimport.Kind, overrides map[string]string) (*csvimport.Mapping, error) {
	rd, err := csvimport.NewReader(f)
	if err != nil {
		return nil, &AdminError{400, err.Error()}
	}
	m := csvimport.Suggest(kind, rd.Headers())
	var unknown []string
	for h, target := range overrides {
		if !m.Set(h, target) {
			unknown = append(unknown, fmt.Sprintf("%q", h))
		}
	}
	if len(unknown) > 0 {
		return nil, &AdminError{400, fmt.Sprintf("--map: the file has no column %s (its columns: %s)",
			strings.Join(unknown, ", "), strings.Join(rd.Headers(), ", "))}
	}
	if err := m.Validate(); err != nil {
		return nil, &AdminError{400, "--map: " + err.Error()}
	}
	return &m, nil
}

func (a *Admin) crmImportStatus(args CRMImportStatusArgs) (any, error) {
	st, ok := a.st.CRM.ImportStatus(args.Workspace, args.ID)
	if !ok {
		return nil, &AdminError{404, fmt.Sprintf("no import %q in this workspace", args.ID)}
	}
	return st, nil
}

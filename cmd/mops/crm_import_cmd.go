package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/crm"
)

// shownRowErrors is how many per-line errors the text output lists.
const shownRowErrors = 20

// newCRMImportCmds returns `mops import contacts|companies|deals FILE`.
func newCRMImportCmds(e *env) []*cobra.Command {
	var out []*cobra.Command
	for _, kind := range []string{"contacts", "companies", "deals"} {
		args := app.CRMImportArgs{Kind: kind}
		var maps []string
		cmd := &cobra.Command{
			Use:   kind + " --workspace ID FILE",
			Short: "Import " + kind + " into the CRM from a CSV file",
			Long: `Import ` + kind + ` from a CSV file (UTF-8, UTF-16 or Windows-1252; comma,
semicolon, tab or pipe separated). Columns are matched to fields by name,
including the export headers of HubSpot and Salesforce; other columns become
custom properties, written only when the workspace defines them. A row that
matches an existing record (by email, domain or external id) updates it.
Every row is checked before it is written: a broken row is reported with its
line number and nothing of it is written. --dry-run checks the whole file
and writes nothing.

  --map "E-mail=email"        read the column "E-mail" into the email field
  --map "Shoe size=property:shoe_size"
  --map "Internal notes=-"    ignore the column`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, files []string) error {
				path, err := filepath.Abs(files[0])
				if err != nil {
					return err
				}
				args.Path = path
				args.Map = map[string]string{}
				for _, m := range maps {
					h, target, ok := strings.Cut(m, "=")
					if !ok {
						return fmt.Errorf("--map %q: write COLUMN=FIELD", m)
					}
					args.Map[strings.TrimSpace(h)] = strings.TrimSpace(target)
				}
				return importCRM(cmd, e, args)
			},
		}
		cmd.Flags().StringVar(&args.Workspace, "workspace", "", "workspace id (required)")
		cmd.Flags().BoolVar(&args.DryRun, "dry-run", false, "check the whole file and report, writing nothing")
		cmd.Flags().StringArrayVar(&maps, "map", nil, "COLUMN=FIELD, COLUMN=property:KEY or COLUMN=- (repeatable)")
		out = append(out, cmd)
	}
	return out
}

func importCRM(cmd *cobra.Command, e *env, args app.CRMImportArgs) error {
	ctx := cmd.Context()
	c, err := app.OpenAdmin(ctx, e.data, false, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	raw, err := c.Do(ctx, "crm.import", args)
	if err != nil {
		return err
	}
	var started struct{ ID string }
	if err := json.Unmarshal(raw, &started); err != nil {
		return err
	}
	label := "import " + args.Kind
	if args.DryRun {
		label = "dry run " + args.Kind
	}
	bar := newProgress(e.stderr, label, 0)
	var st crm.ImportStatus
	for {
		raw, err := c.Do(ctx, "crm.import.status", app.CRMImportStatusArgs{Workspace: args.Workspace, ID: started.ID})
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			return err
		}
		bar.total = st.Bytes
		if st.Done {
			bar.set(st.Bytes, "bytes")
			break
		}
		bar.set(st.BytesRead, "bytes")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	bar.done()
	if st.Error != "" {
		var b strings.Builder
		b.WriteString(st.Error)
		for _, f := range st.Fields {
			fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
		}
		return fmt.Errorf("%s", b.String())
	}
	if e.json {
		return printJSON(e, st.Report)
	}
	r := st.Report
	verb := "imported"
	if r.DryRun {
		verb = "dry run, nothing written:"
	}
	fmt.Fprintf(e.stdout, "%s %s rows in %.1f s: %s created, %s updated, %s failed\n", verb, thousands(int64(r.Rows)),
		st.Seconds, thousands(int64(r.Created)), thousands(int64(r.Updated)), thousands(int64(r.Failed)))
	if len(r.Ignored) > 0 {
		fmt.Fprintf(e.stdout, "ignored columns (no such custom property): %s\n", strings.Join(r.Ignored, ", "))
	}
	for i, re := range r.Errors {
		if i == shownRowErrors {
			fmt.Fprintf(e.stdout, "  … %d more (use --json for all)\n", r.Failed-shownRowErrors)
			break
		}
		fmt.Fprintf(e.stdout, "  %s\n", re.Error())
	}
	return nil
}

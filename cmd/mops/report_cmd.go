package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/report"
)

func newReportCmd(e *env) *cobra.Command {
	var args app.ReportArgs
	var out, format string
	cmd := &cobra.Command{
		Use:   "report --site ID|DOMAIN [--period 7d] [--out FILE]",
		Short: "Write a site's digest report: one self-contained HTML file (or plain text)",
		Long: `Write a site's digest report: the key numbers against the previous period,
unique visitors per day with the previous period overlaid, the top sources,
pages and countries, devices and goals. The HTML is one self-contained,
email-ready document (inline styles and SVG charts, no scripts, nothing
loaded from elsewhere): open it in a browser or attach it to an email.

--period takes 7d, 28d, 30d, 91d (or any Nd: the N whole days before today),
month (the last whole calendar month, compared with the one before), day,
24h, 6mo, 12mo, year (up to today), all, or two dates FROM,TO (both
included). Days follow the site's time zone.

Works while the server runs (through it) and on a stopped data dir.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(args.Site) == "" {
				return fmt.Errorf("--site is required: the site's id or domain (see mops site list --workspace ID)")
			}
			if format != "html" && format != "text" {
				return fmt.Errorf("--format must be html or text, not %q", format)
			}
			res, err := app.RunAdmin(cmd.Context(), e.data, nil, "report", args)
			if err != nil {
				return err
			}
			var doc report.Document
			if err := json.Unmarshal(res, &doc); err != nil {
				return fmt.Errorf("read the report: %w", err)
			}
			body := doc.HTML
			if format == "text" {
				body = doc.Text
			}
			toStdout := out == "" || out == "-"
			if !toStdout {
				if err := os.WriteFile(out, []byte(body), 0o644); err != nil {
					return fmt.Errorf("write the report to %s: %w", out, err)
				}
			}
			if e.json {
				v := map[string]any{"site_id": doc.SiteID, "domain": doc.Domain, "period": doc.Period, "format": format, "bytes": len(body)}
				if toStdout {
					v[format] = body
				} else {
					v["out"] = out
				}
				return printJSON(e, v)
			}
			if toStdout {
				_, err := fmt.Fprint(e.stdout, body)
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s: %s, %s to %s\n", out, doc.Domain, doc.Period[0], doc.Period[1])
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&args.Site, "site", "", "the site's id or domain (required)")
	f.StringVar(&args.Period, "period", "7d", "7d, 30d, month, 6mo, 12mo, year, day, 24h, all, or FROM,TO (YYYY-MM-DD)")
	f.StringVar(&out, "out", "", "file to write; - or none writes to stdout")
	f.StringVar(&format, "format", "html", "html or text")
	return cmd
}

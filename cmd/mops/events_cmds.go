package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/collect"
	"github.com/mopshq/mops/internal/collect/accesslog"
	"github.com/mopshq/mops/internal/platform/id"
)

func newReprocessCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "reprocess",
		Short: "Rebuild the event and visit tables from the event log",
		Long: `Rebuild the event and visit tables by replaying the whole event log, e.g.
after a change to enrichment or visit rules. Works while the server runs (the
tables fill up again as the replay goes) or on a stopped data dir.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := app.OpenAdmin(ctx, e.data, true, nil)
			if err != nil {
				return err
			}
			defer c.Close()
			if _, err := c.Do(ctx, "reprocess", struct{}{}); err != nil {
				return err
			}
			var st app.LoaderStatus
			bar := newProgress(e.stderr, "reprocess", 0)
			for {
				raw, err := c.Do(ctx, "loader.status", struct{}{})
				if err != nil {
					return err
				}
				if err := json.Unmarshal(raw, &st); err != nil {
					return err
				}
				bar.total = int64(st.Last)
				bar.set(int64(st.Loaded), "events")
				if st.Loaded >= st.Last {
					break
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(200 * time.Millisecond):
				}
			}
			bar.done()
			if e.json {
				return printJSON(e, map[string]uint64{"replayed_seq": st.Last})
			}
			fmt.Fprintf(e.stdout, "replayed %s events from the log\n", thousands(int64(st.Last)))
			return nil
		},
	}
}

func newImportCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Import data from files (CRM records, server access logs)"}
	var site string
	access := &cobra.Command{
		Use:   "accesslog --site DOMAIN FILE...",
		Short: "Import pageviews from nginx or Apache combined access logs (plain or .gz)",
		Long: `Import pageviews from nginx/Apache "combined" (or vhost_combined) access logs,
plain or gzipped. Static assets, non-GET requests, errors, well-known paths and
bots are skipped; visitors and visits follow the same rules as live traffic.
Lines that cannot be read are reported with their line number and skipped.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if site == "" {
				return fmt.Errorf("--site is required")
			}
			return importAccessLogs(cmd, e, site, files)
		},
	}
	access.Flags().StringVar(&site, "site", "", "the site's domain or id (required)")
	cmd.AddCommand(access)
	cmd.AddCommand(newCRMImportCmds(e)...)
	return cmd
}

// importSummary is what an access-log import did.
type importSummary struct {
	Files      int            `json:"files"`
	Lines      int            `json:"lines"`
	Imported   int            `json:"imported"`
	Bots       int            `json:"bots"`
	Skipped    map[string]int `json:"skipped"`
	BadLines   int            `json:"bad_lines"`
	FirstBad   []string       `json:"first_bad_lines,omitempty"`
	ElapsedSec float64        `json:"seconds"`
}

func importAccessLogs(cmd *cobra.Command, e *env, site string, files []string) error {
	ctx := cmd.Context()
	c, err := app.OpenAdmin(ctx, e.data, true, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	start := time.Now()
	sum := importSummary{Skipped: map[string]int{}}
	salt := id.Token(16)
	const chunk = 1000
	var batch []collect.Hit
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		raw, err := c.Do(ctx, "import.hits", app.ImportArgs{Site: site, Salt: salt, Hits: batch})
		if err != nil {
			return err
		}
		var res collect.ImportResult
		if err := json.Unmarshal(raw, &res); err != nil {
			return err
		}
		sum.Imported += res.Kept
		sum.Bots += res.Bots
		batch = batch[:0]
		return nil
	}
	for _, f := range files {
		r, closer, err := accesslog.Open(f)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		size := fileSize(f)
		bar := newProgress(e.stderr, f, size)
		for {
			h, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			var le *accesslog.LineError
			if errors.As(err, &le) {
				sum.Lines++
				sum.BadLines++
				if len(sum.FirstBad) < 10 {
					sum.FirstBad = append(sum.FirstBad, fmt.Sprintf("%s:%d: %s", f, le.Line, le.Reason))
				}
				continue
			}
			if err != nil {
				closer.Close()
				return fmt.Errorf("%s: %w", f, err)
			}
			sum.Lines++
			if ok, why := accesslog.IsPageview(h); !ok {
				sum.Skipped[why]++
				continue
			}
			batch = append(batch, collect.Hit{IP: h.IP.String(), Time: h.Time, Host: h.Host, Path: h.Path, Query: h.Query,
				Referrer: h.Referrer, UserAgent: h.UserAgent})
			if len(batch) == chunk {
				if err := flush(); err != nil {
					closer.Close()
					return err
				}
				bar.set(r.BytesRead(), "bytes")
			}
		}
		if err := flush(); err != nil {
			closer.Close()
			return err
		}
		bar.set(size, "bytes")
		bar.done()
		closer.Close()
		sum.Files++
	}
	sum.ElapsedSec = time.Since(start).Seconds()
	if e.json {
		return printJSON(e, sum)
	}
	var skipped []string
	for why, n := range sum.Skipped {
		skipped = append(skipped, fmt.Sprintf("%s %d", why, n))
	}
	fmt.Fprintf(e.stdout, "imported %s pageviews from %s lines in %d file(s) in %.1f s\n", thousands(int64(sum.Imported)),
		thousands(int64(sum.Lines)), sum.Files, sum.ElapsedSec)
	fmt.Fprintf(e.stdout, "skipped: bots %d; %s\n", sum.Bots, strings.Join(skipped, ", "))
	if sum.BadLines > 0 {
		fmt.Fprintf(e.stdout, "%d line(s) could not be read, first ones:\n  %s\n", sum.BadLines, strings.Join(sum.FirstBad, "\n  "))
	}
	return nil
}

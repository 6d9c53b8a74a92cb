package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mopshq/mops/internal/app"
)

// env is what every command gets: the streams and the global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	data           string
	json           bool
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// run executes the command line and returns the exit status. Errors are
// printed to stderr as one sentence.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	msg := err.Error()
	fmt.Fprintln(stderr, "mops: "+strings.TrimSuffix(msg, "\n"))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "mops",
		Short:         "mops — self-hosted marketing operations: analytics, CRM, campaigns, attribution, experiments",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&e.data, "data", app.Env("data", "./mops-data"), "data directory (env MOPS_DATA)")
	root.PersistentFlags().BoolVar(&e.json, "json", false, "print one JSON document on stdout")
	root.AddCommand(
		newServeCmd(e),
		newVersionCmd(e),
		newMigrateCmd(e),
		newWorkspaceCmd(e),
		newSiteCmd(e),
		newAPIKeyCmd(e),
		newUserCmd(e),
		newBackupCmd(e),
		&cobra.Command{Use: "analyze", Short: "Run an analysis on CSV files (attribution, abtest, forecast, cluster, churn)"},
		newImportCmd(e),
		newReprocessCmd(e),
		newReportCmd(e),
	)
	return root
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if e.json {
				return printJSON(e, map[string]string{"version": version()})
			}
			fmt.Fprintln(e.stdout, "mops "+version())
			return nil
		},
	}
}

func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	return enc.Encode(v)
}

// admin runs an operator command and prints its result: the raw JSON with
// --json, else what text renders.
func admin(cmd *cobra.Command, e *env, op string, args any, text func(w io.Writer, res json.RawMessage) error) error {
	res, err := app.RunAdmin(cmd.Context(), e.data, nil, op, args)
	if err != nil {
		return err
	}
	if e.json {
		_, err := fmt.Fprintln(e.stdout, string(res))
		return err
	}
	return text(e.stdout, res)
}

// table prints rows under a header, aligned.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// keyValues prints the fields of a JSON object in the given order.
func keyValues(w io.Writer, res json.RawMessage, keys ...string) error {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(res))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return err
	}
	rows := make([][]string, 0, len(keys))
	for _, k := range keys {
		if v, ok := m[k]; ok {
			rows = append(rows, []string{k + ":", fmt.Sprint(v)})
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

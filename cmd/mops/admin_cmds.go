package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mopshq/mops/internal/app"
)

func newMigrateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations to the data dir (serve does this too)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := app.OpenStore(cmd.Context(), e.data, nil)
			if err != nil {
				return err
			}
			v, err := st.DB.SchemaVersion(cmd.Context())
			if cerr := st.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if e.json {
				return printJSON(e, map[string]int{"schema_version": v})
			}
			fmt.Fprintf(e.stdout, "schema is at version %d\n", v)
			return nil
		},
	}
}

func newWorkspaceCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "workspace", Short: "Create and list workspaces"}
	cmd.AddCommand(&cobra.Command{
		Use:   "create NAME",
		Short: "Create a workspace",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return admin(cmd, e, "workspace.create", app.WorkspaceCreateArgs{Name: args[0]}, func(w io.Writer, res json.RawMessage) error {
				return keyValues(w, res, "workspace_id", "name")
			})
		},
	}, &cobra.Command{
		Use:   "list",
		Short: "List workspaces",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return admin(cmd, e, "workspace.list", struct{}{}, func(w io.Writer, res json.RawMessage) error {
				var out struct {
					Workspaces []struct{ ID, Name, CreatedAt string } `json:"workspaces"`
				}
				if err := json.Unmarshal(res, &out); err != nil {
					return err
				}
				var rows [][]string
				for _, x := range out.Workspaces {
					rows = append(rows, []string{x.ID, x.Name})
				}
				return table(w, []string{"ID", "NAME"}, rows)
			})
		},
	})
	return cmd
}

func newSiteCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "site", Short: "Create and list sites"}
	var args app.SiteCreateArgs
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a site; prints its id and public write key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return admin(cmd, e, "site.create", args, func(w io.Writer, res json.RawMessage) error {
				return keyValues(w, res, "site_id", "domain", "timezone", "currency", "write_key")
			})
		},
	}
	create.Flags().StringVar(&args.Workspace, "workspace", "", "workspace id (required)")
	create.Flags().StringVar(&args.Domain, "domain", "", "the site's domain, e.g. example.com (required)")
	create.Flags().StringVar(&args.Timezone, "timezone", "UTC", "IANA time zone for days and hours in reports")
	create.Flags().StringVar(&args.Currency, "currency", "EUR", "ISO 4217 currency of revenue and spend")
	var ws app.WorkspaceArgs
	list := &cobra.Command{
		Use:   "list",
		Short: "List a workspace's sites",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return admin(cmd, e, "site.list", ws, func(w io.Writer, res json.RawMessage) error {
				var out struct {
					Sites []struct {
						ID, Domain, Timezone, Currency string
						WriteKey                       string `json:"write_key"`
					} `json:"sites"`
				}
				if err := json.Unmarshal(res, &out); err != nil {
					return err
				}
				var rows [][]string
				for _, s := range out.Sites {
					rows = append(rows, []string{s.ID, s.Domain, s.Timezone, s.Currency, s.WriteKey})
				}
				return table(w, []string{"ID", "DOMAIN", "TIMEZONE", "CURRENCY", "WRITE KEY"}, rows)
			})
		},
	}
	list.Flags().StringVar(&ws.Workspace, "workspace", "", "workspace id (required)")
	cmd.AddCommand(create, list)
	return cmd
}

func newAPIKeyCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "apikey", Short: "Create, list and revoke API keys"}
	var args app.APIKeyCreateArgs
	var scopes string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API key; the key is printed only here",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			args.Scopes = strings.Split(scopes, ",")
			return admin(cmd, e, "apikey.create", args, func(w io.Writer, res json.RawMessage) error {
				return keyValues(w, res, "key", "id", "name", "scopes")
			})
		},
	}
	create.Flags().StringVar(&args.Workspace, "workspace", "", "workspace id (required)")
	create.Flags().StringVar(&scopes, "scopes", "read", "comma-separated scopes: read, write, ingest")
	create.Flags().StringVar(&args.Name, "name", "", "a name to recognise the key by")
	var ws app.WorkspaceArgs
	list := &cobra.Command{
		Use:   "list",
		Short: "List a workspace's API keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return admin(cmd, e, "apikey.list", ws, func(w io.Writer, res json.RawMessage) error {
				var out struct {
					Keys []struct {
						ID, Name, Prefix string
						Scopes           []string
						LastUsedAt       *string `json:"last_used_at"`
						RevokedAt        *string `json:"revoked_at"`
					} `json:"api_keys"`
				}
				if err := json.Unmarshal(res, &out); err != nil {
					return err
				}
				var rows [][]string
				for _, k := range out.Keys {
					state, used := "live", "never"
					if k.RevokedAt != nil {
						state = "revoked " + *k.RevokedAt
					}
					if k.LastUsedAt != nil {
						used = *k.LastUsedAt
					}
					rows = append(rows, []string{k.ID, k.Name, k.Prefix + "…", strings.Join(k.Scopes, ","), used, state})
				}
				return table(w, []string{"ID", "NAME", "KEY", "SCOPES", "LAST USED", "STATE"}, rows)
			})
		},
	}
	list.Flags().StringVar(&ws.Workspace, "workspace", "", "workspace id (required)")
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key; requests using it get 401 from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			return admin(cmd, e, "apikey.revoke", app.IDArgs{ID: a[0]}, func(w io.Writer, res json.RawMessage) error {
				return keyValues(w, res, "revoked")
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// readPassword reads the first line of stdin.
func readPassword(e *env) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no password on stdin (pipe it in: echo \"$PASSWORD\" | mops user create … --password-stdin)")
	}
	return line, nil
}

func newUserCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Create and list users, reset passwords"}
	var args app.UserCreateArgs
	var fromStdin bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user, optionally adding them to a workspace with a role",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !fromStdin {
				return fmt.Errorf("--password-stdin is required: passwords are never taken as arguments")
			}
			pw, err := readPassword(e)
			if err != nil {
				return err
			}
			args.Password = pw
			return admin(cmd, e, "user.create", args, func(w io.Writer, res json.RawMessage) error {
				return keyValues(w, res, "user_id", "email")
			})
		},
	}
	create.Flags().StringVar(&args.Email, "email", "", "email address (required)")
	create.Flags().StringVar(&args.Name, "name", "", "display name")
	create.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin")
	create.Flags().StringVar(&args.Workspace, "workspace", "", "workspace id to add the user to")
	create.Flags().StringVar(&args.Role, "role", "", "role in that workspace: owner, admin, analyst, marketer, viewer (default viewer)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return admin(cmd, e, "user.list", struct{}{}, func(w io.Writer, res json.RawMessage) error {
				var out struct {
					Users []struct{ ID, Email, Name string } `json:"users"`
				}
				if err := json.Unmarshal(res, &out); err != nil {
					return err
				}
				var rows [][]string
				for _, u := range out.Users {
					rows = append(rows, []string{u.ID, u.Email, u.Name})
				}
				return table(w, []string{"ID", "EMAIL", "NAME"}, rows)
			})
		},
	}
	var pw app.PasswordArgs
	var resetStdin bool
	reset := &cobra.Command{
		Use:   "reset-password",
		Short: "Set a new password for a user and log out all their sessions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !resetStdin {
				return fmt.Errorf("--password-stdin is required: passwords are never taken as arguments")
			}
			p, err := readPassword(e)
			if err != nil {
				return err
			}
			pw.Password = p
			return admin(cmd, e, "user.reset-password", pw, func(w io.Writer, res json.RawMessage) error {
				return keyValues(w, res, "user_id", "sessions_ended")
			})
		},
	}
	reset.Flags().StringVar(&pw.Email, "email", "", "the user's email (required)")
	reset.Flags().BoolVar(&resetStdin, "password-stdin", false, "read the new password from the first line of stdin")
	cmd.AddCommand(create, list, reset)
	return cmd
}

func newBackupCmd(e *env) *cobra.Command {
	var args app.BackupArgs
	cmd := &cobra.Command{
		Use:   "backup --out DIR",
		Short: "Write a consistent copy of the data dir, also while the server runs",
		Long: `Write a consistent copy of the data dir to a new directory. While a server
holds the data dir, the copy is made by that server: event intake pauses for
the few moments it takes (requests wait, none are refused). The copy is a data
dir of its own: restore by pointing --data at it (or moving it into place).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return admin(cmd, e, "backup", args, func(w io.Writer, res json.RawMessage) error {
				return keyValues(w, res, "path", "files", "bytes", "event_log", "seconds")
			})
		},
	}
	cmd.Flags().StringVar(&args.Dest, "out", "", "directory to write the backup to; must not exist or be empty (required)")
	return cmd
}

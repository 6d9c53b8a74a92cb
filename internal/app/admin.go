package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/collect"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/datadir"
	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/report"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/stats"
)

// Admin carries out the operator commands of the CLI (workspace, site,
// apikey, user, backup). The same operations run in the CLI process on an
// idle data dir, or inside the server when it holds the dir (reached over
// the admin socket), so they behave identically either way.
type Admin struct {
	st  *Store
	app *App // the running node; nil when the CLI opened only the store
}

// AdminError is a failed operation with the one sentence to show.
type AdminError struct {
	Status  int // HTTP-like: 400 bad input, 404 unknown object, 409 conflict, 500 internal
	Message string
}

func (e *AdminError) Error() string { return e.Message }

func adminError(op string, err error) error {
	var ve *auth.ValidationError
	var ae *AdminError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ve):
		return &AdminError{400, fmt.Sprintf("%s: %s %s", op, ve.Field, ve.Message)}
	case errors.Is(err, auth.ErrNotFound), errors.Is(err, sites.ErrNotFound), errors.Is(err, collect.ErrUnknownSite):
		return &AdminError{404, fmt.Sprintf("%s: not found", op)}
	case errors.Is(err, auth.ErrEmailTaken), errors.Is(err, sites.ErrDomainTaken), errors.Is(err, auth.ErrLastOwner):
		return &AdminError{409, fmt.Sprintf("%s: %s", op, unwrapAll(err).Error())}
	}
	return &AdminError{500, fmt.Sprintf("%s: %v", op, err)}
}

func unwrapAll(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// The arguments of each operation, as sent over the admin socket.
type (
	WorkspaceCreateArgs struct {
		Name string `json:"name"`
	}
	SiteCreateArgs struct {
		Workspace string `json:"workspace"`
		Domain    string `json:"domain"`
		Timezone  string `json:"timezone"`
		Currency  string `json:"currency"`
	}
	WorkspaceArgs struct {
		Workspace string `json:"workspace"`
	}
	APIKeyCreateArgs struct {
		Workspace string   `json:"workspace"`
		Scopes    []string `json:"scopes"`
		Name      string   `json:"name"`
	}
	IDArgs struct {
		ID string `json:"id"`
	}
	UserCreateArgs struct {
		Email     string `json:"email"`
		Name      string `json:"name"`
		Password  string `json:"password"`
		Workspace string `json:"workspace"`
		Role      string `json:"role"`
	}
	PasswordArgs struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	BackupArgs struct {
		Dest string `json:"dest"`
	}
	ReportArgs struct {
		Site   string `json:"site"`   // id or domain
		Period string `json:"period"` // see report.Build
	}
)

// Do runs one operation with JSON arguments and returns its JSON-ready result.
func (a *Admin) Do(ctx context.Context, op string, args json.RawMessage) (any, error) {
	res, err := a.do(ctx, op, args)
	if err != nil {
		return nil, adminError(strings.ReplaceAll(op, ".", " "), err)
	}
	return res, nil
}

func decode[T any](args json.RawMessage) (T, error) {
	var v T
	if len(args) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(args, &v); err != nil {
		return v, &AdminError{400, "bad arguments: " + err.Error()}
	}
	return v, nil
}

func (a *Admin) workspace(ctx context.Context, id string) (*auth.Workspace, error) {
	if id == "" {
		return nil, &AdminError{400, "--workspace is required"}
	}
	w, err := a.st.Auth.Workspace(ctx, id)
	if errors.Is(err, auth.ErrNotFound) {
		return nil, &AdminError{404, fmt.Sprintf("no workspace with id %q (see `mops workspace list`)", id)}
	}
	return w, err
}

func (a *Admin) do(ctx context.Context, op string, raw json.RawMessage) (any, error) {
	cli := auth.CLIActor()
	switch op {
	case "workspace.create":
		args, err := decode[WorkspaceCreateArgs](raw)
		if err != nil {
			return nil, err
		}
		w, err := a.st.Auth.CreateWorkspace(ctx, cli, args.Name, nil)
		if err != nil {
			return nil, err
		}
		return map[string]any{"workspace_id": w.ID, "name": w.Name}, nil
	case "workspace.list":
		ws, err := a.st.Auth.Workspaces(ctx)
		return map[string]any{"workspaces": nonNil(ws)}, err
	case "site.create":
		args, err := decode[SiteCreateArgs](raw)
		if err != nil {
			return nil, err
		}
		if _, err := a.workspace(ctx, args.Workspace); err != nil {
			return nil, err
		}
		s, err := a.st.Sites.Create(ctx, cli, args.Workspace, sites.Settings{Domain: args.Domain, Timezone: args.Timezone, Currency: args.Currency})
		if err != nil {
			return nil, err
		}
		return map[string]any{"site_id": s.ID, "write_key": s.WriteKey, "domain": s.Domain, "timezone": s.Timezone, "currency": s.Currency}, nil
	case "site.list":
		args, err := decode[WorkspaceArgs](raw)
		if err != nil {
			return nil, err
		}
		if _, err := a.workspace(ctx, args.Workspace); err != nil {
			return nil, err
		}
		ss, err := a.st.Sites.List(ctx, args.Workspace)
		return map[string]any{"sites": nonNil(ss)}, err
	case "apikey.create":
		args, err := decode[APIKeyCreateArgs](raw)
		if err != nil {
			return nil, err
		}
		if _, err := a.workspace(ctx, args.Workspace); err != nil {
			return nil, err
		}
		scopes, err := auth.ParseScopes(args.Scopes)
		if err != nil {
			return nil, err
		}
		secret, k, err := a.st.Auth.CreateAPIKey(ctx, cli, args.Workspace, args.Name, scopes)
		if err != nil {
			return nil, err
		}
		return map[string]any{"key": secret, "id": k.ID, "scopes": k.Scopes, "name": k.Name}, nil
	case "apikey.list":
		args, err := decode[WorkspaceArgs](raw)
		if err != nil {
			return nil, err
		}
		if _, err := a.workspace(ctx, args.Workspace); err != nil {
			return nil, err
		}
		ks, err := a.st.Auth.APIKeys(ctx, args.Workspace)
		return map[string]any{"api_keys": nonNil(ks)}, err
	case "apikey.revoke":
		args, err := decode[IDArgs](raw)
		if err != nil {
			return nil, err
		}
		if _, err := a.st.Auth.RevokeAPIKey(ctx, cli, "", args.ID); err != nil {
			if errors.Is(err, auth.ErrNotFound) {
				return nil, &AdminError{404, fmt.Sprintf("no API key with id %q", args.ID)}
			}
			return nil, err
		}
		return map[string]any{"revoked": args.ID}, nil
	case "user.create":
		return a.createUser(ctx, raw)
	case "user.list":
		us, err := a.st.Auth.Users(ctx)
		return map[string]any{"users": nonNil(us)}, err
	case "user.reset-password":
		args, err := decode[PasswordArgs](raw)
		if err != nil {
			return nil, err
		}
		u, err := a.st.Auth.UserByEmail(ctx, args.Email)
		if errors.Is(err, auth.ErrNotFound) {
			return nil, &AdminError{404, fmt.Sprintf("no user with email %q", args.Email)}
		}
		if err != nil {
			return nil, err
		}
		if err := a.st.Auth.SetPassword(ctx, cli, u.ID, args.Password); err != nil {
			return nil, err
		}
		return map[string]any{"user_id": u.ID, "sessions_ended": true}, nil
	case "backup":
		args, err := decode[BackupArgs](raw)
		if err != nil {
			return nil, err
		}
		var log *eventlog.Log
		if a.app != nil {
			log = a.app.Log
		}
		return backup(ctx, a.st, log, args.Dest)
	case "reprocess":
		if a.app == nil {
			return nil, &AdminError{500, "reprocess needs the event log"}
		}
		return a.app.reprocess(ctx)
	case "loader.status":
		if a.app == nil {
			return nil, &AdminError{500, "loader status needs the event log"}
		}
		return a.app.loaderStatus(ctx), nil
	case "import.hits":
		if a.app == nil {
			return nil, &AdminError{500, "import needs the event log"}
		}
		args, err := decode[ImportArgs](raw)
		if err != nil {
			return nil, err
		}
		return a.app.importHits(ctx, args)
	case "crm.import":
		args, err := decode[CRMImportArgs](raw)
		if err != nil {
			return nil, err
		}
		return a.startCRMImport(ctx, args)
	case "crm.import.status":
		args, err := decode[CRMImportStatusArgs](raw)
		if err != nil {
			return nil, err
		}
		return a.crmImportStatus(args)
	case "report":
		args, err := decode[ReportArgs](raw)
		if err != nil {
			return nil, err
		}
		doc, err := report.Generate(ctx, stats.NewService(a.st.DB), a.st.Sites, args.Site, args.Period, time.Now())
		var pe *report.PeriodError
		switch {
		case errors.Is(err, report.ErrUnknownSite):
			return nil, &AdminError{404, err.Error()}
		case errors.As(err, &pe):
			return nil, &AdminError{400, err.Error()}
		}
		return doc, err
	}
	return nil, &AdminError{400, fmt.Sprintf("unknown operation %q", op)}
}

func (a *Admin) createUser(ctx context.Context, raw json.RawMessage) (any, error) {
	args, err := decode[UserCreateArgs](raw)
	if err != nil {
		return nil, err
	}
	role := auth.RoleViewer
	if args.Workspace != "" {
		if _, err := a.workspace(ctx, args.Workspace); err != nil {
			return nil, err
		}
		if args.Role != "" {
			r, ok := auth.ParseRole(args.Role)
			if !ok {
				return nil, &AdminError{400, fmt.Sprintf("--role %q is not one of owner, admin, analyst, marketer, viewer", args.Role)}
			}
			role = r
		}
	} else if args.Role != "" {
		return nil, &AdminError{400, "--role needs --workspace"}
	}
	u, err := a.st.Auth.CreateUser(ctx, auth.CLIActor(), args.Email, args.Name, args.Password)
	if err != nil {
		return nil, err
	}
	if args.Workspace != "" {
		if err := a.st.Auth.AddMember(ctx, auth.CLIActor(), args.Workspace, u.ID, role); err != nil {
			return nil, err
		}
	}
	return map[string]any{"user_id": u.ID, "email": u.Email}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// AdminClient runs operator commands against a data dir: through the
// server's admin socket when a server holds the dir, else directly on it.
type AdminClient struct {
	dir   datadir.Dir
	pid   int    // of the server, when remote
	local *Admin // when no server holds the dir
	app   *App   // the opened node, for commands that need the event log
	close func() error
}

// OpenAdmin prepares operator commands on dataDir. withLog opens the event
// log and runs the loader too when no server holds the dir (for
// commands that publish or replay events); Close then waits until the
// warehouse has loaded everything before closing.
func OpenAdmin(ctx context.Context, dataDir string, withLog bool, logger *slog.Logger) (*AdminClient, error) {
	dir := datadir.Dir{Path: dataDir}
	c := &AdminClient{dir: dir}
	if held, pid := dir.Held(); held {
		c.pid = pid
		return c, nil
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if !withLog {
		st, err := OpenStore(ctx, dataDir, logger)
		if errors.Is(err, datadir.ErrLocked) {
			_, c.pid = dir.Held()
			return c, nil
		}
		if err != nil {
			return nil, err
		}
		c.local, c.close = &Admin{st: st}, st.Close
		return c, nil
	}
	cfg := Defaults()
	cfg.Data = dataDir
	a, err := Open(ctx, cfg, logger)
	if errors.Is(err, datadir.ErrLocked) {
		_, c.pid = dir.Held()
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	a.startLoader()
	c.local, c.app = &Admin{st: a.Store, app: a}, a
	c.close = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		a.drainLoader(ctx)
		a.stopLoader()
		return a.Close(ctx)
	}
	return c, nil
}

// Remote reports whether commands go through a running server.
func (c *AdminClient) Remote() bool { return c.local == nil }

// Do runs one operation and returns its JSON result.
func (c *AdminClient) Do(ctx context.Context, op string, args any) (json.RawMessage, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	if c.local == nil {
		return callAdminSocket(ctx, c.dir, c.pid, op, raw)
	}
	res, err := c.local.Do(ctx, op, raw)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

// Close releases what OpenAdmin opened.
func (c *AdminClient) Close() error {
	if c.close == nil {
		return nil
	}
	return c.close()
}

// RunAdmin runs one operator command that needs no event log, and returns
// its JSON result.
func RunAdmin(ctx context.Context, dataDir string, logger *slog.Logger, op string, args any) (json.RawMessage, error) {
	c, err := OpenAdmin(ctx, dataDir, false, logger)
	if err != nil {
		return nil, err
	}
	res, err := c.Do(ctx, op, args)
	if cerr := c.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return res, err
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Deadlines. Nothing here sleeps for a fixed time: every wait polls until
// its condition holds or its deadline passes.
const (
	cliTimeout      = 60 * time.Second // one CLI command, start to exit
	cliStartTimeout = 30 * time.Second // mops serve until "listening on"
	cliStopTimeout  = 10 * time.Second // SIGTERM until exit
	cliPollInterval = 20 * time.Millisecond
)

// cliBuild is the binary shared by the tests of one run: built by the first
// caller of cliBinary, removed when the last test using it ends.
var cliBuild struct {
	sync.Mutex
	users int
	dir   string
	path  string
}

// cliBinary builds ./cmd/mops once per test run into a temporary directory
// and returns its path.
func cliBinary(t *testing.T) string {
	t.Helper()
	cliBuild.Lock()
	defer cliBuild.Unlock()
	if cliBuild.users == 0 {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			t.Fatal(err)
		}
		dir, err := os.MkdirTemp("", "mops-e2e-bin-")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "mops")
		cmd := exec.Command("go", "build", "-o", path, "./cmd/mops")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			_ = os.RemoveAll(dir)
			t.Fatalf("go build ./cmd/mops in %s: %v\n%s", root, err, out)
		}
		cliBuild.dir, cliBuild.path = dir, path
	}
	cliBuild.users++
	t.Cleanup(func() {
		cliBuild.Lock()
		defer cliBuild.Unlock()
		if cliBuild.users--; cliBuild.users == 0 {
			_ = os.RemoveAll(cliBuild.dir)
			cliBuild.dir, cliBuild.path = "", ""
		}
	})
	return cliBuild.path
}

// cliEnv is the environment of every mops process: ours without MOPS_*
// variables, so only the flags the test passes configure it.
func cliEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "MOPS_") })
}

// cliResult is a finished CLI command.
type cliResult struct {
	args           []string
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("mops %s (exit %d)\nstdout: %q\nstderr: %q", cliQuote(r.args), r.code, r.stdout, r.stderr)
}

func cliQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"") {
			a = fmt.Sprintf("%q", a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// cliRun runs one CLI command to completion with stdin ("" = none).
func cliRun(t *testing.T, bin, stdin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cliEnv()
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	r := cliResult{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("mops %s did not finish within %v\nstderr: %s", cliQuote(args), cliTimeout, r.stderr)
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("mops %s: %v", cliQuote(args), err)
	}
	return r
}

// cliDecodeJSON requires a successful command that printed exactly one JSON
// object, and decodes it into v.
func cliDecodeJSON(t *testing.T, r cliResult, v any) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("want exit 0: %v", r)
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%v", err, r)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document: %v", r)
	}
}

// cliWantOneLineError requires a failed command that printed one line on
// stderr containing want.
func cliWantOneLineError(t *testing.T, r cliResult, want string) {
	t.Helper()
	if r.code == 0 {
		t.Errorf("want a non-zero exit: %v", r)
	}
	msg := strings.TrimSuffix(r.stderr, "\n")
	if msg == "" || strings.Contains(msg, "\n") {
		t.Errorf("want exactly one line on stderr: %v", r)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("stderr does not contain %q: %v", want, r)
	}
}

// cliProc is a long-running mops process, killed at the end of the test that
// started it unless it has exited by then.
type cliProc struct {
	args           []string
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	done           chan struct{} // closed once the process has exited
}

func cliStart(t *testing.T, bin string, args ...string) *cliProc {
	t.Helper()
	p := &cliProc{args: args, stdout: new(lockedBuffer), stderr: new(lockedBuffer), done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = cliEnv()
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start mops %s: %v", cliQuote(args), err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if p.exited() {
			return
		}
		_ = p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(cliStopTimeout):
			t.Errorf("mops %s (pid %d) still running after SIGKILL", cliQuote(args), p.cmd.Process.Pid)
		}
	})
	return p
}

func (p *cliProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *cliProc) String() string {
	state := "running"
	if p.exited() {
		state = p.cmd.ProcessState.String()
	}
	return fmt.Sprintf("mops %s (pid %d, %s)\nstdout:\n%s\nstderr:\n%s",
		cliQuote(p.args), p.cmd.Process.Pid, state, p.stdout, p.stderr)
}

// waitOutput polls one of the process's streams until re matches and
// returns the submatches. It fails when the process exits first or the
// deadline passes.
func (p *cliProc) waitOutput(t *testing.T, stream *lockedBuffer, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := re.FindStringSubmatch(stream.String()); m != nil {
			return m
		}
		if p.exited() {
			// The last output may have arrived with the exit.
			if m := re.FindStringSubmatch(stream.String()); m != nil {
				return m
			}
			t.Fatalf("process exited before printing %q: %v", re, p)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q within %v: %v", re, timeout, p)
		}
		time.Sleep(cliPollInterval)
	}
}

var cliListeningRE = regexp.MustCompile(`listening on (http://[^\s"]+)`)

// waitListening returns the base URL the server logged once it is ready.
func (p *cliProc) waitListening(t *testing.T) string {
	t.Helper()
	return p.waitOutput(t, p.stderr, cliListeningRE, cliStartTimeout)[1]
}

// waitExit waits for the process to end on its own and returns its exit
// status.
func (p *cliProc) waitExit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("still running after %v: %v", timeout, p)
		return 0
	}
}

// stop sends SIGTERM and returns the exit status.
func (p *cliProc) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v: %v", err, p)
	}
	return p.waitExit(t, cliStopTimeout)
}

// cliStartServer starts `mops serve` with args and waits until it listens.
func cliStartServer(t *testing.T, bin string, args ...string) (*cliProc, string) {
	t.Helper()
	p := cliStart(t, bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	return p, p.waitListening(t)
}

// cliStopServer stops a server with SIGTERM and requires a clean exit.
func cliStopServer(t *testing.T, p *cliProc) {
	t.Helper()
	if code := p.stop(t); code != 0 {
		t.Errorf("exit status after SIGTERM = %d, want 0: %v", code, p)
	}
	if !strings.Contains(p.stderr.String(), "shutting down") {
		t.Errorf("stderr does not mention %q: %v", "shutting down", p)
	}
}

var cliHTTP = &http.Client{Timeout: 15 * time.Second}

// get requests url with an optional API key and returns status, header and
// body.
func cliGet(t *testing.T, c *http.Client, url, key string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// cliSite is a site as GET /api/v1/sites returns it.
type cliSite struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id"`
	Domain      string `json:"domain"`
	Timezone    string `json:"timezone"`
	Currency    string `json:"currency"`
	WriteKey    string `json:"write_key"`
}

// cliListSites calls GET /api/v1/sites with key and requires 200.
func cliListSites(t *testing.T, base, key string) []cliSite {
	t.Helper()
	status, _, body := cliGet(t, cliHTTP, base+"/api/v1/sites", key)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/sites = %d, want 200; body %s", status, body)
	}
	var out struct {
		Sites []cliSite `json:"sites"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("GET /api/v1/sites: %v; body %s", err, body)
	}
	return out.Sites
}

// cliWantUnauthorized requires GET /api/v1/sites with key to answer 401 with
// a JSON error.
func cliWantUnauthorized(t *testing.T, base, key string) {
	t.Helper()
	status, h, body := cliGet(t, cliHTTP, base+"/api/v1/sites", key)
	if status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/sites with key %q = %d, want 401; body %s", key, status, body)
		return
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET /api/v1/sites with key %q: Content-Type %q, want JSON", key, ct)
	}
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
		t.Errorf("GET /api/v1/sites with key %q: body %s, want {\"error\": ...}", key, body)
	}
}

type cliWorkspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func cliListWorkspaces(t *testing.T, bin, data string) []cliWorkspace {
	t.Helper()
	var out struct {
		Workspaces []cliWorkspace `json:"workspaces"`
	}
	cliDecodeJSON(t, cliRun(t, bin, "", "workspace", "list", "--data", data, "--json"), &out)
	return out.Workspaces
}

var (
	cliWorkspaceIDRE = regexp.MustCompile(`^ws_[0-9a-z]+$`)
	cliKeyRE         = regexp.MustCompile(`^mops_[0-9a-z]+$`)
	cliKeyIDRE       = regexp.MustCompile(`^key_[0-9a-z]+$`)
)

// TestCLIEndToEnd drives the built binary the way an operator and a script
// would: admin commands on an idle data dir, a server, admin commands
// through it, a second server refused, a backup, a clean stop, a restore
// from the backup, and the demo.
func TestCLIEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the mops binary")
	}
	t.Parallel()
	bin := cliBinary(t)
	root := t.TempDir()
	data := filepath.Join(root, "data")
	backupDir := filepath.Join(root, "backup")
	if sock := filepath.Join(data, "mops.sock"); len(sock) >= 100 {
		t.Fatalf("admin socket path %s is %d characters; the temp dir is too deep", sock, len(sock))
	}
	mops := func(t *testing.T, args ...string) cliResult {
		t.Helper()
		return cliRun(t, bin, "", args...)
	}

	var (
		wsID, siteID, writeKey string
		key, keyID             string // read,write key "ci", live throughout
	)

	if !t.Run("admin on an idle data dir", func(t *testing.T) {
		var ws struct {
			WorkspaceID string `json:"workspace_id"`
			Name        string `json:"name"`
		}
		cliDecodeJSON(t, mops(t, "workspace", "create", "Acme", "--data", data, "--json"), &ws)
		if !cliWorkspaceIDRE.MatchString(ws.WorkspaceID) || ws.Name != "Acme" {
			t.Fatalf("workspace create = %+v, want a ws_ id and name Acme", ws)
		}
		wsID = ws.WorkspaceID

		var site struct {
			SiteID   string `json:"site_id"`
			WriteKey string `json:"write_key"`
			Domain   string `json:"domain"`
			Timezone string `json:"timezone"`
			Currency string `json:"currency"`
		}
		cliDecodeJSON(t, mops(t, "site", "create", "--workspace", wsID, "--domain", "acme.example",
			"--timezone", "Europe/Berlin", "--currency", "EUR", "--data", data, "--json"), &site)
		if !strings.HasPrefix(site.SiteID, "site_") || !strings.HasPrefix(site.WriteKey, "wk_") ||
			site.Domain != "acme.example" || site.Timezone != "Europe/Berlin" || site.Currency != "EUR" {
			t.Fatalf("site create = %+v, want site_ id, wk_ write key, acme.example, Europe/Berlin, EUR", site)
		}
		siteID, writeKey = site.SiteID, site.WriteKey

		var k struct {
			Key, ID, Name string
			Scopes        []string
		}
		cliDecodeJSON(t, mops(t, "apikey", "create", "--workspace", wsID, "--scopes", "read,write", "--name", "ci",
			"--data", data, "--json"), &k)
		if !cliKeyRE.MatchString(k.Key) || !cliKeyIDRE.MatchString(k.ID) || k.Name != "ci" ||
			!slices.Equal(k.Scopes, []string{"read", "write"}) {
			t.Fatalf("apikey create = %+v, want a mops_ key, a key_ id, name ci, scopes [read write]", k)
		}
		key, keyID = k.Key, k.ID

		var u struct {
			UserID string `json:"user_id"`
			Email  string `json:"email"`
		}
		cliDecodeJSON(t, cliRun(t, bin, "a long password\n", "user", "create", "--email", "ann@example.com",
			"--password-stdin", "--workspace", wsID, "--role", "analyst", "--data", data, "--json"), &u)
		if u.UserID == "" || u.Email != "ann@example.com" {
			t.Fatalf("user create = %+v, want a user id and ann@example.com", u)
		}
	}) {
		return
	}

	t.Run("bad input on an idle data dir", func(t *testing.T) {
		tests := []struct {
			name  string
			stdin string
			args  []string
			want  string // in the one line on stderr
		}{
			{"unknown workspace", "", []string{"site", "create", "--workspace", "ws_doesnotexist", "--domain", "b.example"},
				`no workspace with id "ws_doesnotexist"`},
			{"bad domain", "", []string{"site", "create", "--workspace", wsID, "--domain", "not a domain"},
				`domain "not a domain" is not a valid domain name`},
			{"bad timezone", "", []string{"site", "create", "--workspace", wsID, "--domain", "c.example", "--timezone", "Mars/Olympus"},
				`timezone "Mars/Olympus" is not an IANA time zone`},
			{"unknown scope", "", []string{"apikey", "create", "--workspace", wsID, "--scopes", "admin"},
				`unknown scope "admin"`},
			{"short password", "abc\n", []string{"user", "create", "--email", "bob@example.com", "--password-stdin"},
				"password must be at least"},
			{"password not from stdin", "", []string{"user", "create", "--email", "bob@example.com"},
				"--password-stdin is required"},
			{"unknown role", "a long password\n", []string{"user", "create", "--email", "bob@example.com", "--password-stdin",
				"--workspace", wsID, "--role", "king"}, `--role "king"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := cliRun(t, bin, tt.stdin, append(tt.args, "--data", data, "--json")...)
				cliWantOneLineError(t, r, tt.want)
				if r.stdout != "" {
					t.Errorf("want nothing on stdout: %v", r)
				}
			})
		}
		// Nothing of the failed commands was created.
		var sites struct {
			Sites []cliSite `json:"sites"`
		}
		cliDecodeJSON(t, mops(t, "site", "list", "--workspace", wsID, "--data", data, "--json"), &sites)
		if len(sites.Sites) != 1 || sites.Sites[0].Domain != "acme.example" {
			t.Errorf("site list after the failures = %+v, want only acme.example", sites.Sites)
		}
	})

	// One server for the steps below; they run in order against it.
	srv, base := cliStartServer(t, bin, "--data", data)
	var tmpKey, tmpKeyID string // created and revoked through the server

	t.Run("probes", func(t *testing.T) {
		status, _, body := cliGet(t, cliHTTP, base+"/healthz", "")
		if status != http.StatusOK {
			t.Errorf("GET /healthz = %d, want 200; body %s", status, body)
		}
		status, _, body = cliGet(t, cliHTTP, base+"/readyz", "")
		var ready struct {
			Status   string `json:"status"`
			Database string `json:"database"`
		}
		if err := json.Unmarshal([]byte(body), &ready); status != http.StatusOK || err != nil ||
			ready.Status != "ready" || ready.Database != "ok" {
			t.Errorf("GET /readyz = %d %s, want 200 with status ready, database ok", status, body)
		}
		// The counter is recorded as the request finishes: poll for it.
		want := `mops_http_requests_total{method="GET",route="GET /healthz",status="2xx"} `
		deadline := time.Now().Add(5 * time.Second)
		for {
			status, _, body = cliGet(t, cliHTTP, base+"/metrics", "")
			if status == http.StatusOK && strings.Contains(body, want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET /metrics = %d without %q; body:\n%.2000s", status, want, body)
			}
			time.Sleep(cliPollInterval)
		}
	})

	t.Run("API keys", func(t *testing.T) {
		sites := cliListSites(t, base, key)
		want := cliSite{ID: siteID, WorkspaceID: wsID, Domain: "acme.example", Timezone: "Europe/Berlin", Currency: "EUR", WriteKey: writeKey}
		if len(sites) != 1 || sites[0] != want {
			t.Errorf("GET /api/v1/sites = %+v, want [%+v]", sites, want)
		}
		for _, k := range []string{"", "garbage", "mops_" + strings.Repeat("0", 52), writeKey} {
			cliWantUnauthorized(t, base, k)
		}
	})

	t.Run("admin through the running server", func(t *testing.T) {
		var beta struct {
			WorkspaceID string `json:"workspace_id"`
			Name        string `json:"name"`
		}
		cliDecodeJSON(t, mops(t, "workspace", "create", "Beta", "--data", data, "--json"), &beta)
		if !cliWorkspaceIDRE.MatchString(beta.WorkspaceID) || beta.Name != "Beta" {
			t.Fatalf("workspace create Beta = %+v", beta)
		}
		got := cliListWorkspaces(t, bin, data)
		want := []cliWorkspace{{wsID, "Acme"}, {beta.WorkspaceID, "Beta"}}
		slices.SortFunc(got, func(a, b cliWorkspace) int { return strings.Compare(a.Name, b.Name) })
		if !slices.Equal(got, want) {
			t.Errorf("workspace list = %+v, want %+v", got, want)
		}

		var k struct{ Key, ID string }
		cliDecodeJSON(t, mops(t, "apikey", "create", "--workspace", wsID, "--scopes", "read", "--name", "temp",
			"--data", data, "--json"), &k)
		if !cliKeyRE.MatchString(k.Key) || !cliKeyIDRE.MatchString(k.ID) {
			t.Fatalf("apikey create through the server = %+v", k)
		}
		tmpKey, tmpKeyID = k.Key, k.ID
		if sites := cliListSites(t, base, tmpKey); len(sites) != 1 || sites[0].Domain != "acme.example" {
			t.Errorf("GET /api/v1/sites with the new key = %+v, want acme.example", sites)
		}

		var rev struct{ Revoked string }
		cliDecodeJSON(t, mops(t, "apikey", "revoke", tmpKeyID, "--data", data, "--json"), &rev)
		if rev.Revoked != tmpKeyID {
			t.Errorf("apikey revoke = %+v, want revoked %s", rev, tmpKeyID)
		}
		cliWantUnauthorized(t, base, tmpKey)
		if sites := cliListSites(t, base, key); len(sites) != 1 {
			t.Errorf("the other key stopped working after the revoke: %+v", sites)
		}
		var keys struct {
			APIKeys []struct {
				ID        string  `json:"id"`
				RevokedAt *string `json:"revoked_at"`
			} `json:"api_keys"`
		}
		cliDecodeJSON(t, mops(t, "apikey", "list", "--workspace", wsID, "--data", data, "--json"), &keys)
		revoked := map[string]bool{}
		for _, k := range keys.APIKeys {
			revoked[k.ID] = k.RevokedAt != nil
		}
		if want := map[string]bool{keyID: false, tmpKeyID: true}; !maps.Equal(revoked, want) {
			t.Errorf("apikey list: revoked by id = %v, want %v", revoked, want)
		}

		// Errors come back through the socket as the same one line.
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"site", "create", "--workspace", "ws_doesnotexist", "--domain", "b.example"}, `no workspace with id "ws_doesnotexist"`},
			{[]string{"apikey", "revoke", "key_doesnotexist"}, `no API key with id "key_doesnotexist"`},
			{[]string{"site", "create", "--workspace", wsID, "--domain", "acme.example"}, "already exists"},
		} {
			cliWantOneLineError(t, mops(t, append(tt.args, "--data", data, "--json")...), tt.want)
		}
	})

	t.Run("second server refused", func(t *testing.T) {
		second := cliStart(t, bin, "serve", "--data", data, "--addr", "127.0.0.1:0")
		code := second.waitExit(t, 10*time.Second)
		r := cliResult{args: second.args, code: code, stdout: second.stdout.String(), stderr: second.stderr.String()}
		cliWantOneLineError(t, r, "in use")
		if pid := fmt.Sprintf("pid %d", srv.cmd.Process.Pid); !strings.Contains(r.stderr, pid) {
			t.Errorf("stderr does not name the holder (%s): %v", pid, r)
		}
		if status, _, body := cliGet(t, cliHTTP, base+"/healthz", ""); status != http.StatusOK {
			t.Errorf("first server: GET /healthz = %d, want 200; body %s", status, body)
		}
		// The refused server left the admin socket alone.
		if ws := cliListWorkspaces(t, bin, data); len(ws) != 2 {
			t.Errorf("workspace list through the first server = %+v, want 2 workspaces", ws)
		}
	})

	t.Run("backup while running", func(t *testing.T) {
		var b struct {
			Path     string `json:"path"`
			Files    int    `json:"files"`
			Bytes    int64  `json:"bytes"`
			EventLog string `json:"event_log"`
		}
		cliDecodeJSON(t, mops(t, "backup", "--data", data, "--out", backupDir, "--json"), &b)
		if b.Path != backupDir || b.EventLog != "copied" || b.Files < 2 || b.Bytes <= 0 {
			t.Errorf("backup = %+v, want path %s, event_log copied, files and bytes", b, backupDir)
		}
		for _, f := range []string{"mops.duckdb", "secret.key", "jetstream"} {
			if _, err := os.Stat(filepath.Join(backupDir, f)); err != nil {
				t.Errorf("backup lacks %s: %v", f, err)
			}
		}
		r := mops(t, "backup", "--data", data, "--out", backupDir, "--json")
		cliWantOneLineError(t, r, "not empty")
	})

	t.Run("SIGTERM", func(t *testing.T) {
		cliStopServer(t, srv)
		if _, err := os.Stat(filepath.Join(data, "mops.sock")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("admin socket still there after the stop: %v", err)
		}
		// The lock is released: the CLI opens the dir itself again.
		if ws := cliListWorkspaces(t, bin, data); len(ws) != 2 {
			t.Errorf("workspace list after the stop = %+v, want 2 workspaces", ws)
		}
	})

	t.Run("serve the backup", func(t *testing.T) {
		if tmpKey == "" {
			t.Skip("no revoked key: an earlier step failed")
		}
		p, base := cliStartServer(t, bin, "--data", backupDir)
		sites := cliListSites(t, base, key)
		if len(sites) != 1 || sites[0].ID != siteID || sites[0].Domain != "acme.example" || sites[0].WriteKey != writeKey {
			t.Errorf("GET /api/v1/sites on the backup = %+v, want site %s acme.example", sites, siteID)
		}
		cliWantUnauthorized(t, base, tmpKey) // revoked before the backup
		cliStopServer(t, p)
	})

	t.Run("demo", func(t *testing.T) {
		demoDir := filepath.Join(root, "demo")
		loginRE := regexp.MustCompile(`(?m)^demo login: (\S+) / (\S+)$`)

		p, base := cliStartServer(t, bin, "--demo", "--data", demoDir)
		login := p.waitOutput(t, p.stdout, loginRE, cliStartTimeout)
		email, password := login[1], login[2]
		if email != "demo@trailhead.example" || len(password) < 10 {
			t.Fatalf("demo login %q / %q, want demo@trailhead.example and a password of 10+ characters", email, password)
		}

		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		noFollow := &http.Client{Jar: jar, Timeout: 15 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		follow := &http.Client{Jar: jar, Timeout: 15 * time.Second}
		u, _ := url.Parse(base)

		status, _, page := cliGet(t, noFollow, base+"/login", "")
		if status != http.StatusOK {
			t.Fatalf("GET /login = %d, want 200; body %.500s", status, page)
		}
		if !cliHasCookie(jar, u, "mops_pre") {
			t.Fatalf("GET /login set no mops_pre cookie")
		}
		m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("GET /login: no csrf_token input in %.2000s", page)
		}
		token := m[1]

		postLogin := func(csrf string) *http.Response {
			t.Helper()
			form := url.Values{"email": {email}, "password": {password}, "csrf_token": {csrf}, "next": {""}}
			resp, err := noFollow.PostForm(base+"/login", form)
			if err != nil {
				t.Fatalf("POST /login: %v", err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		if resp := postLogin("forged" + token[len(token)/2:]); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /login with a forged csrf_token = %d, want 403", resp.StatusCode)
		}
		if cliHasCookie(jar, u, "mops_session") {
			t.Fatalf("a session cookie after the forged login")
		}
		resp := postLogin(token)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("POST /login = %d Location %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
		}
		if !cliHasCookie(jar, u, "mops_session") {
			t.Fatalf("POST /login set no mops_session cookie")
		}

		home, err := follow.Get(base + "/")
		if err != nil {
			t.Fatalf("GET /: %v", err)
		}
		body, _ := io.ReadAll(home.Body)
		home.Body.Close()
		sitesPath := regexp.MustCompile(`^/w/(ws_[0-9a-z]+)/sites$`).FindStringSubmatch(home.Request.URL.Path)
		if home.StatusCode != http.StatusOK || sitesPath == nil {
			t.Fatalf("GET / ended at %d %s, want 200 at /w/ws_…/sites", home.StatusCode, home.Request.URL)
		}
		for _, want := range []string{"Trailhead Outfitters", "trailhead.example", "blog.trailhead.example"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("sites page lacks %q; body %.2000s", want, body)
			}
		}
		demoWS := sitesPath[1]
		cliStopServer(t, p)

		// A restart keeps the demo: same login, still one demo workspace.
		p, _ = cliStartServer(t, bin, "--demo", "--data", demoDir)
		again := p.waitOutput(t, p.stdout, loginRE, cliStartTimeout)
		if again[1] != email || again[2] != password {
			t.Errorf("demo login after restart %q / %q, want %q / %q", again[1], again[2], email, password)
		}
		want := []cliWorkspace{{demoWS, "Trailhead Outfitters"}}
		if got := cliListWorkspaces(t, bin, demoDir); !slices.Equal(got, want) {
			t.Errorf("workspace list after the restart = %+v, want %+v", got, want)
		}
		cliStopServer(t, p)
	})

	t.Run("version and help", func(t *testing.T) {
		tests := []struct {
			args []string
			want []string // on stdout
		}{
			{[]string{"version"}, []string{"mops "}},
			{[]string{"--help"}, []string{"serve", "workspace", "site", "apikey", "user", "backup", "analyze", "import", "version"}},
			{[]string{"serve", "--help"}, []string{"--data", "--addr", "--base-url", "--nats-url", "--log-format", "--log-level", "--demo"}},
			{[]string{"analyze", "--help"}, []string{"analysis"}},
			{[]string{"import", "--help"}, []string{"Import"}},
		}
		for _, tt := range tests {
			t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
				r := cliRun(t, bin, "", tt.args...)
				if r.code != 0 {
					t.Fatalf("want exit 0: %v", r)
				}
				for _, w := range tt.want {
					if !strings.Contains(r.stdout, w) {
						t.Errorf("stdout lacks %q: %v", w, r)
					}
				}
			})
		}
		var v struct{ Version string }
		cliDecodeJSON(t, cliRun(t, bin, "", "version", "--json"), &v)
		if v.Version == "" {
			t.Errorf("version --json has no version")
		}
	})
}

func cliHasCookie(jar http.CookieJar, u *url.URL, name string) bool {
	return slices.ContainsFunc(jar.Cookies(u), func(c *http.Cookie) bool { return c.Name == name && c.Value != "" })
}

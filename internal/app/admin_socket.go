package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mopshq/mops/internal/platform/datadir"
)

// adminServer serves Admin over the unix socket in the data dir. The
// socket file is 0600: only the user running mops can reach it.
type adminServer struct {
	ln  net.Listener
	srv *http.Server
	app *App
}

type adminRequest struct {
	Op   string          `json:"op"`
	Args json.RawMessage `json:"args"`
}

type adminResponse struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// maxSocketPath is the longest unix socket path Linux accepts.
const maxSocketPath = 107

func (a *App) listenAdmin() (*adminServer, error) {
	path := a.Dir.SocketFile()
	if len(path) > maxSocketPath {
		a.Logger.Warn("admin socket disabled: data dir path too long; CLI commands will refuse while the server runs", "path", path)
		return nil, nil
	}
	removeStaleSocket(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on admin socket %s: %w", path, err)
	}
	// The data dir is 0700 already; the socket itself is narrowed too.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("restrict admin socket %s: %w", path, err)
	}
	s := &adminServer{ln: ln, app: a}
	admin := &Admin{st: a.Store, app: a}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin", func(w http.ResponseWriter, r *http.Request) {
		var req adminRequest
		resp := adminResponse{}
		status := http.StatusOK
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			status, resp.Error = http.StatusBadRequest, "bad admin request: "+err.Error()
		} else if res, err := admin.Do(r.Context(), req.Op, req.Args); err != nil {
			var ae *AdminError
			status, resp.Error = http.StatusInternalServerError, err.Error()
			if errors.As(err, &ae) {
				status = ae.Status
			}
			if status >= 500 {
				a.Logger.Error("admin command failed", "op", req.Op, "error", err)
			}
		} else if resp.Result, err = json.Marshal(res); err != nil {
			status, resp.Error = http.StatusInternalServerError, "encode result: "+err.Error()
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(resp)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

func (s *adminServer) serve() error {
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (s *adminServer) close(ctx context.Context) {
	if s == nil {
		return
	}
	_ = s.srv.Shutdown(ctx)
	_ = os.Remove(s.app.Dir.SocketFile())
}

func callAdminSocket(ctx context.Context, dir datadir.Dir, pid int, op string, args json.RawMessage) (json.RawMessage, error) {
	path := dir.SocketFile()
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("data dir %s is in use by another mops process (pid %d) that does not accept commands; stop it and try again", dir.Path, pid)
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
	body, _ := json.Marshal(adminRequest{Op: op, Args: args})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://mops/admin", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("data dir %s is held by a running mops (pid %d) whose admin socket does not answer: %w", dir.Path, pid, err)
	}
	defer resp.Body.Close()
	var out adminResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("read answer of the running server: %w", err)
	}
	if out.Error != "" {
		return nil, &AdminError{resp.StatusCode, out.Error}
	}
	return out.Result, nil
}

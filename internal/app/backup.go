package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/mopshq/mops/internal/platform/eventlog"
)

// BackupResult describes a finished backup.
type BackupResult struct {
	Path     string `json:"path"`
	Files    int    `json:"files"`
	Bytes    int64  `json:"bytes"`
	Seconds  string `json:"seconds"`
	EventLog string `json:"event_log"` // "copied", "external" or "empty"
}

// backup writes a consistent copy of the data dir to dest, which must not
// exist or be empty; the copy is itself a data dir `mops serve --data` can
// open.
//
// While a server runs (log != nil), event publishing is paused for the
// duration (requests wait, nothing is refused): the warehouse is copied in
// one DuckDB transaction, and the log's store then holds every event the
// copied warehouse has loaded, plus those not yet loaded, which the loader
// picks up after a restore. An external NATS log is not copied; back it up
// with NATS's own tools.
func backup(ctx context.Context, st *Store, log *eventlog.Log, dest string) (*BackupResult, error) {
	start := time.Now()
	if dest == "" {
		return nil, &AdminError{400, "--out is required"}
	}
	dest, err := filepath.Abs(dest)
	if err != nil {
		return nil, err
	}
	src, _ := filepath.Abs(st.Dir.Path)
	if rel, err := filepath.Rel(src, dest); err == nil && (rel == "." || !filepath.IsAbs(rel) && rel != ".." && len(rel) > 0 && rel[0] != '.') {
		return nil, &AdminError{400, fmt.Sprintf("backup target %s is inside the data dir; choose a directory elsewhere", dest)}
	}
	if entries, err := os.ReadDir(dest); err == nil && len(entries) > 0 {
		return nil, &AdminError{400, fmt.Sprintf("backup target %s exists and is not empty", dest)}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &AdminError{400, fmt.Sprintf("backup target %s: %v", dest, err)}
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dest, err)
	}
	res := &BackupResult{Path: dest, EventLog: "empty"}
	logDir := st.Dir.LogDir()
	if log != nil {
		if !log.Embedded() {
			res.EventLog, logDir = "external", ""
		} else {
			release, err := log.Quiesce(ctx)
			if err != nil {
				return nil, fmt.Errorf("pause event log: %w", err)
			}
			defer release()
		}
	}
	dbCopy := filepath.Join(dest, filepath.Base(st.Dir.DatabaseFile()))
	if err := st.DB.BackupTo(ctx, dbCopy); err != nil {
		return nil, err
	}
	for _, f := range []string{dbCopy} {
		if fi, err := os.Stat(f); err == nil {
			res.Files++
			res.Bytes += fi.Size()
		}
	}
	n, b, err := copyFile(st.Dir.SecretFile(), filepath.Join(dest, filepath.Base(st.Dir.SecretFile())))
	if err != nil {
		return nil, err
	}
	res.Files, res.Bytes = res.Files+n, res.Bytes+b
	if logDir != "" {
		if _, err := os.Stat(logDir); err == nil {
			n, b, err := copyTree(ctx, logDir, filepath.Join(dest, filepath.Base(logDir)))
			if err != nil {
				return nil, err
			}
			res.Files, res.Bytes, res.EventLog = res.Files+n, res.Bytes+b, "copied"
		}
	}
	res.Seconds = fmt.Sprintf("%.2f", time.Since(start).Seconds())
	return res, nil
}

func copyTree(ctx context.Context, src, dst string) (files int, bytes int64, err error) {
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		n, b, err := copyFile(p, target)
		files, bytes = files+n, bytes+b
		return err
	})
	if err != nil {
		return files, bytes, fmt.Errorf("copy %s: %w", src, err)
	}
	return files, bytes, nil
}

func copyFile(src, dst string) (int, int64, error) {
	in, err := os.Open(src)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(dst)
	}
	return 1, n, err
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

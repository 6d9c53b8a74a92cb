// Package datadir knows the layout of a mops data directory and guards it
// with a lock so that only one process writes it at a time.
//
// A data directory holds:
//
//	mops.duckdb     the warehouse (DuckDB)
//	jetstream/      the embedded event log's file store
//	secret.key      random key material for sessions and CSRF tokens (0600)
//	mops.lock       the lock file; holds the pid of the process that owns the dir
//	mops.sock       the running server's admin socket (0600), for CLI commands
package datadir

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked means another process holds the data directory.
var ErrLocked = errors.New("data dir is in use by another mops process")

// Dir is a data directory.
type Dir struct {
	Path string
}

// DatabaseFile is the DuckDB warehouse file.
func (d Dir) DatabaseFile() string { return filepath.Join(d.Path, "mops.duckdb") }

// LogDir is the embedded JetStream store directory.
func (d Dir) LogDir() string { return filepath.Join(d.Path, "jetstream") }

// SocketFile is the admin socket a running server listens on.
func (d Dir) SocketFile() string { return filepath.Join(d.Path, "mops.sock") }

// LockFile is the lock file.
func (d Dir) LockFile() string { return filepath.Join(d.Path, "mops.lock") }

// SecretFile holds the instance's key material.
func (d Dir) SecretFile() string { return filepath.Join(d.Path, "secret.key") }

// Exists reports whether the directory holds a mops database.
func (d Dir) Exists() bool {
	_, err := os.Stat(d.DatabaseFile())
	return err == nil
}

// Lock is an exclusive hold on a data directory, released by Release.
type Lock struct {
	f *os.File
}

// Acquire creates the directory if needed and takes its lock without
// waiting. When another process holds it, the error wraps ErrLocked and names
// that process.
func (d Dir) Acquire() (*Lock, error) {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", d.Path, err)
	}
	f, err := os.OpenFile(d.LockFile(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid := d.holderPID()
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if pid > 0 {
				return nil, fmt.Errorf("%w (pid %d) at %s", ErrLocked, pid, d.Path)
			}
			return nil, fmt.Errorf("%w at %s", ErrLocked, d.Path)
		}
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("write lock file: %w", err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("write lock file: %w", err)
	}
	return &Lock{f: f}, nil
}

// Held reports whether some process holds the lock now, and its pid.
func (d Dir) Held() (bool, int) {
	f, err := os.OpenFile(d.LockFile(), os.O_RDWR, 0)
	if err != nil {
		return false, 0
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true, d.holderPID()
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, 0
}

func (d Dir) holderPID() int {
	b, err := os.ReadFile(d.LockFile())
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// Secret returns the instance's 32-byte secret, creating it on first use.
// The caller must hold the lock.
func (d Dir) Secret() ([]byte, error) {
	b, err := os.ReadFile(d.SecretFile())
	if err == nil {
		key, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(key) != 32 {
			return nil, fmt.Errorf("read %s: not a 32-byte hex key", d.SecretFile())
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make secret: %w", err)
	}
	if err := os.WriteFile(d.SecretFile(), []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	return key, nil
}

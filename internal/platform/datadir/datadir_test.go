package datadir

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestAcquireTwice(t *testing.T) {
	t.Parallel()
	d := Dir{Path: t.TempDir() + "/data"}
	l, err := d.Acquire()
	if err != nil {
		t.Fatalf("first Acquire: %v", err)
	}
	// flock locks belong to the open file description, so a second open in
	// the same process conflicts just like another process would.
	if _, err := d.Acquire(); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Acquire error = %v, want ErrLocked", err)
	} else if !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second Acquire error %q does not name the pid", err)
	}
	if held, pid := d.Held(); !held || pid != os.Getpid() {
		t.Fatalf("Held() = %v, %d; want true, %d", held, pid, os.Getpid())
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if held, _ := d.Held(); held {
		t.Fatal("Held() after Release = true")
	}
	l2, err := d.Acquire()
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	_ = l2.Release()
}

func TestLockedByOtherProcess(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock(1) not installed")
	}
	d := Dir{Path: t.TempDir()}
	if err := os.WriteFile(d.LockFile(), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("flock", "-x", d.LockFile(), "sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for range 100 {
		if held, _ := d.Held(); held {
			break
		}
		exec.Command("sleep", "0.02").Run()
	}
	if _, err := d.Acquire(); !errors.Is(err, ErrLocked) {
		t.Fatalf("Acquire while another process holds the lock: %v, want ErrLocked", err)
	}
}

func TestSecretStable(t *testing.T) {
	t.Parallel()
	d := Dir{Path: t.TempDir()}
	a, err := d.Secret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Secret()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || !bytes.Equal(a, b) {
		t.Fatalf("Secret() not stable: %x vs %x", a, b)
	}
	st, err := os.Stat(d.SecretFile())
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, want 0600", st.Mode().Perm())
	}
}

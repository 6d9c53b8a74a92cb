package app

import "syscall"

// umask sets the process file mode mask and returns the previous one; the
// admin socket is created under a strict mask so it is never world-writable.
func umask(mask int) int { return syscall.Umask(mask) }

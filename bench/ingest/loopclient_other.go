//go:build !linux

package main

import (
	"context"
	"errors"
	"time"
)

// runLoops needs epoll; elsewhere use -client raw.
func runLoops(context.Context, target, int, int, time.Time, time.Time) ([]*workerStats, error) {
	return nil, errors.New("-client loop needs Linux (epoll); use -client raw")
}

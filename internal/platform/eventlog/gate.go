package eventlog

import (
	"context"
	"sync"
)

// gate admits publishes unless it is shut (by Quiesce) or closed (by Close),
// and counts the publishes it admitted until they leave.
type gate struct {
	mu       sync.Mutex
	shut     bool          // a Quiesce holds the gate
	reopened chan struct{} // closed when the current Quiesce is released
	inflight int           // admitted, not yet left
	idle     chan struct{} // non-nil while someone waits for inflight == 0; closed then
	closed   bool          // Close was called: nothing is admitted any more
	done     chan struct{} // closed by close()
}

func newGate() *gate {
	return &gate{done: make(chan struct{})}
}

// enter waits until the gate is open and admits the caller, who must call
// leave afterwards. It fails with ErrClosed once the gate is closed and with
// ctx's error when ctx ends first.
func (g *gate) enter(ctx context.Context) error {
	for {
		g.mu.Lock()
		if g.closed {
			g.mu.Unlock()
			return ErrClosed
		}
		if !g.shut {
			g.inflight++
			g.mu.Unlock()
			return nil
		}
		reopened := g.reopened
		g.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-g.done:
			return ErrClosed
		case <-reopened:
		}
	}
}

// leave ends an admission made by enter.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if g.inflight == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
}

// idleLocked returns a channel closed once nothing is in flight.
// g.mu must be held.
func (g *gate) idleLocked() <-chan struct{} {
	if g.inflight == 0 {
		c := make(chan struct{})
		close(c)
		return c
	}
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	return g.idle
}

// shutGate shuts the gate (waiting for a previous holder to reopen it, bounded
// by ctx) and waits for every admitted publish to leave. On success it returns
// a function that reopens the gate; it is safe to call more than once.
func (g *gate) shutGate(ctx context.Context) (reopen func(), err error) {
	for {
		g.mu.Lock()
		if g.closed {
			g.mu.Unlock()
			return nil, ErrClosed
		}
		if !g.shut {
			break // keep the lock
		}
		reopened := g.reopened
		g.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-g.done:
			return nil, ErrClosed
		case <-reopened:
		}
	}
	g.shut = true
	reopened := make(chan struct{})
	g.reopened = reopened
	idle := g.idleLocked()
	g.mu.Unlock()

	var once sync.Once
	reopen = func() {
		once.Do(func() {
			g.mu.Lock()
			g.shut = false
			close(reopened)
			g.mu.Unlock()
		})
	}
	select {
	case <-idle:
		return reopen, nil
	case <-ctx.Done():
		reopen()
		return nil, ctx.Err()
	case <-g.done:
		reopen()
		return nil, ErrClosed
	}
}

// close closes the gate for good and wakes everyone waiting at it. It reports
// whether this call closed it (false if it was already closed).
func (g *gate) close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	close(g.done)
	return true
}

// drained waits until no admitted publish is left in flight, bounded by ctx.
func (g *gate) drained(ctx context.Context) error {
	g.mu.Lock()
	idle := g.idleLocked()
	g.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isClosed reports whether close was called.
func (g *gate) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

package httpx

import (
	"container/list"
	"sync"
	"time"
)

// DefaultFreeAttempts is how many consecutive failures NewBackoff allows
// before locking a key out.
const DefaultFreeAttempts = 5

// Backoff slows down password guessing: after FreeAttempts consecutive
// failures for a key (a user name, a client address, …) each further failure
// locks the key out for base, then 2×base, 4×base, … up to max. A success
// resets the key. Callers check Wait before attempting a login, refuse while
// it is positive, and report the outcome with Failure or Success.
//
// A key's failure streak is forgotten once it has been free of lock-out for
// max. At most maxKeys keys are tracked; beyond that the least recently
// failed key is forgotten. Backoff is safe for concurrent use; set its
// fields before first use.
type Backoff struct {
	// Now is the clock; NewBackoff sets it to time.Now.
	Now func() time.Time
	// FreeAttempts is how many consecutive failures cost nothing;
	// NewBackoff sets it to DefaultFreeAttempts.
	FreeAttempts int

	base, max time.Duration
	maxKeys   int

	mu      sync.Mutex
	entries map[string]*list.Element // values are *strike
	lru     list.List                // front = most recent failure
}

type strike struct {
	key         string
	failures    int
	lockedUntil time.Time
	forgetAt    time.Time
}

// NewBackoff returns a Backoff whose lock-outs start at base and double up
// to max (raised to base if smaller), tracking at most maxKeys keys (10,000
// if maxKeys < 1).
func NewBackoff(base, max time.Duration, maxKeys int) *Backoff {
	if base <= 0 {
		base = time.Second
	}
	if max < base {
		max = base
	}
	if maxKeys < 1 {
		maxKeys = defaultMaxKeys
	}
	return &Backoff{
		Now:          time.Now,
		FreeAttempts: DefaultFreeAttempts,
		base:         base,
		max:          max,
		maxKeys:      maxKeys,
		entries:      make(map[string]*list.Element),
	}
}

// Failure records a failed attempt for key and returns the lock-out it now
// has (0 while it still has free attempts).
func (b *Backoff) Failure(key string) time.Duration {
	now := b.Now()
	b.mu.Lock()
	defer b.mu.Unlock()

	s := b.lookup(key, now)
	if s == nil {
		b.prune(now)
		for b.lru.Len() >= b.maxKeys {
			b.remove(b.lru.Back())
		}
		s = &strike{key: key}
		b.entries[key] = b.lru.PushFront(s)
	} else {
		b.lru.MoveToFront(b.entries[key])
	}
	s.failures++
	lock := b.lockout(s.failures)
	s.lockedUntil = now.Add(lock)
	s.forgetAt = s.lockedUntil.Add(b.max)
	return lock
}

// Success forgets key's failures.
func (b *Backoff) Success(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.entries[key]; ok {
		b.remove(e)
	}
}

// Wait returns how long key is still locked out; 0 means it may try now.
func (b *Backoff) Wait(key string) time.Duration {
	now := b.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.lookup(key, now)
	if s == nil {
		return 0
	}
	return max(s.lockedUntil.Sub(now), 0)
}

// Len returns how many keys the Backoff is tracking.
func (b *Backoff) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lru.Len()
}

// lookup returns key's live entry, dropping it if it has expired. b.mu must
// be held.
func (b *Backoff) lookup(key string, now time.Time) *strike {
	e, ok := b.entries[key]
	if !ok {
		return nil
	}
	s := e.Value.(*strike)
	if !now.Before(s.forgetAt) {
		b.remove(e)
		return nil
	}
	return s
}

// lockout is the lock-out after n consecutive failures.
func (b *Backoff) lockout(n int) time.Duration {
	over := n - b.FreeAttempts
	if over <= 0 {
		return 0
	}
	d := b.base
	for i := 1; i < over && d < b.max; i++ {
		if d > b.max/2 {
			return b.max
		}
		d *= 2
	}
	return min(d, b.max)
}

// prune drops expired entries from the least recently failed end. b.mu must
// be held.
func (b *Backoff) prune(now time.Time) {
	for e := b.lru.Back(); e != nil; e = b.lru.Back() {
		if now.Before(e.Value.(*strike).forgetAt) {
			return
		}
		b.remove(e)
	}
}

func (b *Backoff) remove(e *list.Element) {
	b.lru.Remove(e)
	delete(b.entries, e.Value.(*strike).key)
}

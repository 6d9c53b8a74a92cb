package httpx

import (
	"container/list"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// defaultMaxKeys is the key bound used when a constructor gets maxKeys < 1.
const defaultMaxKeys = 10_000

// Limiter is a token-bucket rate limiter per key (a client address, an API
// key, …). It is safe for concurrent use and keeps at most maxKeys buckets:
// buckets idle long enough to have refilled are dropped first, and when the
// bound is reached the least recently used bucket is evicted.
type Limiter struct {
	limit   rate.Limit
	burst   int
	maxKeys int
	idle    time.Duration    // after this long unused, a bucket is full again
	now     func() time.Time // the clock; tests replace it

	mu      sync.Mutex
	buckets map[string]*list.Element // values are *bucket
	lru     list.List                // front = most recently used
}

type bucket struct {
	key      string
	lim      *rate.Limiter
	lastSeen time.Time
}

// NewLimiter returns a Limiter allowing perSecond requests per key on
// average, with bursts of up to burst (at least 1), tracking at most maxKeys
// keys (10,000 if maxKeys < 1). perSecond <= 0 disables limiting: every
// request is allowed.
func NewLimiter(perSecond float64, burst int, maxKeys int) *Limiter {
	if burst < 1 {
		burst = 1
	}
	if maxKeys < 1 {
		maxKeys = defaultMaxKeys
	}
	l := &Limiter{
		limit:   rate.Limit(perSecond),
		burst:   burst,
		maxKeys: maxKeys,
		now:     time.Now,
		buckets: make(map[string]*list.Element),
	}
	if perSecond > 0 {
		refill := float64(burst) / perSecond * float64(time.Second)
		l.idle = time.Duration(math.MaxInt64)
		if refill < float64(math.MaxInt64/2) {
			l.idle = time.Duration(refill)
		}
	}
	return l
}

// Allow reports whether a request for key may proceed now, spending one
// token if so. When it may not, retryAfter is how long until it could.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	now := l.now()

	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	res := b.lim.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Duration(math.MaxInt64)
	}
	if delay := res.DelayFrom(now); delay > 0 {
		res.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// bucket returns the bucket for key, creating it and evicting others as
// needed. l.mu must be held.
func (l *Limiter) bucket(key string, now time.Time) *bucket {
	if e, ok := l.buckets[key]; ok {
		b := e.Value.(*bucket)
		b.lastSeen = now
		l.lru.MoveToFront(e)
		return b
	}
	// Drop buckets idle long enough to be full again: forgetting them
	// changes nothing for their keys.
	for e := l.lru.Back(); e != nil; e = l.lru.Back() {
		if b := e.Value.(*bucket); now.Sub(b.lastSeen) < l.idle {
			break
		}
		l.remove(e)
	}
	for l.lru.Len() >= l.maxKeys {
		l.remove(l.lru.Back())
	}
	b := &bucket{key: key, lim: rate.NewLimiter(l.limit, l.burst), lastSeen: now}
	l.buckets[key] = l.lru.PushFront(b)
	return b
}

func (l *Limiter) remove(e *list.Element) {
	l.lru.Remove(e)
	delete(l.buckets, e.Value.(*bucket).key)
}

// Len returns how many keys the limiter is tracking.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// Middleware returns middleware that limits requests by key(r), answering
// 429 {"error":"too many requests"} with a Retry-After header in whole
// seconds (at least 1) when the key is over its limit. An empty key is a key
// like any other, shared by every request that maps to it.
func (l *Limiter) Middleware(key func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if l.limit <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ok, retry := l.Allow(key(r))
			if !ok {
				w.Header().Set("Retry-After", strconv.FormatInt(retryAfterSeconds(retry), 10))
				WriteJSON(w, http.StatusTooManyRequests, errorBody{Error: "too many requests"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// retryAfterSeconds rounds d up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	if d > math.MaxInt64-time.Second {
		s = int64(math.MaxInt64 / time.Second)
	}
	return max(s, 1)
}

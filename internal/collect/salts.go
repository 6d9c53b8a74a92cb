package collect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/id"
)

// saltKeepDays is how many daily salts exist at once: today's and
// yesterday's (for events near midnight); older ones are deleted, so an old
// visitor id can no longer be linked to an address.
const saltKeepDays = 2

// salts hands out the daily salt of visitor ids, kept in the warehouse so
// that every collection node and restart uses the same one for a day.
type salts struct {
	db *db.DB
	q  *queries

	mu    sync.Mutex
	day   string
	value string
}

func (s *salts) today(ctx context.Context, now time.Time) (string, error) {
	day := now.UTC().Format(time.DateOnly)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.day == day {
		return s.value, nil
	}
	// Insert ours unless another node was first, then read the winner.
	if _, err := s.db.ExecContext(ctx, s.q.InsertSalt, day, id.Token(32), now.UTC()); err != nil {
		return "", fmt.Errorf("create visitor salt: %w", err)
	}
	var v string
	if err := s.db.QueryRowContext(ctx, s.q.GetSalt, day).Scan(&v); err != nil {
		return "", fmt.Errorf("read visitor salt: %w", err)
	}
	oldest := now.UTC().AddDate(0, 0, -(saltKeepDays - 1)).Format(time.DateOnly)
	if _, err := s.db.ExecContext(ctx, s.q.DeleteOldSalts, oldest); err != nil {
		return "", fmt.Errorf("delete old visitor salts: %w", err)
	}
	s.day, s.value = day, v
	return v, nil
}

// visitorID is the anonymous id of a visitor for a day: a hash of the salt,
// the site, the address and the user agent. The address itself is never
// stored.
func visitorID(salt, siteID string, ip netip.Addr, userAgent string) string {
	var in [512]byte
	b := append(in[:0], salt...)
	b = append(append(b, 0), siteID...)
	b = append(b, 0)
	if ip.IsValid() {
		b = ip.AppendTo(b)
	} else {
		b = append(b, ip.String()...) // "invalid IP", as before
	}
	b = append(b, 0)
	b = append(append(b, userAgent...), 0)
	sum := sha256.Sum256(b)
	var out [2 + 24]byte
	copy(out[:], "v_")
	hex.Encode(out[2:], sum[:12])
	return string(out[:])
}

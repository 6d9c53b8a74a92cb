package warehouse

import (
	"context"
	"fmt"
	"hash/maphash"
	"time"
)

// DedupWindow is how long an event id is remembered: an event received
// again within it (a client re-sending a Segment messageId, or a retried
// publish) is loaded once. Ids are kept by hour of receipt, so an id is
// remembered for between DedupWindow and DedupWindow plus one hour.
const DedupWindow = 24 * time.Hour

// recentIDs remembers the ids of recently received events. It hashes
// site and id to 64 bits (a false match needs about 4·10⁹ ids within a
// day); hours are those of the events' receipt times, not the wall clock,
// so replaying the log de-duplicates exactly as the first load did.
type recentIDs struct {
	seed   maphash.Seed
	hour   map[uint64]int64 // id → hour it was first received
	latest int64            // the latest hour seen
	swept  int64            // latest when forget last ran
}

func newRecentIDs() *recentIDs {
	return &recentIDs{seed: maphash.MakeSeed(), hour: map[uint64]int64{}}
}

func (r *recentIDs) key(site, id string) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	h.WriteString(site)
	h.WriteByte(0)
	h.WriteString(id)
	return h.Sum64()
}

// seen reports whether the event id of site was received within the
// window of rcv (before or, from another collector's clock, after it);
// when not, it remembers it. A re-sighting does not extend the window.
func (r *recentIDs) seen(site, id string, rcv time.Time) bool {
	k := r.key(site, id)
	hour := rcv.Unix() / 3600
	if h, ok := r.hour[k]; ok && max(h-hour, hour-h) <= int64(DedupWindow/time.Hour) {
		return true
	}
	r.add(hour, k)
	return false
}

func (r *recentIDs) add(hour int64, k uint64) {
	r.hour[k] = hour
	if hour > r.latest {
		r.latest = hour
		if r.latest-r.swept >= sweepEvery {
			r.forget()
		}
	}
}

// sweepEvery is how many hours of receipt times pass between sweeps of
// the set; ids stay up to this much longer than the window (seen compares
// hours, so the window itself is exact).
const sweepEvery = 6

// forget drops the ids of the hours no later event can reach back to.
func (r *recentIDs) forget() {
	r.swept = r.latest
	oldest := r.latest - int64(DedupWindow/time.Hour)
	for k, h := range r.hour {
		if h < oldest {
			delete(r.hour, k)
		}
	}
}

// len is how many ids are remembered.
func (r *recentIDs) len() int { return len(r.hour) }

// recentIDs loads the ids of the events received within the window
// before the latest one in the warehouse.
func (s *store) recentIDs(ctx context.Context) (*recentIDs, error) {
	r := newRecentIDs()
	rows, err := s.db.QueryContext(ctx, s.q.RecentEventIDs, int64(DedupWindow/time.Hour))
	if err != nil {
		return nil, fmt.Errorf("read recent event ids: %w", err)
	}
	defer rows.Close()
	var site, id string
	var rcv time.Time
	for rows.Next() {
		if err := rows.Scan(&site, &id, &rcv); err != nil {
			return nil, fmt.Errorf("read recent event ids: %w", err)
		}
		r.add(rcv.Unix()/3600, r.key(site, id))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read recent event ids: %w", err)
	}
	return r, nil
}

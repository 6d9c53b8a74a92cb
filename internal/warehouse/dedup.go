package warehouse

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"slices"
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
//
// New ids go to a small map; every mergeAt of them are merged into two
// parallel sorted slices of 12 bytes an id. With the map and the index,
// two million ids take about 17 bytes each against 38 in one map, and a
// check costs about the same (BenchmarkRecentIDs).
type recentIDs struct {
	seed    maphash.Seed
	fresh   map[uint64]int32 // ids added since the last merge → hour first received
	keys    []uint64         // merged ids, sorted
	hours   []int32          // hours[i]: when keys[i] was first received
	index   []uint32         // index[b]: where the keys whose top indexBits bits are b begin
	mergeAt int              // len(fresh) that triggers a merge
	latest  int64            // the latest hour seen
	swept   int64            // latest when forget last ran
}

// indexBits is how many leading bits of an id the index resolves: the
// ids are uniform hashes, so a lookup binary-searches a few dozen keys
// in one or two cache lines instead of millions.
const indexBits = 16

// mergeEvery is the default mergeAt: a merge moves every merged id, so
// it is large enough for that to cost little per id, and small enough
// for the map to stay a few megabytes.
const mergeEvery = 1 << 17

func newRecentIDs() *recentIDs {
	return &recentIDs{seed: maphash.MakeSeed(), fresh: map[uint64]int32{}, mergeAt: mergeEvery}
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
	h, ok := r.fresh[k]
	i, merged := r.search(k)
	if merged {
		h, ok = r.hours[i], true
	}
	if ok && max(int64(h)-hour, hour-int64(h)) <= int64(DedupWindow/time.Hour) {
		return true
	}
	r.set(hour, k, i, merged)
	return false
}

// search returns where k is or would be in keys.
func (r *recentIDs) search(k uint64) (int, bool) {
	if len(r.keys) == 0 {
		return 0, false
	}
	b := k >> (64 - indexBits)
	lo, hi := int(r.index[b]), int(r.index[b+1])
	i, ok := slices.BinarySearch(r.keys[lo:hi], k)
	return lo + i, ok
}

// add remembers k as first received in hour, replacing what was known.
func (r *recentIDs) add(hour int64, k uint64) {
	i, merged := r.search(k)
	r.set(hour, k, i, merged)
}

// set remembers k as first received in hour: at keys[i] when merged is
// true, else among the fresh ids.
func (r *recentIDs) set(hour int64, k uint64, i int, merged bool) {
	if merged {
		r.hours[i] = int32(hour)
	} else {
		r.fresh[k] = int32(hour)
		if len(r.fresh) >= r.mergeAt {
			r.merge()
		}
	}
	if hour > r.latest {
		r.latest = hour
		if r.latest-r.swept >= sweepEvery {
			r.forget()
		}
	}
}

// merge moves the fresh ids into the sorted slices, from the back so that
// no second copy of them is made.
func (r *recentIDs) merge() {
	type entry struct {
		k uint64
		h int32
	}
	add := make([]entry, 0, len(r.fresh))
	for k, h := range r.fresh {
		add = append(add, entry{k, h})
	}
	clear(r.fresh)
	slices.SortFunc(add, func(a, b entry) int { return cmp.Compare(a.k, b.k) })
	n := len(r.keys)
	r.keys = slices.Grow(r.keys, len(add))[:n+len(add)]
	r.hours = slices.Grow(r.hours, len(add))[:n+len(add)]
	i, j := n-1, len(add)-1
	for w := len(r.keys) - 1; j >= 0; w-- {
		if i >= 0 && r.keys[i] > add[j].k {
			r.keys[w], r.hours[w] = r.keys[i], r.hours[i]
			i--
		} else {
			r.keys[w], r.hours[w] = add[j].k, add[j].h
			j--
		}
	}
	r.reindex()
}

// reindex rebuilds the index after keys changed.
func (r *recentIDs) reindex() {
	if r.index == nil {
		r.index = make([]uint32, 1<<indexBits+1)
	}
	i := 0
	for b := range 1 << indexBits {
		r.index[b] = uint32(i)
		for i < len(r.keys) && r.keys[i]>>(64-indexBits) == uint64(b) {
			i++
		}
	}
	r.index[1<<indexBits] = uint32(i)
}

// sweepEvery is how many hours of receipt times pass between sweeps of
// the set; ids stay up to this much longer than the window (seen compares
// hours, so the window itself is exact).
const sweepEvery = 6

// forget drops the ids of the hours no later event can reach back to.
func (r *recentIDs) forget() {
	r.swept = r.latest
	oldest := int32(r.latest - int64(DedupWindow/time.Hour))
	for k, h := range r.fresh {
		if h < oldest {
			delete(r.fresh, k)
		}
	}
	w := 0
	for i, h := range r.hours {
		if h >= oldest {
			r.keys[w], r.hours[w] = r.keys[i], h
			w++
		}
	}
	r.keys, r.hours = r.keys[:w], r.hours[:w]
	if w < cap(r.keys)/4 { // give back what a busier day needed
		r.keys, r.hours = slices.Clone(r.keys), slices.Clone(r.hours)
	}
	r.reindex()
}

// len is how many ids are remembered.
func (r *recentIDs) len() int { return len(r.fresh) + len(r.keys) }

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

package dedupe

import (
	"cmp"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
)

// The rules as bits, so candidates of one pair merge with an OR.
const (
	ruleEmail uint8 = 1 << iota
	rulePhone
	ruleName
)

// cand is one rule matching one pair: key holds the pair's two uids,
// lower first, so sorting by key sorts by (A, B).
type cand struct {
	key  uint64
	sim  float64 // name similarity, for ruleName only
	rule uint8
}

// block is a group of records sharing an email, a phone or a domain, as
// canonical positions in ascending order (so members[0] has the lowest id).
type block struct {
	rule    uint8
	members []int32
}

// blocks groups the records by email, by phone and by domain (records
// without a name key take no part in the domain rule) and returns the
// groups of two or more.
func (x *index) blocks() []block {
	fields := []struct {
		rule  uint8
		value func(*Record) string
	}{
		{ruleEmail, func(r *Record) string { return r.Email }},
		{rulePhone, func(r *Record) string { return r.Phone }},
		{ruleName, func(r *Record) string { return r.Domain }},
	}
	groups := make([][]block, len(fields))
	var wg sync.WaitGroup
	for k, f := range fields {
		wg.Go(func() { groups[k] = x.group(f.rule, f.value) })
	}
	wg.Wait()
	return slices.Concat(groups...)
}

// group returns the groups of records with the same non-empty value. It
// sorts (hash, position) pairs rather than strings, which keeps the sort
// cheap; a run of equal hashes holding different values (a collision) is
// sorted again by value.
func (x *index) group(rule uint8, value func(*Record) string) []block {
	seed := maphash.MakeSeed()
	hs := make([]hashed, 0, len(x.src))
	for i, s := range x.src {
		v := value(&x.recs[s])
		if v == "" || (rule == ruleName && x.key[i] == "") {
			continue
		}
		hs = append(hs, hashed{maphash.String(seed, v), int32(i)})
	}
	slices.SortFunc(hs, func(a, b hashed) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	valueAt := func(i int32) string { return value(&x.recs[x.src[i]]) }
	for lo := 0; lo < len(hs); {
		hi := lo + 1
		for hi < len(hs) && hs[hi].h == hs[lo].h {
			hi++
		}
		if run := hs[lo:hi]; len(run) > 1 && slices.ContainsFunc(run[1:], func(h hashed) bool { return valueAt(h.i) != valueAt(run[0].i) }) {
			slices.SortFunc(run, func(a, b hashed) int {
				if c := cmp.Compare(valueAt(a.i), valueAt(b.i)); c != 0 {
					return c
				}
				return cmp.Compare(a.i, b.i)
			})
		}
		lo = hi
	}
	// Two passes: count the members of groups of two or more, then copy
	// them into one slice that every block of this rule shares.
	runs := func(visit func(lo, hi int)) {
		for lo := 0; lo < len(hs); {
			hi := lo + 1
			v := valueAt(hs[lo].i)
			for hi < len(hs) && hs[hi].h == hs[lo].h && valueAt(hs[hi].i) == v {
				hi++
			}
			if hi-lo >= 2 {
				visit(lo, hi)
			}
			lo = hi
		}
	}
	total, count := 0, 0
	runs(func(lo, hi int) { total, count = total+hi-lo, count+1 })
	members := make([]int32, 0, total)
	blocks := make([]block, 0, count)
	runs(func(lo, hi int) {
		start := len(members)
		for _, h := range hs[lo:hi] {
			members = append(members, h.i)
		}
		blocks = append(blocks, block{rule: rule, members: members[start:len(members):len(members)]})
	})
	return blocks
}

// hashed is a record's position with the hash of its email, phone or
// domain.
type hashed struct {
	h uint64
	i int32
}

// compare runs the blocks on workers goroutines and returns every
// candidate they found, in no particular order (pairs sorts them).
func (x *index) compare(blocks []block, opt Options, workers int) []cand {
	cost := func(b block) int {
		n := len(b.members)
		if n > opt.MaxBlock {
			return n * opt.Window
		}
		return n * n
	}
	// Costliest first, so no worker is left with a big block at the end.
	slices.SortStableFunc(blocks, func(a, b block) int { return cmp.Compare(cost(b), cost(a)) })
	var next atomic.Int64
	found := make([][]cand, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var s scratch
			for {
				k := int(next.Add(1)) - 1
				if k >= len(blocks) {
					return
				}
				found[w] = x.compareBlock(found[w], blocks[k], opt, &s)
			}
		})
	}
	wg.Wait()
	return slices.Concat(found...)
}

// scratch is a worker's reusable memory.
type scratch struct {
	letters []letterCounts
	entries []entry
	match   matcher
}

// entry is a record under one of its two sort keys in a sorted
// neighbourhood.
type entry struct {
	key string
	i   int32
}

func (x *index) pairKey(a, b int32) uint64 {
	ua, ub := x.uid[a], x.uid[b]
	if ua > ub {
		ua, ub = ub, ua
	}
	return uint64(ua)<<32 | uint64(ub)
}

func (x *index) compareBlock(out []cand, b block, opt Options, s *scratch) []cand {
	m := b.members
	switch {
	case b.rule != ruleName && len(m) <= opt.MaxBlock:
		for i, a := range m {
			for _, c := range m[i+1:] {
				if x.uid[a] != x.uid[c] {
					out = append(out, cand{key: x.pairKey(a, c), rule: b.rule})
				}
			}
		}
	case b.rule != ruleName:
		// A star around the first member; see Options.MaxBlock for why.
		for _, c := range m[1:] {
			if x.uid[m[0]] != x.uid[c] {
				out = append(out, cand{key: x.pairKey(m[0], c), rule: b.rule})
			}
		}
	case len(m) <= opt.MaxBlock:
		out = x.compareAllNames(out, m, s)
	default:
		out = x.compareNeighbourNames(out, m, opt.Window, s)
	}
	return out
}

// compareAllNames compares every pair of a domain block. The block's
// letter counts are copied next to each other first: the inner loop reads
// them for every pair, and the records of one domain are scattered over
// the index.
func (x *index) compareAllNames(out []cand, m []int32, s *scratch) []cand {
	s.letters = s.letters[:0]
	for _, a := range m {
		s.letters = append(s.letters, x.letters[a])
	}
	for i, a := range m {
		for j := i + 1; j < len(m); j++ {
			c := m[j]
			if x.uid[a] == x.uid[c] {
				continue
			}
			if sim, ok := x.similarName(a, c, &s.letters[i], &s.letters[j], &s.match); ok {
				out = append(out, cand{key: x.pairKey(a, c), sim: sim, rule: ruleName})
			}
		}
	}
	return out
}

// compareNeighbourNames is the sorted neighbourhood of a large domain
// block. Each record is listed under its key and under its swapped key in
// one sorted list, so "smith john" (a record's key) lands next to "smith
// jon" (a typo of its first name) and next to "smith john" (the swapped
// key of "John Smith"); each entry is compared with the next window
// entries. The cost is linear in the block, at the price of missing
// similar names that sort further apart.
func (x *index) compareNeighbourNames(out []cand, m []int32, window int, s *scratch) []cand {
	es := s.entries[:0]
	for _, a := range m {
		es = append(es, entry{x.key[a], a})
		if x.swapped[a] != x.key[a] {
			es = append(es, entry{x.swapped[a], a})
		}
	}
	slices.SortFunc(es, func(p, q entry) int {
		if c := cmp.Compare(p.key, q.key); c != 0 {
			return c
		}
		return cmp.Compare(p.i, q.i)
	})
	s.entries = es
	for p := range es {
		for q := p + 1; q <= p+window && q < len(es); q++ {
			a, c := es[p].i, es[q].i
			if x.uid[a] == x.uid[c] {
				continue
			}
			a, c = min(a, c), max(a, c)
			if sim, ok := x.similarName(a, c, &x.letters[a], &x.letters[c], &s.match); ok {
				out = append(out, cand{key: x.pairKey(a, c), sim: sim, rule: ruleName})
			}
		}
	}
	return out
}

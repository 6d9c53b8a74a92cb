// Package dedupe finds likely duplicate contacts in the CRM: two records
// with the same email, the same phone, or a similar name at the same
// company domain. It is a pure engine: plain values in, scored pairs out,
// no storage and no I/O. The CRM loads contacts into []Record, calls Find
// and puts the pairs in its review queue.
//
// Find never compares all pairs. It groups records by email, by phone and
// by domain and compares only inside a group; a group larger than
// Options.MaxBlock is handled in linear time (see Options), so a million
// contacts take seconds.
package dedupe

import (
	"math/bits"
	"runtime"
	"slices"
)

// Record is one contact as the engine sees it. The caller normalises the
// fields: Find compares Email, Phone and Domain byte for byte.
type Record struct {
	ID        string
	Email     string // normalised (lower-case) or ""
	Phone     string // E.164 or ""
	FirstName string
	LastName  string
	Domain    string // the company domain (e.g. "acme.com") or ""
}

// Reason is a rule that matched a pair.
type Reason string

// The rules, in the order a Pair lists them.
const (
	SameEmail   Reason = "same_email"               // equal non-empty Email: score 1.0
	SamePhone   Reason = "same_phone"               // equal non-empty Phone: score 0.9
	SimilarName Reason = "similar_name_same_domain" // equal Domain, similar names: 0.6..0.9
)

// Pair is two records that are probably the same contact.
type Pair struct {
	A, B    string   // record ids, A < B lexically
	Score   float64  // 0..1, how sure; 1.0 for same email
	Reasons []Reason // every rule that matched, in the order above
	// NameSimilarity is the Jaro-Winkler similarity of the name keys (the
	// higher of A's key and A's swapped key against B's key) when both
	// have names, else 0. It is filled in whichever rules matched.
	NameSimilarity float64
}

// Options tunes Find; the zero value gives the defaults.
type Options struct {
	// MinNameSimilarity is the Jaro-Winkler similarity from which two
	// names at one domain match (default 0.9 when 0 or less; at most 1).
	MinNameSimilarity float64
	// MaxBlock bounds all-pairs comparison (default 1000). A domain shared
	// by more records is compared by a sorted neighbourhood: its records
	// sorted by name key and by swapped key, each compared with the next
	// Window. An email or phone shared by more records pairs each of them
	// with the first (lowest id) only: a shared address is one person or
	// one switchboard, and the review queue merges the whole star in one
	// go, so the other n²/2 pairs would only repeat it.
	MaxBlock int
	// Window is how many following entries a sorted neighbourhood compares
	// each entry with (default 20).
	Window int
}

func (o Options) withDefaults() Options {
	if o.MinNameSimilarity <= 0 {
		o.MinNameSimilarity = 0.9
	}
	o.MinNameSimilarity = min(o.MinNameSimilarity, 1)
	if o.MaxBlock <= 0 {
		o.MaxBlock = 1000
	}
	if o.Window <= 0 {
		o.Window = 20
	}
	return o
}

// Find returns the likely duplicate pairs among records, each pair once
// with every rule that matched, sorted by Score (highest first), then A,
// then B. The result does not depend on the order of records. Records
// sharing an ID are one contact: they are never paired with each other,
// and what any of them matches counts for the ID. Find only reads records.
//
// Scores: same email 1.0, same phone 0.9, similar name 0.6 to 0.9 (from
// MinNameSimilarity to identical); a pair matched by several rules gets
// the highest plus 0.05 per further rule, at most 1.0.
func Find(records []Record, opt Options) []Pair {
	opt = opt.withDefaults()
	workers := max(1, min(runtime.GOMAXPROCS(0), runtime.NumCPU()))
	x := newIndex(records, opt.MinNameSimilarity, workers)
	cands := x.compare(x.blocks(), opt, workers)
	return x.pairs(cands, opt.MinNameSimilarity)
}

// nameScore maps a name similarity in [minSim, 1] to a score in [0.6, 0.9].
func nameScore(sim, minSim float64) float64 {
	if minSim >= 1 {
		return 0.9
	}
	return 0.6 + 0.3*(sim-minSim)/(1-minSim)
}

// pairs merges the candidates (one per rule that matched a pair, maybe
// several times) into Pairs in the documented order.
func (x *index) pairs(cands []cand, minSim float64) []Pair {
	slices.SortFunc(cands, func(a, b cand) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	// Count pairs and reasons first, so every Reasons slice is carved out
	// of one backing array instead of one allocation per pair.
	n, nr := 0, 0
	for i := 0; i < len(cands); {
		key, rules := cands[i].key, uint8(0)
		for ; i < len(cands) && cands[i].key == key; i++ {
			rules |= cands[i].rule
		}
		n, nr = n+1, nr+bits.OnesCount8(rules)
	}
	out := make([]Pair, 0, n)
	var m matcher
	reasons := make([]Reason, 0, nr)
	for i := 0; i < len(cands); {
		key := cands[i].key
		var rules uint8
		sim := -1.0
		for ; i < len(cands) && cands[i].key == key; i++ {
			rules |= cands[i].rule
			if cands[i].rule == ruleName {
				sim = max(sim, cands[i].sim)
			}
		}
		a, b := int32(key>>32), int32(key&0xffffffff)
		if sim < 0 {
			sim = x.nameSimilarity(a, b, &m)
		}
		start := len(reasons)
		best := 0.0
		if rules&ruleEmail != 0 {
			reasons = append(reasons, SameEmail)
			best = max(best, 1.0)
		}
		if rules&rulePhone != 0 {
			reasons = append(reasons, SamePhone)
			best = max(best, 0.9)
		}
		if rules&ruleName != 0 {
			reasons = append(reasons, SimilarName)
			best = max(best, nameScore(sim, minSim))
		}
		extra := len(reasons) - start - 1
		out = append(out, Pair{
			A:     x.ids[a],
			B:     x.ids[b],
			Score: round6(min(1, best+0.05*float64(extra))),
			// Capped, so an append by the caller cannot overwrite the
			// next pair's reasons.
			Reasons:        reasons[start:len(reasons):len(reasons)],
			NameSimilarity: sim,
		})
	}
	// The candidates were sorted by (A, B) already, because canonical
	// positions follow the ids; a stable sort by score keeps that order.
	slices.SortStableFunc(out, func(p, q Pair) int {
		switch {
		case p.Score > q.Score:
			return -1
		case p.Score < q.Score:
			return 1
		}
		return 0
	})
	return out
}

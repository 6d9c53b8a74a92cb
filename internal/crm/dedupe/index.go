package dedupe

import (
	"cmp"
	"slices"
	"sync"
)

// index is the records in canonical order (by ID, then by every other
// field, exact copies dropped) with their name keys. Working on the
// canonical order makes Find independent of the input order, and makes
// index order the same as ID order, so a pair of indexes sorts like its
// pair of ids.
type index struct {
	recs    []Record // the caller's slice, read only
	src     []int32  // canonical position -> position in recs
	ids     []string
	uid     []int32 // first canonical position with the same ID
	key     []string
	swapped []string // NameKey(last, first); the key itself for one-part names
	letters []letterCounts
	runes   []uint16 // key length in runes, at most maxKeyRunes
	minSim  float64
}

func newIndex(recs []Record, minSim float64, workers int) *index {
	x := &index{recs: recs, minSim: minSim}
	x.src = canonicalOrder(recs, workers)
	n := len(x.src)
	x.ids = make([]string, n)
	x.uid = make([]int32, n)
	for i, s := range x.src {
		x.ids[i] = recs[s].ID
		x.uid[i] = int32(i)
		if i > 0 && x.ids[i] == x.ids[i-1] {
			x.uid[i] = x.uid[i-1]
		}
	}
	x.key = make([]string, n)
	x.swapped = make([]string, n)
	x.letters = make([]letterCounts, n)
	x.runes = make([]uint16, n)
	parallelChunks(n, workers, func(lo, hi int) {
		var f nameFolder
		for i := lo; i < hi; i++ {
			r := &recs[x.src[i]]
			key, swapped := f.keys(r.FirstName, r.LastName)
			x.key[i], x.swapped[i] = truncateRunes(key, maxKeyRunes), truncateRunes(swapped, maxKeyRunes)
			c, l := countLetters(x.key[i])
			x.letters[i], x.runes[i] = c, uint16(l)
		}
	})
	return x
}

// maxKeyRunes caps the name keys Find compares. Jaro-Winkler costs the
// product of the lengths, so a pasted paragraph in a name field must not
// cost seconds; and with at most 127 runes no letter count overflows its
// byte (see letterCounts). Real names are far shorter.
const maxKeyRunes = 127

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// canonicalOrder returns the positions of recs sorted by every field, ID
// first, without exact copies. Input already sorted by ID with unique ids
// (the usual ORDER BY id) skips the sort; otherwise each worker sorts a
// chunk and the chunks are merged.
func canonicalOrder(recs []Record, workers int) []int32 {
	order := make([]int32, len(recs))
	sorted := true
	for i := range recs {
		order[i] = int32(i)
		if i > 0 && recs[i-1].ID >= recs[i].ID {
			sorted = false
		}
	}
	if sorted {
		return order
	}
	less := func(a, b int32) int { return compareRecords(&recs[a], &recs[b]) }
	var chunks [][]int32
	for _, c := range chunkBounds(len(order), workers) {
		chunks = append(chunks, order[c[0]:c[1]])
	}
	parallelChunks(len(order), workers, func(lo, hi int) {
		slices.SortFunc(order[lo:hi], less)
	})
	for len(chunks) > 1 {
		var merged [][]int32
		for k := 0; k < len(chunks); k += 2 {
			if k+1 == len(chunks) {
				merged = append(merged, chunks[k])
				continue
			}
			merged = append(merged, mergeSorted(chunks[k], chunks[k+1], less))
		}
		chunks = merged
	}
	return slices.CompactFunc(chunks[0], func(a, b int32) bool { return recs[a] == recs[b] })
}

// mergeSorted merges two sorted slices into a new one.
func mergeSorted(a, b []int32, less func(a, b int32) int) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if less(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

func compareRecords(a, b *Record) int {
	if c := cmp.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Email, b.Email); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Phone, b.Phone); c != 0 {
		return c
	}
	if c := cmp.Compare(a.FirstName, b.FirstName); c != 0 {
		return c
	}
	if c := cmp.Compare(a.LastName, b.LastName); c != 0 {
		return c
	}
	return cmp.Compare(a.Domain, b.Domain)
}

// nameSimilarity returns the higher Jaro-Winkler similarity of a's key or
// a's swapped key against b's key, or 0 when either has no name.
func (x *index) nameSimilarity(a, b int32, m *matcher) float64 {
	ka, kb := x.key[a], x.key[b]
	if ka == "" || kb == "" {
		return 0
	}
	sim := m.jaroWinkler(ka, kb)
	if sw := x.swapped[a]; sim < 1 && sw != ka {
		sim = max(sim, m.jaroWinkler(sw, kb))
	}
	return sim
}

// similarName returns nameSimilarity(a, b) and whether it reaches the
// minimum, skipping Jaro-Winkler when an upper bound shows it cannot:
// the letters two keys have in common bound the Jaro matches, and the
// common prefix bounds Winkler's bonus. Most pairs in a block stop at the
// letter counts. la and lb are the pair's letter counts, passed in so that
// a block can keep its own in a compact slice.
func (x *index) similarName(a, b int32, la, lb *letterCounts, m *matcher) (float64, bool) {
	j := jaroBound(commonLetters(la, lb), int(x.runes[a]), int(x.runes[b]))
	floor := x.minSim - simSlack
	if winklerBound(j, 4) < floor {
		return 0, false
	}
	ka, kb, sw := x.key[a], x.key[b], x.swapped[a]
	sim := 0.0
	if winklerBound(j, commonPrefix(ka, kb)) >= floor {
		sim = m.jaroWinkler(ka, kb)
	}
	// The swapped key has the same letters, so the same Jaro bound holds.
	if sw != ka && sim < 1 && winklerBound(j, commonPrefix(sw, kb)) >= max(floor, sim) {
		sim = max(sim, m.jaroWinkler(sw, kb))
	}
	return sim, sim >= x.minSim
}

// parallelMin is the size below which parallelChunks does not split.
const parallelMin = 10000

// parallelChunks runs fn over [0, n) cut by chunkBounds, one goroutine a
// chunk, and waits for all of them.
func parallelChunks(n, workers int, fn func(lo, hi int)) {
	var wg sync.WaitGroup
	for _, c := range chunkBounds(n, workers) {
		wg.Go(func() { fn(c[0], c[1]) })
	}
	wg.Wait()
}

// chunkBounds cuts [0, n) into one contiguous chunk per worker, or a
// single chunk when n is below parallelMin.
func chunkBounds(n, workers int) [][2]int {
	size := n
	if workers > 1 && n >= parallelMin {
		size = (n + workers - 1) / workers
	}
	var out [][2]int
	for lo := 0; lo < n; lo += max(size, 1) {
		out = append(out, [2]int{lo, min(lo+size, n)})
	}
	return out
}

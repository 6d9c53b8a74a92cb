package useragent

import "strings"

// tokenMatcher finds which of many lower-case tokens occur in a string in
// one pass. Searching for each token separately costs ~10µs per user agent
// with a few hundred tokens; here each position of the string costs one
// bit test on its first two bytes, and only positions where some token
// starts are compared in full (~1µs).
type tokenMatcher struct {
	pairs  [1 << 16 / 64]uint64      // bit set of the tokens' first two bytes
	tokens map[uint16][]matcherToken // tokens by their first two bytes
}

type matcherToken struct {
	text string
	rank int // index into botReasons; lower wins
}

// newTokenMatcher indexes lists of tokens; a token in lists[i] has rank i.
// Every token must be lower case and at least two bytes long.
func newTokenMatcher(lists ...[]string) *tokenMatcher {
	m := &tokenMatcher{tokens: make(map[uint16][]matcherToken)}
	for rank, list := range lists {
		for _, t := range list {
			if len(t) < 2 || t != strings.ToLower(t) {
				panic("useragent: bad bot token " + t) // a programming error in bot_list.go
			}
			k := pair(t[0], t[1])
			m.pairs[k/64] |= 1 << (k % 64)
			m.tokens[k] = append(m.tokens[k], matcherToken{text: t, rank: rank})
		}
	}
	return m
}

// bestRank returns the lowest rank of the tokens found in s, or -1.
func (m *tokenMatcher) bestRank(s []byte) int {
	best := -1
	for i := 0; i+1 < len(s); i++ {
		k := pair(s[i], s[i+1])
		if m.pairs[k/64]&(1<<(k%64)) == 0 {
			continue
		}
		for _, t := range m.tokens[k] {
			if (best < 0 || t.rank < best) && hasPrefix(s[i:], t.text) {
				best = t.rank
				if best == 0 {
					return 0
				}
			}
		}
	}
	return best
}

func pair(a, b byte) uint16 {
	return uint16(a)<<8 | uint16(b)
}

// hasPrefix is bytes.HasPrefix without converting the token to []byte.
func hasPrefix(s []byte, prefix string) bool {
	return len(s) >= len(prefix) && string(s[:len(prefix)]) == prefix
}

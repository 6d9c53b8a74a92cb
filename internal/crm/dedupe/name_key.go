package dedupe

import (
	"encoding/binary"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// NameKey returns the comparison key of a person's name: "first last",
// lower-case, with accents folded ("Zoë" becomes "zoe"), letters and single
// spaces only. Whitespace and hyphens separate words; other characters
// (apostrophes, dots, digits) are dropped, so "O'Brien" becomes "obrien".
// An empty part leaves no stray space, and a name without letters gives "".
func NameKey(first, last string) string {
	var f nameFolder
	key, _ := f.keys(first, last)
	return key
}

// nameFolder builds name keys with a reusable buffer and accent-folding
// transformer; it is not safe for concurrent use, so each worker has one.
type nameFolder struct {
	buf  []byte
	fold transform.Transformer
}

// keys returns NameKey(first, last) and NameKey(last, first). Both share
// one allocation: "first last first" holds the key as its prefix and the
// swapped key as its suffix.
func (f *nameFolder) keys(first, last string) (key, swapped string) {
	b := f.buf[:0]
	b = f.appendPart(b, first)
	nf := len(b)
	if nf > 0 {
		b = append(b, ' ')
	}
	b = f.appendPart(b, last)
	if len(b) == nf+1 { // no letters in last
		b = b[:nf]
	}
	if len(b) == nf || nf == 0 { // a single part: swapping changes nothing
		f.buf = b
		if len(b) == 0 {
			return "", ""
		}
		s := string(b)
		return s, s
	}
	n := len(b)
	b = append(b, ' ')
	b = append(b, b[:nf]...)
	f.buf = b
	s := string(b)
	return s[:n], s[nf+1:]
}

// appendPart appends the folded, lower-cased words of s to b, separated by
// one space, with no leading or trailing space.
func (f *nameFolder) appendPart(b []byte, s string) []byte {
	if !isASCII(s) {
		if f.fold == nil {
			f.fold = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
		}
		if folded, _, err := transform.String(f.fold, s); err == nil {
			s = folded
		}
	}
	start := len(b)
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			if space && len(b) > start {
				b = append(b, ' ')
			}
			space = false
			b = utf8.AppendRune(b, unicode.ToLower(r))
		case r == '-' || unicode.IsSpace(r):
			space = true
		}
	}
	return b
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// letterCounts is a histogram of a name key's runes in 32 buckets (r&31:
// the space and a-z each get their own; other letters share buckets),
// eight one-byte counts (at most 127) to a word. The sum of bucket-wise
// minimums of two keys is an upper bound on how many characters Jaro can
// match between them, whatever their word order, so it rules most pairs
// out without running Jaro-Winkler.
type letterCounts [4]uint64

func countLetters(key string) (c letterCounts, n int) {
	var counts [32]uint8
	for _, r := range key {
		if b := r & 31; counts[b] < 127 {
			counts[b]++
		}
		n++
	}
	for i := range c {
		c[i] = binary.LittleEndian.Uint64(counts[8*i:])
	}
	return c, n
}

// commonLetters returns the sum over the buckets of the smaller count,
// eight buckets at a time (SWAR): with counts below 128, (a|0x80)-b keeps
// its high bit exactly where a >= b, and no byte borrows from the next.
func commonLetters(a, b *letterCounts) int {
	const (
		high  = 0x8080808080808080
		bytes = 0x00ff00ff00ff00ff
	)
	var sum uint64 // four 16-bit lanes
	for i := range a {
		x, y := a[i], b[i]
		ge := (((x | high) - y) & high) >> 7 * 0xff // 0xff where x >= y
		m := (y & ge) | (x &^ ge)
		sum += m&bytes + (m>>8)&bytes
	}
	return int((sum * 0x0001000100010001) >> 48)
}

// commonPrefix returns the length in runes of the common prefix of a and
// b, at most 4 (Winkler's limit).
func commonPrefix(a, b string) int {
	p := 0
	for p < 4 && a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			break
		}
		a, b, p = a[na:], b[nb:], p+1
	}
	return p
}

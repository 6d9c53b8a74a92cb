package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text returns free text trimmed and in NFC, with line ends made "\n" and
// control characters other than newline and tab removed, as are invisible
// format characters such as the byte order mark (joiners and direction
// marks stay). Text longer than max characters (runes, counted after
// cleaning), or not UTF-8, is a *FieldError with the given field. A max of
// 0 or less means no limit.
func Text(field, s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", fail(field, notUTF8)
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case unicode.IsControl(r), droppedFormat(r):
			return -1
		}
		return r
	}, s)
	s = norm.NFC.String(strings.TrimSpace(s))
	if n := utf8.RuneCountInString(s); max > 0 && n > max {
		return "", fail(field, "is longer than %d characters (it has %d)", max, n)
	}
	return s, nil
}

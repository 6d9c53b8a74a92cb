// Package normalize cleans and validates the values a CRM record holds:
// emails, phone numbers, company domains, names and free text. The CRM runs
// every value through it on each write of a contact or company, so a value
// is stored in one form however it was typed, pasted or imported.
//
// The package is pure: plain values in and out, no I/O, safe for concurrent
// use. A value that cannot be made valid is reported as a *FieldError whose
// Message a person can act on. An empty value is never an error; whether a
// field is required is the caller's rule.
package normalize

import (
	"fmt"
	"strings"
	"unicode"
)

// FieldError is a value that failed validation. Field names the value
// ("email", "phone", "phone_region", "domain", or the field passed to
// Text) and Message says what is wrong in a lower-case phrase written for
// the person who typed it ("is not a valid email address: missing @").
type FieldError struct {
	Field, Message string
}

// Error returns Field and Message joined by a space, such as
// "email is not a valid email address: missing @".
func (e *FieldError) Error() string { return e.Field + " " + e.Message }

func fail(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// notUTF8 is the message for input that is not UTF-8, most often a file
// exported in a legacy encoding.
const notUTF8 = "is not valid text (it is not UTF-8)"

// cleanValue prepares a pasted identifier (email, domain, phone, region):
// format characters (zero-width spaces and joiners, direction marks, soft
// hyphens, byte order marks) are removed, every other kind of space (no-break,
// thin, ideographic) becomes an ASCII space, and the result is trimmed.
func cleanValue(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Cf, r):
			return -1
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, s))
}

// droppedFormat reports whether the format character r is removed from
// names and free text. Kept are the ones writing needs: the zero-width
// joiner and non-joiner (Indic and Persian scripts, emoji sequences), the
// direction marks of right-to-left text and the tag characters of flag
// emoji. Dropped are invisible paste debris (zero-width space, soft hyphen,
// byte order mark) and the bidirectional overrides and isolates, which can
// make a name display as something it is not.
func droppedFormat(r rune) bool {
	if !unicode.Is(unicode.Cf, r) {
		return false
	}
	switch {
	case r == '\u200c', r == '\u200d', r == '\u200e', r == '\u200f', r == '\u061c':
		return false
	case r >= 0xe0020 && r <= 0xe007f:
		return false
	}
	return true
}

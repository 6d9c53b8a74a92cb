package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// Name tidies a person's name: trimmed, inner runs of whitespace collapsed
// to one space, control characters and invisible format characters removed,
// bytes that are not UTF-8 dropped, and the result in NFC.
//
// Case is kept as typed, because names have their own ("McDonald", "van der
// Berg", "JOHN o'neil" all stay) — with one exception: a name longer than
// one character whose letters are all upper case or all lower case was
// typed without regard to case, so it is lower-cased and each word gets a
// capital first letter. A word starts after any character that is not a
// letter, digit or mark, so hyphenated parts and parts after an apostrophe
// get one too: "john smith" → "John Smith", "MÜLLER" → "Müller",
// "anne-marie o'neil" → "Anne-Marie O'Neil". The rule suits people's names;
// an acronym such as "IBM" would become "Ibm".
func Name(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r), droppedFormat(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = norm.NFC.String(strings.Join(strings.Fields(s), " "))
	if utf8.RuneCountInString(s) > 1 && singleCase(s) {
		s = titleCase(s)
	}
	return s
}

// singleCase reports whether s has cased letters and all of them are upper
// case or all lower case.
func singleCase(s string) bool {
	var upper, lower bool
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		}
	}
	return upper != lower
}

// titleCase lower-cases s and gives each word a capital first letter.
func titleCase(s string) string {
	// cases.Lower rather than strings.ToLower: it writes Greek final sigma
	// ("ΟΔΥΣΣΕΥΣ" → "οδυσσευς").
	s = cases.Lower(language.Und).String(s)
	var b strings.Builder
	b.Grow(len(s))
	inWord := false
	for _, r := range s {
		if !inWord && unicode.IsLetter(r) {
			r = unicode.ToTitle(r)
		}
		b.WriteRune(r)
		inWord = unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc)
	}
	return b.String()
}

// NameKey returns the key duplicate detection compares names by: first and
// last joined by one space, lower-cased, accents folded ("José" → "jose";
// NFD, then combining marks removed), whitespace inside a part collapsed to
// one space and every other non-letter removed without a trace ("O'Neil" →
// "oneil", "Anne-Marie" → "annemarie"). An empty part leaves no stray space:
// NameKey("", "Smith") is "smith". The key is the same as the one package
// dedupe computes, so stored keys and dedupe's agree.
func NameKey(first, last string) string {
	f, l := namePartKey(first), namePartKey(last)
	if f == "" || l == "" {
		return f + l
	}
	return f + " " + l
}

// namePartKey is the key of one part of a name (see NameKey).
func namePartKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(strings.ToValidUTF8(s, "")) {
		switch {
		case unicode.IsSpace(r):
			space = true
		case unicode.IsLetter(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		}
		// Anything else, the accents NFD split off included, is dropped.
	}
	return b.String()
}

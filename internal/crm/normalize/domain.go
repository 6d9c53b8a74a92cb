package normalize

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Domain returns the host of a website or domain as people paste it,
// lower-cased and without scheme, user info, port, path, query, trailing dot
// or a leading "www.": "https://www.Example.com/about?x" and "Example.COM."
// both give "example.com". "" is returned for empty input without an
// error; anything that is not a host name (an IP address, a single word,
// text with spaces) is a *FieldError with Field "domain".
//
// Subdomains other than "www." are kept ("shop.example.com"): cutting a
// host down to its registrable domain needs the public suffix list, which
// the module does not carry. Unicode hosts are kept as Unicode, in NFC.
func Domain(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fail("domain", notUTF8)
	}
	s = strings.ToLower(norm.NFC.String(cleanValue(s)))
	if s == "" {
		return "", nil
	}
	h := hostOf(s)
	switch {
	case h == "":
		return "", fail("domain", "is not a website or domain such as example.com")
	case strings.ContainsFunc(h, unicode.IsSpace):
		return "", fail("domain", "is not a website or domain such as example.com: it contains a space")
	case strings.HasPrefix(h, "["):
		return "", fail("domain", "is an IP address, not a domain such as example.com")
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return "", fail("domain", "is an IP address, not a domain such as example.com")
	}
	h = strings.TrimSuffix(h, ".")
	// "www.com" is a domain of its own, so "www." goes only when a domain
	// is left.
	if rest, ok := strings.CutPrefix(h, "www."); ok && strings.Contains(rest, ".") {
		h = rest
	}
	if msg := hostProblem(h); msg != "" {
		return "", fail("domain", "is not a valid domain: %q %s", h, msg)
	}
	return h, nil
}

// hostOf returns the host of a URL or of a bare host, with optional port
// and path. An IPv6 literal is returned with its bracket.
func hostOf(s string) string {
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		s = s[i+len("://"):]
	} else {
		s = strings.TrimPrefix(s, "//")
	}
	if i := strings.IndexAny(s, `/?#\`); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") {
		return s
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.Trim(s[i+1:], "0123456789") == "" {
		s = s[:i]
	}
	return s
}

// isScheme reports whether s is a URL scheme (RFC 3986: a letter, then
// letters, digits, "+", "-" or ".").
func isScheme(s string) bool {
	for i, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// hostProblem says what is wrong with the lower-cased host name h, as a
// phrase that follows "the domain", or returns "" when h is a valid name:
// two or more dot-separated parts of letters, digits and hyphens (Unicode
// letters and marks too), none empty, none longer than 63 bytes, none
// starting or ending with a hyphen, and a top-level part that is not a
// number and has at least two characters.
func hostProblem(h string) string {
	switch {
	case h == "":
		return "is missing"
	case len(h) > 253:
		return "is longer than 253 characters"
	case strings.HasPrefix(h, "."):
		return "starts with a dot"
	case strings.HasSuffix(h, "."):
		return "ends with a dot"
	case strings.Contains(h, ".."):
		return "has two dots in a row"
	case !strings.Contains(h, "."):
		return "needs a dot, as in example.com"
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if len(l) > 63 {
			return "has a part longer than 63 characters"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "has a part that starts or ends with a hyphen"
		}
		for _, r := range l {
			if !hostRune(r) {
				return fmt.Sprintf("contains %q, which a domain cannot contain", r)
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return "ends in a number, not a top-level domain such as .com"
	}
	if utf8.RuneCountInString(tld) < 2 {
		return "ends in a one-letter top-level domain; they have two letters or more, such as .de"
	}
	return ""
}

// hostRune reports whether r may appear in a label of a lower-cased host.
func hostRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-'
	}
	// Internationalised labels: letters and digits of any script, and the
	// combining marks that many scripts write words with.
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc)
}

// CompanyDomain returns the domain a company is known by: its website's if
// that normalises (see Domain), else the domain of email unless it is a
// public mailbox provider's (see IsFreeMail), else "". The email need not be
// normalised yet.
func CompanyDomain(website, email string) string {
	if d, err := Domain(website); err == nil && d != "" {
		return d
	}
	e, err := Email(email)
	if err != nil || e == "" {
		return ""
	}
	d := EmailDomain(e)
	if IsFreeMail(d) {
		return ""
	}
	// Domain again, so that "j@www.example.com" gives the same domain as
	// the website "www.example.com".
	if d, err = Domain(d); err != nil {
		return ""
	}
	return d
}

package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Email returns the address in s lower-cased, or a *FieldError (Field
// "email") naming what is wrong with it. Surrounding spaces, including
// no-break and zero-width ones, are trimmed, and the forms "Name <addr>"
// and "mailto:addr?subject=…" are reduced to addr. "" is returned for
// empty input without an error.
//
// The check is of form only: exactly one @, 1 to 64 bytes before it and
// 254 bytes in all, no spaces, no dot at the start or end or twice in a row
// before the @, and a domain of at least two parts of letters, digits and
// hyphens. Unicode domains ("müller.de") are kept as Unicode, in NFC, since
// the module has no IDNA library to turn them into punycode. Quoted local
// parts ("john doe"@example.com) are refused although RFC 5322 allows them:
// no real mailbox a CRM sees uses one, and a typo is far likelier.
func Email(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fail("email", notUTF8)
	}
	s = cleanValue(s)
	if s == "" {
		return "", nil
	}
	s = strings.ToLower(norm.NFC.String(unwrapEmail(s)))
	const invalid = "is not a valid email address: "
	switch n := strings.Count(s, "@"); {
	case s == "":
		return "", fail("email", invalid+"the address is missing")
	case strings.ContainsFunc(s, unicode.IsSpace):
		return "", fail("email", invalid+"it contains a space")
	case n == 0:
		return "", fail("email", invalid+"missing @")
	case n > 1:
		return "", fail("email", invalid+"more than one @")
	}
	local, domain, _ := strings.Cut(s, "@")
	// A trailing dot is the end of the sentence the address was copied
	// from more often than a fully qualified domain.
	domain = strings.TrimSuffix(domain, ".")
	s = local + "@" + domain
	switch {
	case local == "":
		return "", fail("email", invalid+"nothing before the @")
	case len(local) > 64:
		return "", fail("email", invalid+"the part before the @ is longer than 64 characters")
	case len(s) > 254:
		return "", fail("email", invalid+"longer than 254 characters")
	case strings.HasPrefix(local, ".") || strings.HasSuffix(local, "."):
		return "", fail("email", invalid+"the part before the @ starts or ends with a dot")
	case strings.Contains(local, ".."):
		return "", fail("email", invalid+"two dots in a row before the @")
	}
	for _, r := range local {
		if unicode.IsControl(r) || strings.ContainsRune(`"(),:;<>[\]`, r) {
			return "", fail("email", invalid+"the part before the @ contains %q", r)
		}
	}
	if msg := hostProblem(domain); msg != "" {
		return "", fail("email", invalid+"the domain %s", msg)
	}
	return s, nil
}

// unwrapEmail reduces "Name <addr>" and "mailto:addr?subject=…" to addr.
func unwrapEmail(s string) string {
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = strings.TrimSpace(s[i+1 : i+j])
		}
	}
	if len(s) >= len("mailto:") && strings.EqualFold(s[:len("mailto:")], "mailto:") {
		s = s[len("mailto:"):]
		if q := strings.IndexByte(s, '?'); q >= 0 {
			s = s[:q]
		}
		s = strings.TrimSpace(s)
	}
	return s
}

// EmailDomain returns the part after the @ of an email already returned by
// Email, or "" when there is no @. It does not validate or lower-case.
func EmailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return email[i+1:]
}

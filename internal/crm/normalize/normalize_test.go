package normalize

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// checkResult fails t unless got and err are what a case wants: the value
// want with no error, or an error of field whose Error() contains wantErr.
func checkResult(t *testing.T, call, got string, err error, want, field, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", call, got, err, want)
		}
		return
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("%s = %q, %v; want a *FieldError containing %q", call, got, err, wantErr)
	}
	if fe.Field != field || !strings.Contains(fe.Error(), wantErr) || got != "" {
		t.Errorf("%s = %q, %q (field %q); want \"\" and field %q with an error containing %q",
			call, got, fe.Error(), fe.Field, field, wantErr)
	}
}

func TestFieldError(t *testing.T) {
	t.Parallel()
	err := error(&FieldError{Field: "email", Message: "is not a valid email address: missing @"})
	if got, want := err.Error(), "email is not a valid email address: missing @"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestEmail(t *testing.T) {
	t.Parallel()
	long64 := strings.Repeat("a", 64)
	for _, tc := range []struct{ name, in, want, err string }{
		{"trimmed and lower-cased", "  John.Doe@Example.COM ", "john.doe@example.com", ""},
		{"display name", "John <j@x.io>", "j@x.io", ""},
		{"quoted display name", `"Doe, John" <John@X.io> `, "john@x.io", ""},
		{"mailto with query", "mailto:Anna@Shop.example?subject=hi", "anna@shop.example", ""},
		{"mailto in brackets", "Anna <MAILTO:anna@shop.example>", "anna@shop.example", ""},
		{"no-break and zero-width spaces", "\u00a0ines@example.de\u200b", "ines@example.de", ""},
		{"zero-width space inside", "in\u200bes@example.de", "ines@example.de", ""},
		{"unicode domain", "ines@MÜLLER.de", "ines@müller.de", ""},
		{"decomposed unicode domain", "ines@mu\u0308ller.de", "ines@müller.de", ""},
		{"trailing dot of the sentence", "ines@example.de.", "ines@example.de", ""},
		{"plus and hyphen", "a.b+crm@mail-1.example.co.uk", "a.b+crm@mail-1.example.co.uk", ""},
		{"64-byte local part", long64 + "@x.com", long64 + "@x.com", ""},
		{"empty", "", "", ""},
		{"only spaces", " \u00a0 ", "", ""},

		{"no dot in domain", "a@b", "", "email is not a valid email address: the domain needs a dot, as in example.com"},
		{"two dots", "a..b@x.com", "", "two dots in a row before the @"},
		{"leading dot", ".a@x.com", "", "starts or ends with a dot"},
		{"dot before @", "a.@x.com", "", "starts or ends with a dot"},
		{"missing @", "anna.example.com", "", "email is not a valid email address: missing @"},
		{"two @", "a@b@c.com", "", "more than one @"},
		{"space", "an na@x.com", "", "it contains a space"},
		{"no-break space inside", "an\u00a0na@x.com", "", "it contains a space"},
		{"nothing before @", "@x.com", "", "nothing before the @"},
		{"nothing after @", "a@", "", "the domain is missing"},
		{"empty brackets", "John <>", "", "the address is missing"},
		{"hyphen at label start", "a@-x.com", "", "starts or ends with a hyphen"},
		{"numeric tld", "a@x.123", "", "ends in a number"},
		{"one-letter tld", "a@x.c", "", "one-letter top-level domain"},
		{"dots in domain", "a@x..com", "", "the domain has two dots in a row"},
		{"underscore in domain", "a@my_host.com", "", `contains '_'`},
		{"comma in local part", "a,b@x.com", "", `the part before the @ contains ','`},
		{"local part too long", long64 + "a@x.com", "", "longer than 64 characters"},
		{"address too long", strings.Repeat("a", 50) + "@" + strings.Repeat(strings.Repeat("c", 50)+".", 4) + "com", "", "longer than 254 characters"},
		{"not UTF-8", "j\xffe@x.com", "", "is not valid text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Email(tc.in)
			checkResult(t, fmt.Sprintf("Email(%q)", tc.in), got, err, tc.want, "email", tc.err)
		})
	}
}

func TestEmailDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a@b.com":        "b.com",
		"a@mail.b.co.uk": "mail.b.co.uk",
		"no-at-sign":     "",
		"":               "",
		"trailing@":      "",
		"ines@müller.de": "müller.de",
	} {
		if got := EmailDomain(in); got != want {
			t.Errorf("EmailDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPhone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, region, want, field, err string }{
		{"country code ignores region", "+49 30 1234567", "US", "+49301234567", "", ""},
		{"national number in DE", "030 1234567", "DE", "+49301234567", "", ""},
		{"slash and lower-case region", "030/123 45 67", "de", "+49301234567", "", ""},
		{"US national", "(415) 555-2671", "US", "+14155552671", "", ""},
		{"00 prefix in DE", "0044 20 7946 0958", "DE", "+442079460958", "", ""},
		{"00 prefix where 011 is dialled", "0044 20 7946 0958", "US", "+442079460958", "", ""},
		{"0011 prefix in AU", "0011 44 20 7946 0958", "AU", "+442079460958", "", ""},
		{"country code in brackets", "(+49) 30 1234567", "DE", "+49301234567", "", ""},
		{"extension dropped", "+1 415 555 2671 ext. 12", "DE", "+14155552671", "", ""},
		{"x extension dropped", "(415) 555-2671 x12", "US", "+14155552671", "", ""},
		{"no-break spaces", "\u00a0+49\u00a030\u202f1234567\u200b", "DE", "+49301234567", "", ""},
		{"german mobile", "0151 23456789", "DE", "+4915123456789", "", ""},
		{"empty region with country code", "+44 20 7946 0958", "", "+442079460958", "", ""},
		{"empty", "", "DE", "", "", ""},
		{"empty with bad region", "  ", "XX", "", "", ""},

		{"too short", "12", "DE", "", "phone", "phone is not a valid phone number for region DE"},
		{"too short after country code", "+49 1", "DE", "", "phone", "too short"},
		{"invalid for country code", "+49 123", "DE", "", "phone", "is not a valid phone number for country code +49"},
		{"unknown country code", "+999 1234567", "DE", "", "phone", "the country code is unknown"},
		{"words", "call me", "DE", "", "phone", "phone is not a phone number"},
		{"too long", "+49 30 12345678901234567890", "DE", "", "phone", "too long"},
		{"unknown region", "030 1234567", "XX", "", "phone_region", "phone_region is not a known region code: XX"},
		{"UK is GB", "020 7946 0958", "UK", "", "phone_region", "the United Kingdom is GB"},
		{"three letters", "030 1234567", "DEU", "", "phone_region", "must be a 2-letter region code such as DE"},
		{"national number without region", "030 1234567", "", "", "phone_region", "must be a 2-letter region code"},
		{"not UTF-8", "030\xff", "DE", "", "phone", "is not valid text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Phone(tc.in, tc.region)
			checkResult(t, fmt.Sprintf("Phone(%q, %q)", tc.in, tc.region), got, err, tc.want, tc.field, tc.err)
		})
	}
}

func TestRegion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want, err string }{
		{"upper case", "DE", "DE", ""},
		{"lower case with spaces", " us ", "US", ""},
		{"great britain", "gb", "GB", ""},
		{"empty", "", "", "phone_region must be a 2-letter region code such as DE"},
		{"digits", "49", "", "must be a 2-letter region code"},
		{"three letters", "DEU", "", "must be a 2-letter region code"},
		{"unknown", "XX", "", "is not a known region code: XX (use a 2-letter code such as DE)"},
		{"UK", "uk", "", "is not a region code: the United Kingdom is GB"},
		{"non-ASCII letters", "ÄÖ", "", "must be a 2-letter region code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Region(tc.in)
			checkResult(t, fmt.Sprintf("Region(%q)", tc.in), got, err, tc.want, "phone_region", tc.err)
		})
	}
}

func TestDomain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want, err string }{
		{"url with www, path and query", "https://www.Example.com/about?x", "example.com", ""},
		{"trailing dot", "Example.COM.", "example.com", ""},
		{"www and two-part suffix", "www.example.co.uk", "example.co.uk", ""},
		{"port", "shop.example.com:8443", "shop.example.com", ""},
		{"url with port and fragment", "HTTP://Example.com:80#top", "example.com", ""},
		{"user info", "https://user:pw@example.com/", "example.com", ""},
		{"scheme-relative", "//example.com/x", "example.com", ""},
		{"path with a url in it", "example.com/r?u=https://other.org", "example.com", ""},
		{"subdomain kept", "https://app.example.io", "app.example.io", ""},
		{"www.com is a domain", "www.com", "www.com", ""},
		{"unicode", "https://www.Müller.de/", "müller.de", ""},
		{"punycode as typed", "xn--mller-kva.de", "xn--mller-kva.de", ""},
		{"pasted with no-break space", "\u00a0example.com\u200b", "example.com", ""},
		{"empty", "", "", ""},
		{"only spaces", "   ", "", ""},

		{"words", "not a domain", "", "domain is not a website or domain such as example.com: it contains a space"},
		{"single word", "intranet", "", `domain is not a valid domain: "intranet" needs a dot, as in example.com`},
		{"scheme only", "https://", "", "is not a website or domain such as example.com"},
		{"ipv4", "http://192.168.0.1/admin", "", "is an IP address"},
		{"ipv6", "http://[2001:db8::1]:8080/", "", "is an IP address"},
		{"numeric tld", "example.123", "", "ends in a number"},
		{"double dot", "example..com", "", "has two dots in a row"},
		{"underscore", "my_site.com", "", `contains '_'`},
		{"hyphen at end of label", "example-.com", "", "starts or ends with a hyphen"},
		{"label too long", strings.Repeat("a", 64) + ".com", "", "longer than 63 characters"},
		{"leading dot", ".example.com", "", "starts with a dot"},
		{"not UTF-8", "ex\xffample.com", "", "is not valid text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Domain(tc.in)
			checkResult(t, fmt.Sprintf("Domain(%q)", tc.in), got, err, tc.want, "domain", tc.err)
		})
	}
}

func TestIsFreeMail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"gmail.com":        true,
		"Hotmail.com":      true,
		"hotmail.es":       true,
		"outlook.de":       true,
		"live.co.uk":       true,
		"yahoo.co.jp":      true,
		"yahoo.com.br":     true,
		"yandex.ru":        true,
		"gmx.net":          true,
		"gmx.ch":           true,
		"web.de":           true,
		"t-online.de":      true,
		"icloud.com":       true,
		"proton.me":        true,
		"qq.com":           true,
		"163.com":          true,
		" GMAIL.COM. ":     true,
		"optusnet.com.au":  true,
		"alpine-gear.de":   false,
		"example.com":      false,
		"live.example.com": false,
		"gmail.example":    false,
		"yahoo.example.de": false,
		"mail.google.com":  false,
		"":                 false,
	} {
		if got := IsFreeMail(in); got != want {
			t.Errorf("IsFreeMail(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCompanyDomain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, website, email, want string }{
		{"website wins", "https://alpine-gear.de", "max@other.com", "alpine-gear.de"},
		{"website normalised", "WWW.Alpine-Gear.DE/kontakt", "", "alpine-gear.de"},
		{"from email", "", "max@alpine-gear.de", "alpine-gear.de"},
		{"from email not yet normalised", "", " Max <MAX@Alpine-Gear.DE>", "alpine-gear.de"},
		{"email with www host", "", "max@www.alpine-gear.de", "alpine-gear.de"},
		{"bad website falls back to email", "not a website", "max@alpine-gear.de", "alpine-gear.de"},
		{"free mail", "", "max@gmail.com", ""},
		{"free mail upper case", "", "max@GMX.de", ""},
		{"free mail country domain", "", "max@hotmail.co.uk", ""},
		{"bad email", "", "max@", ""},
		{"nothing", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := CompanyDomain(tc.website, tc.email); got != tc.want {
				t.Errorf("CompanyDomain(%q, %q) = %q, want %q", tc.website, tc.email, got, tc.want)
			}
		})
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"lower case", "  john   smith ", "John Smith"},
		{"upper case with umlaut", "MÜLLER", "Müller"},
		{"hyphen and apostrophe", "anne-marie o'neil", "Anne-Marie O'Neil"},
		{"upper case with apostrophe", "O'NEIL", "O'Neil"},
		{"typographic apostrophe", "d’angelo", "D’Angelo"},
		{"mixed case kept", "JOHN o'neil", "JOHN o'neil"},
		{"inner capital kept", "McDonald", "McDonald"},
		{"particles kept", "van der Berg", "van der Berg"},
		{"greek final sigma", "ΟΔΥΣΣΕΥΣ", "Οδυσσευς"},
		{"initials", "j.r.r. tolkien", "J.R.R. Tolkien"},
		{"tab, newline and NUL", "anna\t\nmaria\x00s", "Anna Marias"},
		{"zero-width space and BOM", "\ufeffLena\u200b Vogel", "Lena Vogel"},
		{"bidi override removed", "Lena\u202e Vogel", "Lena Vogel"},
		{"zero-width non-joiner kept", "Mehr\u200cnaz", "Mehr\u200cnaz"},
		{"decomposed made NFC", "Mu\u0308ller", "Müller"},
		{"single letter kept", "j", "j"},
		{"single capital kept", "J", "J"},
		{"no cased letters", "山田 太郎", "山田 太郎"},
		{"not UTF-8 dropped", "L\xffena", "Lena"},
		{"empty", " \t ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Name(tc.in); got != tc.want {
				t.Errorf("Name(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		max      int
		want     string
		err      string
	}{
		{"trimmed and control removed", "  Head of\x07 Growth\r\n ", 50, "Head of Growth", ""},
		{"newlines and tabs kept", "line 1\r\nline 2\rline 3\n\tindented", 0, "line 1\nline 2\nline 3\n\tindented", ""},
		{"BOM removed", "\ufeffNotes", 10, "Notes", ""},
		{"NFC", "Cafe\u0301", 4, "Café", ""},
		{"exactly max runes", strings.Repeat("é", 10), 10, strings.Repeat("é", 10), ""},
		{"no limit", strings.Repeat("x", 5000), 0, strings.Repeat("x", 5000), ""},
		{"empty", "", 10, "", ""},
		{"one rune too many", strings.Repeat("é", 11), 10, "", "title is longer than 10 characters (it has 11)"},
		{"not UTF-8", "caf\xe9", 10, "", "title is not valid text (it is not UTF-8)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Text("title", tc.in, tc.max)
			checkResult(t, fmt.Sprintf("Text(%q, %q, %d)", "title", tc.in, tc.max), got, err, tc.want, "title", tc.err)
		})
	}
}

func TestNameKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, first, last, want string }{
		{"accents folded", "José", "Müller-Lüdenscheidt", "jose mullerludenscheidt"},
		{"apostrophe removed", " Anne ", "O'Neil", "anne oneil"},
		{"inner space kept", "Mary  Ann", "Smith", "mary ann smith"},
		{"case folded", "JOHN", "SMITH", "john smith"},
		{"digits and symbols removed", "R2-D2", "(droid)", "rd droid"},
		{"decomposed accents", "Jose\u0301", "", "jose"},
		{"first only", "Cher", "", "cher"},
		{"last only", "", "Smith", "smith"},
		{"non-latin letters kept", "Δημήτρης", "Παπαδόπουλος", "δημητρης παπαδοπουλος"},
		{"nothing left", "-", "!", ""},
		{"empty", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := NameKey(tc.first, tc.last); got != tc.want {
				t.Errorf("NameKey(%q, %q) = %q, want %q", tc.first, tc.last, got, tc.want)
			}
		})
	}
}

func BenchmarkPhone(b *testing.B) {
	for b.Loop() {
		if _, err := Phone("030 1234567", "DE"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEmail(b *testing.B) {
	for b.Loop() {
		if _, err := Email("  John.Doe@Example.COM "); err != nil {
			b.Fatal(err)
		}
	}
}

package normalize

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Region returns s as an upper-case ISO 3166-1 alpha-2 region code that the
// phone numbering metadata knows ("de" → "DE"), or a *FieldError with Field
// "phone_region". Unlike the other functions, an empty s is an error: a
// region is what Phone needs to read national numbers.
func Region(s string) (string, error) {
	r := strings.ToUpper(cleanValue(s))
	if len(r) != 2 || r[0] < 'A' || r[0] > 'Z' || r[1] < 'A' || r[1] > 'Z' {
		return "", fail("phone_region", "must be a 2-letter region code such as DE")
	}
	if !phonenumbers.GetSupportedRegions()[r] {
		if r == "UK" {
			return "", fail("phone_region", "is not a region code: the United Kingdom is GB")
		}
		return "", fail("phone_region", "is not a known region code: %s (use a 2-letter code such as DE)", r)
	}
	return r, nil
}

// Phone returns the phone number s in E.164 form ("+49301234567"), or a
// *FieldError. A number written with its country code (after "+" or "00")
// is read as such; any other is read in the numbering plan of region, the
// workspace's default (see Region). The number must be valid, not merely
// well-formed, by the libphonenumber metadata. An extension (" ext. 12",
// " x12") is dropped. "" is returned for empty input without an error.
//
// A bad region is reported with Field "phone_region", anything else with
// Field "phone". An empty region is accepted for numbers that carry their
// country code, since they do not need one.
func Phone(s, region string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fail("phone", notUTF8)
	}
	s = cleanValue(s)
	if s == "" {
		return "", nil
	}
	lead := strings.TrimLeft(s, "( ")
	plus := strings.HasPrefix(lead, "+") || strings.HasPrefix(lead, "＋")
	idd00 := strings.HasPrefix(lead, "00")
	reg := "ZZ" // phonenumbers' unknown region: only numbers with a country code parse
	if strings.TrimSpace(region) != "" || !plus && !idd00 {
		r, err := Region(region)
		if err != nil {
			return "", err
		}
		reg = r
	}
	num, err := phonenumbers.Parse(s, reg)
	valid := err == nil && phonenumbers.IsValidNumber(num)
	if !valid && idd00 {
		// "00" is the international prefix of most of the world but not of
		// the region (the US dials 011), so the parse above read it as part
		// of a national number. Regions whose prefix merely starts with 00
		// (Australia's 0011) parsed correctly above.
		if n, e := phonenumbers.Parse("+"+lead[2:], reg); e == nil && phonenumbers.IsValidNumber(n) {
			num, err, valid = n, nil, true
		}
	}
	switch {
	case valid:
		return phonenumbers.Format(num, phonenumbers.E164), nil
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return "", fail("phone", "is not a valid phone number: the country code is unknown")
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return "", fail("phone", "is too short to be a phone number")
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return "", fail("phone", "is too long to be a phone number")
	case err != nil:
		return "", fail("phone", "is not a phone number")
	case plus || idd00:
		return "", fail("phone", "is not a valid phone number for country code +%d", num.GetCountryCode())
	}
	return "", fail("phone", "is not a valid phone number for region %s (numbers from other countries need their country code, e.g. +44)", reg)
}

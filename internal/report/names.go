package report

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// notSet names an empty dimension value.
const notSet = "(not set)"

// dimensionName is how a report shows a dimension's value, in the
// dashboard's words: no source is "Direct / None", countries go by their
// English name ("Unknown" when not known), devices are capitalised, other
// empty values are "(not set)".
func dimensionName(dim, value string) string {
	value = strings.TrimSpace(value)
	switch {
	case dim == "visit:source" && value == "":
		return "Direct / None"
	case dim == "visit:country" && value == "":
		return "Unknown"
	case dim == "visit:country":
		return countryName(value)
	case value == "":
		return notSet
	case dim == "visit:device":
		r, size := utf8.DecodeRuneInString(value)
		return string(unicode.ToUpper(r)) + value[size:]
	}
	return value
}

// countryName is the English name of an ISO 3166 country code, or the
// code itself when it is not one.
func countryName(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() {
		return code
	}
	if name := display.English.Regions().Name(r); name != "" {
		return name
	}
	return code
}

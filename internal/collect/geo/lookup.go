package geo

import (
	"net/netip"
	"strings"
)

// Location is where an IP address is, as far as the database knows. Every
// field may be empty, and a database knows the country far more often than
// the region or city.
type Location struct {
	// Country is the ISO 3166-1 alpha-2 code, such as "DE".
	Country string
	// Region is the ISO 3166-2 subdivision code, such as "DE-BE", or the
	// subdivision's English name when the database has no code for it
	// (DB-IP lite files).
	Region string
	// City is the city's English name, such as "Berlin".
	City string
}

// countryRecord is the part of a GeoIP2 record that Open probes for.
type countryRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
}

// names holds the one translation mops keeps. Decoding the "names" map into
// a struct rather than a map[string]string skips the other languages
// without allocating them.
type names struct {
	EN string `maxminddb:"en"`
}

// cityRecord is the part of a GeoIP2 City or Country record that Lookup
// reads; Country databases simply lack the subdivision and city.
type cityRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	City struct {
		Names names `maxminddb:"names"`
	} `maxminddb:"city"`
}

// subdivision is the first element of a record's "subdivisions" array.
type subdivision struct {
	ISOCode string `maxminddb:"iso_code"`
	Names   names  `maxminddb:"names"`
}

// Lookup returns the location of ip. It returns the zero Location for a nil
// or closed *DB, for addresses that never locate a visitor (private,
// loopback, link-local, multicast, unspecified), for addresses the
// database does not know, for IPv6 addresses in an IPv4-only database, and
// for a record it cannot decode. An IPv4-mapped IPv6 address is looked up
// as its IPv4 address.
func (d *DB) Lookup(ip netip.Addr) Location {
	if d == nil || !ip.IsValid() {
		return Location{}
	}
	ip = ip.Unmap().WithZone("")
	if ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() {
		return Location{}
	}

	var (
		rec   cityRecord
		sub   subdivision
		found bool
	)
	d.mu.RLock()
	if d.reader != nil {
		result := d.reader.Lookup(ip)
		// A lookup error (IPv6 in an IPv4-only file) or a decode error (a
		// corrupt record) means nothing is known of this address; there is
		// no one to report it to on the ingestion path. The first
		// subdivision is the largest (a state, not a county); decoding it
		// by path skips the others instead of allocating a slice for them.
		found = result.Found() &&
			result.Decode(&rec) == nil &&
			result.DecodePath(&sub, "subdivisions", 0) == nil
	}
	d.mu.RUnlock()
	if !found {
		return Location{}
	}
	return Location{
		Country: rec.Country.ISOCode,
		Region:  regionCode(rec.Country.ISOCode, sub.ISOCode, sub.Names.EN),
		City:    rec.City.Names.EN,
	}
}

// regionCode builds the ISO 3166-2 code from the country code and the
// subdivision part that GeoIP2 stores ("DE" and "BE" give "DE-BE"). It
// falls back to the English name when either code is missing, since a bare
// "BE" would be ambiguous across countries.
func regionCode(country, code, name string) string {
	switch {
	case code == "":
		return name
	case strings.Contains(code, "-"):
		// Already a full ISO 3166-2 code.
		return code
	case country == "":
		if name != "" {
			return name
		}
		return code
	default:
		return country + "-" + code
	}
}

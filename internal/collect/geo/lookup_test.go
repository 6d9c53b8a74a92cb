package geo

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/maxmind/mmdbwriter/mmdbtype"
)

func TestLookup(t *testing.T) {
	t.Parallel()

	cityPath := writeDB(t, "GeoLite2-City", 6, []network{
		{"81.2.69.0/24", maxmindCityRecord("DE", "Germany", "BE", "Land Berlin", "Berlin")},
		{"2a02:8100::/32", maxmindCityRecord("DE", "Germany", "HH", "Hamburg", "Hamburg")},
		// A network whose record knows only the country, as GeoLite2-City
		// has for many addresses.
		{"5.6.7.0/24", countryOnlyRecord("FR", "France")},
		// An empty subdivisions array and a city without an English name.
		{"5.6.8.0/24", mmdbtype.Map{
			"country":      geoCountry("IT", "Italy", "Italien", 3175395),
			"subdivisions": mmdbtype.Slice{},
			"city":         mmdbtype.Map{"names": mmdbtype.Map{"it": mmdbtype.String("Roma")}},
		}},
	})
	countryPath := writeDB(t, "GeoLite2-Country", 4, []network{
		{"81.2.69.0/24", countryOnlyRecord("FR", "France")},
	})
	dbipPath := writeDB(t, "DBIP-City-Lite", 6, []network{
		{"81.2.69.0/24", dbipCityRecord("AT", "Vienna", "Vienna")},
		{"2a01:4f8::/32", dbipCityRecord("AT", "Upper Austria", "Linz")},
	})
	city, country, dbip := openDB(t, cityPath), openDB(t, countryPath), openDB(t, dbipPath)

	tests := []struct {
		name string
		db   *DB
		ip   string
		want Location
	}{
		{"city ipv4", city, "81.2.69.142", Location{Country: "DE", Region: "DE-BE", City: "Berlin"}},
		{"city ipv6", city, "2a02:8100:1234::1", Location{Country: "DE", Region: "DE-HH", City: "Hamburg"}},
		{"city ipv4-mapped ipv6", city, "::ffff:81.2.69.142", Location{Country: "DE", Region: "DE-BE", City: "Berlin"}},
		{"city ipv6 with zone", city, "2a02:8100::1%eth0", Location{Country: "DE", Region: "DE-HH", City: "Hamburg"}},
		{"city db country-only record", city, "5.6.7.8", Location{Country: "FR"}},
		{"city db empty subdivisions, no english city", city, "5.6.8.9", Location{Country: "IT"}},
		{"country db", country, "81.2.69.1", Location{Country: "FR"}},
		{"country db ipv4-only, ipv6 address", country, "2a02:8100::1", Location{}},
		{"dbip region falls back to name", dbip, "81.2.69.200", Location{Country: "AT", Region: "Vienna", City: "Vienna"}},
		{"dbip ipv6", dbip, "2a01:4f8:c17:1::1", Location{Country: "AT", Region: "Upper Austria", City: "Linz"}},
		{"loopback v4", city, "127.0.0.1", Location{}},
		{"private v4", city, "10.0.0.1", Location{}},
		{"private v4 192.168", city, "192.168.1.20", Location{}},
		{"loopback v6", city, "::1", Location{}},
		{"unique local v6", city, "fd00::1", Location{}},
		{"link-local v6", city, "fe80::1", Location{}},
		{"unspecified", city, "0.0.0.0", Location{}},
		{"mapped private", city, "::ffff:10.0.0.1", Location{}},
		{"unknown public v4", city, "8.8.8.8", Location{}},
		{"unknown public v6", city, "2001:4860:4860::8888", Location{}},
		{"nil db", nil, "81.2.69.142", Location{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.db.Lookup(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("Lookup(%s) = %+v, want %+v", tt.ip, got, tt.want)
			}
		})
	}
}

func TestLookupInvalidAddr(t *testing.T) {
	t.Parallel()
	db := openDB(t, writeDB(t, "GeoLite2-Country", 6, []network{{"81.2.69.0/24", countryOnlyRecord("FR", "France")}}))
	if got := db.Lookup(netip.Addr{}); got != (Location{}) {
		t.Errorf("Lookup(zero Addr) = %+v, want zero", got)
	}
}

func TestLookupUndecodableRecord(t *testing.T) {
	t.Parallel()
	// An ipinfo-style record stores country as a string. One such record
	// among good ones must come back empty, not panic or half-filled.
	db := openDB(t, writeDB(t, "Mixed", 6, []network{
		{"81.2.69.0/24", countryOnlyRecord("FR", "France")},
		{"5.6.7.0/24", mmdbtype.Map{"country": mmdbtype.String("FR")}},
	}))
	if got := db.Lookup(netip.MustParseAddr("5.6.7.8")); got != (Location{}) {
		t.Errorf("Lookup(5.6.7.8) = %+v, want zero", got)
	}
}

func TestRegionCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		country, code, name string
		want                string
	}{
		{"DE", "BE", "Land Berlin", "DE-BE"},
		{"GB", "ENG", "England", "GB-ENG"},
		{"AT", "", "Vienna", "Vienna"},
		{"DE", "DE-BY", "Bavaria", "DE-BY"},
		{"", "BE", "Berlin", "Berlin"},
		{"", "BE", "", "BE"},
		{"DE", "", "", ""},
	}
	for _, tt := range tests {
		if got := regionCode(tt.country, tt.code, tt.name); got != tt.want {
			t.Errorf("regionCode(%q, %q, %q) = %q, want %q", tt.country, tt.code, tt.name, got, tt.want)
		}
	}
}

// TestLookupConcurrentClose runs lookups while the database closes; run
// it with -race. Lookups must keep returning either the location or the
// zero Location.
func TestLookupConcurrentClose(t *testing.T) {
	t.Parallel()
	db, err := Open(writeDB(t, "GeoLite2-City", 6, []network{
		{"81.2.69.0/24", maxmindCityRecord("DE", "Germany", "BE", "Land Berlin", "Berlin")},
	}))
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr("81.2.69.142")
	want := Location{Country: "DE", Region: "DE-BE", City: "Berlin"}

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 2000 {
				if got := db.Lookup(ip); got != want && got != (Location{}) {
					t.Errorf("Lookup(%s) = %+v, want %+v or zero", ip, got, want)
					return
				}
			}
		})
	}
	wg.Go(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	wg.Wait()

	if got := db.Lookup(ip); got != (Location{}) {
		t.Errorf("Lookup after Close = %+v, want zero", got)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

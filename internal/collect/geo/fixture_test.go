package geo

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// fixtureBuildEpoch is the build time of every test database:
// 2024-05-03T12:00:00Z.
const fixtureBuildEpoch = 1714737600

// network is one entry of a test database.
type network struct {
	cidr   string
	record mmdbtype.Map
}

// writeDB writes a MaxMind DB file of the given type and IP version (4 or 6)
// holding networks into a fresh temporary directory and returns its path.
func writeDB(tb testing.TB, dbType string, ipVersion int, networks []network) string {
	tb.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: dbType,
		Description:  map[string]string{"en": "mops test database"},
		Languages:    fixtureLanguages,
		IPVersion:    ipVersion,
		RecordSize:   28,
		BuildEpoch:   fixtureBuildEpoch,
	})
	if err != nil {
		tb.Fatalf("mmdbwriter.New: %v", err)
	}
	for _, n := range networks {
		_, ipNet, err := net.ParseCIDR(n.cidr)
		if err != nil {
			tb.Fatalf("parse %q: %v", n.cidr, err)
		}
		if err := tree.Insert(ipNet, n.record); err != nil {
			tb.Fatalf("insert %s: %v", n.cidr, err)
		}
	}

	path := filepath.Join(tb.TempDir(), dbType+".mmdb")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		tb.Fatalf("write %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// openDB opens path and closes it when the test ends.
func openDB(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(path)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// fixtureLanguages are the languages of GeoLite2's "names" maps.
var fixtureLanguages = []string{"de", "en", "es", "fr", "ja", "pt-BR", "ru", "zh-CN"}

// localized builds a GeoIP2 "names" map with every GeoLite2 language, so
// that decoding has to skip the ones mops does not keep, as it does on a
// real file.
func localized(en, de string) mmdbtype.Map {
	m := mmdbtype.Map{"en": mmdbtype.String(en), "de": mmdbtype.String(de)}
	for _, lang := range fixtureLanguages[2:] {
		m[mmdbtype.String(lang)] = mmdbtype.String(en + " (" + lang + ")")
	}
	return m
}

// geoCountry builds a GeoIP2 country object.
func geoCountry(iso, en, de string, geonameID uint32) mmdbtype.Map {
	return mmdbtype.Map{
		"geoname_id": mmdbtype.Uint32(geonameID),
		"iso_code":   mmdbtype.String(iso),
		"names":      localized(en, de),
	}
}

// maxmindCityRecord builds a record shaped like a GeoIP2-City one, with the
// fields mops ignores present too so that decoding has to skip them.
// subdivisionISO may be empty, as in DB-IP lite files.
func maxmindCityRecord(countryISO, countryName, subdivisionISO, subdivisionName, city string) mmdbtype.Map {
	subdivision := mmdbtype.Map{
		"geoname_id": mmdbtype.Uint32(2950157),
		"names":      localized(subdivisionName, subdivisionName),
	}
	if subdivisionISO != "" {
		subdivision["iso_code"] = mmdbtype.String(subdivisionISO)
	}
	return mmdbtype.Map{
		"city": mmdbtype.Map{
			"geoname_id": mmdbtype.Uint32(2950159),
			"names":      localized(city, city),
		},
		"continent": mmdbtype.Map{
			"code":       mmdbtype.String("EU"),
			"geoname_id": mmdbtype.Uint32(6255148),
			"names":      localized("Europe", "Europa"),
		},
		"country": geoCountry(countryISO, countryName, countryName, 2921044),
		"location": mmdbtype.Map{
			"accuracy_radius": mmdbtype.Uint16(20),
			"latitude":        mmdbtype.Float64(52.5196),
			"longitude":       mmdbtype.Float64(13.4069),
			"time_zone":       mmdbtype.String("Europe/Berlin"),
		},
		"postal":             mmdbtype.Map{"code": mmdbtype.String("10178")},
		"registered_country": geoCountry(countryISO, countryName, countryName, 2921044),
		"subdivisions": mmdbtype.Slice{
			subdivision,
			mmdbtype.Map{"iso_code": mmdbtype.String("XX"), "names": localized("Second level", "Zweite Ebene")},
		},
	}
}

// countryOnlyRecord builds a record shaped like a GeoLite2-Country one.
func countryOnlyRecord(iso, name string) mmdbtype.Map {
	return mmdbtype.Map{
		"continent":          mmdbtype.Map{"code": mmdbtype.String("EU"), "names": localized("Europe", "Europa")},
		"country":            geoCountry(iso, name, name, 3017382),
		"registered_country": geoCountry(iso, name, name, 3017382),
	}
}

// dbipCityRecord builds a record shaped like a dbip-city-lite one: the
// subdivision has names but no iso_code, and there is no geoname_id.
func dbipCityRecord(countryISO, subdivisionName, city string) mmdbtype.Map {
	return mmdbtype.Map{
		"city":      mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(city)}},
		"continent": mmdbtype.Map{"code": mmdbtype.String("EU"), "names": mmdbtype.Map{"en": mmdbtype.String("Europe")}},
		"country": mmdbtype.Map{
			"iso_code": mmdbtype.String(countryISO),
			"names":    mmdbtype.Map{"en": mmdbtype.String("Austria")},
		},
		"location": mmdbtype.Map{
			"latitude":  mmdbtype.Float64(48.2082),
			"longitude": mmdbtype.Float64(16.3738),
		},
		"subdivisions": mmdbtype.Slice{
			mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(subdivisionName)}},
		},
	}
}

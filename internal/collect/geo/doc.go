// Package geo turns a visitor's IP address into a coarse location: country,
// region and city. mops never stores IP addresses; the collector looks the
// address up once at ingestion and keeps only the Location.
//
// The data comes from an optional MaxMind DB (.mmdb) file that the operator
// downloads: MaxMind GeoLite2/GeoIP2 City or Country, or DB-IP's
// dbip-city-lite or dbip-country-lite. All of them share the GeoIP2 record
// layout, of which this package reads four fields:
//
//	country.iso_code             -> Location.Country ("DE")
//	subdivisions[0].iso_code     -> Location.Region  ("DE-BE")
//	subdivisions[0].names.en     -> Location.Region  ("Berlin", when there is no code)
//	city.names.en                -> Location.City    ("Berlin")
//
// When no file is configured callers hold a nil *DB: its methods are safe
// and Lookup returns the zero Location, so the collector needs no special
// case.
//
//	db, err := geo.Open(cfg.GeoDatabase) // only when a path is configured
//	if err != nil {
//		return err
//	}
//	defer db.Close()
//	logger.Info("geo database loaded", "geo.database", db.Description())
//	loc := db.Lookup(clientIP) // geo.Location{Country: "DE", Region: "DE-BE", City: "Berlin"}
package geo

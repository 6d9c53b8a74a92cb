package geo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"
)

// ErrNotMMDB is returned by Open when the file is not a readable MaxMind DB
// (.mmdb) file.
var ErrNotMMDB = errors.New("not a MaxMind DB (.mmdb) file")

// ErrNoCountryData is returned by Open when the file is a MaxMind DB file
// whose records carry no country.iso_code, such as an ASN or ISP database.
var ErrNoCountryData = errors.New("database has no country data (want a City or Country database from MaxMind or DB-IP)")

// countryProbeLimit bounds how many records Open decodes while looking for
// country data. Real City and Country databases have it in their first
// record; the bound keeps Open fast on a large database of another kind.
const countryProbeLimit = 1024

// DB is an open geolocation database. It is safe for concurrent use,
// including Close while lookups are in flight: lookups that start after
// Close return the zero Location. A nil *DB is valid and knows no
// locations.
type DB struct {
	// mu guards reader against Close: the reader memory-maps the file, and
	// unmapping it under a running lookup would crash the process rather
	// than return an error. Lookups share the read lock.
	mu     sync.RWMutex
	reader *maxminddb.Reader
	desc   string
}

// Open opens the .mmdb file at path. The error names the file and wraps
// fs.ErrNotExist when it is missing, ErrNotMMDB when it is not a MaxMind DB
// file, and ErrNoCountryData when it is one without country data. The file
// is memory-mapped: replace it by renaming a new file over it, never by
// rewriting it in place while the DB is open.
func Open(path string) (*DB, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open geo database %s: %w", path, pathErrCause(err))
	}
	if info.IsDir() {
		return nil, fmt.Errorf("open geo database %s: is a directory: %w", path, ErrNotMMDB)
	}

	reader, err := maxminddb.Open(path)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			// The file vanished or became unreadable after Stat.
			return nil, fmt.Errorf("open geo database %s: %w", path, pathErr.Err)
		}
		return nil, fmt.Errorf("open geo database %s: %w: %w", path, ErrNotMMDB, err)
	}

	if !hasCountryData(reader) {
		// The close error is not interesting next to the reason for closing.
		_ = reader.Close()
		kind := reader.Metadata.DatabaseType
		if kind == "" {
			kind = "untyped"
		}
		return nil, fmt.Errorf("open geo database %s: %s: %w", path, kind, ErrNoCountryData)
	}

	return &DB{reader: reader, desc: describe(reader.Metadata)}, nil
}

// Close releases the database. It is safe to call on a nil *DB and more
// than once.
func (d *DB) Close() error {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.reader == nil {
		return nil
	}
	err := d.reader.Close()
	d.reader = nil
	if err != nil {
		return fmt.Errorf("close geo database: %w", err)
	}
	return nil
}

// Description returns the database type and build date, such as
// "GeoLite2-City, built 2024-05-03", for the startup log. A nil *DB
// describes itself as "none".
func (d *DB) Description() string {
	if d == nil {
		return "none"
	}
	return d.desc
}

func describe(meta maxminddb.Metadata) string {
	kind := meta.DatabaseType
	if kind == "" {
		kind = "untyped MaxMind DB"
	}
	if meta.BuildEpoch == 0 {
		return kind + ", build date unknown"
	}
	return kind + ", built " + meta.BuildTime().UTC().Format("2006-01-02")
}

// hasCountryData reports whether one of the first records of reader has a
// country.iso_code. The database type alone cannot tell: DB-IP, MaxMind and
// custom databases name their types differently, and an ipinfo-style file
// stores "country" as a plain string that this package cannot read.
func hasCountryData(reader *maxminddb.Reader) bool {
	n := 0
	for result := range reader.Networks() {
		var rec countryRecord
		if err := result.Decode(&rec); err == nil && rec.Country.ISOCode != "" {
			return true
		}
		n++
		if n >= countryProbeLimit {
			break
		}
	}
	return false
}

// pathErrCause strips the *fs.PathError that os functions wrap their errors
// in, so that the message names the path once.
func pathErrCause(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}

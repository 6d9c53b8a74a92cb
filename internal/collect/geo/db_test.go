package geo

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter/mmdbtype"
)

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	asnPath := writeDB(t, "GeoLite2-ASN", 6, []network{{"81.2.69.0/24", mmdbtype.Map{
		"autonomous_system_number":       mmdbtype.Uint32(64496),
		"autonomous_system_organization": mmdbtype.String("Example Net"),
	}}})
	ipinfoPath := writeDB(t, "ipinfo country.mmdb", 6, []network{{"81.2.69.0/24", mmdbtype.Map{
		"country": mmdbtype.String("DE"),
	}}})

	tests := []struct {
		name     string
		path     string
		wantIs   error
		wantText []string
	}{
		{"missing", filepath.Join(dir, "GeoLite2-City.mmdb"), fs.ErrNotExist, []string{"GeoLite2-City.mmdb", "no such file"}},
		{"directory", dir, ErrNotMMDB, []string{dir, "is a directory"}},
		{"empty", write("empty.mmdb", ""), ErrNotMMDB, []string{"empty.mmdb", "not a MaxMind DB"}},
		{"text", write("city.csv", "network,country\n81.2.69.0/24,DE\n"), ErrNotMMDB, []string{"city.csv", "not a MaxMind DB"}},
		{"asn", asnPath, ErrNoCountryData, []string{asnPath, "GeoLite2-ASN", "no country data"}},
		{"country as string", ipinfoPath, ErrNoCountryData, []string{"no country data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, err := Open(tt.path)
			if err == nil {
				_ = db.Close()
				t.Fatalf("Open(%s) succeeded, want error", tt.path)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("Open(%s) = %v, want errors.Is %v", tt.path, err, tt.wantIs)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Open(%s) error %q does not mention %q", tt.path, err, s)
				}
			}
		})
	}
}

func TestOpenAcceptsCityAndCountry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string
		want string
	}{
		{"maxmind city", writeDB(t, "GeoLite2-City", 6, []network{
			{"81.2.69.0/24", maxmindCityRecord("DE", "Germany", "BE", "Land Berlin", "Berlin")},
		}), "GeoLite2-City, built 2024-05-03"},
		{"maxmind country ipv4-only", writeDB(t, "GeoIP2-Country", 4, []network{
			{"81.2.69.0/24", countryOnlyRecord("FR", "France")},
		}), "GeoIP2-Country, built 2024-05-03"},
		{"dbip city lite", writeDB(t, "DBIP-City-Lite", 6, []network{
			{"81.2.69.0/24", dbipCityRecord("AT", "Vienna", "Vienna")},
		}), "DBIP-City-Lite, built 2024-05-03"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t, tt.path)
			if got := db.Description(); got != tt.want {
				t.Errorf("Description() of %s = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestNilDB(t *testing.T) {
	t.Parallel()
	var db *DB
	if got := db.Description(); got != "none" {
		t.Errorf("nil Description() = %q, want %q", got, "none")
	}
	if err := db.Close(); err != nil {
		t.Errorf("nil Close() = %v, want nil", err)
	}
}

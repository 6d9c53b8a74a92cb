package geo

import (
	"fmt"
	"net/netip"
	"testing"
)

// benchDB writes a City database of 4096 IPv4 /24 networks and 1024 IPv6
// /48 networks with full GeoIP2-City records, and returns it open with one
// address in each network.
func benchDB(b *testing.B) (*DB, []netip.Addr) {
	b.Helper()
	var networks []network
	var addrs []netip.Addr
	for i := range 4096 {
		a, c := 20+i/256, i%256
		networks = append(networks, network{
			fmt.Sprintf("%d.%d.0.0/24", a, c),
			maxmindCityRecord("DE", "Germany", fmt.Sprintf("R%d", i%16), "Region", fmt.Sprintf("City %d", i%512)),
		})
		addrs = append(addrs, netip.AddrFrom4([4]byte{byte(a), byte(c), 0, byte(i)}))
	}
	for i := range 1024 {
		networks = append(networks, network{
			fmt.Sprintf("2a02:%x:%x::/48", 0x8100+i/256, i%256),
			maxmindCityRecord("FR", "France", "IDF", "Île-de-France", fmt.Sprintf("Ville %d", i)),
		})
		addrs = append(addrs, netip.MustParseAddr(fmt.Sprintf("2a02:%x:%x::%x", 0x8100+i/256, i%256, i+1)))
	}
	db := openDB(b, writeDB(b, "GeoLite2-City", 6, networks))
	for _, ip := range addrs {
		if db.Lookup(ip).Country == "" {
			b.Fatalf("Lookup(%s) found nothing", ip)
		}
	}
	return db, addrs
}

func BenchmarkLookup(b *testing.B) {
	db, addrs := benchDB(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = db.Lookup(addrs[i%len(addrs)])
		i++
	}
}

func BenchmarkLookupParallel(b *testing.B) {
	db, addrs := benchDB(b)
	b.ReportAllocs()
	b.ResetTimer() // RunParallel, unlike b.Loop, would time the setup too
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_ = db.Lookup(addrs[i%len(addrs)])
			i++
		}
	})
}

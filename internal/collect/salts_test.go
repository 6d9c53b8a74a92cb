package collect

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

// TestVisitorIDIsTheHashOfItsParts checks visitorID against the hash
// computed part by part with the streaming API.
func TestVisitorIDIsTheHashOfItsParts(t *testing.T) {
	for _, c := range []struct {
		salt, site, ip, ua string
	}{
		{"salt-1", "site_a", "203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0.0.0 Safari/537.36"},
		{"salt-1", "site_a", "2001:db8::1", "curl/8.0"},
		{"", "", "", ""},
		{"salt-2", "site_b", "198.51.100.1", strings.Repeat("long agent ", 100)},
	} {
		var ip netip.Addr
		if c.ip != "" {
			ip = netip.MustParseAddr(c.ip)
		}
		h := sha256.New()
		for _, part := range []string{c.salt, c.site, ip.String(), c.ua} {
			h.Write([]byte(part))
			h.Write([]byte{0})
		}
		want := "v_" + hex.EncodeToString(h.Sum(nil)[:12])
		if got := visitorID(c.salt, c.site, ip, c.ua); got != want {
			t.Errorf("visitorID(%q, %q, %q, %.20q) = %s, want %s", c.salt, c.site, c.ip, c.ua, got, want)
		}
	}
	if visitorID("s", "site", netip.MustParseAddr("10.0.0.1"), "ua") == visitorID("s", "site", netip.MustParseAddr("10.0.0.2"), "ua") {
		t.Error("different addresses gave the same visitor id")
	}
}

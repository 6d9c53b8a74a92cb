package httpx

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the address of the client that made r.
//
// That is the connection's peer address, unless the peer lies inside one of
// the trusted proxy prefixes: then it is the first address in
// X-Forwarded-For, provided it parses (otherwise the peer address again).
// Nothing is trusted by default, not even loopback. IPv4-mapped IPv6
// addresses are returned as IPv4. The result is the zero Addr only when
// r.RemoteAddr itself is unparsable.
//
// The first X-Forwarded-For entry is whatever the client sent unless the
// trusted proxy replaces the header, so configure the proxy to overwrite it
// rather than append to it.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := remoteAddr(r.RemoteAddr)
	if !peer.IsValid() || !contains(trusted, peer) {
		return peer
	}
	xff := r.Header.Get("X-Forwarded-For")
	if xff == "" {
		return peer
	}
	first, _, _ := strings.Cut(xff, ",")
	addr, err := netip.ParseAddr(strings.TrimSpace(first))
	if err != nil {
		return peer
	}
	return addr.Unmap()
}

// remoteAddr parses a RemoteAddr, normally "host:port" but accepted bare.
func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}

func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	a = a.WithZone("")
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParsePrefixes parses a comma-separated list of CIDR prefixes and bare
// addresses, e.g. "10.0.0.0/8, 192.168.1.1, fd00::/8"; a bare address stands
// for itself alone (/32 or /128). Blank entries are skipped, so "" yields no
// prefixes. The error names the first bad entry.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		if strings.Contains(entry, "/") {
			p, err := netip.ParsePrefix(entry)
			if err != nil {
				return nil, fmt.Errorf("httpx: bad trusted proxy entry %q: %w", entry, err)
			}
			if p.Addr().Is4In6() {
				if p.Bits() < 96 {
					return nil, fmt.Errorf("httpx: bad trusted proxy entry %q: IPv4-mapped prefix shorter than /96", entry)
				}
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(entry)
		if err != nil {
			return nil, fmt.Errorf("httpx: bad trusted proxy entry %q: %w", entry, err)
		}
		if a.Zone() != "" {
			return nil, fmt.Errorf("httpx: bad trusted proxy entry %q: zones are not allowed", entry)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

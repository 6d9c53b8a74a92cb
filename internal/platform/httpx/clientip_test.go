package httpx

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	trusted, err := ParsePrefixes("10.0.0.0/8, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxy", "203.0.113.7:5555", nil, trusted, "203.0.113.7"},
		{"untrusted peer ignores XFF", "203.0.113.7:5555", []string{"198.51.100.1"}, trusted, "203.0.113.7"},
		{"trusted peer uses first XFF entry", "10.1.2.3:443", []string{"198.51.100.1, 10.9.9.9"}, trusted, "198.51.100.1"},
		{"first of several XFF headers", "10.1.2.3:443", []string{"198.51.100.1", "198.51.100.2"}, trusted, "198.51.100.1"},
		{"trusted peer without XFF", "10.1.2.3:443", nil, trusted, "10.1.2.3"},
		{"garbage XFF falls back", "10.1.2.3:443", []string{"not-an-ip, 198.51.100.1"}, trusted, "10.1.2.3"},
		{"XFF with port falls back", "10.1.2.3:443", []string{"198.51.100.1:80"}, trusted, "10.1.2.3"},
		{"IPv6 peer", "[2001:db8::1]:5555", nil, trusted, "2001:db8::1"},
		{"IPv6 trusted peer, IPv6 client", "[fd00::2]:443", []string{" 2001:db8::9 "}, trusted, "2001:db8::9"},
		{"IPv4-mapped peer is IPv4", "[::ffff:10.1.2.3]:443", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"loopback not trusted by default", "127.0.0.1:5555", []string{"198.51.100.1"}, nil, "127.0.0.1"},
		{"loopback trusted when listed", "127.0.0.1:5555", []string{"198.51.100.1"}, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "198.51.100.1"},
		{"bare remote address", "203.0.113.7", nil, trusted, "203.0.113.7"},
		{"unparsable remote address", "pipe", []string{"198.51.100.1"}, trusted, "invalid IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tt.trusted).String(); got != tt.want {
				t.Errorf("ClientIP(remote %q, XFF %q, trusted %v) = %s, want %s", tt.remote, tt.xff, tt.trusted, got, tt.want)
			}
		})
	}
}

func TestClientIPOverHTTP(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(ClientIP(r, nil).String()))
	}))
	t.Cleanup(srv.Close)
	res := send(t, srv, http.MethodGet, "/", http.Header{"X-Forwarded-For": {"198.51.100.1"}}, "")
	if res.body != "127.0.0.1" {
		t.Errorf("ClientIP over loopback with spoofed XFF = %q, want 127.0.0.1", res.body)
	}
}

func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string // prefixes joined by space
		wantErr string // substring of the error
	}{
		{"", "", ""},
		{"10.0.0.0/8,192.168.1.1", "10.0.0.0/8 192.168.1.1/32", ""},
		{" 10.0.0.0/8 , , 2001:db8::1 ,", "10.0.0.0/8 2001:db8::1/128", ""},
		{"10.1.2.3/8", "10.0.0.0/8", ""},
		{"::ffff:10.0.0.1", "10.0.0.1/32", ""},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8", ""},
		{"10.0.0.0/8,not-an-ip", "", `"not-an-ip"`},
		{"10.0.0.0/33", "", `"10.0.0.0/33"`},
		{"192.168.1.300", "", `"192.168.1.300"`},
		{"fe80::1%eth0", "", `"fe80::1%eth0"`},
	}
	for _, tt := range tests {
		got, err := ParsePrefixes(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePrefixes(%q) error = %v, want one naming %s", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParsePrefixes(%q) error = %v", tt.in, err)
			continue
		}
		var parts []string
		for _, p := range got {
			parts = append(parts, p.String())
		}
		if s := strings.Join(parts, " "); s != tt.want {
			t.Errorf("ParsePrefixes(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

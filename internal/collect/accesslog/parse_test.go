package accesslog

import (
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// utc parses a log timestamp with the standard library, as the reference
// the hand-written parser is checked against.
func utc(t *testing.T, stamp string) time.Time {
	t.Helper()
	tm, err := time.Parse("02/Jan/2006:15:04:05 -0700", stamp)
	if err != nil {
		t.Fatalf("bad test timestamp %q: %v", stamp, err)
	}
	return tm.UTC()
}

// short keeps failure messages readable for the 64 KiB test lines.
func short(s string) string {
	if len(s) > 160 {
		return s[:160] + "…(" + itoa(len(s)) + " bytes)"
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}

// lineOfLen returns a valid combined line padded (in the user agent) to
// exactly n bytes.
func lineOfLen(t *testing.T, n int) string {
	t.Helper()
	head := `203.0.113.7 - - [10/Oct/2025:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "`
	pad := n - len(head) - 1
	if pad < 0 {
		t.Fatalf("lineOfLen(%d) too short", n)
	}
	return head + strings.Repeat("a", pad) + `"`
}

func checkHit(t *testing.T, input string, got, want Hit) {
	t.Helper()
	if got.Line != want.Line || got.IP != want.IP || got.Method != want.Method ||
		got.Path != want.Path || got.Query != want.Query || got.Status != want.Status ||
		got.Bytes != want.Bytes || got.Referrer != want.Referrer ||
		got.UserAgent != want.UserAgent || got.Host != want.Host ||
		!got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		t.Errorf("line %q:\n got  %+v (time loc %v)\n want %+v", short(input), got, got.Time.Location(), want)
	}
}

func TestParseLine(t *testing.T) {
	t.Parallel()
	const stamp = "10/Oct/2025:13:55:36 +0200"
	at := utc(t, stamp)
	ua := "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	ip4 := netip.MustParseAddr("203.0.113.7")
	// base is the Hit most cases start from.
	base := Hit{Line: 1, IP: ip4, Time: at, Method: "GET", Path: "/pricing", Query: "utm_source=news&a=1",
		Status: 200, Bytes: 5123, Referrer: "https://www.google.com/", UserAgent: ua}
	with := func(f func(h *Hit)) Hit {
		h := base
		f(&h)
		return h
	}
	nginx := `203.0.113.7 - - [` + stamp + `] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "` + ua + `"`

	tests := []struct {
		name   string
		line   string
		want   Hit
		reason string // non-empty: want a *LineError with this reason
	}{
		{name: "nginx combined", line: nginx, want: base},
		{name: "nginx combined with newline", line: nginx + "\n", want: base},
		{name: "CRLF line ending", line: nginx + "\r\n", want: base},
		{
			name: "apache combined with user",
			line: `192.0.2.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`,
			want: Hit{Line: 1, IP: netip.MustParseAddr("192.0.2.1"), Time: utc(t, "10/Oct/2000:13:55:36 -0700"),
				Method: "GET", Path: "/apache_pb.gif", Status: 200, Bytes: 2326,
				Referrer: "http://www.example.com/start.html", UserAgent: "Mozilla/4.08 [en] (Win98; I ;Nav)"},
		},
		{
			name: "apache vhost_combined",
			line: `www.example.com:443 203.0.113.7 - - [` + stamp + `] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "-" "-"`,
			want: with(func(h *Hit) { h.Host = "www.example.com"; h.Referrer = ""; h.UserAgent = "" }),
		},
		{
			name: "nginx $host first",
			line: `example.org ` + nginx,
			want: with(func(h *Hit) { h.Host = "example.org" }),
		},
		{
			name: "vhost that is an IP address",
			line: `198.51.100.1:80 ` + nginx,
			want: with(func(h *Hit) { h.Host = "198.51.100.1" }),
		},
		{
			name: "vhost bracketed IPv6 with port",
			line: `[2001:db8::10]:443 ` + nginx,
			want: with(func(h *Hit) { h.Host = "[2001:db8::10]" }),
		},
		{
			name: "vhost with IPv6 client",
			line: `example.com:80 2001:db8::2 - - [` + stamp + `] "GET / HTTP/2.0" 304 - "-" "` + ua + `"`,
			want: with(func(h *Hit) {
				h.Host, h.IP, h.Path, h.Query, h.Status, h.Bytes, h.Referrer = "example.com", netip.MustParseAddr("2001:db8::2"), "/", "", 304, 0, ""
			}),
		},
		{
			name: "user name with a space",
			line: `203.0.113.7 - john smith [` + stamp + `] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "` + ua + `"`,
			want: base,
		},
		{
			name: "extra quoted field (x_forwarded_for)",
			line: nginx + ` "10.0.0.1, 10.0.0.2"`,
			want: base,
		},
		{
			name: "extra unquoted fields (request times)",
			line: nginx + ` 0.012 0.010 -`,
			want: base,
		},
		{
			name: "IPv6 client",
			line: `2001:db8:85a3::8a2e:370:7334 - - [` + stamp + `] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "` + ua + `"`,
			want: with(func(h *Hit) { h.IP = netip.MustParseAddr("2001:db8:85a3::8a2e:370:7334") }),
		},
		{
			name: "IPv4-mapped IPv6 client is unmapped",
			line: `::ffff:203.0.113.7 - - [` + stamp + `] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "` + ua + `"`,
			want: base,
		},
		{
			name: "apache escaped quotes in user agent",
			line: `203.0.113.7 - - [` + stamp + `] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "Bot \"quoted\" 1.0"`,
			want: with(func(h *Hit) { h.UserAgent = `Bot "quoted" 1.0` }),
		},
		{
			name: "nginx hex-escaped quotes and UTF-8",
			line: `203.0.113.7 - - [` + stamp + `] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "Bot \x22caf\xC3\xA9\x22"`,
			want: with(func(h *Hit) { h.UserAgent = `Bot "café"` }),
		},
		{
			name: "escaped quote in request",
			line: `203.0.113.7 - - [` + stamp + `] "GET /search?q=\"go\" HTTP/1.1" 200 5123 "https://www.google.com/" "` + ua + `"`,
			want: with(func(h *Hit) { h.Path, h.Query = "/search", `q="go"` }),
		},
		{
			name: "escaped backslash closing a field",
			line: `203.0.113.7 - - [` + stamp + `] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "agent\\"`,
			want: with(func(h *Hit) { h.UserAgent = `agent\` }),
		},
		{
			name: "unescaped inner quote (nginx escape=none)",
			line: `203.0.113.7 - - [` + stamp + `] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "Bot "x"y"`,
			want: with(func(h *Hit) { h.UserAgent = `Bot "x"y` }),
		},
		{
			name: "dash bytes, HEAD, 304",
			line: `203.0.113.7 - - [` + stamp + `] "HEAD / HTTP/1.1" 304 - "-" "-"`,
			want: with(func(h *Hit) {
				h.Method, h.Path, h.Query, h.Status, h.Bytes, h.Referrer, h.UserAgent = "HEAD", "/", "", 304, 0, "", ""
			}),
		},
		{
			name: "absolute-form target",
			line: `203.0.113.7 - - [` + stamp + `] "GET http://example.com/pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "` + ua + `"`,
			want: base,
		},
		{
			name: "HTTP/0.9 without protocol",
			line: `203.0.113.7 - - [` + stamp + `] "GET /pricing?utm_source=news&a=1" 200 5123 "https://www.google.com/" "` + ua + `"`,
			want: base,
		},
		{
			name: "negative offset crosses midnight",
			line: `203.0.113.7 - - [31/Dec/2024:22:30:00 -0530] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "` + ua + `"`,
			want: with(func(h *Hit) { h.Time = time.Date(2025, 1, 1, 4, 0, 0, 0, time.UTC) }),
		},
		{
			name: "leap day",
			line: `203.0.113.7 - - [29/Feb/2024:00:00:00 +0000] "GET /pricing?utm_source=news&a=1 HTTP/1.1" 200 5123 "https://www.google.com/" "` + ua + `"`,
			want: with(func(h *Hit) { h.Time = time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC) }),
		},
		{name: "line of exactly MaxLineLen", line: lineOfLen(t, MaxLineLen) + "\r\n",
			want: Hit{Line: 1, IP: ip4, Time: at, Method: "GET", Path: "/", Status: 200, Bytes: 1,
				UserAgent: strings.Repeat("a", MaxLineLen-len(`203.0.113.7 - - [10/Oct/2025:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "`)-1)}},

		// Rejected lines.
		{name: "too long by one byte", line: lineOfLen(t, MaxLineLen+1) + "\n", reason: ReasonTooLong},
		{name: "too long, 100 KiB", line: lineOfLen(t, 100<<10) + "\n", reason: ReasonTooLong},
		{name: "too long, no newline", line: lineOfLen(t, 100<<10), reason: ReasonTooLong},
		{name: "TLS handshake", line: `203.0.113.7 - - [` + stamp + `] "\x16\x03\x01\x00\xF7\x01\x00\x00\xF3\x03\x03" 400 157 "-" "-"`, reason: ReasonRequest},
		{name: "TLS handshake with spaces", line: `203.0.113.7 - - [` + stamp + `] "\x16\x03\x01 \x00 HTTP/1.1" 400 157 "-" "-"`, reason: ReasonRequest},
		{name: "empty request", line: `203.0.113.7 - - [` + stamp + `] "" 400 0 "-" "-"`, reason: ReasonRequest},
		{name: "dash request (nginx timeout)", line: `203.0.113.7 - - [` + stamp + `] "-" 408 0 "-" "-"`, reason: ReasonRequest},
		{name: "protocol is not HTTP", line: `203.0.113.7 - - [` + stamp + `] "GET / SSH-2.0" 400 0 "-" "-"`, reason: ReasonRequest},
		{name: "control byte in target", line: `203.0.113.7 - - [` + stamp + `] "GET /a\x01b HTTP/1.1" 400 0 "-" "-"`, reason: ReasonRequest},
		{name: "unterminated request", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1 200 0`, reason: ReasonRequest},
		{name: "common format lacks referrer and agent", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1" 200 512`, reason: ReasonReferrer},
		{name: "missing user agent", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1" 200 512 "-"`, reason: ReasonUserAgent},
		{name: "unterminated user agent", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1" 200 512 "-" "Mozilla`, reason: ReasonUserAgent},
		{name: "missing status and rest", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1"`, reason: ReasonStatus},
		{name: "missing bytes and rest", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1" 200`, reason: ReasonBytes},
		{name: "status with letter", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1" 2x0 512 "-" "-"`, reason: ReasonStatus},
		{name: "status two digits", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1" 20 512 "-" "-"`, reason: ReasonStatus},
		{name: "status four digits", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1" 2000 512 "-" "-"`, reason: ReasonStatus},
		{name: "status below 100", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1" 099 512 "-" "-"`, reason: ReasonStatus},
		{name: "bytes with letter", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1" 200 5k "-" "-"`, reason: ReasonBytes},
		{name: "bytes overflow", line: `203.0.113.7 - - [` + stamp + `] "GET / HTTP/1.1" 200 99999999999999999999 "-" "-"`, reason: ReasonBytes},
		{name: "bad month", line: `203.0.113.7 - - [10/Foo/2025:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonTime},
		{name: "31 February", line: `203.0.113.7 - - [31/Feb/2025:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonTime},
		{name: "29 February in a common year", line: `203.0.113.7 - - [29/Feb/2025:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonTime},
		{name: "hour 24", line: `203.0.113.7 - - [10/Oct/2025:24:00:00 +0200] "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonTime},
		{name: "no offset", line: `203.0.113.7 - - [10/Oct/2025:13:55:36] "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonTime},
		{name: "ISO time", line: `203.0.113.7 - - [2025-10-10T13:55:36+02:00] "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonTime},
		{name: "offset without sign", line: `203.0.113.7 - - [10/Oct/2025:13:55:36 0200] "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonTime},
		{name: "host name instead of address", line: `client.example.net - - [` + stamp + `] "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonIP},
		{name: "vhost with host name client", line: `example.com:80 client.example.net - - [` + stamp + `] "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonIP},
		{name: "missing ident and user", line: `203.0.113.7 [` + stamp + `] "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonFormat},
		{name: "no timestamp at all", line: `203.0.113.7 - - "GET / HTTP/1.1" 200 1 "-" "-"`, reason: ReasonFormat},
		{name: "not a log line", line: "hello world", reason: ReasonFormat},
		{name: "JSON log line", line: `{"remote_addr":"203.0.113.7","status":200}`, reason: ReasonFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rd, err := NewReader(strings.NewReader(tc.line))
			if err != nil {
				t.Fatalf("NewReader on %q: %v", short(tc.line), err)
			}
			got, err := rd.Next()
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("line %q: unexpected error %v", short(tc.line), err)
				}
				checkHit(t, tc.line, got, tc.want)
			} else {
				var lerr *LineError
				if !errors.As(err, &lerr) {
					t.Fatalf("line %q: got (%+v, %v), want *LineError %q", short(tc.line), got, err, tc.reason)
				}
				if lerr.Reason != tc.reason || lerr.Line != 1 {
					t.Errorf("line %q: got reason %q on line %d, want %q on line 1", short(tc.line), lerr.Reason, lerr.Line, tc.reason)
				}
				if n := utf8.RuneCountInString(lerr.Text); n > 200 {
					t.Errorf("line %q: LineError.Text has %d characters, want <= 200", short(tc.line), n)
				}
				if !strings.HasPrefix(strings.TrimRight(tc.line, "\r\n"), lerr.Text) {
					t.Errorf("line %q: LineError.Text %q is not a prefix of the line", short(tc.line), lerr.Text)
				}
			}
			if _, err := rd.Next(); !errors.Is(err, io.EOF) {
				t.Errorf("line %q: second Next = %v, want io.EOF", short(tc.line), err)
			}
		})
	}
}

func TestParseTimeMatchesStandardLibrary(t *testing.T) {
	t.Parallel()
	stamps := []string{
		"01/Jan/1970:00:00:00 +0000",
		"10/Oct/2025:13:55:36 +0200",
		"10/Oct/2025:13:55:36 -0930",
		"28/Feb/2100:23:59:59 +1400",
		"29/Feb/2000:12:00:00 -1200",
		"31/Dec/9999:23:59:59 +0000",
		"15/Jun/2023:08:07:06 +0545",
	}
	var p parser
	for _, s := range stamps {
		got, ok := p.parseTime(s)
		if !ok {
			t.Errorf("parseTime(%q) failed", s)
			continue
		}
		if want := utc(t, s); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestLineErrorTextIsTruncatedByCharacters(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("é", 300) // not a log line, 600 bytes
	rd, err := NewReader(strings.NewReader(line + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = rd.Next()
	var lerr *LineError
	if !errors.As(err, &lerr) {
		t.Fatalf("Next on %q: got %v, want *LineError", short(line), err)
	}
	if lerr.Text != strings.Repeat("é", 200) {
		t.Errorf("Text = %q (%d runes), want 200 × é", short(lerr.Text), utf8.RuneCountInString(lerr.Text))
	}
	if got, want := lerr.Error(), "accesslog: line 1: not a combined log line"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestUnescape(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`plain`, `plain`},
		{`a\"b`, `a"b`},
		{`a\\b`, `a\b`},
		{`\x22x\x22`, `"x"`},
		{`\xc3\xA9`, "é"},
		{`tab\there`, "tab\there"},
		{`line\nbreak\r`, "line\nbreak\r"},
		{`\xZZ`, `\xZZ`},
		{`\x4`, `\x4`},
		{`\q`, `\q`},
		{`end\`, `end\`},
	}
	for _, tc := range tests {
		if got := unescape(tc.in); got != tc.want {
			t.Errorf("unescape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	seeds := []string{
		`203.0.113.7 - - [10/Oct/2025:13:55:36 +0200] "GET /p?q=1 HTTP/1.1" 200 5123 "https://r/" "ua"`,
		`www.example.com:443 2001:db8::1 - - [10/Oct/2025:13:55:36 +0200] "GET / HTTP/1.1" 304 - "-" "-" "1.2.3.4"`,
		`203.0.113.7 - - [10/Oct/2025:13:55:36 +0200] "\x16\x03\x01" 400 157 "-" "-"`,
		`203.0.113.7 - - [10/Oct/2025:13:55:36 +0200] "GET /a\"b HTTP/1.1" 200 1 "\\" "x\x22"`,
		`203.0.113.7 - - [10/Oct/2025:13:55:36 +0200] "GET http://h?x HTTP/1.1" 200 1 "-" "-"`,
		"\r\n\n",
		`[`,
		`"`,
		`a b c [`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var p parser
		h, reason := p.parse(line)
		if reason == "" {
			if !h.IP.IsValid() {
				t.Errorf("parse(%q): accepted with invalid IP", line)
			}
			if h.Time.Location() != time.UTC {
				t.Errorf("parse(%q): time not in UTC", line)
			}
			if h.Status < 100 || h.Status > 999 || h.Bytes < 0 {
				t.Errorf("parse(%q): status %d bytes %d out of range", line, h.Status, h.Bytes)
			}
			if h.Method == "" || h.Path == "" || strings.ContainsRune(h.Path, '?') {
				t.Errorf("parse(%q): method %q path %q", line, h.Method, h.Path)
			}
		} else if describeReason(reason) == reason {
			t.Errorf("parse(%q): undocumented reason %q", line, reason)
		}
		// The whole Reader must survive it too, including as several lines.
		rd, err := NewReader(strings.NewReader(line))
		if err != nil {
			return // e.g. a gzip magic prefix with a broken header
		}
		for range 1 << 16 {
			if _, err := rd.Next(); err != nil {
				var lerr *LineError
				if errors.As(err, &lerr) {
					continue
				}
				return
			}
		}
		t.Fatalf("Reader on %q did not reach the end", line)
	})
}

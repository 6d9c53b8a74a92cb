package accesslog

import (
	"net/netip"
	"strings"
	"time"
)

// timeLayoutLen is len("02/Jan/2006:15:04:05 -0700").
const timeLayoutLen = 26

// parser turns one line into a Hit. It is hand-written rather than a regexp
// because imports read millions of lines; it keeps the last timestamp it
// decoded since consecutive lines usually share it.
type parser struct {
	lastStamp string
	lastTime  time.Time
}

// parse parses one line (without its line ending). It returns the Hit
// without Line set, or a non-empty Reason constant. Every string in the Hit
// is a substring of line unless it had to be unescaped.
func (p *parser) parse(line string) (Hit, string) {
	var h Hit

	// Everything before " [" is "[vhost] client ident user".
	open := strings.Index(line, " [")
	if open < 0 {
		return h, ReasonFormat
	}
	var tok [5]string
	n := splitSpaces(line[:open], tok[:])
	switch {
	case n < 3:
		return h, ReasonFormat
	case n == 3:
		ip, ok := parseIP(tok[0])
		if !ok {
			return h, ReasonIP
		}
		h.IP = ip
	default:
		// Four or more: normally "vhost client ident user". The vhost may
		// itself be an IP (nginx $host for a request by address), so the
		// second token decides; if it is no address, the line is plain
		// combined with a user name containing spaces.
		if ip, ok := parseIP(tok[1]); ok {
			h.IP = ip
			h.Host = hostOnly(tok[0])
		} else if ip, ok := parseIP(tok[0]); ok {
			h.IP = ip
		} else {
			return h, ReasonIP
		}
	}

	// [02/Jan/2006:15:04:05 -0700]
	i := open + 2
	if len(line) < i+timeLayoutLen+1 || line[i+timeLayoutLen] != ']' {
		return h, ReasonTime
	}
	t, ok := p.parseTime(line[i : i+timeLayoutLen])
	if !ok {
		return h, ReasonTime
	}
	h.Time = t
	i += timeLayoutLen + 1

	// "request"
	i = skipSpaces(line, i)
	req, next, ok := quoted(line, i)
	if !ok {
		return h, ReasonRequest
	}
	if !parseRequest(req, &h) {
		return h, ReasonRequest
	}
	i = next

	// status and bytes
	status, next := field(line, skipSpaces(line, i))
	if !parseStatus(status, &h.Status) {
		return h, ReasonStatus
	}
	bytesSent, next := field(line, skipSpaces(line, next))
	if !parseBytes(bytesSent, &h.Bytes) {
		return h, ReasonBytes
	}

	// "referrer" "user agent", then anything (ignored).
	ref, next, ok := quoted(line, skipSpaces(line, next))
	if !ok {
		return h, ReasonReferrer
	}
	ua, _, ok := quoted(line, skipSpaces(line, next))
	if !ok {
		return h, ReasonUserAgent
	}
	h.Referrer = dashEmpty(ref)
	h.UserAgent = dashEmpty(ua)
	return h, ""
}

// splitSpaces splits s at runs of spaces into dst and returns how many
// tokens there were; tokens past len(dst) are counted but not stored.
func splitSpaces(s string, dst []string) int {
	n := 0
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != ' ' {
			i++
		}
		if n < len(dst) {
			dst[n] = s[start:i]
		}
		n++
	}
	return n
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// field returns the unquoted token starting at i and the index after it.
func field(s string, i int) (string, int) {
	start := i
	for i < len(s) && s[i] != ' ' {
		i++
	}
	return s[start:i], i
}

// quoted reads a double-quoted field starting at s[i] and returns its
// unescaped value and the index after the closing quote. A backslash escapes
// the next byte. The closing quote is the first unescaped '"' followed by a
// space or the end of the line, so a stray quote that a server logged
// without escaping (nginx escape=none) stays part of the value.
func quoted(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	escaped := false
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			escaped = true
			j++ // the escaped byte can't close the field
		case '"':
			if j+1 < len(s) && s[j+1] != ' ' {
				continue
			}
			v := s[i+1 : j]
			if escaped {
				v = unescape(v)
			}
			return v, j + 1, true
		}
	}
	return "", i, false
}

// unescape undoes Apache's ap_escape_logitem (\" \\ \n \t ... \xhh) and
// nginx's default log escaping (\xHH). Unknown escapes are kept as written.
func unescape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch e := s[i+1]; e {
		case '"', '\\':
			b.WriteByte(e)
			i++
		case 'n':
			b.WriteByte('\n')
			i++
		case 'r':
			b.WriteByte('\r')
			i++
		case 't':
			b.WriteByte('\t')
			i++
		case 'b':
			b.WriteByte('\b')
			i++
		case 'v':
			b.WriteByte('\v')
			i++
		case 'x', 'X':
			if i+3 < len(s) {
				hi, ok1 := unhex(s[i+2])
				lo, ok2 := unhex(s[i+3])
				if ok1 && ok2 {
					b.WriteByte(hi<<4 | lo)
					i += 3
					continue
				}
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func dashEmpty(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// parseIP parses a client address, dropping the IPv4-in-IPv6 mapping that
// dual-stack listeners log ("::ffff:1.2.3.4") so one visitor has one address.
func parseIP(s string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}

// hostOnly drops the ":port" of Apache's "%v:%p" and maps "-" to "".
func hostOnly(s string) string {
	if s == "-" {
		return ""
	}
	colon := strings.LastIndexByte(s, ':')
	if colon < 0 || colon == len(s)-1 {
		return s
	}
	for k := colon + 1; k < len(s); k++ {
		if s[k] < '0' || s[k] > '9' {
			return s
		}
	}
	host := s[:colon]
	// A bare IPv6 address ("::1") has colons of its own; only a bracketed
	// one ("[::1]:443") or a name/IPv4 has a port to drop.
	if strings.IndexByte(host, ':') >= 0 && !strings.HasSuffix(host, "]") {
		return s
	}
	return host
}

// parseRequest splits "METHOD target HTTP/x.y" into h. HTTP/0.9 lines
// without a protocol are accepted. The method must be an RFC 9110 token,
// which rejects TLS handshakes and other binary sent to a plain-text port.
func parseRequest(req string, h *Hit) bool {
	sp := strings.IndexByte(req, ' ')
	if sp <= 0 || sp > 32 {
		return false
	}
	method := req[:sp]
	for k := 0; k < len(method); k++ {
		if !isTokenChar(method[k]) {
			return false
		}
	}
	target := strings.TrimLeft(req[sp+1:], " ")
	if last := strings.LastIndexByte(target, ' '); last >= 0 {
		if !strings.HasPrefix(target[last+1:], "HTTP/") {
			return false
		}
		target = strings.TrimRight(target[:last], " ")
	}
	if target == "" {
		return false
	}
	for k := 0; k < len(target); k++ {
		if target[k] < 0x20 || target[k] == 0x7f {
			return false
		}
	}
	h.Method = method
	h.Path, h.Query = splitTarget(target)
	return true
}

// splitTarget returns the path and raw query of a request target. An
// absolute-form target ("http://host/p?q", sent to proxies) is reduced to its
// path; "*" and authority-form ("host:443" for CONNECT) are kept whole.
func splitTarget(target string) (path, query string) {
	if target[0] != '/' {
		if k := strings.Index(target, "://"); k > 0 {
			rest := target[k+3:]
			end := strings.IndexAny(rest, "/?")
			if end < 0 {
				return "/", ""
			}
			target = rest[end:]
			if target[0] == '?' {
				return "/", target[1:]
			}
		}
	}
	if q := strings.IndexByte(target, '?'); q >= 0 {
		return target[:q], target[q+1:]
	}
	return target, ""
}

// isTokenChar reports whether c may appear in an HTTP token (RFC 9110 5.6.2).
func isTokenChar(c byte) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// parseStatus accepts exactly three digits, 100 to 999 (nginx logs 444 and 499).
func parseStatus(s string, dst *int) bool {
	if len(s) != 3 {
		return false
	}
	v := 0
	for k := 0; k < 3; k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return false
		}
		v = v*10 + int(c-'0')
	}
	if v < 100 {
		return false
	}
	*dst = v
	return true
}

// parseBytes accepts digits (at most 18, so no overflow) or "-" for zero.
func parseBytes(s string, dst *int64) bool {
	if s == "-" {
		*dst = 0
		return true
	}
	if s == "" || len(s) > 18 {
		return false
	}
	var v int64
	for k := 0; k < len(s); k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return false
		}
		v = v*10 + int64(c-'0')
	}
	*dst = v
	return true
}

// parseTime decodes "02/Jan/2006:15:04:05 -0700" into UTC. It is exact
// about the layout and rejects dates time.Date would silently normalise
// (31/Feb).
func (p *parser) parseTime(s string) (time.Time, bool) {
	if s == p.lastStamp && s != "" {
		return p.lastTime, true
	}
	if len(s) != timeLayoutLen || s[2] != '/' || s[6] != '/' || s[11] != ':' ||
		s[14] != ':' || s[17] != ':' || s[20] != ' ' {
		return time.Time{}, false
	}
	day, ok1 := digits(s[0:2])
	year, ok2 := digits(s[7:11])
	hour, ok3 := digits(s[12:14])
	minute, ok4 := digits(s[15:17])
	sec, ok5 := digits(s[18:20])
	offH, ok6 := digits(s[22:24])
	offM, ok7 := digits(s[24:26])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return time.Time{}, false
	}
	month := monthNumber(s[3:6])
	if month == 0 || year < 1 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 || offH > 23 || offM > 59 {
		return time.Time{}, false
	}
	offset := offH*3600 + offM*60
	switch s[21] {
	case '+':
	case '-':
		offset = -offset
	default:
		return time.Time{}, false
	}
	t := time.Date(year, month, day, hour, minute, sec, 0, time.UTC).
		Add(-time.Duration(offset) * time.Second)
	p.lastStamp, p.lastTime = s, t
	return t, true
}

func digits(s string) (int, bool) {
	v := 0
	for k := 0; k < len(s); k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func monthNumber(s string) time.Month {
	switch s {
	case "Jan":
		return time.January
	case "Feb":
		return time.February
	case "Mar":
		return time.March
	case "Apr":
		return time.April
	case "May":
		return time.May
	case "Jun":
		return time.June
	case "Jul":
		return time.July
	case "Aug":
		return time.August
	case "Sep":
		return time.September
	case "Oct":
		return time.October
	case "Nov":
		return time.November
	case "Dec":
		return time.December
	}
	return 0
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// Package accesslog reads web server access logs in the "combined" family of
// formats so that traffic a site served before (or without) the tracker can be
// imported server-side.
//
// Accepted line shapes, detected per line:
//
//	nginx / Apache combined:  1.2.3.4 - user [02/Jan/2006:15:04:05 -0700] "GET /p?q=1 HTTP/1.1" 200 512 "ref" "ua"
//	Apache vhost_combined:    example.com:443 1.2.3.4 - - [time] "request" 200 512 "ref" "ua"
//	nginx with $host first:   example.com 1.2.3.4 - - [time] "request" 200 512 "ref" "ua"
//
// Fields after the user agent (nginx's "$http_x_forwarded_for", request
// times, ...) are ignored. Quoted fields are unescaped the way Apache
// (\" \\ \xHH) and nginx (\xHH) escape them. Input may be plain text or
// gzip; NewReader tells them apart by the magic bytes, not by a file name.
//
// A malformed line is reported as a *LineError and reading goes on with the
// next line, so one bad line never hides the good ones:
//
//	rd, closer, err := accesslog.Open("/var/log/nginx/access.log.2.gz")
//	if err != nil { ... }
//	defer closer.Close()
//	for {
//		hit, err := rd.Next()
//		if errors.Is(err, io.EOF) {
//			break
//		}
//		var lerr *accesslog.LineError
//		if errors.As(err, &lerr) {
//			skipped[lerr.Reason]++
//			continue
//		}
//		if err != nil {
//			return err // the stream itself failed (I/O, corrupt gzip)
//		}
//		if ok, _ := accesslog.IsPageview(hit); ok { ... }
//	}
//
// The package is a pure engine: it imports nothing of mops, does no I/O
// besides the reader it is given (and the file Open opens) and does not log.
package accesslog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// MaxLineLen is the longest line, in bytes without its line ending, that
// Next parses. Longer lines are skipped whole and reported as a *LineError
// with Reason ReasonTooLong.
const MaxLineLen = 64 << 10

// maxErrorText is how many characters of a bad line a LineError keeps.
const maxErrorText = 200

// Reasons a line is rejected, as found in LineError.Reason.
const (
	ReasonTooLong   = "too long"   // longer than MaxLineLen
	ReasonFormat    = "format"     // not shaped like a combined log line at all
	ReasonIP        = "ip"         // client address is not an IP (e.g. a resolved host name)
	ReasonTime      = "time"       // timestamp missing or not 02/Jan/2006:15:04:05 -0700
	ReasonRequest   = "request"    // request line is not "METHOD target HTTP/x" (TLS probes, "-", "")
	ReasonStatus    = "status"     // status is not three digits
	ReasonBytes     = "bytes"      // byte count is neither digits nor "-"
	ReasonReferrer  = "referrer"   // quoted referrer missing or unterminated
	ReasonUserAgent = "user agent" // quoted user agent missing or unterminated
)

// Hit is one parsed request line.
type Hit struct {
	Line      int        // 1-based line number in its file
	IP        netip.Addr // client address; IPv4-mapped IPv6 addresses are unmapped to IPv4
	Time      time.Time  // with the log's own offset, converted to UTC
	Method    string
	Path      string // path only, no query; still percent-encoded as logged
	Query     string // raw query without '?'
	Status    int
	Bytes     int64  // 0 when logged as "-"
	Referrer  string // "" for "-"
	UserAgent string // "" for "-"
	Host      string // from the vhost_combined variant (Apache "%v:%p" prefix, port dropped / nginx $host first field) when present
}

// LineError reports one line that could not be parsed. The Reader that
// returned it has already moved past that line.
type LineError struct {
	Line   int    // 1-based line number
	Text   string // the line, cut to its first 200 characters
	Reason string // one of the Reason constants
}

// Error names the line and the problem, not the text: the text may be
// binary garbage and belongs in a log field of its own.
func (e *LineError) Error() string {
	return fmt.Sprintf("accesslog: line %d: %s", e.Line, describeReason(e.Reason))
}

func describeReason(reason string) string {
	switch reason {
	case ReasonTooLong:
		return fmt.Sprintf("line longer than %d bytes", MaxLineLen)
	case ReasonFormat:
		return "not a combined log line"
	case ReasonIP:
		return "invalid client address"
	case ReasonTime:
		return "invalid timestamp"
	case ReasonRequest:
		return "invalid request line"
	case ReasonStatus:
		return "invalid status code"
	case ReasonBytes:
		return "invalid byte count"
	case ReasonReferrer:
		return "missing or unterminated referrer"
	case ReasonUserAgent:
		return "missing or unterminated user agent"
	}
	return reason
}

// Reader reads hits from one access log stream. It is not safe for
// concurrent use, except for BytesRead.
type Reader struct {
	src    *countingReader
	lines  *bufio.Reader
	parser parser
	line   int   // number of the last line handed out
	err    error // sticky: io.EOF or the stream's failure
}

// NewReader returns a Reader for r. When r starts with the gzip magic bytes
// it is decompressed on the fly (concatenated gzip members, as left by
// "cat access.log.*.gz", are read one after the other). The error is non-nil
// only when r cannot be read or its gzip header is broken; an empty r gives
// a Reader whose first Next returns io.EOF.
func NewReader(r io.Reader) (*Reader, error) {
	rd, err := newReader(r)
	if err != nil {
		return nil, fmt.Errorf("accesslog: %w", err)
	}
	return rd, nil
}

func newReader(r io.Reader) (*Reader, error) {
	src := &countingReader{r: r}
	// The buffer holds a maximal line plus "\r\n", so ReadSlice finds the
	// end of every line we are willing to parse without copying.
	head := bufio.NewReaderSize(src, MaxLineLen+2)
	magic, err := head.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read start of log: %w", err)
	}
	rd := &Reader{src: src, lines: head}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(head)
		if err != nil {
			return nil, fmt.Errorf("read gzip header: %w", err)
		}
		rd.lines = bufio.NewReaderSize(zr, MaxLineLen+2)
	}
	return rd, nil
}

// Open opens the log file at path, plain or gzip. Close the returned Closer
// when done; the Reader must not be used after that.
func Open(path string) (*Reader, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("accesslog: %w", err) // names the path already
	}
	rd, err := newReader(f)
	if err != nil {
		_ = f.Close() // the read error is the one worth reporting
		return nil, nil, fmt.Errorf("accesslog: open %s: %w", path, err)
	}
	// Closing the gzip.Reader only reports checksum state, which Next
	// already surfaces, so the file is the only thing to close.
	return rd, f, nil
}

// Next returns the next hit. It returns io.EOF after the last line, a
// *LineError for a line it cannot parse (the following call reads on from
// the next line), and any other error when the stream itself fails, e.g. a
// truncated or corrupt gzip file; that error is returned again by every
// later call. Blank lines are skipped silently but still counted.
func (r *Reader) Next() (Hit, error) {
	for {
		if r.err != nil {
			return Hit{}, r.err
		}
		raw, err := r.lines.ReadSlice('\n')
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			r.line++
			lerr := &LineError{Line: r.line, Text: truncateText(raw), Reason: ReasonTooLong}
			r.discardRestOfLine()
			return Hit{}, lerr
		case errors.Is(err, io.EOF):
			// A final line without a newline is still a line.
			r.err = io.EOF
			if len(raw) == 0 {
				return Hit{}, io.EOF
			}
		default:
			// A partial line before a read failure is incomplete, so it is
			// dropped rather than reported as malformed.
			r.err = fmt.Errorf("accesslog: read after line %d: %w", r.line, err)
			return Hit{}, r.err
		}
		r.line++
		raw = trimLineEnd(raw)
		if len(raw) > MaxLineLen {
			return Hit{}, &LineError{Line: r.line, Text: truncateText(raw), Reason: ReasonTooLong}
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		// One string per line: every field of the Hit is a substring of it
		// (or an unescaped copy), so a line costs one allocation.
		text := string(raw)
		hit, reason := r.parser.parse(text)
		if reason != "" {
			return Hit{}, &LineError{Line: r.line, Text: truncateText(raw), Reason: reason}
		}
		hit.Line = r.line
		return hit, nil
	}
}

// BytesRead returns how many bytes Next has consumed from the underlying
// reader so far: compressed bytes for a gzip stream, so it can be compared
// with the file size for a progress bar. Reads are buffered, so it runs up to
// 64 KiB ahead of the hits returned. It is safe to call from another
// goroutine while Next runs.
func (r *Reader) BytesRead() int64 {
	return r.src.n.Load()
}

// discardRestOfLine skips to just past the next newline after an overlong
// line, recording EOF or a stream failure for the next call to Next.
func (r *Reader) discardRestOfLine() {
	for {
		_, err := r.lines.ReadSlice('\n')
		switch {
		case err == nil:
			return
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			r.err = io.EOF
			return
		default:
			r.err = fmt.Errorf("accesslog: read line %d: %w", r.line, err)
			return
		}
	}
}

// trimLineEnd drops a trailing "\n" or "\r\n".
func trimLineEnd(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// truncateText returns the first maxErrorText characters of b (runes; an
// invalid byte counts as one) without a trailing line ending.
func truncateText(b []byte) string {
	b = trimLineEnd(b)
	i := 0
	for n := 0; n < maxErrorText && i < len(b); n++ {
		_, size := utf8.DecodeRune(b[i:])
		i += size
	}
	return string(b[:i])
}

// countingReader counts the bytes read through it for BytesRead.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

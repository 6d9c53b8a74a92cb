package accesslog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// result is one Next outcome in a form tests can compare.
type result struct {
	hit    Hit
	line   int    // line of a LineError
	reason string // reason of a LineError; "" for a hit
}

// readAll drains rd, failing on anything but hits, line errors and io.EOF.
func readAll(t *testing.T, rd *Reader) []result {
	t.Helper()
	var out []result
	for {
		h, err := rd.Next()
		var lerr *LineError
		switch {
		case err == nil:
			out = append(out, result{hit: h})
		case errors.As(err, &lerr):
			out = append(out, result{line: lerr.Line, reason: lerr.Reason})
		case errors.Is(err, io.EOF):
			if _, err := rd.Next(); !errors.Is(err, io.EOF) {
				t.Errorf("Next after io.EOF = %v, want io.EOF again", err)
			}
			return out
		default:
			t.Fatalf("Next: unexpected stream error after %d results: %v", len(out), err)
		}
	}
}

// describe summarises results as "1:/a 2:!request 3:/c" for comparisons.
func describe(rs []result) string {
	var b strings.Builder
	for _, r := range rs {
		if r.reason != "" {
			fmt.Fprintf(&b, "%d:!%s ", r.line, r.reason)
		} else {
			fmt.Fprintf(&b, "%d:%s ", r.hit.Line, r.hit.Path)
		}
	}
	return strings.TrimSpace(b.String())
}

func logLine(path string) string {
	return `198.51.100.23 - - [10/Oct/2025:13:55:36 +0000] "GET ` + path + ` HTTP/1.1" 200 10 "-" "test-agent"`
}

func TestReaderContinuesAfterMalformedLines(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", MaxLineLen+10)
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{
			name:  "bad line in the middle",
			input: logLine("/a") + "\n" + logLine("/b") + "\n" + `198.51.100.23 - - [10/Oct/2025:13:55:36 +0000] "\x16\x03\x01" 400 0 "-" "-"` + "\n" + logLine("/d") + "\n" + logLine("/e") + "\n",
			want:  "1:/a 2:/b 3:!request 4:/d 5:/e",
		},
		{
			name:  "overlong line in the middle",
			input: logLine("/a") + "\n" + long + "\n" + logLine("/c") + "\n",
			want:  "1:/a 2:!too long 3:/c",
		},
		{
			name:  "overlong line spanning several buffers, CRLF",
			input: logLine("/a") + "\r\n" + strings.Repeat(long, 4) + "\r\n" + logLine("/c") + "\r\n",
			want:  "1:/a 2:!too long 3:/c",
		},
		{
			name:  "overlong last line without newline",
			input: logLine("/a") + "\n" + long,
			want:  "1:/a 2:!too long",
		},
		{
			name:  "last line without newline",
			input: logLine("/a") + "\n" + logLine("/b"),
			want:  "1:/a 2:/b",
		},
		{
			name:  "blank lines are counted but skipped",
			input: "\n" + logLine("/a") + "\n\r\n   \n" + logLine("/e") + "\n\n",
			want:  "2:/a 5:/e",
		},
		{
			name:  "consecutive bad lines",
			input: "junk\n" + "more junk\n" + logLine("/c"),
			want:  "1:!format 2:!format 3:/c",
		},
		{
			name:  "empty input",
			input: "",
			want:  "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rd, err := NewReader(strings.NewReader(tc.input))
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			if got := describe(readAll(t, rd)); got != tc.want {
				t.Errorf("input %q:\n got  %s\n want %s", short(tc.input), got, tc.want)
			}
			if got := rd.BytesRead(); got != int64(len(tc.input)) {
				t.Errorf("input %q: BytesRead = %d, want %d", short(tc.input), got, len(tc.input))
			}
		})
	}
}

// sampleLog mixes formats, line endings and bad lines; the last line has no newline.
const sampleLog = `203.0.113.7 - - [10/Oct/2025:13:55:36 +0200] "GET /pricing?utm_source=news HTTP/1.1" 200 5123 "https://www.google.com/" "Mozilla/5.0"
www.example.com:443 2001:db8::1 - - [10/Oct/2025:13:55:37 +0200] "GET /blog/ HTTP/2.0" 304 - "-" "Mozilla/5.0 \"x\""
203.0.113.8 - - [10/Oct/2025:13:55:38 +0200] "\x16\x03\x01\x00\xF7" 400 157 "-" "-"
203.0.113.9 - - [10/Oct/2025:13:55:39 +0200] "GET /docs/guide.pdf HTTP/1.1" 200 88211 "-" "curl/8.5.0" "10.0.0.1"` + "\r\n" +
	`203.0.113.9 - - [10/Oct/2025:13:55:40 +0200] "POST /api/event HTTP/1.1" 202 0 "https://example.com/" "Mozilla/5.0"`

func TestOpenGzipMatchesPlain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plainPath := filepath.Join(dir, "access.log")
	gzPath := filepath.Join(dir, "access.log.1.gz")
	multiPath := filepath.Join(dir, "concatenated.gz")
	if err := os.WriteFile(plainPath, []byte(sampleLog), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gzPath, gzipBytes(t, sampleLog), 0o600); err != nil {
		t.Fatal(err)
	}
	// "cat a.gz b.gz > c.gz" is a valid gzip file with two members.
	half := strings.Index(sampleLog, "203.0.113.8")
	multi := append(gzipBytes(t, sampleLog[:half]), gzipBytes(t, sampleLog[half:])...)
	if err := os.WriteFile(multiPath, multi, 0o600); err != nil {
		t.Fatal(err)
	}

	read := func(path string) ([]result, *Reader) {
		t.Helper()
		rd, closer, err := Open(path)
		if err != nil {
			t.Fatalf("Open(%s): %v", path, err)
		}
		defer func() {
			if err := closer.Close(); err != nil {
				t.Errorf("Close(%s): %v", path, err)
			}
		}()
		return readAll(t, rd), rd
	}
	plain, _ := read(plainPath)
	if got, want := describe(plain), "1:/pricing 2:/blog/ 3:!request 4:/docs/guide.pdf 5:/api/event"; got != want {
		t.Fatalf("plain file:\n got  %s\n want %s", got, want)
	}
	for _, path := range []string{gzPath, multiPath} {
		got, rd := read(path)
		if len(got) != len(plain) {
			t.Fatalf("%s: %d results, plain file gave %d", path, len(got), len(plain))
		}
		for i := range got {
			if got[i].reason != plain[i].reason || got[i].line != plain[i].line {
				t.Errorf("%s result %d: got error %q on line %d, plain gave %q on line %d",
					path, i, got[i].reason, got[i].line, plain[i].reason, plain[i].line)
			}
			checkHit(t, path+" line "+itoa(i+1), got[i].hit, plain[i].hit)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if rd.BytesRead() != fi.Size() {
			t.Errorf("%s: BytesRead = %d, want the compressed size %d", path, rd.BytesRead(), fi.Size())
		}
	}
}

func gzipBytes(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNewReaderBrokenGzipHeader(t *testing.T) {
	t.Parallel()
	_, err := NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 0x00, 0x01, 0x02}))
	if err == nil {
		t.Fatal("NewReader on a broken gzip header: got nil error")
	}
	path := filepath.Join(t.TempDir(), "broken.gz")
	if err := os.WriteFile(path, []byte{0x1f, 0x8b, 0x00}, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Open(%s) error = %v, want one naming the file", path, err)
	}
}

func TestOpenMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nope.log")
	if _, _, err := Open(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(%s) error = %v, want os.ErrNotExist", path, err)
	}
}

func TestReaderTruncatedGzipIsAStreamError(t *testing.T) {
	t.Parallel()
	var lines strings.Builder
	for i := range 2000 {
		lines.WriteString(logLine(fmt.Sprintf("/page/%d", i)) + "\n")
	}
	gz := gzipBytes(t, lines.String())
	rd, err := NewReader(bytes.NewReader(gz[:len(gz)/2]))
	if err != nil {
		t.Fatal(err)
	}
	var hits int
	var streamErr error
	for streamErr == nil {
		_, err := rd.Next()
		var lerr *LineError
		switch {
		case err == nil:
			hits++
		case errors.As(err, &lerr):
			t.Fatalf("truncated gzip: got LineError %v, want only hits then a stream error", lerr)
		case errors.Is(err, io.EOF):
			t.Fatalf("truncated gzip: got io.EOF after %d hits, want a stream error", hits)
		default:
			streamErr = err
		}
	}
	if !errors.Is(streamErr, io.ErrUnexpectedEOF) {
		t.Errorf("stream error = %v, want io.ErrUnexpectedEOF", streamErr)
	}
	if hits == 0 || hits >= 2000 {
		t.Errorf("got %d hits before the error, want some but not all", hits)
	}
	if _, err := rd.Next(); !errors.Is(err, streamErr) {
		t.Errorf("Next after a stream error = %v, want the same error again", err)
	}
}

// generateLog returns n realistic lines: nginx combined with IPv4 and IPv6
// clients, a few vhost lines, queries, referrers and browser agents, with
// time moving forward a second every few lines.
func generateLog(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	paths := []string{"/", "/pricing", "/blog/how-we-count-visitors", "/docs/getting-started", "/assets/app.3f9a1c.js",
		"/assets/app.3f9a1c.css", "/images/hero.webp", "/favicon.ico", "/signup", "/blog/"}
	queries := []string{"", "", "", "?utm_source=newsletter&utm_medium=email", "?q=go+analytics", "?page=2"}
	refs := []string{"-", "-", "https://www.google.com/", "https://news.ycombinator.com/item?id=4242", "https://example.com/blog/"}
	agents := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	}
	statuses := []int{200, 200, 200, 200, 304, 301, 404}
	t := time.Date(2025, 10, 10, 0, 0, 0, 0, time.FixedZone("", 2*3600))
	var b bytes.Buffer
	for i := range n {
		if rng.IntN(4) == 0 {
			t = t.Add(time.Second)
		}
		if rng.IntN(10) == 0 {
			b.WriteString("www.example.com:443 ")
		}
		if rng.IntN(5) == 0 {
			fmt.Fprintf(&b, "2001:db8:%x::%x", rng.IntN(0xffff), rng.IntN(0xffff))
		} else {
			fmt.Fprintf(&b, "%d.%d.%d.%d", 1+rng.IntN(223), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
		}
		fmt.Fprintf(&b, ` - - [%s] "GET %s%s HTTP/1.1" %d %d "%s" "%s"`+"\n",
			t.Format("02/Jan/2006:15:04:05 -0700"), paths[rng.IntN(len(paths))], queries[rng.IntN(len(queries))],
			statuses[rng.IntN(len(statuses))], rng.IntN(50000), refs[rng.IntN(len(refs))], agents[(i+rng.IntN(2))%len(agents)])
	}
	return b.Bytes()
}

func TestGeneratedLogParses(t *testing.T) {
	t.Parallel()
	data := generateLog(5000)
	rd, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rs := readAll(t, rd)
	for _, r := range rs {
		if r.reason != "" {
			t.Fatalf("generated line %d rejected: %s", r.line, r.reason)
		}
	}
	if len(rs) != 5000 {
		t.Fatalf("got %d hits, want 5000", len(rs))
	}
}

// BenchmarkReader measures parsing throughput over a generated 100k-line
// log held in memory; the lines/s metric is the one to watch.
//
//	go test -run '^$' -bench BenchmarkReader -benchmem ./internal/collect/accesslog/
func BenchmarkReader(b *testing.B) {
	benchmarkReader(b, generateLog(100_000), 100_000)
}

// BenchmarkReaderGzip is BenchmarkReader over the same log gzipped.
func BenchmarkReaderGzip(b *testing.B) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(generateLog(100_000)); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	benchmarkReader(b, buf.Bytes(), 100_000)
}

func benchmarkReader(b *testing.B, data []byte, lines int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rounds := 0
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != lines {
			b.Fatalf("read %d hits, want %d", n, lines)
		}
		rounds++
	}
	b.ReportMetric(float64(rounds*lines)/b.Elapsed().Seconds(), "lines/s")
}

func TestBytesReadWhileReading(t *testing.T) {
	t.Parallel()
	data := generateLog(20_000)
	rd, err := NewReader(bytes.NewReader(gzipBytes(t, string(data))))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	polled := make(chan int64)
	go func() {
		// A progress bar polls from its own goroutine; -race checks this.
		var last int64
		for {
			select {
			case <-done:
				polled <- last
				return
			default:
				if n := rd.BytesRead(); n < last {
					t.Errorf("BytesRead went backwards: %d after %d", n, last)
				} else {
					last = n
				}
			}
		}
	}()
	if got := len(readAll(t, rd)); got != 20_000 {
		t.Errorf("got %d results, want 20000", got)
	}
	close(done)
	if last := <-polled; last > rd.BytesRead() {
		t.Errorf("poller saw %d bytes, more than the final %d", last, rd.BytesRead())
	}
}

package tracker

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// maxGzipped is the budget of the served script, gzipped: 1.5 KiB.
const maxGzipped = 1536

func TestServedSize(t *testing.T) {
	t.Parallel()
	raw, minified, gzipped := Size()
	t.Logf("script.js: raw %d bytes, minified %d bytes, gzipped %d bytes (budget %d)", raw, minified, gzipped, maxGzipped)
	if gzipped > maxGzipped {
		t.Errorf("served script is %d bytes gzipped, over the budget of %d bytes: make script.js smaller", gzipped, maxGzipped)
	}
	if minified >= raw {
		t.Errorf("minified script is %d bytes, not smaller than the raw %d bytes", minified, raw)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	plain := string(script.plain)
	tests := []struct {
		name       string
		method     string
		header     map[string]string
		wantStatus int
		// wantHeader lists headers that must have exactly this value; ""
		// means the header must be absent.
		wantHeader map[string]string
		// wantBody is the body after gunzipping when gunzip is set; "-"
		// means no body at all.
		wantBody string
		gunzip   bool
	}{
		{
			name: "plain", method: http.MethodGet, wantStatus: http.StatusOK,
			wantHeader: map[string]string{
				"Content-Type":                "application/javascript; charset=utf-8",
				"Cache-Control":               "public, max-age=3600",
				"Access-Control-Allow-Origin": "*",
				"ETag":                        script.plainTag,
				"Vary":                        "Accept-Encoding",
				"Content-Encoding":            "",
			},
			wantBody: plain,
		},
		{
			name: "gzip", method: http.MethodGet,
			header:     map[string]string{"Accept-Encoding": "gzip, deflate, br"},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{
				"Content-Type":                "application/javascript; charset=utf-8",
				"Content-Encoding":            "gzip",
				"Cache-Control":               "public, max-age=3600",
				"Access-Control-Allow-Origin": "*",
				"ETag":                        script.gzipTag,
				"Vary":                        "Accept-Encoding",
			},
			wantBody: plain, gunzip: true,
		},
		{
			name: "gzip refused with q=0", method: http.MethodGet,
			header:     map[string]string{"Accept-Encoding": "br, gzip;q=0"},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Encoding": "", "ETag": script.plainTag},
			wantBody:   plain,
		},
		{
			name: "any encoding", method: http.MethodGet,
			header:     map[string]string{"Accept-Encoding": "br;q=1, *;q=0.5"},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Encoding": "gzip"},
			wantBody:   plain, gunzip: true,
		},
		{
			name: "identity only", method: http.MethodGet,
			header:     map[string]string{"Accept-Encoding": "identity"},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Encoding": ""},
			wantBody:   plain,
		},
		{
			name: "not modified", method: http.MethodGet,
			header:     map[string]string{"If-None-Match": script.plainTag},
			wantStatus: http.StatusNotModified,
			wantHeader: map[string]string{
				"ETag":                        script.plainTag,
				"Cache-Control":               "public, max-age=3600",
				"Access-Control-Allow-Origin": "*",
			},
			wantBody: "-",
		},
		{
			name: "not modified, gzip", method: http.MethodGet,
			header:     map[string]string{"If-None-Match": script.gzipTag, "Accept-Encoding": "gzip"},
			wantStatus: http.StatusNotModified,
			wantHeader: map[string]string{"ETag": script.gzipTag, "Content-Encoding": ""},
			wantBody:   "-",
		},
		{
			name: "not modified, weak tag in a list", method: http.MethodGet,
			header:     map[string]string{"If-None-Match": `"0000", W/` + script.plainTag},
			wantStatus: http.StatusNotModified,
			wantBody:   "-",
		},
		{
			name: "not modified, star", method: http.MethodGet,
			header:     map[string]string{"If-None-Match": "*"},
			wantStatus: http.StatusNotModified,
			wantBody:   "-",
		},
		{
			name: "stale tag", method: http.MethodGet,
			header:     map[string]string{"If-None-Match": `"0123456789abcdef"`},
			wantStatus: http.StatusOK,
			wantBody:   plain,
		},
		{
			// A cache that stored the plain copy and now asks for gzip
			// must get the gzip copy, not a 304 for the wrong one.
			name: "tag of the other encoding", method: http.MethodGet,
			header:     map[string]string{"If-None-Match": script.plainTag, "Accept-Encoding": "gzip"},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"ETag": script.gzipTag, "Content-Encoding": "gzip"},
			wantBody:   plain, gunzip: true,
		},
		{
			name: "head", method: http.MethodHead, wantStatus: http.StatusOK,
			wantHeader: map[string]string{
				"Content-Type":   "application/javascript; charset=utf-8",
				"Content-Length": strconv.Itoa(len(plain)),
			},
			wantBody: "-",
		},
		{
			name: "post", method: http.MethodPost, wantStatus: http.StatusMethodNotAllowed,
			wantHeader: map[string]string{"Allow": "GET, HEAD", "Content-Type": "application/json"},
			wantBody:   `{"error":"method not allowed: use GET"}` + "\n",
		},
	}
	h := Handler()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tc.method, "/js/script.js", nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("%s %v: status %d, want %d", tc.method, tc.header, res.StatusCode, tc.wantStatus)
			}
			for k, want := range tc.wantHeader {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s %v: header %s = %q, want %q", tc.method, tc.header, k, got, want)
				}
			}
			body, _ := io.ReadAll(res.Body)
			switch {
			case tc.wantBody == "-":
				if len(body) != 0 {
					t.Errorf("%s %v: got a body of %d bytes, want none", tc.method, tc.header, len(body))
				}
			case tc.gunzip:
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s %v: body is not gzip: %v", tc.method, tc.header, err)
				}
				got, err := io.ReadAll(zr)
				if err != nil {
					t.Fatalf("%s %v: gunzip: %v", tc.method, tc.header, err)
				}
				if string(got) != tc.wantBody {
					t.Errorf("%s %v: gunzipped body differs from the minified script", tc.method, tc.header)
				}
				if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
					t.Errorf("%s %v: Content-Length %s, want %d", tc.method, tc.header, cl, len(body))
				}
			default:
				if string(body) != tc.wantBody {
					t.Errorf("%s %v: body is\n%.200s\nwant\n%.200s", tc.method, tc.header, body, tc.wantBody)
				}
			}
		})
	}
}

func TestETagFollowsContent(t *testing.T) {
	t.Parallel()
	a, b := build("var a=1;\n"), build("var a=2;\n")
	if a.plainTag == b.plainTag || a.gzipTag == b.gzipTag {
		t.Errorf("different scripts share an ETag: %s %s", a.plainTag, b.plainTag)
	}
	if c := build("// a comment\nvar a=1;\n"); c.plainTag != a.plainTag {
		t.Errorf("a change to a comment changed the ETag: %s, want %s", c.plainTag, a.plainTag)
	}
	if a.plainTag == a.gzipTag {
		t.Errorf("plain and gzip copies share the ETag %s", a.plainTag)
	}
}

func TestMinify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"blank lines", "\n  \n\t\n", ""},
		{"indentation and trailing spaces", "  var a = 1;  \n\tfoo();\t\n", "var a = 1;\nfoo();\n"},
		{"line comment", "// hello\nvar a;\n", "var a;\n"},
		{"indented line comment", "a();\n    // why\nb();\n", "a();\nb();\n"},
		{"url in a string", `var u = "https://example.com/x";` + "\n", `var u = "https://example.com/x";` + "\n"},
		{"url in a single-quoted string", "f('//cdn.example.com/a.js');\n", "f('//cdn.example.com/a.js');\n"},
		{"regexp with slashes", `var r = /^https?:\/\//;` + "\n", `var r = /^https?:\/\//;` + "\n"},
		{"comment after code is kept", "a(); // note\n", "a(); // note\n"},
		{"block comment after code is kept", "a = b /* c */ + d;\n", "a = b /* c */ + d;\n"},
		{"one-line block comment", "/* x */\nvar a;\n", "var a;\n"},
		{"block comment then code", "/* x */ var a;\n", "var a;\n"},
		{"two block comments then code", "/* x */ /* y */ var a;\n", "var a;\n"},
		{"block then line comment", "/* x */ // y\nvar a;\n", "var a;\n"},
		{"multi-line block comment", "/*\n * doc\n * more // not code\n */\nvar a;\n", "var a;\n"},
		{"code after a multi-line comment", "/* a\nb */ c();\n", "c();\n"},
		{"slash-star-slash does not close", "/*/ still comment\n*/\nx();\n", "x();\n"},
		{"star-slash in a line comment ends nothing", "// a */ b\nc();\n", "c();\n"},
		{"line comment inside a block comment", "/* a\n// */ b();\n", "b();\n"},
		{"CRLF", "a();\r\n// x\r\n\r\nb();\r\n", "a();\nb();\n"},
		{"no final newline", "a()", "a()\n"},
		{"division at line start", "x = a\n/ b;\n", "x = a\n/ b;\n"},
		{"unclosed comment drops the rest", "a();\n/* never closed\nb();\n", "a();\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := minify(tc.in); got != tc.want {
				t.Errorf("minify(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestMinifyScript checks the served form of script.js: no comments left,
// minifying it again changes nothing, and (when node is installed) both
// forms parse.
func TestMinifyScript(t *testing.T) {
	t.Parallel()
	min := string(script.plain)
	for i, line := range strings.Split(strings.TrimSuffix(min, "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "//") || strings.HasPrefix(line, "/*") || strings.HasPrefix(line, "*") {
			t.Errorf("minified line %d is blank or a comment: %q", i+1, line)
		}
		if strings.Contains(line, "/*") || strings.Contains(line, " //") {
			t.Errorf("minified line %d seems to hold a comment after code (script.js must not): %q", i+1, line)
		}
	}
	if again := minify(min); again != min {
		t.Errorf("minifying the minified script changed it")
	}
	for _, want := range []string{"/api/event", "Outbound Link: Click", "File Download", "engagement", "mops_ignore"} {
		if !strings.Contains(min, want) {
			t.Errorf("minified script lacks %q", want)
		}
	}

	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH: syntax not checked")
	}
	dir := t.TempDir()
	for name, src := range map[string]string{"script.js": source, "script.min.js": min} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(node, "--check", file).CombinedOutput(); err != nil {
			t.Errorf("node --check %s: %v\n%s", name, err, out)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"deflate", "gzip;q=0.5"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"x-gzip"}, true},
		{[]string{"br, *"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"gzipped"}, false},
	}
	for _, tc := range tests {
		if got := acceptsGzip(tc.in); got != tc.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCookieVersion(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	CookieHandler().ServeHTTP(w, httptest.NewRequest("GET", "/js/script.cookie.js", nil))
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "mops_id=") || !strings.Contains(body, "mops_cid") || !strings.HasSuffix(strings.TrimSpace(body), strings.TrimSpace(minify(source))) {
		t.Fatalf("cookie version: %d, %d bytes; want the prelude followed by the tracker", w.Code, len(body))
	}
	if plain := httptestBody(Handler()); strings.Contains(plain, "mops_id") || strings.Contains(plain, "document.cookie") {
		t.Fatal("the plain tracker touches cookies")
	}
	m, gz := CookieSize()
	t.Logf("script.cookie.js: minified %d bytes, gzipped %d bytes", m, gz)
}

func httptestBody(h http.Handler) string {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	return w.Body.String()
}

// Package tracker serves the website tracker of mops, the small script that
// sites embed to count pageviews, SPA navigations, outbound links, file
// downloads, custom events and engagement (GET /js/script.js).
//
// script.js is written by hand, commented, with no build step; the handler
// serves a minified form (comments and indentation dropped, see minify) that
// is compressed once at start. The script's header documents its attributes,
// its global API (window.mops, aliased as window.plausible) and the payload
// it posts to /api/event.
package tracker

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

//go:embed script.js
var source string

//go:embed cookie.js
var cookieSource string

// asset is the script as served: minified, gzipped, and an ETag for each
// of the two representations.
type asset struct {
	plain, gz         []byte
	plainTag, gzipTag string
}

var (
	script       = build(source)
	cookieScript = build(cookieSource + "\n" + source)
)

// build minifies and compresses src. Its ETags come from the content, so
// a changed script gets new ones and an unchanged one keeps them across
// restarts and servers.
func build(src string) asset {
	plain := []byte(minify(src))
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		panic(err) // only for a bad level
	}
	// Writes to a bytes.Buffer do not fail.
	_, _ = zw.Write(plain)
	_ = zw.Close()
	sum := sha256.Sum256(plain)
	tag := hex.EncodeToString(sum[:8])
	return asset{
		plain:    plain,
		gz:       buf.Bytes(),
		plainTag: `"` + tag + `"`,
		gzipTag:  `"` + tag + `-gzip"`,
	}
}

// Size returns the sizes in bytes of the tracker as written (raw), as served
// (minified) and as served to a client that accepts gzip (gzipped).
func Size() (raw, minified, gzipped int) {
	return len(source), len(script.plain), len(script.gz)
}

// Handler serves the tracker script on GET and HEAD, whatever the request's
// path: mount it at /js/script.js. The script may be loaded by any site, so
// the answer allows every origin; it is cached for an hour only, since the
// URL never changes, and revalidated with its ETag (If-None-Match gives 304).
// A client that accepts gzip gets the copy compressed at start.
func Handler() http.Handler {
	return serve(script)
}

// CookieHandler serves the tracker with the first-party cookie prelude
// (cookie.js): mount it at /js/script.cookie.js. It is a little larger than
// the plain tracker; sites use it only when they enabled cookie ids.
func CookieHandler() http.Handler {
	return serve(cookieScript)
}

// CookieSize is Size for the cookie version.
func CookieSize() (minified, gzipped int) {
	return len(cookieScript.plain), len(cookieScript.gz)
}

func serve(script asset) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			h.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = w.Write([]byte(`{"error":"method not allowed: use GET"}` + "\n"))
			return
		}
		body, tag := script.plain, script.plainTag
		gz := acceptsGzip(r.Header.Values("Accept-Encoding"))
		if gz {
			body, tag = script.gz, script.gzipTag
		}
		h.Set("Access-Control-Allow-Origin", "*")
		// Sites that set Cross-Origin-Embedder-Policy can still load it.
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", tag)
		h.Set("Vary", "Accept-Encoding")
		if etagMatch(r.Header.Values("If-None-Match"), tag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", "application/javascript; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		if gz {
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	}
}

// acceptsGzip reports whether Accept-Encoding values allow gzip: gzip, or
// *, listed without q=0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "gzip" && name != "x-gzip" && name != "*" {
				continue
			}
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}

// etagMatch reports whether If-None-Match values name tag (weak
// comparison, as RFC 9110 asks for If-None-Match) or are "*".
func etagMatch(values []string, tag string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == tag {
				return true
			}
		}
	}
	return false
}

package httpx

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// CSRFHeader and CSRFField are where Protect looks for the token: the header
// for fetch/XHR requests, the form field for plain HTML forms.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// maxFormMemory bounds the memory multipart form parsing may use before
// spilling file parts to disk.
const maxFormMemory = 8 << 20

// CSRF makes and checks stateless anti-CSRF tokens: a token is the
// HMAC-SHA256 of the browser session id under a server secret, so it needs
// no storage and is useless for any other session.
type CSRF struct {
	key []byte
}

// NewCSRF returns a CSRF using key as the HMAC secret. The key should be 32
// random bytes kept across restarts; it is copied. NewCSRF panics if the key
// is shorter than 16 bytes, since such a key makes tokens guessable.
func NewCSRF(key []byte) *CSRF {
	if len(key) < 16 {
		panic("httpx: CSRF key must be at least 16 bytes")
	}
	return &CSRF{key: append([]byte(nil), key...)}
}

// Token returns the token for the session, base64url without padding.
func (c *CSRF) Token(sessionID string) string {
	return base64.RawURLEncoding.EncodeToString(c.mac(sessionID))
}

// Valid reports, in constant time, whether token is the token for the
// session. An empty session id or token is never valid.
func (c *CSRF) Valid(sessionID, token string) bool {
	if sessionID == "" || token == "" {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	return hmac.Equal(got, c.mac(sessionID))
}

func (c *CSRF) mac(sessionID string) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write([]byte("mops csrf v1\x00"))
	h.Write([]byte(sessionID))
	return h.Sum(nil)
}

// Protect returns middleware that rejects cross-site state-changing requests
// made with a browser session.
//
// Requests with a safe method (GET, HEAD, OPTIONS, TRACE) pass, as do requests
// for which sessionID returns "" (no browser session, e.g. API calls with a
// bearer key; callers decide which routes get this middleware). Every other
// request is handed to fail — which should answer 403 — when:
//
//   - Sec-Fetch-Site is "cross-site", or an Origin header is present and its
//     host differs from r.Host (an Origin of "null" always fails); or
//   - the token, from the X-CSRF-Token header or else the csrf_token field of
//     a urlencoded or multipart form body, is missing or not Valid for the
//     session.
//
// A nil fail answers 403 {"error":"invalid or missing CSRF token"}.
func (c *CSRF) Protect(sessionID func(*http.Request) string, fail http.Handler) func(http.Handler) http.Handler {
	if fail == nil {
		fail = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			WriteJSON(w, http.StatusForbidden, errorBody{Error: "invalid or missing CSRF token"})
		})
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if safeMethod(r.Method) {
				next.ServeHTTP(w, r)
				return
			}
			sid := sessionID(r)
			if sid == "" {
				next.ServeHTTP(w, r)
				return
			}
			if crossOrigin(r) || !c.Valid(sid, requestToken(r)) {
				fail.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func safeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// crossOrigin reports whether the browser says the request comes from
// another site or origin.
func crossOrigin(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return true // Includes "null", sent by sandboxed and privacy-sensitive contexts.
	}
	return !strings.EqualFold(u.Host, r.Host)
}

// requestToken returns the CSRF token from the header or, for form bodies,
// the form field; "" when there is none or the form cannot be parsed.
func requestToken(r *http.Request) string {
	if t := r.Header.Get(CSRFHeader); t != "" {
		return t
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return ""
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxFormMemory); err != nil {
			return ""
		}
	default:
		return ""
	}
	return r.PostForm.Get(CSRFField)
}

package httpx

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
)

// SecurityOptions configures SecurityHeaders.
type SecurityOptions struct {
	// HSTS adds Strict-Transport-Security; enable it only when mops is
	// served over HTTPS, since browsers then refuse plain HTTP for two years.
	HSTS bool
	// IsAPI reports the requests whose responses are data for programs,
	// never documents (nil: none). They get the API policy instead: a
	// Content-Security-Policy of default-src 'none' with no nonce, nosniff,
	// X-Frame-Options: DENY and HSTS as configured; headers that only
	// govern documents are left out, which matters on the collection
	// endpoints' hot path.
	IsAPI func(*http.Request) bool
}

type nonceKey struct{}

// Nonce returns the Content-Security-Policy nonce SecurityHeaders made for
// the request, for templates to put in <script nonce="...">. It is "" when
// the request did not pass through SecurityHeaders.
func Nonce(ctx context.Context) string {
	n, _ := ctx.Value(nonceKey{}).(string)
	return n
}

// SecurityHeaders returns middleware that sets the browser security headers
// on every response:
//
//   - Content-Security-Policy allowing only same-origin resources and inline
//     scripts bearing a fresh per-request nonce (see Nonce); no
//     'unsafe-inline', no framing, no plugins;
//   - X-Content-Type-Options: nosniff;
//   - Referrer-Policy: strict-origin-when-cross-origin;
//   - X-Frame-Options: DENY;
//   - Permissions-Policy denying camera, microphone, geolocation, payment
//     and USB;
//   - Cross-Origin-Opener-Policy: same-origin;
//   - Strict-Transport-Security, only when opts.HSTS is set.
func SecurityHeaders(opts SecurityOptions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if opts.IsAPI != nil && opts.IsAPI(r) {
				h := w.Header()
				h.Set("Content-Security-Policy", apiSecurityPolicy)
				h.Set("X-Content-Type-Options", "nosniff")
				h.Set("X-Frame-Options", "DENY")
				if opts.HSTS {
					h.Set("Strict-Transport-Security", hsts)
				}
				next.ServeHTTP(w, r)
				return
			}
			nonce := newNonce()
			h := w.Header()
			h.Set("Content-Security-Policy", contentSecurityPolicy(nonce))
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if opts.HSTS {
				h.Set("Strict-Transport-Security", hsts)
			}
			r2 := r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce))
			next.ServeHTTP(w, r2)
			noteRoute(w, r2)
		})
	}
}

const (
	hsts = "max-age=63072000; includeSubDomains"
	// apiSecurityPolicy lets an API response load and run nothing, even
	// when a browser is tricked into rendering it.
	apiSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"
)

// contentSecurityPolicy builds the policy for one response.
func contentSecurityPolicy(nonce string) string {
	return "default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; style-src 'self'; " +
		"img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
		"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
}

// newNonce returns 128 random bits in standard base64.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails; it crashes the program instead.
	return base64.StdEncoding.EncodeToString(b[:])
}

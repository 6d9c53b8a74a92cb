package httpx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	echoNonce := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, Nonce(r.Context()))
	})
	tests := []struct {
		name string
		opts SecurityOptions
		want map[string]string // header → exact value; "" means absent
	}{
		{"without HSTS", SecurityOptions{}, map[string]string{
			"X-Content-Type-Options":     "nosniff",
			"Referrer-Policy":            "strict-origin-when-cross-origin",
			"X-Frame-Options":            "DENY",
			"Permissions-Policy":         "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
			"Cross-Origin-Opener-Policy": "same-origin",
			"Strict-Transport-Security":  "",
		}},
		{"with HSTS", SecurityOptions{HSTS: true}, map[string]string{
			"X-Content-Type-Options":    "nosniff",
			"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(SecurityHeaders(tt.opts)(echoNonce))
			t.Cleanup(srv.Close)

			seen := map[string]bool{}
			for range 2 {
				res := send(t, srv, http.MethodGet, "/", nil, "")
				for k, v := range tt.want {
					if got := res.header.Get(k); got != v {
						t.Errorf("SecurityHeaders(%+v): %s = %q, want %q", tt.opts, k, got, v)
					}
				}
				nonce := res.body
				if len(nonce) < 22 {
					t.Fatalf("SecurityHeaders(%+v): Nonce(ctx) = %q, want a base64 nonce of 128 bits", tt.opts, nonce)
				}
				if seen[nonce] {
					t.Errorf("SecurityHeaders(%+v): nonce %q repeated across requests", tt.opts, nonce)
				}
				seen[nonce] = true

				csp := res.header.Get("Content-Security-Policy")
				want := "default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; style-src 'self'; " +
					"img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
					"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
				if csp != want {
					t.Errorf("SecurityHeaders(%+v): CSP = %q, want %q", tt.opts, csp, want)
				}
				if strings.Contains(csp, "unsafe-inline") {
					t.Errorf("SecurityHeaders(%+v): CSP %q allows unsafe-inline", tt.opts, csp)
				}
			}
		})
	}
}

func TestSecurityHeadersForAPIResponses(t *testing.T) {
	t.Parallel()
	isAPI := func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
	srv := httptest.NewServer(SecurityHeaders(SecurityOptions{HSTS: true, IsAPI: isAPI})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, Nonce(r.Context())) })))
	t.Cleanup(srv.Close)

	res := send(t, srv, http.MethodGet, "/api/x", nil, "")
	for k, v := range map[string]string{
		"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		"Permissions-Policy":        "",
	} {
		if got := res.header.Get(k); got != v {
			t.Errorf("API response: %s = %q, want %q", k, got, v)
		}
	}
	if res.body != "" {
		t.Errorf("API request got nonce %q, want none", res.body)
	}
	if page := send(t, srv, http.MethodGet, "/page", nil, ""); !strings.Contains(page.header.Get("Content-Security-Policy"), "'nonce-"+page.body+"'") || page.body == "" {
		t.Errorf("page: CSP %q with nonce %q, want the document policy", page.header.Get("Content-Security-Policy"), page.body)
	}
}

func TestNonceWithoutMiddleware(t *testing.T) {
	t.Parallel()
	if got := Nonce(t.Context()); got != "" {
		t.Errorf("Nonce(plain context) = %q, want \"\"", got)
	}
}

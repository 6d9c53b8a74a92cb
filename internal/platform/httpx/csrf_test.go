package httpx

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func testCSRF() *CSRF { return NewCSRF([]byte("0123456789abcdef0123456789abcdef")) }

func TestCSRFToken(t *testing.T) {
	t.Parallel()
	c := testCSRF()
	other := NewCSRF([]byte("fedcba9876543210fedcba9876543210"))
	tests := []struct {
		name    string
		session string
		token   string
		want    bool
	}{
		{"own token", "sess_a", c.Token("sess_a"), true},
		{"token of another session", "sess_a", c.Token("sess_b"), false},
		{"token under another key", "sess_a", other.Token("sess_a"), false},
		{"forged", "sess_a", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false},
		{"not base64", "sess_a", "!!!", false},
		{"truncated", "sess_a", c.Token("sess_a")[:20], false},
		{"empty token", "sess_a", "", false},
		{"empty session", "", c.Token(""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := c.Valid(tt.session, tt.token); got != tt.want {
				t.Errorf("Valid(%q, %q) = %v, want %v", tt.session, tt.token, got, tt.want)
			}
		})
	}
	if a, b := c.Token("sess_a"), c.Token("sess_a"); a != b {
		t.Errorf("Token(sess_a) not deterministic: %q then %q", a, b)
	}
}

func TestNewCSRFShortKey(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Errorf("NewCSRF(8-byte key) did not panic")
		}
	}()
	NewCSRF([]byte("shortkey"))
}

func TestCSRFProtect(t *testing.T) {
	t.Parallel()
	c := testCSRF()
	sessionOf := func(r *http.Request) string { return r.Header.Get("X-Test-Session") }
	fail := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusForbidden, map[string]string{"error": "csrf"})
	})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok "+r.PostFormValue("name"))
	})
	srv := httptest.NewServer(c.Protect(sessionOf, fail)(next))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	good, stranger := c.Token("sess_a"), c.Token("sess_b")
	form := func(token string) string {
		return url.Values{"csrf_token": {token}, "name": {"spring"}}.Encode()
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("csrf_token", good)
	mw.WriteField("name", "spring")
	mw.Close()

	hdr := func(kv ...string) http.Header {
		h := http.Header{"X-Test-Session": {"sess_a"}}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	const formType = "application/x-www-form-urlencoded"
	tests := []struct {
		name   string
		method string
		header http.Header
		body   string
		status int
		want   string
	}{
		{"GET passes", "GET", hdr(), "", 200, "ok "},
		{"HEAD passes", "HEAD", hdr(), "", 200, ""},
		{"POST without token", "POST", hdr(), "", 403, ""},
		{"POST with forged token", "POST", hdr("X-CSRF-Token", "forged"), "", 403, ""},
		{"POST with another session's token", "POST", hdr("X-CSRF-Token", stranger), "", 403, ""},
		{"POST with valid header token", "POST", hdr("X-CSRF-Token", good), "", 200, "ok "},
		{"PUT with valid header token", "PUT", hdr("X-CSRF-Token", good), "", 200, "ok "},
		{"DELETE without token", "DELETE", hdr(), "", 403, ""},
		{"PATCH with forged token", "PATCH", hdr("X-CSRF-Token", "forged"), "", 403, ""},
		{"POST with valid form token", "POST", hdr("Content-Type", formType), form(good), 200, "ok spring"},
		{"POST with forged form token", "POST", hdr("Content-Type", formType), form("forged"), 403, ""},
		{"POST with valid multipart token", "POST", hdr("Content-Type", mw.FormDataContentType()), mp.String(), 200, "ok spring"},
		{"token in a JSON body is ignored", "POST", hdr("Content-Type", "application/json"), `{"csrf_token":"` + good + `"}`, 403, ""},
		{"same Origin with valid token", "POST", hdr("X-CSRF-Token", good, "Origin", "http://"+host), "", 200, "ok "},
		{"cross Origin with valid token", "POST", hdr("X-CSRF-Token", good, "Origin", "https://evil.example"), "", 403, ""},
		{"null Origin with valid token", "POST", hdr("X-CSRF-Token", good, "Origin", "null"), "", 403, ""},
		{"cross-site fetch with valid token", "POST", hdr("X-CSRF-Token", good, "Sec-Fetch-Site", "cross-site"), "", 403, ""},
		{"same-origin fetch with valid token", "POST", hdr("X-CSRF-Token", good, "Sec-Fetch-Site", "same-origin"), "", 200, "ok "},
		{"no session passes", "POST", http.Header{}, "", 200, "ok "},
		{"no session passes cross-origin too", "POST", http.Header{"Origin": {"https://evil.example"}}, "", 200, "ok "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := send(t, srv, tt.method, "/save", tt.header, tt.body)
			if res.status != tt.status {
				t.Fatalf("%s /save with %v: status = %d, want %d; body %q", tt.method, tt.header, res.status, tt.status, res.body)
			}
			if tt.status == http.StatusOK && res.body != tt.want {
				t.Errorf("%s /save with %v: body = %q, want %q", tt.method, tt.header, res.body, tt.want)
			}
		})
	}
}

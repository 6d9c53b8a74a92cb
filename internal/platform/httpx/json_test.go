package httpx

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type testAddress struct {
	Zip int `json:"zip"`
}

type testCampaign struct {
	Name    string      `json:"name"`
	Budget  float64     `json:"budget"`
	Active  bool        `json:"active"`
	Address testAddress `json:"address"`
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	const limit = 64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c testCampaign
		if err := DecodeJSON(w, r, limit, &c); err != nil {
			WriteError(w, r, nil, err)
			return
		}
		WriteJSON(w, http.StatusOK, c)
	}))
	t.Cleanup(srv.Close)

	const jsonType = "application/json"
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		want        string // substring of the error message, or the echoed name
	}{
		{"valid", jsonType, `{"name":"spring","budget":12.5}`, 200, "spring"},
		{"charset parameter", "application/json; charset=utf-8", `{"name":"spring"}`, 200, "spring"},
		{"unknown fields allowed", jsonType, `{"name":"spring","colour":"green"}`, 200, "spring"},
		{"surrounding whitespace", jsonType, "\n {\"name\":\"spring\"} \n", 200, "spring"},
		{"malformed", jsonType, `{"name": "a",}`, 400, "invalid JSON at byte 14: invalid character '}'"},
		{"missing colon", jsonType, `{"name" "a"}`, 400, "invalid JSON at byte 9: "},
		{"truncated", jsonType, `{"name":`, 400, "invalid JSON at byte 8: unexpected end of input"},
		{"wrong type", jsonType, `{"name": 5}`, 400, `field "name" must be a string`},
		{"wrong type bool", jsonType, `{"active": "yes"}`, 400, `field "active" must be a boolean`},
		{"wrong type nested", jsonType, `{"address": {"zip": "x"}}`, 400, `field "address.zip" must be an integer`},
		{"wrong top-level type", jsonType, `["spring"]`, 400, "request body must be an object"},
		{"empty", jsonType, "", 400, "request body is empty"},
		{"whitespace only", jsonType, " \n\t", 400, "request body is empty"},
		{"trailing garbage", jsonType, `{"name":"a"} x`, 400, "invalid JSON at byte 14: unexpected data after the JSON value"},
		{"two values", jsonType, `{"name":"a"}{"name":"b"}`, 400, "invalid JSON at byte 13: unexpected data"},
		{"wrong content type", "text/plain", `{"name":"a"}`, 415, "Content-Type must be application/json"},
		{"form content type", "application/x-www-form-urlencoded", `name=a`, 415, "Content-Type must be application/json"},
		{"no content type", "", `{"name":"a"}`, 415, "Content-Type must be application/json"},
		{"oversized", jsonType, `{"name":"` + strings.Repeat("a", limit) + `"}`, 413, "request body too large (limit 64 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			res := send(t, srv, http.MethodPost, "/campaigns", h, tt.body)
			if res.status != tt.status {
				t.Fatalf("DecodeJSON(%q, %q): status = %d, want %d; body %s", tt.contentType, tt.body, res.status, tt.status, res.body)
			}
			if tt.status == http.StatusOK {
				var c testCampaign
				if err := json.Unmarshal([]byte(res.body), &c); err != nil || c.Name != tt.want {
					t.Errorf("DecodeJSON(%q): echoed %s (err %v), want name %q", tt.body, res.body, err, tt.want)
				}
				return
			}
			if got := errorMessage(t, res.body); !strings.Contains(got, tt.want) {
				t.Errorf("DecodeJSON(%q, %q): message = %q, want it to contain %q", tt.contentType, tt.body, got, tt.want)
			}
		})
	}
}

func TestDecodeJSONBadDestination(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c testCampaign
		WriteError(w, r, logger, DecodeJSON(w, r, 0, c)) // not a pointer: a programming error
	}))
	t.Cleanup(srv.Close)

	res := send(t, srv, http.MethodPost, "/", http.Header{"Content-Type": {"application/json"}}, `{}`)
	if res.status != http.StatusInternalServerError {
		t.Errorf("DecodeJSON into a non-pointer: status = %d, want 500", res.status)
	}
	if !strings.Contains(logs.String(), "non-pointer") {
		t.Errorf("DecodeJSON into a non-pointer: cause not logged; log:\n%s", logs.String())
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		value  any
		want   string
	}{
		{"object", http.StatusCreated, map[string]int{"id": 7}, `{"id":7}` + "\n"},
		{"html escaped", http.StatusOK, map[string]string{"q": "<script>"}, `{"q":"\u003cscript\u003e"}` + "\n"},
		{"unencodable", http.StatusOK, math.Inf(1), `{"error":"internal error"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				WriteJSON(w, tt.status, tt.value)
			}))
			t.Cleanup(srv.Close)
			res := send(t, srv, http.MethodGet, "/", nil, "")
			wantStatus := tt.status
			if tt.name == "unencodable" {
				wantStatus = http.StatusInternalServerError
			}
			if res.status != wantStatus || res.body != tt.want {
				t.Errorf("WriteJSON(%d, %v) = %d %q, want %d %q", tt.status, tt.value, res.status, res.body, wantStatus, tt.want)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("WriteJSON(%v): Content-Type = %q", tt.value, ct)
			}
		})
	}
}

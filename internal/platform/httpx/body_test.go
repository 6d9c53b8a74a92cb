package httpx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMaxBody(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(MaxBody(10)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			WriteError(w, r, nil, err)
			return
		}
		WriteJSON(w, http.StatusOK, map[string]int{"read": len(b)})
	})))
	t.Cleanup(srv.Close)

	tests := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"under limit", "0123456789", 200, `{"read":10}`},
		{"empty", "", 200, `{"read":0}`},
		{"over limit", strings.Repeat("x", 11), 413, `{"error":"request body too large (limit 10 bytes)"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := send(t, srv, http.MethodPost, "/", nil, tt.body)
			if res.status != tt.status || strings.TrimSpace(res.body) != tt.want {
				t.Errorf("MaxBody(10) with %d-byte body = %d %s, want %d %s", len(tt.body), res.status, res.body, tt.status, tt.want)
			}
		})
	}
}

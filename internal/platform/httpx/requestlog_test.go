package httpx

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// counterValue returns mops_http_requests_total for the labels, 0 if absent.
func counterValue(t *testing.T, reg *prometheus.Registry, method, route, status string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range families {
		if mf.GetName() != "mops_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["method"] == method && labels["route"] == route && labels["status"] == status {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// histogramCount returns how many durations were observed for the labels.
func histogramCount(t *testing.T, reg *prometheus.Registry, method, route string) uint64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range families {
		if mf.GetName() != "mops_http_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["method"] == method && labels["route"] == route {
				return m.GetHistogram().GetSampleCount()
			}
		}
	}
	return 0
}

type ctxKey struct{}

// withValue stands for middleware that replaces the request, as session
// loading does.
func withValue(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, "v")))
	})
}

func TestRequestLogMetrics(t *testing.T) {
	t.Parallel()
	newMux := func() *http.ServeMux {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /campaigns/{id}", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "campaign "+r.PathValue("id"))
		})
		mux.HandleFunc("POST /campaigns", func(w http.ResponseWriter, r *http.Request) {
			WriteError(w, r, nil, ErrConflict)
		})
		return mux
	}
	tests := []struct {
		name  string
		chain func(*Metrics, http.Handler) http.Handler
	}{
		{"mux directly inside", func(m *Metrics, mux http.Handler) http.Handler {
			return RequestLog(nil, m)(mux)
		}},
		{"through SecurityHeaders", func(m *Metrics, mux http.Handler) http.Handler {
			return RequestLog(nil, m)(SecurityHeaders(SecurityOptions{})(mux))
		}},
		{"request replaced, CaptureRoute on the mux", func(m *Metrics, mux http.Handler) http.Handler {
			return RequestLog(nil, m)(Recover(nil, nil, nil)(withValue(CaptureRoute(mux))))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			m, err := NewMetrics(reg)
			if err != nil {
				t.Fatalf("NewMetrics: %v", err)
			}
			srv := httptest.NewServer(tt.chain(m, newMux()))
			t.Cleanup(srv.Close)

			send(t, srv, http.MethodGet, "/campaigns/1", nil, "")
			send(t, srv, http.MethodGet, "/campaigns/2", nil, "")
			send(t, srv, http.MethodPost, "/campaigns", nil, "")
			send(t, srv, http.MethodGet, "/no/such/page", nil, "")

			counts := []struct {
				method, route, status string
				want                  float64
			}{
				{"GET", "GET /campaigns/{id}", "2xx", 2},
				{"POST", "POST /campaigns", "4xx", 1},
				{"GET", "unmatched", "4xx", 1},
			}
			for _, c := range counts {
				if got := counterValue(t, reg, c.method, c.route, c.status); got != c.want {
					t.Errorf("requests_total{%s, %q, %s} = %v, want %v", c.method, c.route, c.status, got, c.want)
				}
			}
			if got := histogramCount(t, reg, "GET", "GET /campaigns/{id}"); got != 2 {
				t.Errorf("request_duration_seconds{GET, \"GET /campaigns/{id}\"} count = %d, want 2", got)
			}
		})
	}
}

func TestRequestLogLogs(t *testing.T) {
	t.Parallel()
	logger, logs := newTestLogger()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "hello")
	})
	srv := httptest.NewServer(RequestLog(logger, nil)(mux))
	t.Cleanup(srv.Close)

	send(t, srv, http.MethodGet, "/hello", nil, "")
	log := logs.String()
	for _, want := range []string{
		`"level":"DEBUG"`, `"request.method":"GET"`, `"request.path":"/hello"`,
		`"request.route":"GET /hello"`, `"response.status_code":202`, `"response.bytes":5`, `"duration_ms":`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("GET /hello: log lacks %s; log:\n%s", want, log)
		}
	}
}

func TestNewMetricsTwice(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	if _, err := NewMetrics(reg); err != nil {
		t.Fatalf("first NewMetrics: %v", err)
	}
	if _, err := NewMetrics(reg); err == nil {
		t.Errorf("second NewMetrics on the same registry: err = nil, want an error")
	}
	if m, err := NewMetrics(nil); err != nil || m == nil {
		t.Errorf("NewMetrics(nil) = %v, %v; want unregistered metrics", m, err)
	}
}

func TestStatusClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code int
		want string
	}{{200, "2xx"}, {204, "2xx"}, {301, "3xx"}, {404, "4xx"}, {429, "4xx"}, {500, "5xx"}, {99, "other"}, {600, "other"}}
	for _, tt := range tests {
		if got := statusClass(tt.code); got != tt.want {
			t.Errorf("statusClass(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

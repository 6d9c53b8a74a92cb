package httpx

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// unmatchedRoute is the route label of requests no ServeMux pattern matched,
// so that arbitrary paths cannot blow up metric cardinality.
const unmatchedRoute = "unmatched"

// Metrics holds the Prometheus collectors RequestLog records into.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics creates the HTTP metrics and registers them on reg (skipped when
// reg is nil, which is handy in tests):
//
//   - mops_http_requests_total{method, route, status}: a counter, where
//     route is the ServeMux pattern (or "unmatched") and status the class
//     ("2xx", "4xx", …);
//   - mops_http_request_duration_seconds{method, route}: a histogram.
//
// It fails if the collectors are already registered on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "mops",
			Subsystem: "http",
			Name:      "requests_total",
			Help:      "HTTP requests served, by method, route pattern and status class.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "mops",
			Subsystem: "http",
			Name:      "request_duration_seconds",
			Help:      "Time to serve HTTP requests, by method and route pattern.",
			Buckets:   prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.duration} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("httpx: registering HTTP metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, statusClass(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// RequestLog returns middleware that logs every request at Debug level with
// request.method, request.path, request.route, response.status_code,
// response.bytes and duration_ms, and records it in metrics (nil records
// nothing). A nil logger means slog.Default().
//
// The route label is the ServeMux pattern that served the request, read from
// r.Pattern after serving. That only works when RequestLog hands its request
// straight to the mux; if middleware in between replaces the request (for
// instance with r.WithContext), wrap the mux itself in CaptureRoute so the
// pattern still reaches RequestLog.
func RequestLog(logger *slog.Logger, metrics *Metrics) func(http.Handler) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			d := time.Since(start)

			route := r.Pattern
			if route == "" {
				route = sw.pattern
			}
			if route == "" {
				route = unmatchedRoute
			}
			metrics.observe(methodLabel(r.Method), route, sw.code(), d)
			if logger.Enabled(r.Context(), slog.LevelDebug) {
				logger.LogAttrs(r.Context(), slog.LevelDebug, "http request",
					slog.String("request.method", r.Method),
					slog.String("request.path", r.URL.Path),
					slog.String("request.route", route),
					slog.Int("response.status_code", sw.code()),
					slog.Int64("response.bytes", sw.bytes),
					slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				)
			}
		})
	}
}

// CaptureRoute wraps the ServeMux (or any handler that sets r.Pattern) and
// passes the matched pattern back to an enclosing RequestLog, even when
// middleware between the two replaced the request. Without an enclosing
// RequestLog it just calls next.
func CaptureRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		noteRoute(w, r)
	})
}

// noteRoute records r.Pattern in every statusWriter w wraps, so the
// enclosing RequestLog learns the route even when middleware between the
// two replaced the request.
func noteRoute(w http.ResponseWriter, r *http.Request) {
	if r.Pattern == "" {
		return
	}
	for w != nil {
		if sw, ok := w.(*statusWriter); ok && sw.pattern == "" {
			sw.pattern = r.Pattern
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// statusClass turns 404 into "4xx".
func statusClass(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code/100) + "xx"
}

// methodLabel keeps the method label to the standard methods, since clients
// can send any token as a method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

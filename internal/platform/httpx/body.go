package httpx

import "net/http"

// MaxBody limits every request body to n bytes with http.MaxBytesReader:
// reading past the limit fails with *http.MaxBytesError (which WriteError
// answers with 413) and the server closes the connection afterwards.
// A non-positive n leaves bodies unlimited.
func MaxBody(n int64) func(http.Handler) http.Handler {
	return MaxBodyBy(func(*http.Request) int64 { return n })
}

// MaxBodyBy is MaxBody with a limit chosen per request, for the few
// routes that take files.
func MaxBodyBy(limit func(*http.Request) int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n := limit(r); n > 0 && r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

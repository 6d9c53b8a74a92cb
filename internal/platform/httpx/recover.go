package httpx

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recover returns middleware that turns a panic in a handler into a logged
// error and a 500 answer, so one bad request cannot take the server down.
//
// The panic value and stack are logged at Error level. Requests for which
// isAPI reports true get JSON {"error":"internal error"}; the others are
// answered by page, which should render an HTML error page for status. A nil
// isAPI treats every request as an API request; a nil page answers plain
// text; a nil logger means slog.Default().
//
// A panic with http.ErrAbortHandler is re-raised untouched, as net/http uses
// it to abort a response silently. If the handler had already sent the
// header, no error can be answered any more, so after logging Recover aborts
// the response (the client sees a truncated reply rather than a complete-
// looking one).
func Recover(logger *slog.Logger, isAPI func(*http.Request) bool, page func(w http.ResponseWriter, r *http.Request, status int)) func(http.Handler) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := &statusWriter{ResponseWriter: w}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
					slog.String("request.method", r.Method),
					slog.String("request.path", r.URL.Path),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
				)
				if sw.written() {
					panic(http.ErrAbortHandler)
				}
				// Drop headers that describe the body the handler meant to send.
				h := w.Header()
				h.Del("Content-Length")
				h.Del("Content-Encoding")
				h.Del("Content-Disposition")
				h.Set("Cache-Control", "no-store")
				switch {
				case isAPI == nil || isAPI(r):
					WriteJSON(w, http.StatusInternalServerError, errorBody{Error: "internal error"})
				case page != nil:
					page(w, r, http.StatusInternalServerError)
				default:
					http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(sw, r)
		})
	}
}

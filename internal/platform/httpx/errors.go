package httpx

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Sentinel errors that WriteError maps to status codes. Wrap them with %w to
// add context for the log; the client only ever sees the generic message.
var (
	// ErrNotFound answers 404 {"error":"not found"}.
	ErrNotFound = errors.New("not found")
	// ErrForbidden answers 403 {"error":"forbidden"}.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthorized answers 401 {"error":"unauthorized"}.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrConflict answers 409 {"error":"conflict"}.
	ErrConflict = errors.New("conflict")
)

// Error is an error with a status code and a message meant for the client.
// Message is sent as-is; Err is the underlying cause, which is only logged
// (and only when Status is 500 or above).
type Error struct {
	// Status is the HTTP status code to answer with; 0 means 500.
	Status int
	// Message is the client-facing text; empty means the status text.
	Message string
	// Err is the optional cause, kept for logging and errors.Is/As.
	Err error
}

// Error returns the message followed by the cause, when there is one that
// says more than the message. It is meant for logs; WriteError sends only
// Message to the client.
func (e *Error) Error() string {
	msg := e.message()
	if e.Err == nil {
		return msg
	}
	if cause := e.Err.Error(); cause != msg {
		return msg + ": " + cause
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) status() int {
	if e.Status < 100 || e.Status > 999 {
		return http.StatusInternalServerError
	}
	return e.Status
}

func (e *Error) message() string {
	if e.Message == "" {
		return http.StatusText(e.status())
	}
	return e.Message
}

// Errorf returns a client-facing error with the given status whose message is
// formatted like fmt.Errorf. If the format wraps an error with %w, that error
// becomes the cause (Err) as well as part of the message, so only wrap errors
// whose text is fit for clients.
func Errorf(status int, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	he := &Error{Status: status, Message: err.Error()}
	switch err.(type) {
	case interface{ Unwrap() error }, interface{ Unwrap() []error }:
		he.Err = err // Keep what %w wrapped reachable by errors.Is and As.
	}
	return he
}

// WriteError answers the request with the status and JSON body {"error": msg}
// that err maps to:
//
//   - *Error: its Status and Message;
//   - *http.MaxBytesError: 413 "request body too large (limit N bytes)";
//   - ErrNotFound 404, ErrForbidden 403, ErrUnauthorized 401, ErrConflict 409,
//     with the sentinel's own text;
//   - anything else: 500 "internal error".
//
// The first match in that order wins, tested with errors.As and errors.Is.
// Whenever the answer is a 5xx, the full error is logged once at Error level
// with the request method and path; its text never reaches the client.
// An error that is the request's own context ending (the client went away)
// is no server failure: it is answered 499, as nginx does, and logged at
// Debug. A nil logger means slog.Default().
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	if logger == nil {
		logger = slog.Default()
	}
	if ctxErr := r.Context().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		logger.LogAttrs(r.Context(), slog.LevelDebug, "client went away",
			slog.String("request.method", r.Method),
			slog.String("request.path", r.URL.Path),
			slog.Any("error", err),
		)
		WriteJSON(w, StatusClientClosedRequest, errorBody{Error: "client closed request"})
		return
	}
	status, msg := classify(err)
	if status >= 500 {
		logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request.method", r.Method),
			slog.String("request.path", r.URL.Path),
			slog.Int("response.status_code", status),
			slog.Any("error", err),
		)
	}
	WriteJSON(w, status, errorBody{Error: msg})
}

// StatusClientClosedRequest is the status recorded for requests whose
// client left before the answer was ready (nginx's 499).
const StatusClientClosedRequest = 499

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error string `json:"error"`
}

// classify maps err to a status code and a client-safe message.
func classify(err error) (int, string) {
	if he, ok := errors.AsType[*Error](err); ok {
		return he.status(), he.message()
	}
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge, tooLargeMessage(mbe.Limit)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, ErrNotFound.Error()
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, ErrForbidden.Error()
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, ErrUnauthorized.Error()
	case errors.Is(err, ErrConflict):
		return http.StatusConflict, ErrConflict.Error()
	}
	return http.StatusInternalServerError, "internal error"
}

func tooLargeMessage(limit int64) string {
	return fmt.Sprintf("request body too large (limit %d bytes)", limit)
}

package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
)

// DefaultMaxBody is the body limit DecodeJSON applies when given a
// non-positive maxBytes.
const DefaultMaxBody = 1 << 20

// WriteJSON answers with status and v encoded as JSON, with Content-Type
// "application/json; charset=utf-8". If v cannot be encoded the client gets
// 500 {"error":"internal error"} instead of a half-written body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":"internal error"}`)
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // A failed write means the client has gone; nothing to do.
}

// DecodeJSON decodes the request body, which must be a single JSON value,
// into dst. Unknown object fields are allowed and ignored.
//
// It fails with an *Error carrying the status to answer with:
//
//   - 415 when Content-Type is not application/json;
//   - 413 when the body exceeds maxBytes (DefaultMaxBody if maxBytes <= 0);
//   - 400 when the body is empty, is not valid JSON ("invalid JSON at byte
//     17: ..."), holds a value of the wrong type (`field "name" must be a
//     string`) or has data after the JSON value. Byte positions are
//     1-based, like json.SyntaxError.Offset.
//
// A dst that cannot be decoded into (not a non-nil pointer) is a programming
// error and yields a plain error, which WriteError answers with 500.
func DecodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, dst any) error {
	if err := requireJSON(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return &Error{Status: http.StatusRequestEntityTooLarge, Message: tooLargeMessage(mbe.Limit), Err: err}
		}
		return &Error{Status: http.StatusBadRequest, Message: "could not read request body", Err: err}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return Errorf(http.StatusBadRequest, "request body is empty")
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, len(body))
	}
	if off := dec.InputOffset(); len(bytes.TrimSpace(body[off:])) > 0 {
		return Errorf(http.StatusBadRequest, "invalid JSON at byte %d: unexpected data after the JSON value", off+leadingSpace(body[off:])+1)
	}
	return nil
}

// requireJSON checks that a Content-Type header names application/json.
func requireJSON(contentType string) error {
	if contentType == "" {
		return Errorf(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return Errorf(http.StatusUnsupportedMediaType, "Content-Type must be application/json, not %q", contentType)
	}
	return nil
}

// decodeError turns an encoding/json error into a 400 *Error naming the
// problem, or passes programming errors through unchanged.
func decodeError(err error, size int) error {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error()), Err: err}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("invalid JSON at byte %d: unexpected end of input", size), Err: err}
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		want := jsonKind(te.Type)
		if te.Field == "" {
			return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("request body must be %s", want), Err: err}
		}
		return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("field %q must be %s", te.Field, want), Err: err}
	}
	if _, ok := errors.AsType[*json.InvalidUnmarshalError](err); ok {
		return fmt.Errorf("httpx: decoding JSON: %w", err)
	}
	// Errors from UnmarshalJSON/UnmarshalText methods describe the input.
	return &Error{Status: http.StatusBadRequest, Message: "invalid request body: " + err.Error(), Err: err}
}

// jsonKind describes, with an article, the JSON value a Go type accepts.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

// leadingSpace counts the JSON whitespace at the start of b.
func leadingSpace(b []byte) int64 {
	return int64(len(b) - len(bytes.TrimLeft(b, " \t\r\n")))
}

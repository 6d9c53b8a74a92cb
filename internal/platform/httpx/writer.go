package httpx

import "net/http"

// statusWriter wraps a ResponseWriter to remember the status code and count
// the body bytes, and carries the matched route pattern back from
// CaptureRoute. Unwrap lets http.ResponseController reach the original.
type statusWriter struct {
	http.ResponseWriter
	status  int
	bytes   int64
	pattern string
}

func (sw *statusWriter) WriteHeader(code int) {
	if sw.status == 0 && code >= 200 {
		sw.status = code
	}
	sw.ResponseWriter.WriteHeader(code)
}

func (sw *statusWriter) Write(p []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	n, err := sw.ResponseWriter.Write(p)
	sw.bytes += int64(n)
	return n, err
}

// Flush passes through to the wrapped writer when it supports flushing, so
// streaming handlers that type-assert http.Flusher keep working.
func (sw *statusWriter) Flush() {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	_ = http.NewResponseController(sw.ResponseWriter).Flush()
}

// Unwrap returns the wrapped writer for http.ResponseController.
func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

// written reports whether the response header has been sent.
func (sw *statusWriter) written() bool { return sw.status != 0 }

// code returns the status sent, or 200 if the handler sent nothing (which is
// what net/http answers in that case).
func (sw *statusWriter) code() int {
	if sw.status == 0 {
		return http.StatusOK
	}
	return sw.status
}

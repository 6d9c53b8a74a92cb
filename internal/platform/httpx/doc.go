// Package httpx holds the HTTP plumbing every mops slice shares, built on
// net/http alone: JSON requests and responses, the single place that turns
// errors into status codes, and the middleware that wraps the router —
// panic recovery, request logging and metrics, security headers, CSRF
// protection, rate limiting, login back-off and client address resolution.
//
// A typical server chain, outermost first:
//
//	handler := httpx.RequestLog(logger, metrics)(
//		httpx.Recover(logger, isAPI, errorPage)(
//			httpx.SecurityHeaders(httpx.SecurityOptions{HSTS: tls})(
//				httpx.MaxBody(1<<20)(
//					httpx.CaptureRoute(mux)))))
//
// Handlers report failures by returning errors and passing them to
// WriteError; client-facing text travels in *Error, everything else is
// logged and answered with a generic 500 so internal details never leak.
package httpx

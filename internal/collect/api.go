package collect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mopshq/mops/internal/collect/tracker"
	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/warehouse/event"
)

// maxPageEventBytes bounds a /api/event body.
const maxPageEventBytes = 32 << 10

// Handler serves the collection endpoints.
type Handler struct {
	svc      *Service
	keys     KeyChecker
	logger   *slog.Logger
	clientIP func(*http.Request) netip.Addr
	limiter  *httpx.Limiter
}

// NewHandler returns the handler. keys checks the API keys that may send
// history; limiter bounds requests per client
// address (nil or a zero rate: unlimited).
func NewHandler(svc *Service, keys KeyChecker, logger *slog.Logger, clientIP func(*http.Request) netip.Addr, limiter *httpx.Limiter) *Handler {
	return &Handler{svc: svc, keys: keys, logger: logger, clientIP: clientIP, limiter: limiter}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	limited := func(f http.HandlerFunc) http.Handler {
		if h.limiter == nil {
			return f
		}
		return h.limiter.Middleware(func(r *http.Request) string { return h.clientIP(r).String() })(f)
	}
	mux.Handle("POST /api/event", limited(h.postPageEvent))
	mux.HandleFunc("OPTIONS /api/event", preflight)
	mux.Handle("GET /js/script.js", tracker.Handler())
	mux.Handle("GET /js/script.cookie.js", tracker.CookieHandler())
	h.registerSegment(mux, limited)
}

// preflight answers CORS preflight requests: sites on any origin send events.
func preflight(w http.ResponseWriter, r *http.Request) {
	cors(w)
	w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
	w.Header().Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

func cors(w http.ResponseWriter) { w.Header().Set("Access-Control-Allow-Origin", "*") }

// pageEventRequest is the body of /api/event: Plausible's long field names
// or the tracker's short ones.
type pageEventRequest struct {
	Name        string          `json:"name"`
	N           string          `json:"n"`
	URL         string          `json:"url"`
	U           string          `json:"u"`
	Domain      string          `json:"domain"`
	D           string          `json:"d"`
	Referrer    *string         `json:"referrer"`
	R           *string         `json:"r"`
	Props       json.RawMessage `json:"props"`
	P           json.RawMessage `json:"p"`
	Meta        json.RawMessage `json:"meta"`
	M           json.RawMessage `json:"m"`
	Revenue     json.RawMessage `json:"revenue"`
	Dollar      json.RawMessage `json:"$"`
	Interactive *bool           `json:"interactive"`
	I           *bool           `json:"i"`
	E           int64           `json:"e"`
	SD          int             `json:"sd"`
	H           json.RawMessage `json:"h"`
	C           string          `json:"c"`
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstRaw(vals ...json.RawMessage) json.RawMessage {
	for _, v := range vals {
		if len(v) > 0 && string(v) != "null" {
			return v
		}
	}
	return nil
}

// postPageEvent answers POST /api/event: 202 once the event is durable.
func (h *Handler) postPageEvent(w http.ResponseWriter, r *http.Request) {
	cors(w)
	body, err := readBody(w, r, maxPageEventBytes)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req pageEventRequest
	if err := decodePageEvent(body, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	in := PageEvent{Name: firstOf(req.Name, req.N), URL: firstOf(req.URL, req.U), Domain: firstOf(req.Domain, req.D),
		Interactive: true, EngagedMS: req.E, ScrollDepth: req.SD, Origin: event.OriginAPI, CookieID: req.C}
	if req.Referrer != nil {
		in.Referrer = *req.Referrer
	} else if req.R != nil {
		in.Referrer = *req.R
	}
	if req.Interactive != nil {
		in.Interactive = *req.Interactive
	} else if req.I != nil {
		in.Interactive = *req.I
	}
	if h := firstRaw(req.H); h != nil && string(h) != "0" && string(h) != "false" {
		in.HashMode = true
	}
	if r.Header.Get("Content-Type") == "" || strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		in.Origin = event.OriginTracker
	}
	if in.Props, err = parseProps(firstRaw(req.Props, req.P, req.Meta, req.M)); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.Revenue, err = parseRevenue(firstRaw(req.Revenue, req.Dollar)); err != nil {
		h.fail(w, r, err)
		return
	}
	dropped, err := h.svc.AcceptPageEvent(r.Context(), in, Client{IP: h.clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if dropped != "" {
		w.Header().Set("X-Mops-Dropped", "1")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, "ok")
}

// fail maps collection errors to the contract's JSON errors.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ie *InputError
	switch {
	case errors.As(err, &ie):
		err = httpx.Errorf(http.StatusBadRequest, "%s", ie.Message)
	case errors.Is(err, eventlog.ErrBusy):
		// Too much in flight at once: nothing of this request was
		// acknowledged, and clients (Segment's SDKs too) retry a 503.
		w.Header().Set("Retry-After", "1")
		err = httpx.Errorf(http.StatusServiceUnavailable, "busy: too many events in flight, retry shortly")
	}
	httpx.WriteError(w, r, h.logger, err)
}

// readBody reads a JSON (or text/plain JSON, as browsers send with
// sendBeacon) body of at most limit bytes that is valid UTF-8.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	switch ct := r.Header.Get("Content-Type"); ct {
	case "", "application/json", "text/plain", "text/plain;charset=UTF-8": // what clients send, parsed or not
	default:
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "text/plain") {
			return nil, httpx.Errorf(http.StatusUnsupportedMediaType, "Content-Type must be application/json (or text/plain), not %q", ct)
		}
	}
	lr := http.MaxBytesReader(w, r.Body, limit)
	var body []byte
	var err error
	if n := r.ContentLength; n > 0 && n <= limit {
		// The length is known (and net/http holds the body to it): read it
		// into a buffer of that size, not one grown from 512 bytes.
		body = make([]byte, n)
		_, err = io.ReadFull(lr, body)
	} else {
		body, err = io.ReadAll(lr)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, httpx.Errorf(http.StatusRequestEntityTooLarge, "request body too large (limit %d bytes)", limit)
		}
		return nil, httpx.Errorf(http.StatusBadRequest, "could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, httpx.Errorf(http.StatusBadRequest, "request body is empty")
	}
	if !utf8.Valid(body) {
		return nil, httpx.Errorf(http.StatusBadRequest, "request body is not valid UTF-8")
	}
	return body, nil
}

// decodeJSON decodes one JSON object, naming the problem when it fails.
func decodeJSON(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return httpx.Errorf(http.StatusBadRequest, "invalid JSON at byte %d: %s", se.Offset, se.Error())
		case errors.As(err, &te):
			if te.Field == "" {
				return httpx.Errorf(http.StatusBadRequest, "request body must be a JSON object")
			}
			return httpx.Errorf(http.StatusBadRequest, "field %q must be a %s", te.Field, jsonType(te.Type.Kind().String()))
		}
		return httpx.Errorf(http.StatusBadRequest, "invalid JSON: %s", err.Error())
	}
	if dec.More() {
		return httpx.Errorf(http.StatusBadRequest, "invalid JSON: unexpected data after the object")
	}
	return nil
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	}
	return "number"
}

// parseProps reads custom properties: a flat object whose values are
// strings, numbers or booleans (kept as text).
func parseProps(raw json.RawMessage) (map[string]string, error) {
	if raw == nil {
		return nil, nil
	}
	if raw[0] == '"' {
		// Plausible's older trackers send props as a JSON string.
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, inputErrorf("props must be an object")
		}
		raw = json.RawMessage(s)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, inputErrorf("props must be an object of strings, numbers or booleans")
	}
	if len(m) > maxProps {
		return nil, inputErrorf("props has %d keys; at most %d are allowed", len(m), maxProps)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k == "" || utf8.RuneCountInString(k) > maxPropKey {
			return nil, inputErrorf("props key %q must have 1 to %d characters", truncate(k, 40), maxPropKey)
		}
		val, err := scalar(v)
		if err != nil {
			return nil, inputErrorf("props.%s %s", truncate(k, 40), err.Error())
		}
		if val == "" {
			continue
		}
		if utf8.RuneCountInString(val) > maxPropValue {
			return nil, inputErrorf("props.%s is longer than %d characters", truncate(k, 40), maxPropValue)
		}
		out[k] = val
	}
	return out, nil
}

// scalar turns a JSON string, number or boolean into text; null is "".
func scalar(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return "", nil
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("is not a valid string")
		}
		return s, nil
	case string(v) == "true" || string(v) == "false":
		return string(v), nil
	case v[0] == '{' || v[0] == '[':
		return "", fmt.Errorf("must be a string, number or boolean (props are flat, not nested)")
	}
	if _, err := strconv.ParseFloat(string(v), 64); err != nil {
		return "", fmt.Errorf("is not a valid number")
	}
	return string(v), nil
}

// parseRevenue reads {"amount": 49.9 | "49.90", "currency": "EUR"}.
func parseRevenue(raw json.RawMessage) (*event.Revenue, error) {
	if raw == nil {
		return nil, nil
	}
	var rv struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(raw, &rv); err != nil {
		return nil, inputErrorf("revenue must be an object {\"amount\", \"currency\"}")
	}
	amount, err := scalar(rv.Amount)
	if err != nil || amount == "" || amount == "true" || amount == "false" {
		return nil, inputErrorf("revenue.amount must be a number")
	}
	if _, err := strconv.ParseFloat(amount, 64); err != nil {
		return nil, inputErrorf("revenue.amount must be a number")
	}
	cur := strings.ToUpper(strings.TrimSpace(rv.Currency))
	if len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return nil, inputErrorf("revenue.currency must be a three-letter ISO 4217 code such as EUR")
	}
	return &event.Revenue{Amount: amount, Currency: cur}, nil
}

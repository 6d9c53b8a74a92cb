package collect

import (
	"encoding/json"
	"strconv"
)

// decodePageEvent reads a /api/event body into req exactly as decodeJSON
// would. Bodies as the tracker and Plausible's clients send them — one
// flat object of the known fields, each of its type — are read in one
// scan; anything else (another key, a wrong type, bad JSON) is left to
// decodeJSON, so results and error messages are the same either way.
func decodePageEvent(body []byte, req *pageEventRequest) error {
	if decodePlainPageEvent(string(body), req) {
		return nil
	}
	*req = pageEventRequest{}
	return decodeJSON(body, req)
}

// decodePlainPageEvent reads text into req and reports whether it could;
// when not, req holds part of it.
func decodePlainPageEvent(text string, req *pageEventRequest) bool {
	r := jsonReader{s: text}
	if r.next() != '{' || !r.enter() {
		return false
	}
	for first := true; r.member(&first); {
		if !r.keyPlain || !pageEventField(&r, req, r.s[r.key0:r.key1]) {
			return false
		}
	}
	if r.bad || r.next() != 0 || r.i < len(r.s) {
		return false
	}
	return true
}

// pageEventField reads the value of member key into req; false when the
// key is not one of the fields spelled exactly or the value is not of the
// field's type.
func pageEventField(r *jsonReader, req *pageEventRequest, key string) bool {
	switch key {
	case "name":
		return plainString(r, &req.Name)
	case "n":
		return plainString(r, &req.N)
	case "url":
		return plainString(r, &req.URL)
	case "u":
		return plainString(r, &req.U)
	case "domain":
		return plainString(r, &req.Domain)
	case "d":
		return plainString(r, &req.D)
	case "c":
		return plainString(r, &req.C)
	case "referrer":
		return stringPointer(r, &req.Referrer)
	case "r":
		return stringPointer(r, &req.R)
	case "props":
		return rawValue(r, &req.Props)
	case "p":
		return rawValue(r, &req.P)
	case "meta":
		return rawValue(r, &req.Meta)
	case "m":
		return rawValue(r, &req.M)
	case "revenue":
		return rawValue(r, &req.Revenue)
	case "$":
		return rawValue(r, &req.Dollar)
	case "h":
		return rawValue(r, &req.H)
	case "interactive":
		return boolPointer(r, &req.Interactive)
	case "i":
		return boolPointer(r, &req.I)
	case "e":
		return integer(r, &req.E)
	case "sd":
		var n int64
		if !integer(r, &n) || int64(int(n)) != n {
			return false
		}
		req.SD = int(n)
		return true
	}
	return false
}

func plainString(r *jsonReader, dst *string) bool {
	if r.next() != '"' {
		return false
	}
	s, ok := r.str()
	*dst = s
	return ok
}

func stringPointer(r *jsonReader, dst **string) bool {
	if r.next() == 'n' {
		*dst = nil
		return r.skip()
	}
	var s string
	if !plainString(r, &s) {
		return false
	}
	*dst = &s
	return true
}

func boolPointer(r *jsonReader, dst **bool) bool {
	var b bool
	switch r.next() {
	case 'n':
		*dst = nil
		return r.skip()
	case 't':
		b = true
	case 'f':
	default:
		return false
	}
	if !r.skip() {
		return false
	}
	*dst = &b
	return true
}

// rawValue keeps the value's text, as a json.RawMessage field does.
func rawValue(r *jsonReader, dst *json.RawMessage) bool {
	v := r.raw()
	*dst = json.RawMessage(v)
	return v != ""
}

// integer reads a number written as an integer; others (1.5, 1e3, out of
// range) are left to encoding/json.
func integer(r *jsonReader, dst *int64) bool {
	if c := r.next(); c != '-' && (c < '0' || c > '9') {
		return false
	}
	n, err := strconv.ParseInt(r.raw(), 10, 64)
	*dst = n
	return err == nil
}

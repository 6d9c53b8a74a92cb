package collect

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mopshq/mops/internal/platform/httpx"
)

// This file decodes Segment calls without encoding/json, which took three
// passes (the envelope into []json.RawMessage, each message into a struct,
// its properties into map[string]any) and about 10 µs of CPU per small
// message, most of a /v1/batch request. Here one pass checks the body and
// finds the messages, and each message is then read once, in place: strings
// are slices of the body unless they hold escapes, and nothing is built
// that the event does not keep. It accepts, refuses and reads exactly what
// encoding/json did, quirks included: keys match struct fields regardless
// of case, the last of duplicate keys wins, null leaves a string field as
// it was, the first wrong type is the one reported, and text after the
// object passes if it starts with ] or }. segment_decode_test.go keeps the
// encoding/json code and checks that both agree, by fuzzing too.

// maxJSONDepth is how deeply encoding/json lets objects and arrays nest.
const maxJSONDepth = 10000

// decodeSegmentCall reads the body of a call to /v1/typ (typ "" for
// /v1/batch) as far as the envelope: the messages' text, the batch's sentAt
// and the writeKey the body names. The whole body is checked, since bad
// JSON anywhere fails the call before anything else; each message is
// decoded later, when its turn comes (decodeSegmentMessage). The messages
// are slices of one string copy of the body.
func decodeSegmentCall(body []byte, typ string) (SegmentCall, string, error) {
	text := string(body)
	call := SegmentCall{Type: typ}
	var writeKey string
	d := segmentDecoder{r: jsonReader{s: text}}
	if err := d.top(func() { d.envelope(&call, &writeKey) }); err != nil {
		return call, "", err
	}
	if typ != "" {
		call.Messages = []string{text}
	} else if len(call.Messages) == 0 {
		return call, "", httpx.Errorf(http.StatusBadRequest, "batch must be a non-empty array of messages")
	}
	return call, writeKey, nil
}

// decodeSegmentMessage reads one message (JSON text) into m, failing as
// decodeJSON fails for it.
func decodeSegmentMessage(text string, m *segmentMessage) error {
	d := segmentDecoder{r: jsonReader{s: text}}
	return d.top(func() { d.message(m) })
}

// segmentDecoder reads a JSON object into one of our structs, as
// decodeJSON would with encoding/json. A wrong type does not stop it: bad
// JSON later in the text takes precedence, so it reads on to the end.
type segmentDecoder struct {
	r   jsonReader
	err string // the first wrong type, as decodeJSON words it
}

// top reads the text, calling members to read the members of the object
// it holds, and returns decodeJSON's error for it, if any: bad JSON, then
// the first wrong type, then text after the object.
func (d *segmentDecoder) top(members func()) error {
	r := &d.r
	switch r.next() {
	case '{':
		if r.enter() {
			members()
		}
	case 'n':
		r.skip() // null decodes to the zero struct
	default:
		if r.skip() {
			d.err = "request body must be a JSON object"
		}
	}
	if r.bad {
		return syntaxError(r.s)
	}
	if d.err != "" {
		return httpx.Errorf(http.StatusBadRequest, "%s", d.err)
	}
	if c := r.next(); r.i < len(r.s) && c != ']' && c != '}' {
		// As encoding/json's Decoder.More, which looks at one byte.
		return httpx.Errorf(http.StatusBadRequest, "invalid JSON: unexpected data after the object")
	}
	return nil
}

// syntaxError describes what is wrong with text, which is not valid JSON,
// in encoding/json's words (the offset, the unexpected character). Bad
// bodies are rare: the cost of reading them again does not matter.
func syntaxError(text string) error {
	if err := decodeJSON([]byte(text), &struct{}{}); err != nil {
		return err
	}
	return httpx.Errorf(http.StatusBadRequest, "invalid JSON")
}

// typeError keeps the first wrong type found.
func (d *segmentDecoder) typeError(field, want string) {
	if d.err == "" {
		d.err = fmt.Sprintf("field %q must be a %s", field, want)
	}
}

// envelope reads the members of a call's body as the envelope:
// {"batch": [...], "sentAt": "...", "writeKey": "..."}.
func (d *segmentDecoder) envelope(call *SegmentCall, writeKey *string) {
	r := &d.r
	for first := true; r.member(&first); {
		switch fieldName(r.key()) {
		case "batch":
			switch r.next() {
			case '[':
				call.Messages = call.Messages[:0] // the last batch wins
				if !r.enter() {
					return
				}
				for first := true; r.element(&first); {
					call.Messages = append(call.Messages, r.raw())
				}
			case 'n':
				r.skip()
				call.Messages = nil
			default:
				d.typeError("batch", "array")
				r.skip()
			}
		case "sentAt":
			d.stringField(&call.SentAt, "sentAt")
		case "writeKey":
			d.stringField(writeKey, "writeKey")
		default:
			r.skip()
		}
	}
}

// message reads the members of a message.
func (d *segmentDecoder) message(m *segmentMessage) {
	r := &d.r
	for first := true; r.member(&first); {
		switch fieldName(r.key()) {
		case "type":
			d.stringField(&m.Type, "type")
		case "event":
			d.stringField(&m.Event, "event")
		case "name":
			d.stringField(&m.Name, "name")
		case "timestamp":
			d.stringField(&m.Timestamp, "timestamp")
		case "originalTimestamp":
			d.stringField(&m.OriginalTimestamp, "originalTimestamp")
		case "sentAt":
			d.stringField(&m.SentAt, "sentAt")
		case "writeKey":
			var unused string // checked, as it was a field of the message
			d.stringField(&unused, "writeKey")
		case "messageId":
			m.MessageID = r.raw()
		case "userId":
			m.UserID = r.raw()
		case "anonymousId":
			m.AnonymousID = r.raw()
		case "groupId":
			m.GroupID = r.raw()
		case "previousId":
			m.PreviousID = r.raw()
		case "properties":
			m.Properties = r.raw()
		case "traits":
			m.Traits = r.raw()
		case "context":
			d.context(&m.Context)
		default:
			r.skip()
		}
	}
}

// context reads a message's context. Like encoding/json with a pointer
// field, null clears it and an object is merged into what a previous
// context key set.
func (d *segmentDecoder) context(c *segmentContext) {
	r := &d.r
	switch r.next() {
	case 'n':
		*c = segmentContext{}
		r.skip()
		return
	case '{':
	default:
		d.typeError("context", "object")
		r.skip()
		return
	}
	if !r.enter() {
		return
	}
	for first := true; r.member(&first); {
		switch fieldName(r.key()) {
		case "ip":
			d.stringField(&c.IP, "context.ip")
		case "userAgent":
			d.stringField(&c.UserAgent, "context.userAgent")
		case "page":
			if d.structField("context.page") {
				for first := true; r.member(&first); {
					switch fieldName(r.key()) {
					case "url":
						d.stringField(&c.Page.URL, "context.page.url")
					case "path":
						d.stringField(&c.Page.Path, "context.page.path")
					case "referrer":
						d.stringField(&c.Page.Referrer, "context.page.referrer")
					default:
						r.skip()
					}
				}
			}
		case "location":
			if d.structField("context.location") {
				for first := true; r.member(&first); {
					switch fieldName(r.key()) {
					case "country":
						d.stringField(&c.Location.Country, "context.location.country")
					case "region":
						d.stringField(&c.Location.Region, "context.location.region")
					case "city":
						d.stringField(&c.Location.City, "context.location.city")
					default:
						r.skip()
					}
				}
			}
		case "campaign":
			if d.structField("context.campaign") {
				for first := true; r.member(&first); {
					switch fieldName(r.key()) {
					case "name":
						d.stringField(&c.Campaign.Name, "context.campaign.name")
					case "source":
						d.stringField(&c.Campaign.Source, "context.campaign.source")
					case "medium":
						d.stringField(&c.Campaign.Medium, "context.campaign.medium")
					case "term":
						d.stringField(&c.Campaign.Term, "context.campaign.term")
					case "content":
						d.stringField(&c.Campaign.Content, "context.campaign.content")
					default:
						r.skip()
					}
				}
			}
		default:
			r.skip()
		}
	}
}

// structField starts reading an object into a struct field and reports
// whether there is one to read member by member; null (which leaves the
// struct as it was) and wrong types are read whole.
func (d *segmentDecoder) structField(field string) bool {
	r := &d.r
	switch r.next() {
	case '{':
		return r.enter()
	case 'n':
	default:
		d.typeError(field, "object")
	}
	r.skip()
	return false
}

// stringField reads a string into dst. null leaves dst as it was.
func (d *segmentDecoder) stringField(dst *string, field string) {
	r := &d.r
	switch r.next() {
	case '"':
		if s, ok := r.str(); ok {
			*dst = s
		}
		return
	case 'n':
	default:
		d.typeError(field, "string")
	}
	r.skip()
}

// fieldName returns the name of the struct field that key sets, matching
// as encoding/json does: exactly, else ignoring case by folding ASCII
// letters to upper case and other runes to the smallest of their case
// folding orbit, so "userid", "USERID" and "uſerId" all set userId. None of
// our structs has two names that fold alike, so a key that folds to one of
// them sets it, whichever struct is being read. It returns "" for other
// keys.
func fieldName(key string) string {
	switch key {
	case "batch", "sentAt", "writeKey", // the envelope
		"type", "event", "name", "timestamp", "originalTimestamp", "messageId", "userId", "anonymousId",
		"groupId", "previousId", "properties", "traits", "context", // a message
		"ip", "userAgent", "page", "location", "campaign", // its context
		"url", "path", "referrer", "country", "region", "city", "source", "medium", "term", "content":
		return key
	}
	// A rune folds to at least 1 of its 1 to 4 bytes: a longer key cannot
	// fold to our longest name (17 bytes).
	var buf [80]byte
	if len(key) > len(buf) {
		return ""
	}
	folded := buf[:0]
	for i := 0; i < len(key); {
		if c := key[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			folded = append(folded, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(key[i:])
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		folded = utf8.AppendRune(folded, r)
		i += n
	}
	switch string(folded) {
	case "BATCH":
		return "batch"
	case "SENTAT":
		return "sentAt"
	case "WRITEKEY":
		return "writeKey"
	case "TYPE":
		return "type"
	case "EVENT":
		return "event"
	case "NAME":
		return "name"
	case "TIMESTAMP":
		return "timestamp"
	case "ORIGINALTIMESTAMP":
		return "originalTimestamp"
	case "MESSAGEID":
		return "messageId"
	case "USERID":
		return "userId"
	case "ANONYMOUSID":
		return "anonymousId"
	case "GROUPID":
		return "groupId"
	case "PREVIOUSID":
		return "previousId"
	case "PROPERTIES":
		return "properties"
	case "TRAITS":
		return "traits"
	case "CONTEXT":
		return "context"
	case "IP":
		return "ip"
	case "USERAGENT":
		return "userAgent"
	case "PAGE":
		return "page"
	case "URL":
		return "url"
	case "PATH":
		return "path"
	case "REFERRER":
		return "referrer"
	case "LOCATION":
		return "location"
	case "COUNTRY":
		return "country"
	case "REGION":
		return "region"
	case "CITY":
		return "city"
	case "CAMPAIGN":
		return "campaign"
	case "SOURCE":
		return "source"
	case "MEDIUM":
		return "medium"
	case "TERM":
		return "term"
	case "CONTENT":
		return "content"
	}
	return ""
}

// jsonReader reads JSON text, accepting exactly what encoding/json
// accepts. On anything else it sets bad, after which every read fails:
// callers read on and check bad at the end.
type jsonReader struct {
	s     string
	i     int // the next byte to read
	depth int // objects and arrays open at i
	bad   bool
	// The key member read, as written inside its quotes: s[key0:key1];
	// keyPlain if that is also the key decoded. (Not a string field: the
	// garbage collector would have to look at each store.)
	key0, key1 int
	keyPlain   bool
}

// key returns the key member read, decoded.
func (r *jsonReader) key() string {
	if r.keyPlain {
		return r.s[r.key0:r.key1]
	}
	return unquote(r.s[r.key0:r.key1])
}

func (r *jsonReader) fail() bool {
	r.bad = true
	return false
}

// next skips spaces and returns the byte that starts the next token, or 0
// at the end of the text (check i to tell a NUL byte apart).
func (r *jsonReader) next() byte {
	for ; r.i < len(r.s); r.i++ {
		switch c := r.s[r.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// enter reads the { or [ at i.
func (r *jsonReader) enter() bool {
	if r.bad {
		return false
	}
	r.i++
	r.depth++
	if r.depth > maxJSONDepth {
		return r.fail()
	}
	return true
}

// member reads up to the next member's value in the object entered: the
// comma before it (unless first), its key (see key) and the colon. At the
// end of the object it reads the } and returns false.
func (r *jsonReader) member(first *bool) bool {
	if r.bad {
		return false
	}
	c := r.next()
	if c == '}' {
		r.i++
		r.depth--
		return false
	}
	if !*first {
		if c != ',' {
			return r.fail()
		}
		r.i++
		c = r.next()
	}
	*first = false
	if c != '"' {
		return r.fail()
	}
	r.key0 = r.i + 1
	r.keyPlain = r.scanString()
	if r.bad {
		return false
	}
	r.key1 = r.i - 1
	if r.next() != ':' {
		return r.fail()
	}
	r.i++
	r.next()
	return true
}

// element reads up to the next element of the array entered: the comma
// before it, unless first. At the end of the array it reads the ] and
// returns false.
func (r *jsonReader) element(first *bool) bool {
	if r.bad {
		return false
	}
	c := r.next()
	if c == ']' {
		r.i++
		r.depth--
		return false
	}
	if !*first {
		if c != ',' {
			return r.fail()
		}
		r.i++
		r.next()
	}
	*first = false
	return true
}

// skip reads a value, checking it, and reports whether it was valid.
func (r *jsonReader) skip() bool {
	if r.bad {
		return false
	}
	c := r.next()
	if r.i >= len(r.s) {
		return r.fail()
	}
	switch c {
	case '{':
		if !r.enter() {
			return false
		}
		for first := true; r.member(&first); {
			r.skip()
		}
	case '[':
		if !r.enter() {
			return false
		}
		for first := true; r.element(&first); {
			r.skip()
		}
	case '"':
		r.scanString()
	case 't':
		r.literal("true")
	case 'f':
		r.literal("false")
	case 'n':
		r.literal("null")
	default:
		r.number()
	}
	return !r.bad
}

// raw reads a value and returns its text; "" if it is not valid.
func (r *jsonReader) raw() string {
	start := r.i
	if !r.skip() {
		return ""
	}
	return r.s[start:r.i]
}

// str reads the string at i, decoded as encoding/json decodes strings:
// escapes resolved, invalid UTF-8 and lone surrogates replaced by U+FFFD.
// Without escapes, it is a slice of the text.
func (r *jsonReader) str() (string, bool) {
	start := r.i
	plain := r.scanString()
	if r.bad {
		return "", false
	}
	if plain {
		return r.s[start+1 : r.i-1], true
	}
	return unquote(r.s[start+1 : r.i-1]), true
}

// scanString reads the string at i and reports whether it is plain: no
// escapes, valid UTF-8.
func (r *jsonReader) scanString() (plain bool) {
	s := r.s
	i := r.i + 1
	plain, ascii := true, true
	if len(s)-i >= 16 {
		i, ascii = skipPlain(s, i)
	}
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		switch {
		case c == '"':
			if !ascii && plain {
				plain = utf8.ValidString(s[r.i+1 : i])
			}
			r.i = i + 1
			return plain
		case c == '\\':
			plain = false
			if i+1 >= len(s) {
				r.fail()
				return false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
					r.fail()
					return false
				}
				i += 6
			default:
				r.fail()
				return false
			}
		case c < 0x20:
			r.fail()
			return false
		default:
			ascii = false
			i++
		}
	}
	r.fail()
	return false
}

// skipPlain skips the bytes of a string from i on, eight at a time, while
// none is a quote, a backslash or a control character: long strings (user
// agents, URLs) then cost less. ascii reports if all were ASCII.
func skipPlain(s string, i int) (end int, ascii bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	ascii = true
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		quote, backslash := w^(ones*'"'), w^(ones*'\\')
		if ((w-ones*0x20)&^w|(quote-ones)&^quote|(backslash-ones)&^backslash)&highs != 0 {
			break
		}
		ascii = ascii && w&highs == 0
	}
	return i, ascii
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// literal reads true, false or null.
func (r *jsonReader) literal(word string) {
	if !strings.HasPrefix(r.s[r.i:], word) {
		r.fail()
		return
	}
	r.i += len(word)
}

// number reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *jsonReader) number() {
	s, i := r.s, r.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = skipDigits(s, i+1)
	default:
		r.fail()
		return
	}
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			r.fail()
			return
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			r.fail()
			return
		}
		i = j
	}
	r.i = i
}

func skipDigits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// unquote decodes the inside of a JSON string with escapes or invalid
// UTF-8, as encoding/json's unquoteBytes does.
func unquote(s string) string {
	b := make([]byte, 0, len(s)+2*utf8.UTFMax)
	for r := 0; r < len(s); {
		switch c := s[r]; {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(s[r-1:])
				r += 5
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
						r += 6
						b = utf8.AppendRune(b, dec)
						continue
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // " \ /
				b = append(b, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRuneInString(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return string(b)
}

// getu4 decodes the \uXXXX escape at the start of s, or returns -1.
func getu4(s string) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// flatProp is one property as flattened, before the 30 are chosen.
type flatProp struct{ key, value string }

// propsReader flattens properties as the old encoding/json code did: decode
// into map[string]any (with UseNumber), then nested objects become dotted
// keys up to 3 levels, deeper objects and arrays the JSON text json.Marshal
// writes for them, null nothing. It reads the text once; only arrays and
// deep objects, which json.Marshal writes with sorted keys, are held as a
// tree first. One propsReader serves all the messages of a call, reusing
// its memory.
type propsReader struct {
	r    jsonReader
	out  []flatProp
	tree jsonTree // for arrays and deep objects
	buf  []byte   // their JSON text
	dup  bool     // an object had a key twice
}

// read flattens the properties text raw (valid JSON) into props, in the
// order of the text, valid until the next read. A key can come twice,
// flattened from two paths ({"a.b": 1, "a": {"b": 2}}): the later one must
// win, where encoding/json's map order made the old code pick either. ok
// is false if raw is not an object.
func (f *propsReader) read(raw string) (props []flatProp, ok bool) {
	f.r, f.out, f.dup = jsonReader{s: raw}, f.out[:0], false
	if f.r.next() != '{' {
		return nil, false
	}
	f.object("", 0)
	if f.dup {
		// Rare: a later key replaces the whole earlier value, so read the
		// object whole first.
		f.r, f.out = jsonReader{s: raw}, f.out[:0]
		f.tree.reset(raw)
		f.flatten(f.tree.read(&f.r), "", 0)
	}
	return f.out, true
}

// object flattens the object at the reader, at depth (0: properties
// itself) under prefix. It stops at a key found twice in the object,
// noting it in dup.
func (f *propsReader) object(prefix string, depth int) {
	r := &f.r
	if !r.enter() {
		return
	}
	var small [16]string
	keys := small[:0]
	var many map[string]bool
	for first := true; r.member(&first); {
		k := r.key()
		if many != nil {
			f.dup = f.dup || many[k]
			many[k] = true
		} else if slices.Contains(keys, k) {
			f.dup = true
		} else if keys = append(keys, k); len(keys) == len(small) {
			many = make(map[string]bool, 2*len(small))
			for _, k := range keys {
				many[k] = true
			}
		}
		if f.dup {
			return
		}
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch r.next() {
		case '{':
			if depth+1 < 3 {
				f.object(key, depth+1)
				continue
			}
			f.add(key, f.marshal())
		case '[':
			f.add(key, f.marshal())
		case '"':
			v, _ := r.str()
			f.add(key, v)
		case 't':
			r.skip()
			f.add(key, "true")
		case 'f':
			r.skip()
			f.add(key, "false")
		case 'n':
			r.skip()
		default:
			f.add(key, r.raw())
		}
	}
}

func (f *propsReader) add(key, value string) {
	f.out = append(f.out, flatProp{key, value})
}

// marshal reads the value at the reader and returns it as json.Marshal
// writes it.
func (f *propsReader) marshal() string {
	f.tree.reset(f.r.s)
	n := f.tree.read(&f.r)
	f.buf = f.tree.appendJSON(f.buf[:0], n)
	return string(f.buf)
}

// flatten flattens value n of the tree, at depth under prefix.
func (f *propsReader) flatten(n int32, prefix string, depth int) {
	t := &f.tree
	switch nd := t.nodes[n]; nd.kind {
	case '{':
		if depth >= 3 {
			f.buf = t.appendJSON(f.buf[:0], n)
			f.add(prefix, string(f.buf))
			return
		}
		members, mark := t.members(n, false)
		for _, k := range members {
			key := t.key(k)
			if prefix != "" {
				key = prefix + "." + key
			}
			f.flatten(k, key, depth+1)
		}
		t.kids = t.kids[:mark]
	case '[':
		f.buf = t.appendJSON(f.buf[:0], n)
		f.add(prefix, string(f.buf))
	case 'n':
	case 't':
		f.add(prefix, "true")
	case 'f':
		f.add(prefix, "false")
	default:
		f.add(prefix, t.text(n))
	}
}

// jsonNode is a value of a jsonTree. It holds no pointers, only places in
// the tree's text, so that filling a tree costs the garbage collector
// nothing.
type jsonNode struct {
	kind         byte // { [ " 0 (a number) t f n
	keyPlain     bool // the key has no escapes
	textPlain    bool // the string has no escapes
	key0, key1   int32
	text0, text1 int32 // a string inside its quotes, or a number
	first        int32 // the first member or element; -1 if none
	next         int32 // the next member or element of the parent; -1 if none
}

// jsonTree holds a JSON value read from valid text, for when a value must
// be seen whole: json.Marshal sorts object keys, and of duplicate keys the
// last one replaces the whole value of the first.
type jsonTree struct {
	src   string
	nodes []jsonNode
	kids  []int32 // a stack of members lists
}

func (t *jsonTree) reset(src string) {
	t.src, t.nodes, t.kids = src, t.nodes[:0], t.kids[:0]
}

// key returns the key of member n, decoded.
func (t *jsonTree) key(n int32) string {
	nd := &t.nodes[n]
	if nd.keyPlain {
		return t.src[nd.key0:nd.key1]
	}
	return unquote(t.src[nd.key0:nd.key1])
}

// text returns string n decoded, or number n as written.
func (t *jsonTree) text(n int32) string {
	nd := &t.nodes[n]
	if nd.textPlain || nd.kind == '0' {
		return t.src[nd.text0:nd.text1]
	}
	return unquote(t.src[nd.text0:nd.text1])
}

// read adds the value at r (valid JSON, reading t.src) and returns its
// index.
func (t *jsonTree) read(r *jsonReader) int32 {
	n := int32(len(t.nodes))
	c := r.next()
	t.nodes = append(t.nodes, jsonNode{kind: c, first: -1, next: -1})
	switch c {
	case '{', '[':
		if !r.enter() {
			return n
		}
		prev := int32(-1)
		for first := true; ; {
			var key0, key1 int
			var keyPlain bool
			if c == '{' {
				if !r.member(&first) {
					break
				}
				key0, key1, keyPlain = r.key0, r.key1, r.keyPlain
			} else if !r.element(&first) {
				break
			}
			kid := t.read(r)
			t.nodes[kid].key0, t.nodes[kid].key1, t.nodes[kid].keyPlain = int32(key0), int32(key1), keyPlain
			if prev < 0 {
				t.nodes[n].first = kid
			} else {
				t.nodes[prev].next = kid
			}
			prev = kid
		}
	case '"':
		start := r.i
		plain := r.scanString()
		t.nodes[n].text0, t.nodes[n].text1, t.nodes[n].textPlain = int32(start+1), int32(r.i-1), plain
	case 't', 'f', 'n':
		r.skip()
	default:
		start := r.i
		r.number()
		t.nodes[n].kind = '0'
		t.nodes[n].text0, t.nodes[n].text1 = int32(start), int32(r.i)
	}
	return n
}

// members pushes on kids the members of object n that a Go map keeps, the
// last of each key, and returns them: in order of key if sorted, else in
// the order of the text. The caller pops them (kids = kids[:mark]).
func (t *jsonTree) members(n int32, sorted bool) (members []int32, mark int) {
	mark = len(t.kids)
	for k := t.nodes[n].first; k >= 0; k = t.nodes[k].next {
		t.kids = append(t.kids, k)
	}
	kids := t.kids[mark:]
	// Stable: of equal keys, the last one in the text stays last.
	slices.SortStableFunc(kids, func(a, b int32) int { return strings.Compare(t.key(a), t.key(b)) })
	kept := kids[:0]
	for i, k := range kids {
		if i+1 < len(kids) && t.key(kids[i+1]) == t.key(k) {
			continue
		}
		kept = append(kept, k)
	}
	if !sorted {
		slices.Sort(kept)
	}
	return kept, mark
}

// appendJSON appends value n as json.Marshal writes what encoding/json
// decodes it into (with UseNumber): object keys sorted and unique, strings
// escaped for HTML, numbers as written.
func (t *jsonTree) appendJSON(dst []byte, n int32) []byte {
	switch nd := t.nodes[n]; nd.kind {
	case '{':
		dst = append(dst, '{')
		members, mark := t.members(n, true)
		for i, k := range members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, t.key(k))
			dst = append(dst, ':')
			dst = t.appendJSON(dst, k)
		}
		t.kids = t.kids[:mark]
		return append(dst, '}')
	case '[':
		dst = append(dst, '[')
		for k := nd.first; k >= 0; k = t.nodes[k].next {
			if k != nd.first {
				dst = append(dst, ',')
			}
			dst = t.appendJSON(dst, k)
		}
		return append(dst, ']')
	case '"':
		return appendJSONString(dst, t.text(n))
	case 't':
		return append(dst, "true"...)
	case 'f':
		return append(dst, "false"...)
	case 'n':
		return append(dst, "null"...)
	}
	return append(dst, t.text(n)...)
}

// appendJSONString appends s quoted as json.Marshal quotes strings.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// compactJSON returns raw (valid JSON) without insignificant spaces, as
// json.Compact does; nil for none or null.
func compactJSON(raw string) json.RawMessage {
	if raw == "" || raw == "null" {
		return nil
	}
	out := make(json.RawMessage, 0, len(raw))
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inString:
			if c == '\\' {
				out = append(out, c)
				i++
				c = raw[i]
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		}
		out = append(out, c)
	}
	return out
}

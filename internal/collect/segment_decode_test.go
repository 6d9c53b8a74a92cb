package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/platform/id"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/warehouse/event"
)

// The decoder in segment_decode.go replaced three encoding/json passes
// and must behave exactly as they did. The reference below is that
// encoding/json code, frozen as it was (renamed ref*); the tests run both
// on the same bodies and compare the events or the errors.

var refNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func refService(t testing.TB) *Service {
	t.Helper()
	s, err := NewService(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return refNow }
	return s
}

// segmentOutcome is what a body decodes to, in a comparable form.
type segmentOutcome struct {
	Status   int    // 0 when accepted
	Error    string // the client's error message
	WriteKey string
	Events   []*event.Event
	Dropped  int
}

// decodeSegment runs the new code: decodeSegmentCall, then
// buildSegmentEvents.
func decodeSegment(s *Service, body []byte, typ string) segmentOutcome {
	call, writeKey, err := decodeSegmentCall(body, typ)
	if err != nil {
		return errorOutcome(err)
	}
	call.Site, call.ClientIP = refSite(), netip.MustParseAddr("203.0.113.7")
	evs, dropped, err := s.buildSegmentEvents(context.Background(), call)
	if err != nil {
		return errorOutcome(err)
	}
	return segmentOutcome{WriteKey: writeKey, Events: evs, Dropped: dropped}
}

// decodeSegmentRef runs the reference. ambiguous reports properties that
// flatten two values to one key: the reference then picked one at random.
func decodeSegmentRef(s *Service, body []byte, typ string) (out segmentOutcome, ambiguous bool) {
	call, writeKey, err := refDecodeSegmentCall(body, typ)
	if err != nil {
		return errorOutcome(err), false
	}
	call.Site, call.ClientIP = refSite(), netip.MustParseAddr("203.0.113.7")
	evs, dropped, ambiguous, err := refBuildSegmentEvents(s, context.Background(), call)
	if err != nil {
		return errorOutcome(err), ambiguous
	}
	return segmentOutcome{WriteKey: writeKey, Events: evs, Dropped: dropped}, ambiguous
}

func refSite() *sites.Site {
	return &sites.Site{ID: "s_ref", Domain: "shop.example", Currency: "EUR", WriteKey: "wk_ref"}
}

// errorOutcome is the status and message Handler.fail would answer with.
func errorOutcome(err error) segmentOutcome {
	var ie *InputError
	var he *httpx.Error
	switch {
	case errors.As(err, &ie):
		return segmentOutcome{Status: 400, Error: ie.Message}
	case errors.As(err, &he):
		return segmentOutcome{Status: he.Status, Error: he.Message}
	}
	return segmentOutcome{Status: 500, Error: err.Error()}
}

// diffOutcomes describes how got differs from want; "" if it does not.
// Ids generated for messages without messageId are random, and compare
// equal.
func diffOutcomes(got, want segmentOutcome) string {
	if got.Status != want.Status || got.Error != want.Error {
		return fmt.Sprintf("error %d %q, want %d %q", got.Status, got.Error, want.Status, want.Error)
	}
	if got.WriteKey != want.WriteKey || got.Dropped != want.Dropped || len(got.Events) != len(want.Events) {
		return fmt.Sprintf("writeKey %q, %d dropped, %d events; want %q, %d, %d",
			got.WriteKey, got.Dropped, len(got.Events), want.WriteKey, want.Dropped, len(want.Events))
	}
	for i := range got.Events {
		g, w := *got.Events[i], *want.Events[i]
		if g.ID != w.ID && strings.HasPrefix(g.ID, "ev_") && strings.HasPrefix(w.ID, "ev_") && len(g.ID) == len(w.ID) {
			g.ID = w.ID
		}
		if !reflect.DeepEqual(g, w) {
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			return fmt.Sprintf("event %d:\n got %s\nwant %s", i, gj, wj)
		}
	}
	return ""
}

// segmentDecodeCases are bodies that stress where encoding/json's
// behaviour is easy to get wrong. Each runs on /v1/batch (typ "") or a
// single-message endpoint.
var segmentDecodeCases = []struct {
	name, typ, body string
}{
	// Envelope and syntax.
	{"valid track", "track", `{"userId":"u","event":"e","messageId":"m"}`},
	{"valid batch", "", `{"batch":[{"type":"track","anonymousId":"a-1","event":"Bench","messageId":"run-1","properties":{"i":1}}]}`},
	{"whitespace everywhere", "", " \t\n{ \"batch\" : [ { \"type\" : \"track\" , \"userId\" : \"u\" , \"event\" : \"e\" } ] , \"sentAt\" : null } \r\n"},
	{"truncated", "track", `{"userId":`},
	{"truncated string", "track", `{"userId":"u`},
	{"empty", "track", ``},
	{"only spaces", "", `   `},
	{"missing colon", "", `{"batch" []}`},
	{"trailing comma in object", "track", `{"userId":"u","event":"e",}`},
	{"trailing comma in array", "", `{"batch":[{"type":"track","userId":"u","event":"e"},]}`},
	{"leading comma", "", `{"batch":[,{}]}`},
	{"single quotes", "track", `{'userId':'u'}`},
	{"unquoted key", "track", `{userId:"u"}`},
	{"trailing brace", "track", `{"userId":"u","event":"e"} }`},
	{"trailing bracket", "", `{"batch":[{"type":"track","userId":"u","event":"e"}]}]`},
	{"trailing brace then junk", "track", `{"userId":"u","event":"e"}} junk`},
	{"trailing junk", "track", `{"userId":"u","event":"e"} x`},
	{"trailing object", "track", `{"userId":"u","event":"e"}{}`},
	{"trailing NUL", "track", "{\"userId\":\"u\",\"event\":\"e\"}\x00"},
	{"two objects with spaces", "", `{"batch":[{"type":"track","userId":"u","event":"e"}]}  {"batch":[]}`},
	{"null body single", "track", `null`},
	{"null body batch", "", `null`},
	{"null then junk", "track", `null x`},
	{"nul", "track", `nul`},
	{"array body", "track", `[]`},
	{"array body batch", "", `[{"type":"track"}]`},
	{"string body", "track", `"hello"`},
	{"number body", "track", `42`},
	{"number then brace", "track", `42}`},
	{"bad number body", "track", `-`},
	{"leading zero body", "track", `01`},
	{"true body", "track", `true`},
	{"tru body", "track", `tru`},
	{"BOM", "track", "\ufeff{\"userId\":\"u\",\"event\":\"e\"}"},
	{"batch null", "", `{"batch":null}`},
	{"batch missing", "", `{"sentAt":"2026-03-14T15:09:00Z"}`},
	{"batch empty", "", `{"batch":[]}`},
	{"batch object", "", `{"batch":{}}`},
	{"batch string", "", `{"batch":"[]"}`},
	{"batch number", "", `{"batch":1}`},
	{"batch bool", "", `{"batch":false}`},
	{"batch twice", "", `{"batch":[{"type":"track"}],"batch":[{"type":"track","userId":"u","event":"second"}]}`},
	{"batch then null", "", `{"batch":[{"type":"track","userId":"u","event":"e"}],"batch":null}`},
	{"batch type error then syntax error", "", `{"batch":5,"x":[}`},
	{"batch type error then sentAt type error", "", `{"batch":5,"sentAt":5}`},
	{"sentAt number", "", `{"batch":[{"type":"track","userId":"u","event":"e"}],"sentAt":5}`},
	{"writeKey object", "", `{"batch":[{"type":"track","userId":"u","event":"e"}],"writeKey":{}}`},
	{"writeKey in body", "", `{"batch":[{"type":"track","userId":"u","event":"e"}],"writeKey":"wk_1"}`},
	{"writeKey null after value", "", `{"batch":[{"type":"track","userId":"u","event":"e"}],"writeKey":"wk_1","writeKey":null}`},
	{"WRITEKEY", "", `{"batch":[{"type":"track","userId":"u","event":"e"}],"WRITEKEY":"wk_2"}`},
	{"writeKey Kelvin", "", "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"}],\"writeKe\u212a\":\"wk_3\"}"},
	{"Batch capitalised", "", `{"Batch":[{"type":"track","userId":"u","event":"e"}]}`},
	{"batch long s", "", "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"}],\"\u017fentAt\":\"2026-03-14T15:09:20Z\"}"},
	{"batch element not an object", "", `{"batch":[5]}`},
	{"batch element string", "", `{"batch":[{"type":"track","userId":"u","event":"e"},"x"]}`},
	{"batch element array", "", `{"batch":[[]]}`},
	{"batch element null", "", `{"batch":[null]}`},
	{"batch element true", "", `{"batch":[true]}`},
	{"batch of two, second bad", "", `{"batch":[{"type":"track","userId":"u","event":"ok"},{"type":"track","userId":"u"}]}`},
	{"batch of two, first type error", "", `{"batch":[{"type":"track","userId":"u","event":5},{"type":"track","userId":"u"}]}`},
	{"single with batch field", "track", `{"userId":"u","event":"e","batch":[1,2]}`},
	{"single with batch object", "track", `{"userId":"u","event":"e","batch":{}}`},
	{"single with sentAt number", "track", `{"userId":"u","event":5,"sentAt":5}`},
	{"single with writeKey number", "track", `{"userId":"u","event":"e","writeKey":5}`},
	{"single with writeKey", "identify", `{"userId":"u","writeKey":"wk_9"}`},

	// Message fields.
	{"event number", "track", `{"userId":"u","event":5}`},
	{"event object", "track", `{"userId":"u","event":{}}`},
	{"event array", "track", `{"userId":"u","event":[]}`},
	{"event bool", "track", `{"userId":"u","event":true}`},
	{"event null", "track", `{"userId":"u","event":null}`},
	{"event null after value", "track", `{"userId":"u","event":"kept","event":null}`},
	{"event twice", "track", `{"userId":"u","event":"first","event":"second"}`},
	{"event type error then value", "track", `{"userId":"u","event":5,"event":"e"}`},
	{"two type errors", "track", `{"userId":"u","name":5,"event":5}`},
	{"type error then syntax error", "track", `{"userId":"u","event":5,"x":tru}`},
	{"EVENT capitalised", "track", `{"USERID":"u","EVENT":"e","MessageId":"m"}`},
	{"dotless i", "track", "{\"userId\":\"u\",\"event\":\"e\",\"t\u0131mestamp\":\"2026-03-14T15:00:00Z\"}"},
	{"type number", "", `{"batch":[{"type":1,"userId":"u"}]}`},
	{"type mismatch", "track", `{"type":"page","userId":"u","event":"e"}`},
	{"type matching", "track", `{"type":"track","userId":"u","event":"e"}`},
	{"unknown type", "", `{"batch":[{"type":"purchase","userId":"u"}]}`},
	{"no type", "", `{"batch":[{"userId":"u"}]}`},
	{"unknown fields", "track", `{"userId":"u","event":"e","integrations":{"All":true},"_metadata":{"x":[1,{"y":null}]},"extra":-1.5e+3}`},
	{"name number", "page", `{"userId":"u","name":1}`},
	{"timestamp number", "track", `{"userId":"u","event":"e","timestamp":1}`},
	{"timestamp bad", "track", `{"userId":"u","event":"e","timestamp":"yesterday"}`},
	{"timestamp with sentAt", "track", `{"userId":"u","event":"e","timestamp":"2026-03-14T15:00:00Z","sentAt":"2026-03-14T15:01:00Z"}`},
	{"timestamp with batch sentAt", "", `{"sentAt":"2026-03-14T15:01:00Z","batch":[{"type":"track","userId":"u","event":"e","timestamp":"2026-03-14T15:00:00Z"}]}`},
	{"originalTimestamp", "track", `{"userId":"u","event":"e","originalTimestamp":"2026-03-14T15:00:00.123+02:00"}`},
	{"timestamp future", "track", `{"userId":"u","event":"e","timestamp":"2026-03-14T18:00:00Z"}`},
	{"timestamp old", "track", `{"userId":"u","event":"e","timestamp":"2026-01-01T00:00:00Z"}`},
	{"sentAt bad", "track", `{"userId":"u","event":"e","timestamp":"2026-03-14T15:00:00Z","sentAt":"x"}`},

	// Ids.
	{"userId number", "track", `{"userId":42,"event":"e"}`},
	{"userId float", "track", `{"userId":-1.5e3,"event":"e"}`},
	{"userId huge", "track", `{"userId":1e400,"event":"e"}`},
	{"userId negative zero", "track", `{"userId":-0,"event":"e"}`},
	{"userId bool", "track", `{"userId":true,"event":"e"}`},
	{"userId object", "track", `{"userId":{},"event":"e"}`},
	{"userId array", "track", `{"userId":["u"],"event":"e"}`},
	{"userId null", "track", `{"userId":null,"anonymousId":"a","event":"e"}`},
	{"userId null after value", "track", `{"userId":"u","userId":null,"anonymousId":"a","event":"e"}`},
	{"userId spaces", "track", `{"userId":"  u \u00a0","event":"e"}`},
	{"userId only spaces", "track", `{"userId":"   ","event":"e"}`},
	{"userId escaped", "track", `{"userId":"\u0075\n","event":"e"}`},
	{"anonymousId number", "track", `{"anonymousId":7,"event":"e"}`},
	{"anonymousId bad", "track", `{"anonymousId":false,"event":"e"}`},
	{"messageId number", "track", `{"userId":"u","event":"e","messageId":12345678901234567890}`},
	{"messageId bad", "track", `{"userId":"u","event":"e","messageId":[]}`},
	{"messageId long", "track", `{"userId":"u","event":"e","messageId":"` + strings.Repeat("m", 201) + `"}`},
	{"messageId missing", "track", `{"userId":"u","event":"e"}`},
	{"no ids", "track", `{"event":"e"}`},
	{"group", "group", `{"userId":"u","groupId":"g","traits":{"plan":"team"}}`},
	{"group number id", "group", `{"userId":"u","groupId":99}`},
	{"group bad id", "group", `{"userId":"u","groupId":{}}`},
	{"group no id", "group", `{"userId":"u"}`},
	{"alias", "alias", `{"userId":"u","previousId":"p"}`},
	{"alias number", "alias", `{"userId":"u","previousId":3}`},
	{"alias no user", "alias", `{"anonymousId":"a","previousId":"p"}`},

	// Strings.
	{"invalid UTF-8 in a string", "track", "{\"userId\":\"u\",\"event\":\"caf\xe9\"}"},
	{"invalid UTF-8 in a key", "track", "{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"k\xff\":\"v\"}}"},
	{"invalid UTF-8 outside strings", "track", "{\"userId\":\"u\",\"event\":\"e\"}\xff"},
	{"control character", "track", "{\"userId\":\"u\",\"event\":\"a\x01b\"}"},
	{"tab in a string", "track", "{\"userId\":\"u\",\"event\":\"a\tb\"}"},
	{"escaped control", "track", `{"userId":"u","event":"a\u0001b\u0000"}`},
	{"escapes", "track", `{"userId":"u","event":"\"\\\/\b\f\n\r\t"}`},
	{"bad escape", "track", `{"userId":"u","event":"\x"}`},
	{"bad unicode escape", "track", `{"userId":"u","event":"\u12G4"}`},
	{"short unicode escape", "track", `{"userId":"u","event":"\u12"}`},
	{"surrogate pair", "track", `{"userId":"u","event":"\ud83d\ude00"}`},
	{"lone surrogate", "track", `{"userId":"u","event":"\ud83d"}`},
	{"lone low surrogate", "track", `{"userId":"u","event":"\ude00x"}`},
	{"surrogate then escape", "track", `{"userId":"u","event":"\ud83d\u0041"}`},
	{"escaped key", "track", `{"\u0075serId":"u","ev\u0065nt":"e"}`},
	{"line separator", "track", "{\"userId\":\"u\",\"event\":\"a\u2028b\",\"properties\":{\"l\":[\"a\u2028b\u2029\"]}}"},
	{"long string, invalid UTF-8", "track", "{\"userId\":\"u\",\"event\":\"abcdefghijklmnopqrstuvwxyz\xff\xfe0123456789\"}"},
	{"long string, multibyte", "track", "{\"userId\":\"u\",\"event\":\"abcdefghijklmnopqrstuvwxyz\u00e9\u2028\U0001F600 0123456789\"}"},
	{"long string, control character", "track", "{\"userId\":\"u\",\"event\":\"abcdefghijklmnopqrs\x1ftuvwxyz\"}"},
	{"long string, DEL", "track", "{\"userId\":\"u\",\"event\":\"abcdefghijklmnopqrs\x7ftuvwxyz\"}"},
	{"long string, escape", "track", `{"userId":"u","event":"abcdefghijklmnopq\"rstuvwxyz\\0123456789abcdef\n"}`},
	{"long string, unterminated", "track", `{"userId":"u","event":"abcdefghijklmnopqrstuvwxyz0123456789`},
	{"event long", "track", `{"userId":"u","event":"` + strings.Repeat("é", 100) + `"}`},
	{"event spaces", "track", `{"userId":"u","event":"   "}`},

	// Numbers.
	{"numbers", "track", `{"userId":"u","event":"e","properties":{"a":0,"b":-0.0,"c":1E5,"d":1e-5,"e":123456789012345678901234567890,"f":0.1}}`},
	{"bad number leading zero", "track", `{"userId":"u","event":"e","properties":{"a":01}}`},
	{"bad number dot", "track", `{"userId":"u","event":"e","properties":{"a":1.}}`},
	{"bad number exponent", "track", `{"userId":"u","event":"e","properties":{"a":1e}}`},
	{"bad number plus", "track", `{"userId":"u","event":"e","properties":{"a":+1}}`},
	{"bad number minus", "track", `{"userId":"u","event":"e","properties":{"a":-}}`},
	{"bad number dot first", "track", `{"userId":"u","event":"e","properties":{"a":.5}}`},
	{"bad NaN", "track", `{"userId":"u","event":"e","properties":{"a":NaN}}`},

	// Properties.
	{"properties array", "track", `{"userId":"u","event":"e","properties":[]}`},
	{"properties string", "track", `{"userId":"u","event":"e","properties":"x"}`},
	{"properties number", "track", `{"userId":"u","event":"e","properties":1}`},
	{"properties null", "track", `{"userId":"u","event":"e","properties":null}`},
	{"properties empty", "track", `{"userId":"u","event":"e","properties":{}}`},
	{"properties array on identify", "identify", `{"userId":"u","properties":[]}`},
	{"properties nested", "track", `{"userId":"u","event":"e","properties":{"a":{"b":{"c":{"d":{"e":1}}}},"x":{"y":true,"z":null},"n":null}}`},
	{"properties deep object at 3", "track", `{"userId":"u","event":"e","properties":{"a":{"b":{"c":{"z":1,"a":[2,{"y":"<&>","b":3}]}}}}}`},
	{"properties deep empty object", "track", `{"userId":"u","event":"e","properties":{"a":{"b":{"c":{}}},"e":{}}}`},
	{"properties arrays", "track", `{"userId":"u","event":"e","properties":{"p":[{"sku":"a","price":1.50},{"quantity":1e2,"sku":"b","x":null}],"e":[],"s":["<b>&amp;</b>","\u00e9\"\\"],"n":[[[]]]}}`},
	{"properties duplicate keys", "track", `{"userId":"u","event":"e","properties":{"a":1,"a":2,"b":{"x":1},"b":{"y":2},"c":3,"c":null,"d":{"x":1},"d":"s"}}`},
	{"properties duplicate keys in arrays", "track", `{"userId":"u","event":"e","properties":{"a":[{"k":1,"k":2,"j":{"x":1},"j":{"y":2}}]}}`},
	{"properties duplicate deep", "track", `{"userId":"u","event":"e","properties":{"a":{"b":{"c":{"k":1,"k":2}}}}}`},
	{"properties duplicate object key", "track", `{"userId":"u","event":"e","properties":{"o":{"a":1},"p":2,"o":{"b":1}}}`},
	{"properties many keys", "track", `{"userId":"u","event":"e","properties":{` + manyProps(40, "") + `}}`},
	{"properties many keys with a duplicate", "track", `{"userId":"u","event":"e","properties":{` + manyProps(40, "") + `,"k07":"again"}}`},
	{"properties nested many keys", "track", `{"userId":"u","event":"e","properties":{"z":{` + manyProps(20, "") + `},"a":{` + manyProps(20, "") + `}}}`},
	{"properties long value", "track", `{"userId":"u","event":"e","properties":{"v":"` + strings.Repeat("x", 2500) + `","w":["` + strings.Repeat("y", 2500) + `"]}}`},
	{"properties long multibyte value", "track", `{"userId":"u","event":"e","properties":{"v":"` + strings.Repeat("é", 1500) + `"}}`},
	{"properties empty keys", "track", `{"userId":"u","event":"e","properties":{"":1,"a":{"":2},"":{"b":3}}}`},
	{"properties escaped keys", "track", `{"userId":"u","event":"e","properties":{"a\nb":1,"\u00e9":{"\"":2}}}`},
	{"properties booleans", "track", `{"userId":"u","event":"e","properties":{"t":true,"f":false}}`},
	{"properties spaces", "track", "{\"userId\":\"u\",\"event\":\"e\",\"properties\": { \"a\" : [ 1 , { \"b\" : 2 } ] , \"c\" : { \"d\" : \"e\" } } }"},
	{"revenue", "track", `{"userId":"u","event":"e","properties":{"revenue":59.90,"currency":"usd"}}`},
	{"revenue string", "track", `{"userId":"u","event":"e","properties":{"revenue":"12.5"}}`},
	{"revenue bad", "track", `{"userId":"u","event":"e","properties":{"revenue":"lots"}}`},
	{"revenue bool", "track", `{"userId":"u","event":"e","properties":{"revenue":true}}`},
	{"revenue null", "track", `{"userId":"u","event":"e","properties":{"revenue":null}}`},
	{"revenue array", "track", `{"userId":"u","event":"e","properties":{"revenue":[1]}}`},
	{"revenue huge", "track", `{"userId":"u","event":"e","properties":{"revenue":1e999}}`},
	{"currency bad", "track", `{"userId":"u","event":"e","properties":{"revenue":1,"currency":"euro"}}`},
	{"currency number", "track", `{"userId":"u","event":"e","properties":{"revenue":1,"currency":123}}`},
	{"revenue past 30 keys", "track", `{"userId":"u","event":"e","properties":{` + manyProps(35, "") + `,"revenue":5,"currency":"gbp"}}`},

	// Traits.
	{"traits", "identify", `{"userId":"u","traits":{ "email" : "a@b.example", "n" : [ 1, 2 ], "s": "a b\"c" }}`},
	{"traits null", "identify", `{"userId":"u","traits":null}`},
	{"traits string", "identify", `{"userId":"u","traits":" x "}`},
	{"traits number", "group", `{"userId":"u","groupId":"g","traits":1.50}`},
	{"traits escapes kept", "identify", `{"userId":"u","traits":{"a":"\u00e9\/\n <"}}`},
	{"traits twice", "identify", `{"userId":"u","traits":{"a":1},"traits":{"b":2}}`},

	// Context.
	{"context", "track", `{"userId":"u","event":"e","context":{"ip":"198.51.100.4","userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36","page":{"url":"https://shop.example/a?b=c","path":"/a","referrer":"https://www.google.com/"},"location":{"country":"de","region":"BE","city":"Berlin"},"campaign":{"name":"n","source":"s","medium":"m","term":"t","content":"c"},"library":{"name":"x"}}}`},
	{"context null", "track", `{"userId":"u","event":"e","context":null}`},
	{"context null after value", "track", `{"userId":"u","event":"e","context":{"location":{"country":"fr"}},"context":null}`},
	{"context merged", "track", `{"userId":"u","event":"e","context":{"location":{"country":"fr"}},"context":{"location":{"city":"Paris"}}}`},
	{"context reset then set", "track", `{"userId":"u","event":"e","context":{"location":{"country":"fr"}},"context":null,"context":{"location":{"city":"Paris"}}}`},
	{"context array", "track", `{"userId":"u","event":"e","context":[]}`},
	{"context string", "track", `{"userId":"u","event":"e","context":"x"}`},
	{"context ip number", "track", `{"userId":"u","event":"e","context":{"ip":5}}`},
	{"context page string", "track", `{"userId":"u","event":"e","context":{"page":"x"}}`},
	{"context page null", "track", `{"userId":"u","event":"e","context":{"page":{"path":"/p"},"page":null}}`},
	{"context page url number", "track", `{"userId":"u","event":"e","context":{"page":{"url":5}}}`},
	{"context location array", "track", `{"userId":"u","event":"e","context":{"location":[]}}`},
	{"context location country bool", "track", `{"userId":"u","event":"e","context":{"location":{"country":true}}}`},
	{"context campaign number", "track", `{"userId":"u","event":"e","context":{"campaign":1}}`},
	{"context campaign term object", "track", `{"userId":"u","event":"e","context":{"campaign":{"term":{}}}}`},
	{"context capitalised", "track", `{"userId":"u","event":"e","CONTEXT":{"Page":{"PATH":"/x"},"UserAgent":"curl/8.0"}}`},
	{"bot", "track", `{"userId":"u","event":"e","context":{"userAgent":"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}}`},
	{"page", "page", `{"anonymousId":"a","name":"Pricing","properties":{"url":"https://shop.example/pricing?utm_source=x","referrer":"https://www.google.com/"},"context":{"campaign":{"source":"google","medium":"cpc","name":"brand"}}}`},
	{"page path only", "page", `{"anonymousId":"a","properties":{"path":"/p"}}`},
	{"page bad url", "page", `{"anonymousId":"a","properties":{"url":"not a url"}}`},
	{"page properties array", "page", `{"anonymousId":"a","properties":[1]}`},
	{"screen", "screen", `{"anonymousId":"a","name":" Home "}`},
	{"screen in batch", "", `{"batch":[{"type":"screen","userId":"u","name":"Settings","context":{"page":{"path":"/ignored"}}}]}`},

	// Nesting.
	{"nesting at the limit", "track", `{"userId":"u","event":"e","properties":{"a":` + strings.Repeat("[", maxJSONDepth-3) + strings.Repeat("]", maxJSONDepth-3) + `}}`},
	{"nesting over the limit", "track", `{"userId":"u","event":"e","properties":{"a":` + strings.Repeat("[", maxJSONDepth-2) + strings.Repeat("]", maxJSONDepth-2) + `}}`},
	{"nesting at the limit in a batch", "", `{"batch":[{"type":"track","userId":"u","event":"e","properties":{"a":` + strings.Repeat("[", maxJSONDepth-5) + strings.Repeat("]", maxJSONDepth-5) + `}}]}`},
	{"nesting over the limit in a batch", "", `{"batch":[{"type":"track","userId":"u","event":"e","properties":{"a":` + strings.Repeat("[", maxJSONDepth-4) + strings.Repeat("]", maxJSONDepth-4) + `}}]}`},
	{"deep objects", "track", `{"userId":"u","event":"e","properties":{"a":` + strings.Repeat(`{"k":`, 500) + `1` + strings.Repeat("}", 500) + `}}`},

	// Sizes.
	{"large message in a batch", "", `{"batch":[{"type":"track","userId":"u","event":"e","properties":{"x":"` + strings.Repeat("y", 33<<10) + `"}}]}`},
	{"message just under the limit in a batch", "", `{"batch":[{"type":"track","userId":"u","event":"e","properties":{"x":"` + strings.Repeat("y", 32<<10-70) + `"}}]}`},
	{"large second message in a batch", "", `{"batch":[{"type":"track","userId":"u","event":"e"},{"type":"track","event":5,"x":"` + strings.Repeat("y", 33<<10) + `"}]}`},
}

// manyProps returns n members "k00":"v00"... for an object.
func manyProps(n int, prefix string) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf(`"%sk%02d":"v%d"`, prefix, n-1-i, i))
	}
	return strings.Join(parts, ",")
}

func TestSegmentDecodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	s := refService(t)
	for _, tc := range segmentDecodeCases {
		t.Run(tc.name, func(t *testing.T) {
			want, ambiguous := decodeSegmentRef(s, []byte(tc.body), tc.typ)
			if ambiguous {
				t.Fatalf("the reference is ambiguous for %s", truncate(tc.body, 200))
			}
			got := decodeSegment(s, []byte(tc.body), tc.typ)
			if d := diffOutcomes(got, want); d != "" {
				t.Errorf("/v1/%s %s:\n%s", tc.typ, truncate(tc.body, 300), d)
			}
		})
	}
}

// TestSegmentPropertiesCollision pins what the reference left to chance:
// of two paths to one key, the later in the text wins.
func TestSegmentPropertiesCollision(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw  string
		want map[string]string
	}{
		{`{"a.b":1,"a":{"b":2}}`, map[string]string{"a.b": "2"}},
		{`{"a":{"b":2},"a.b":1}`, map[string]string{"a.b": "1"}},
		{`{"":{"revenue":"x"},"revenue":5}`, map[string]string{"revenue": "5"}},
		{`{"a":{"b":2},"a.b":1,"a":{"c":3}}`, map[string]string{"a.b": "1", "a.c": "3"}},
	} {
		props, _, err := segmentProperties(new(propsReader), tc.raw, "EUR")
		if err != nil || !reflect.DeepEqual(props, tc.want) {
			t.Errorf("segmentProperties(%s) = %v, %v; want %v", tc.raw, props, err, tc.want)
		}
	}
}

// FuzzSegmentDecode runs both decoders on the input as a /v1/track body
// (mode 0), a /v1/batch body (1), a message in a batch (2), or the
// properties (3) or context (4) of a track call.
func FuzzSegmentDecode(f *testing.F) {
	for _, tc := range segmentDecodeCases {
		if len(tc.body) < 4<<10 {
			mode := uint8(0)
			if tc.typ == "" {
				mode = 1
			}
			f.Add([]byte(tc.body), mode)
		}
	}
	for _, seed := range []string{
		`{"type":"track","userId":"u","event":"e","properties":{"a":[1,{"b":"<"}]}}`,
		`{"a":{"b":{"c":{"d":[{"z":1,"y":2,"z":3}]}}},"a.b":1,"":{"x":null}}`,
		`{"revenue":"1e3","currency":"usd","k":{"k":{"k":{"k":"\u00e9"}}}}`,
		`{"userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)","page":{"url":"https://a.example/b"},"Page":null}`,
	} {
		for mode := uint8(2); mode <= 4; mode++ {
			f.Add([]byte(seed), mode)
		}
	}
	s := refService(f)
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		typ, body := "track", in
		switch mode % 5 {
		case 1:
			typ = ""
		case 2:
			typ, body = "", slices.Concat([]byte(`{"batch":[`), in, []byte(`]}`))
		case 3:
			body = slices.Concat([]byte(`{"userId":"u","event":"e","properties":`), in, []byte(`}`))
		case 4:
			body = slices.Concat([]byte(`{"userId":"u","event":"e","context":`), in, []byte(`}`))
		}
		want, ambiguous := decodeSegmentRef(s, body, typ)
		if ambiguous {
			return // the reference's answer was left to map order
		}
		got := decodeSegment(s, body, typ)
		if d := diffOutcomes(got, want); d != "" {
			t.Errorf("/v1/%s %q:\n%s", typ, body, d)
		}
	})
}

// The reference: the encoding/json code as it was before
// segment_decode.go, renamed. It shares with the new code everything that
// does not read JSON (parsePageURL, withCampaign, locate...).

type refSegmentMessage struct {
	Type              string             `json:"type"`
	MessageID         json.RawMessage    `json:"messageId"`
	UserID            json.RawMessage    `json:"userId"`
	AnonymousID       json.RawMessage    `json:"anonymousId"`
	Event             string             `json:"event"`
	Name              string             `json:"name"`
	Properties        json.RawMessage    `json:"properties"`
	Traits            json.RawMessage    `json:"traits"`
	Context           *refSegmentContext `json:"context"`
	Timestamp         string             `json:"timestamp"`
	OriginalTimestamp string             `json:"originalTimestamp"`
	SentAt            string             `json:"sentAt"`
	GroupID           json.RawMessage    `json:"groupId"`
	PreviousID        json.RawMessage    `json:"previousId"`
	WriteKey          string             `json:"writeKey"`
}

// refSegmentContext converts to segmentContext (tags are ignored).
type refSegmentContext struct {
	IP        string `json:"ip"`
	UserAgent string `json:"userAgent"`
	Page      struct {
		URL      string `json:"url"`
		Path     string `json:"path"`
		Referrer string `json:"referrer"`
	} `json:"page"`
	Location struct {
		Country string `json:"country"`
		Region  string `json:"region"`
		City    string `json:"city"`
	} `json:"location"`
	Campaign struct {
		Name    string `json:"name"`
		Source  string `json:"source"`
		Medium  string `json:"medium"`
		Term    string `json:"term"`
		Content string `json:"content"`
	} `json:"campaign"`
}

type refSegmentEnvelope struct {
	Batch    []json.RawMessage `json:"batch"`
	SentAt   string            `json:"sentAt"`
	WriteKey string            `json:"writeKey"`
}

type refSegmentCall struct {
	Messages []json.RawMessage
	Type     string
	SentAt   string
	Site     *sites.Site
	History  bool
	ClientIP netip.Addr
}

// refDecodeSegmentCall is what postSegment did between readBody and
// segmentSite.
func refDecodeSegmentCall(body []byte, typ string) (refSegmentCall, string, error) {
	call := refSegmentCall{Type: typ}
	var env refSegmentEnvelope
	if err := decodeJSON(body, &env); err != nil {
		return call, "", err
	}
	if typ == "" {
		if len(env.Batch) == 0 {
			return call, "", httpx.Errorf(400, "batch must be a non-empty array of messages")
		}
		call.Messages, call.SentAt = env.Batch, env.SentAt
	} else {
		call.Messages = []json.RawMessage{body}
	}
	return call, env.WriteKey, nil
}

// refBuildSegmentEvents is AcceptSegment up to publishing.
func refBuildSegmentEvents(s *Service, ctx context.Context, call refSegmentCall) (evs []*event.Event, dropped int, ambiguous bool, err error) {
	now := s.now()
	var salt string
	for i, raw := range call.Messages {
		where := ""
		if call.Type == "" {
			where = fmt.Sprintf("batch[%d]: ", i)
		}
		if len(raw) > maxSegmentMessage {
			return nil, 0, ambiguous, inputErrorf("%smessage is larger than %d KB", where, maxSegmentMessage>>10)
		}
		var m refSegmentMessage
		if err := decodeJSON(raw, &m); err != nil {
			return nil, 0, ambiguous, inputErrorf("%s%s", where, err.Error())
		}
		e, bot, err := refSegmentEvent(s, ctx, &m, call, now, &salt, &ambiguous)
		if err != nil {
			return nil, 0, ambiguous, inputErrorf("%s%s", where, err.Error())
		}
		if bot != "" {
			dropped++
			continue
		}
		evs = append(evs, e)
	}
	return evs, dropped, ambiguous, nil
}

func refSegmentEvent(s *Service, ctx context.Context, m *refSegmentMessage, call refSegmentCall, now time.Time, salt *string, ambiguous *bool) (*event.Event, string, error) {
	typ := call.Type
	if typ == "" {
		typ = m.Type
	} else if m.Type != "" && m.Type != typ {
		return nil, "", fmt.Errorf("type %q does not match the endpoint /v1/%s", m.Type, typ)
	}
	userID, err := refIDText(m.UserID, "userId")
	if err != nil {
		return nil, "", err
	}
	anonID, err := refIDText(m.AnonymousID, "anonymousId")
	if err != nil {
		return nil, "", err
	}
	if userID == "" && anonID == "" {
		return nil, "", fmt.Errorf("userId or anonymousId is required")
	}
	ts, err := refSegmentTime(m, call.SentAt, now)
	if err != nil {
		return nil, "", err
	}
	if ts.After(now.Add(FutureLimit)) {
		return nil, "", fmt.Errorf("timestamp %s is more than 1 hour in the future", ts.Format(time.RFC3339))
	}
	if !call.History && ts.Before(now.Add(-HistoryLimit)) {
		return nil, "", fmt.Errorf("timestamp %s is more than 30 days old; sending history needs an API key with the ingest scope (Authorization: Bearer)", ts.Format(time.RFC3339))
	}
	msgID, err := refIDText(m.MessageID, "messageId")
	if err != nil {
		return nil, "", err
	}
	if msgID == "" {
		msgID = id.New("ev")
	}
	if len(msgID) > 200 {
		return nil, "", fmt.Errorf("messageId is longer than 200 characters")
	}
	site := call.Site
	e := &event.Event{ID: msgID, SiteID: site.ID, Time: ts, Received: now, UserID: userID, AnonymousID: anonID,
		VisitorID: firstOf(anonID, userID), Origin: event.OriginSegment, Interactive: true, Hostname: site.Domain}
	c := (*segmentContext)(m.Context)
	if c == nil {
		c = &segmentContext{}
	}
	switch typ {
	case "track":
		if strings.TrimSpace(m.Event) == "" {
			return nil, "", fmt.Errorf("event is required for a track call")
		}
		e.Kind, e.Name = event.KindCustom, truncate(strings.TrimSpace(m.Event), maxNameLength)
		props, rev, err := refSegmentProperties(m.Properties, site.Currency, ambiguous)
		if err != nil {
			return nil, "", err
		}
		e.Props, e.Revenue = props, rev
		if c.Page.URL != "" || c.Page.Path != "" {
			if p, err := parsePageURL(firstOf(c.Page.URL, "https://"+site.Domain+"/"+strings.TrimPrefix(c.Page.Path, "/")), false); err == nil {
				e.Hostname, e.Path = p.Hostname(), p.Path
			}
		}
	case "page", "screen":
		e.Kind, e.Name = event.KindPageview, "pageview"
		props, _, err := refSegmentProperties(m.Properties, site.Currency, ambiguous)
		if err != nil {
			return nil, "", err
		}
		pageURL, path, referrer := firstOf(props["url"], c.Page.URL), firstOf(props["path"], c.Page.Path), firstOf(props["referrer"], c.Page.Referrer)
		if typ == "screen" {
			path = "/" + strings.TrimPrefix(strings.TrimSpace(firstOf(m.Name, path)), "/")
		}
		if pageURL == "" {
			pageURL = "https://" + site.Domain + "/" + strings.TrimPrefix(path, "/")
		}
		p, err := parsePageURL(pageURL, false)
		if err != nil {
			return nil, "", err
		}
		e.Hostname, e.Path = p.Hostname(), p.Path
		if path != "" && typ == "page" {
			e.Path = path
		}
		if m.Name != "" {
			e.Props = map[string]string{"name": truncate(m.Name, maxPropValue)}
		}
		enrichSource(e, withCampaign(pageURL, c), referrer, site.Domain)
	case "identify":
		e.Kind, e.Name, e.Traits, e.Interactive = event.KindIdentify, "identify", refCompactJSON(m.Traits), false
	case "group":
		gid, err := refIDText(m.GroupID, "groupId")
		if err != nil || gid == "" {
			return nil, "", fmt.Errorf("groupId is required for a group call")
		}
		e.Kind, e.Name, e.GroupID, e.Traits, e.Interactive = event.KindGroup, "group", gid, refCompactJSON(m.Traits), false
	case "alias":
		prev, err := refIDText(m.PreviousID, "previousId")
		if err != nil || prev == "" || userID == "" {
			return nil, "", fmt.Errorf("previousId and userId are required for an alias call")
		}
		e.Kind, e.Name, e.PreviousID, e.Interactive = event.KindAlias, "alias", prev, false
	default:
		return nil, "", fmt.Errorf("type must be one of track, page, screen, identify, group, alias, not %q", typ)
	}
	if c.UserAgent != "" {
		ua := s.ua.Parse(c.UserAgent)
		if ua.Bot {
			return nil, ua.BotReason, nil
		}
		e.Browser, e.BrowserVersion, e.OS, e.OSVersion, e.Device = ua.Browser, ua.BrowserVersion, ua.OS, ua.OSVersion, ua.Device
	}
	s.locate(e, c, call.ClientIP)
	if e.VisitorID == "" {
		if *salt == "" {
			v, err := s.salts.today(ctx, now)
			if err != nil {
				return nil, "", err
			}
			*salt = v
		}
		e.VisitorID = visitorID(*salt, site.ID, call.ClientIP, c.UserAgent)
	}
	return e, "", nil
}

func refSegmentTime(m *refSegmentMessage, batchSentAt string, received time.Time) (time.Time, error) {
	tsText := firstOf(m.Timestamp, m.OriginalTimestamp)
	if tsText == "" {
		return received, nil
	}
	ts, err := time.Parse(time.RFC3339Nano, tsText)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q is not an ISO 8601 date-time", truncate(tsText, 40))
	}
	if sentText := firstOf(m.SentAt, batchSentAt); sentText != "" {
		sent, err := time.Parse(time.RFC3339Nano, sentText)
		if err != nil {
			return time.Time{}, fmt.Errorf("sentAt %q is not an ISO 8601 date-time", truncate(sentText, 40))
		}
		return received.Add(-sent.Sub(ts)).UTC(), nil
	}
	return ts.UTC(), nil
}

func refIDText(raw json.RawMessage, field string) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s is not a valid string", field)
		}
		return strings.TrimSpace(s), nil
	}
	if _, err := strconv.ParseFloat(string(raw), 64); err == nil {
		return string(raw), nil
	}
	return "", fmt.Errorf("%s must be a string", field)
}

// refSegmentProperties notes in ambiguous when two values flatten to one
// key: which one won depended on map order.
func refSegmentProperties(raw json.RawMessage, defaultCurrency string, ambiguous *bool) (map[string]string, *event.Revenue, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil, nil
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, nil, fmt.Errorf("properties must be an object")
	}
	flat := map[string]string{}
	refFlatten("", obj, flat, 0, ambiguous)
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	props := map[string]string{}
	for _, k := range keys {
		if len(props) == maxProps {
			break
		}
		props[k] = truncate(flat[k], maxPropValue)
	}
	var rev *event.Revenue
	if amount, ok := flat["revenue"]; ok {
		if _, err := strconv.ParseFloat(amount, 64); err != nil {
			return nil, nil, fmt.Errorf("properties.revenue must be a number")
		}
		cur := strings.ToUpper(firstOf(flat["currency"], defaultCurrency))
		if len(cur) != 3 {
			return nil, nil, fmt.Errorf("properties.currency must be a three-letter ISO 4217 code")
		}
		rev = &event.Revenue{Amount: amount, Currency: cur}
	}
	return props, rev, nil
}

func refFlatten(prefix string, v any, out map[string]string, depth int, ambiguous *bool) {
	set := func(s string) {
		if old, ok := out[prefix]; ok && old != s {
			*ambiguous = true
		}
		out[prefix] = s
	}
	switch x := v.(type) {
	case map[string]any:
		if depth >= 3 {
			b, _ := json.Marshal(x)
			set(string(b))
			return
		}
		for k, vv := range x {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			refFlatten(key, vv, out, depth+1, ambiguous)
		}
	case []any:
		b, _ := json.Marshal(x)
		set(string(b))
	case nil:
	case string:
		set(x)
	default:
		set(fmt.Sprint(x))
	}
}

func refCompactJSON(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if len(raw) == 0 || json.Compact(&buf, raw) != nil || buf.String() == "null" {
		return nil
	}
	return buf.Bytes()
}

package collect

import (
	"reflect"
	"strings"
	"testing"
)

// pageEventBodies are /api/event bodies: the tracker's and Plausible's
// usual ones, which the one-scan path reads, and every kind of body it
// leaves to encoding/json.
var pageEventBodies = []string{
	`{"n":"pageview","u":"https://shop.example/p/1","d":"shop.example","r":"https://www.google.com/"}`,
	`{"n":"pageview","u":"https://shop.example/","d":"shop.example","r":null,"h":1,"c":"abc"}`,
	`{"name":"Signup","url":"https://shop.example/a","domain":"shop.example","referrer":"","props":{"plan":"pro"},"revenue":{"amount":49,"currency":"EUR"}}`,
	`{"n":"engagement","u":"https://shop.example/","d":"shop.example","e":12345,"sd":87,"i":false}`,
	`{"n":"x","u":"u","d":"d","p":{"a":"b"},"m":{"c":1},"meta":null,"$":{"amount":"1.5","currency":"USD"},"interactive":true}`,
	` { "n" : "a\u00e9\n" , "u" : "https://x.example/\"q\"" } `,
	`{"n":"pageview","n":"again","r":"first","r":null,"p":{"a":1},"p":[1,2]}`,
	`{"e":-0,"sd":0}`,
	`{}`,
	// Left to encoding/json, which decides:
	`{"N":"pageview","U":"https://a.example/"}`,
	`{"na\u006de":"pageview"}`,
	`{"n":null,"u":"x"}`,
	`{"n":1}`,
	`{"e":1.5}`,
	`{"e":1e3}`,
	`{"e":"12"}`,
	`{"e":99999999999999999999}`,
	`{"sd":-1}`,
	`{"i":"yes"}`,
	`{"r":42}`,
	`{"unknown":[1,{"a":null}],"n":"pageview"}`,
	`{"n":"pageview"} `,
	`{"n":"pageview"}}`,
	`{"n":"pageview"} {}`,
	`{"n":"pageview"`,
	`{"n":"pageview",}`,
	`{"p":{"a":}}`,
	`[1,2]`,
	`null`,
	`"text"`,
	`{"p":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
}

// TestDecodePageEventMatchesEncodingJSON checks the one-scan path against
// encoding/json on every body: the same request, or the same error.
func TestDecodePageEventMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, body := range pageEventBodies {
		checkPageEventDecode(t, body)
	}
}

// TestDecodePageEventFastPath checks that the tracker's bodies take the
// one-scan path, with the values they hold.
func TestDecodePageEventFastPath(t *testing.T) {
	t.Parallel()
	var req pageEventRequest
	if !decodePlainPageEvent(pageEventBodies[3], &req) {
		t.Fatal("a tracker engagement body was not read in one scan")
	}
	if req.N != "engagement" || req.E != 12345 || req.SD != 87 || req.I == nil || *req.I {
		t.Errorf("read %+v", req)
	}
	req = pageEventRequest{}
	if !decodePlainPageEvent(pageEventBodies[2], &req) {
		t.Fatal("a Plausible custom event was not read in one scan")
	}
	if string(req.Props) != `{"plan":"pro"}` || string(req.Revenue) != `{"amount":49,"currency":"EUR"}` || req.Referrer == nil || *req.Referrer != "" {
		t.Errorf("read props %s, revenue %s, referrer %v", req.Props, req.Revenue, req.Referrer)
	}
}

func FuzzDecodePageEvent(f *testing.F) {
	for _, body := range pageEventBodies[:len(pageEventBodies)-1] {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		checkPageEventDecode(t, body)
	})
}

func checkPageEventDecode(t *testing.T, body string) {
	t.Helper()
	var got, want pageEventRequest
	gotErr := decodePageEvent([]byte(body), &got)
	wantErr := decodeJSON([]byte(body), &want)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("%.200q: error %v, encoding/json %v", body, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%.200q:\n got %+v\nwant %+v", body, got, want)
	}
}

package event

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"
)

var t0 = time.Date(2025, 6, 3, 14, 5, 9, 123456789, time.UTC)

// pageview is a realistic tracker pageview.
func pageview() Event {
	return Event{ID: "ev_01J0XK3V8M2Q7R5T9W4Y6Z1A3B", SiteID: "site_7f3a9c", Kind: KindPageview, Name: "pageview",
		Time: t0, Received: t0.Add(87 * time.Millisecond), VisitorID: "9f86d081884c7d65", Origin: OriginTracker,
		Interactive: true, Hostname: "www.example.com", Path: "/blog/2025/how-we-count-visitors",
		Referrer: "www.google.com/", Source: "Google", Channel: "Organic Search",
		Browser: "Chrome", BrowserVersion: "126.0", OS: "Windows", OSVersion: "10", Device: "Desktop",
		Country: "DE", Region: "Bavaria", City: "Munich"}
}

// custom is a realistic custom event with two props and revenue.
func custom() Event {
	e := pageview()
	e.ID = "ev_01J0XK3VB1C2D3E4F5G6H7J8K9"
	e.Kind, e.Name, e.Path = KindCustom, "Purchase", "/checkout/done"
	e.Referrer = ""
	e.Props = map[string]string{"plan": "pro-annual", "coupon": "SUMMER25"}
	e.Revenue = &Revenue{Amount: "249.00", Currency: "EUR"}
	return e
}

// full sets every field.
func full() Event {
	return Event{ID: "ev_full", SiteID: "site_a", Kind: KindIdentify, Name: "identify",
		Time:      time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.FixedZone("CEST", 2*3600)),
		Received:  time.Date(1969, 12, 31, 23, 59, 59, 1, time.UTC),
		VisitorID: "v1", UserID: "user-42", AnonymousID: "anon-9", Origin: OriginSegment, Interactive: true,
		Hostname: "shop.example.org", Path: "/p", Referrer: "news.ycombinator.com/item",
		Source: "Hacker News", Channel: "Referral", UTMSource: "hn", UTMMedium: "social", UTMCampaign: "launch",
		UTMTerm: "analytics", UTMContent: "top", Browser: "Firefox", BrowserVersion: "127.0", OS: "Linux",
		OSVersion: "6.9", Device: "Tablet", Country: "NZ", Region: "Auckland", City: "Auckland",
		Props:   map[string]string{"a": "1", "": "empty key", "empty value": "", "ü": "ß"},
		Revenue: &Revenue{Amount: "0.000000000000000001", Currency: "BTC"}, EngagedMS: -12345678901, ScrollDepth: -7,
		Traits: json.RawMessage(`{"email":"a@b.c","plan":{"tier":3}}`), GroupID: "grp_1", PreviousID: "prev_1"}
}

// normalized is what e should decode to: UTC times without a monotonic
// reading, and nil for an empty Props map.
func normalized(e Event) Event {
	if e.Time.IsZero() {
		e.Time = time.Time{}
	} else {
		e.Time = e.Time.UTC()
	}
	if e.Received.IsZero() {
		e.Received = time.Time{}
	} else {
		e.Received = e.Received.UTC()
	}
	if len(e.Props) == 0 {
		e.Props = nil
	}
	return e
}

func batch(evs ...Event) []byte {
	b := AppendBatchHeader(nil)
	for i := range evs {
		b = AppendEvent(b, &evs[i])
	}
	return b
}

// randomEvent sets each field with probability one half, from values that
// include empty, unicode and long strings and extreme numbers and times.
func randomEvent(r *rand.Rand) Event {
	strs := []string{"x", "Zürich", "日本語のテキスト", "emoji 🎉", strings.Repeat("a", 127), strings.Repeat("é", 300),
		strings.Repeat("long ", 5000), "\x00\xff invalid utf8", "64-bytes-exactly-0123456789012345678901234567890123456789012345"}
	s := func() string {
		if r.IntN(2) == 0 {
			return ""
		}
		return strs[r.IntN(len(strs))]
	}
	tm := func() time.Time {
		switch r.IntN(5) {
		case 0:
			return time.Time{}
		case 1:
			return time.Unix(r.Int64N(1<<40)-1<<39, r.Int64N(1e9)).UTC()
		case 2:
			return time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC) // just after the zero time
		case 3:
			return time.Now() // has a monotonic reading and a local zone
		default:
			return time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
		}
	}
	e := Event{ID: s(), SiteID: s(), Kind: Kind(s()), Name: s(), Time: tm(), Received: tm(), VisitorID: s(),
		UserID: s(), AnonymousID: s(), Origin: Origin(s()), Interactive: r.IntN(2) == 0, Hostname: s(), Path: s(),
		Referrer: s(), Source: s(), Channel: s(), UTMSource: s(), UTMMedium: s(), UTMCampaign: s(), UTMTerm: s(),
		UTMContent: s(), Browser: s(), BrowserVersion: s(), OS: s(), OSVersion: s(), Device: s(), Country: s(),
		Region: s(), City: s(), GroupID: s(), PreviousID: s()}
	switch r.IntN(3) {
	case 0:
		e.Props = map[string]string{}
	case 1:
		e.Props = map[string]string{}
		for range r.IntN(10) + 1 {
			e.Props[s()] = s()
		}
	}
	if r.IntN(2) == 0 {
		e.Revenue = &Revenue{Amount: s(), Currency: s()}
	}
	if r.IntN(2) == 0 {
		e.EngagedMS = r.Int64() - 1<<62
	}
	if r.IntN(2) == 0 {
		e.ScrollDepth = r.IntN(201) - 100
	}
	switch r.IntN(3) {
	case 0:
		e.Traits = json.RawMessage{}
	case 1:
		e.Traits = json.RawMessage(`{"name":"` + s() + `"}`)
	}
	return e
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		e    Event
	}{
		{"empty", Event{}},
		{"pageview", pageview()},
		{"custom", custom()},
		{"all fields", full()},
		{"zero times", func() Event { e := full(); e.Time, e.Received = time.Time{}, time.Time{}; return e }()},
		{"zero time in a zone", Event{ID: "z", Time: time.Time{}.In(time.FixedZone("X", 3600))}},
		{"unix epoch", Event{Time: time.Unix(0, 0).UTC(), Received: time.Unix(-1, 999999999).UTC()}},
		{"monotonic local time", Event{Time: time.Now(), Received: time.Now().Local()}},
		{"negative engaged", Event{Kind: KindEngagement, EngagedMS: -1, ScrollDepth: 100}},
		{"min engaged", Event{EngagedMS: -1 << 63}},
		{"max engaged", Event{EngagedMS: 1<<63 - 1}},
		{"empty props", Event{ID: "p", Props: map[string]string{}}},
		{"empty revenue", Event{Revenue: &Revenue{}}},
		{"empty traits", Event{Traits: json.RawMessage{}}},
		{"null traits", Event{Traits: json.RawMessage("null")}},
		{"only interactive", Event{Interactive: true}},
		{"unicode", Event{ID: "ü", Name: "Anmeldung ✓", Path: "/日本/😀", City: "Zürich", Props: map[string]string{"ключ": "значение"}}},
		{"body over 16 KiB", Event{Path: strings.Repeat("/x", 20000), Referrer: strings.Repeat("r", 70000)}},
		{"long interned", Event{City: strings.Repeat("c", 65), Country: strings.Repeat("d", 64)}},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		tests = append(tests, struct {
			name string
			e    Event
		}{fmt.Sprintf("random %d", i), randomEvent(r)})
	}

	d := NewDecoder()
	var all []Event
	for _, tt := range tests {
		want := normalized(tt.e)
		got, err := d.Decode(batch(tt.e), nil)
		if err != nil {
			t.Fatalf("%s: Decode: %v", tt.name, err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Fatalf("%s: round trip\ngot  %+v\nwant %+v", tt.name, got, want)
		}
		all = append(all, tt.e)
	}

	// All of them in one message, decoded after events already in dst.
	prior := []Event{{ID: "already here"}}
	got, err := NewDecoder().Decode(batch(all...), prior)
	if err != nil {
		t.Fatalf("Decode of %d events: %v", len(all), err)
	}
	if len(got) != len(all)+1 || got[0].ID != "already here" {
		t.Fatalf("Decode of %d events after 1: got %d events, first %q", len(all), len(got), got[0].ID)
	}
	for i, e := range all {
		if want := normalized(e); !reflect.DeepEqual(got[i+1], want) {
			t.Fatalf("event %d of the batch:\ngot  %+v\nwant %+v", i, got[i+1], want)
		}
	}
}

func TestDecodeTimeLocation(t *testing.T) {
	t.Parallel()
	e := Event{Time: time.Now(), Received: time.Date(2025, 1, 2, 3, 4, 5, 6, time.FixedZone("X", -5*3600))}
	got, err := NewDecoder().Decode(batch(e), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range []time.Time{got[0].Time, got[0].Received} {
		if tm.Location() != time.UTC {
			t.Errorf("decoded %v has location %v, want UTC", tm, tm.Location())
		}
	}
	if !got[0].Time.Equal(e.Time) || got[0].Received != e.Received.UTC() {
		t.Errorf("decoded times %v, %v; want %v, %v", got[0].Time, got[0].Received, e.Time, e.Received.UTC())
	}
}

func TestDecodeEmptyBatch(t *testing.T) {
	t.Parallel()
	got, err := NewDecoder().Decode([]byte(BatchMagic), nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("Decode(header only) = %d events, %v; want 0, nil", len(got), err)
	}
	dst := []Event{{ID: "a"}}
	got, err = NewDecoder().Decode(AppendBatchHeader(nil), dst)
	if err != nil || len(got) != 1 || got[0].ID != "a" {
		t.Fatalf("Decode(header only, dst of 1) = %+v, %v; want dst unchanged", got, err)
	}
}

func TestDecodeLegacyJSON(t *testing.T) {
	t.Parallel()
	for _, e := range []Event{pageview(), custom(), full(), {}} {
		msg, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var want Event
		if err := json.Unmarshal(msg, &want); err != nil {
			t.Fatal(err)
		}
		got, err := NewDecoder().Decode(msg, nil)
		if err != nil {
			t.Fatalf("Decode(%s): %v", msg, err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Fatalf("Decode(%s)\ngot  %+v\nwant %+v", msg, got, want)
		}
	}
	for _, msg := range []string{``, `{`, `{"id":1}`, `mev`, `null x`} {
		if got, err := NewDecoder().Decode([]byte(msg), nil); err == nil || !strings.HasPrefix(err.Error(), "decode json event: ") {
			t.Errorf("Decode(%q) = %+v, %v; want a json error", msg, got, err)
		}
	}
}

func TestDecodeTruncated(t *testing.T) {
	t.Parallel()
	evs := []Event{pageview(), {}, custom(), full()}
	msg := batch(evs...)
	// A cut at an event boundary leaves a shorter valid batch.
	ends := map[int]int{}
	b := AppendBatchHeader(nil)
	ends[len(b)] = 0
	for i := range evs {
		b = AppendEvent(b, &evs[i])
		ends[len(b)] = i + 1
	}
	d := NewDecoder()
	for i := range len(msg) + 1 {
		got, err := d.Decode(msg[:i:i], nil)
		n, boundary := ends[i]
		switch {
		case boundary && (err != nil || len(got) != n):
			t.Fatalf("Decode(msg[:%d]) = %d events, %v; want %d, nil", i, len(got), err, n)
		case !boundary && err == nil:
			t.Fatalf("Decode(msg[:%d]) of %d bytes = %d events, nil; want an error", i, len(msg), len(got))
		case !boundary && len(got) != 0:
			t.Fatalf("Decode(msg[:%d]) failed but returned %d events", i, len(got))
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	t.Parallel()
	// ev builds a batch of one event from a raw body.
	ev := func(parts ...[]byte) []byte {
		var body []byte
		for _, p := range parts {
			body = append(body, p...)
		}
		return append(binary.AppendUvarint([]byte(BatchMagic), uint64(len(body))), body...)
	}
	uv := func(v uint64) []byte { return binary.AppendUvarint(nil, v) }
	bitmap := func(fields ...int) []byte {
		b := make([]byte, bitmapLen)
		for _, f := range fields {
			b[f/8] |= 1 << (f % 8)
		}
		return b
	}
	pathTooLong := batch(Event{ID: "ok"}, Event{Path: "abc"})
	pathTooLong[len(pathTooLong)-4] = 10 // the path's length byte

	tests := []struct {
		name, msg, wantErr string
	}{
		{"huge event length", string(append([]byte(BatchMagic), uv(1<<62)...)), "decode event 0: length: truncated"},
		{"bad varint", BatchMagic + "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "decode event 0: length: bad varint"},
		{"field count below this version", string(ev(uv(numFields-1), bitmap())), "decode event 0: field count 35: value out of range"},
		{"huge field count", string(ev(uv(1<<64-1), bitmap())), "decode event 0: bitmap: truncated"},
		{"padding bit", string(ev(uv(numFields), bitmap(numFields))), "decode event 0: bitmap: bitmap bits set beyond the field count"},
		{"huge string length", string(ev(uv(numFields), bitmap(fPath), uv(1<<40), []byte("abc"))), "decode event 0: field path: truncated"},
		{"huge interned length", string(ev(uv(numFields), bitmap(fCity), uv(1<<63))), "decode event 0: field city: truncated"},
		{"huge props count", string(ev(uv(numFields), bitmap(fProps), uv(1<<50), []byte("ab"))), "decode event 0: field props: truncated"},
		{"huge traits length", string(ev(uv(numFields), bitmap(fTraits), uv(1<<33))), "decode event 0: field traits: truncated"},
		{"nanoseconds too big", string(ev(uv(numFields), bitmap(fTime), uv(2), uv(1e9))), "decode event 0: field ts: value out of range"},
		{"trailing bytes", string(ev(uv(numFields), bitmap(), []byte("x"))), "decode event 0: trailing bytes"},
		{"second event", string(pathTooLong), "decode event 1: field path: truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []Event{{ID: "kept"}}
			got, err := NewDecoder().Decode([]byte(tt.msg), dst)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Decode(%q) error = %v; want %q", tt.msg, err, tt.wantErr)
			}
			if len(got) != 1 || got[0].ID != "kept" {
				t.Fatalf("Decode(%q) failed but returned %+v; want dst unchanged", tt.msg, got)
			}
		})
	}
}

// TestDecodeForgedLengthAllocates checks that forged lengths are refused
// before anything is allocated for them. It is not parallel so that the
// allocation count is its own.
func TestDecodeForgedLengthAllocates(t *testing.T) {
	// A props count of 2^35 in a 12-byte body.
	body := append([]byte{numFields, 0, 0, 0, 1 << (fProps - 24), 0}, binary.AppendUvarint(nil, 1<<35)...)
	msgs := [][]byte{
		binary.AppendUvarint([]byte(BatchMagic), 1<<62),
		append(binary.AppendUvarint([]byte(BatchMagic), uint64(len(body))), body...),
	}
	d := NewDecoder()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for _, msg := range msgs {
		if _, err := d.Decode(msg, nil); err == nil {
			t.Fatalf("Decode(%q) = nil error; want one", msg)
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("decoding forged lengths allocated %d bytes", n)
	}
	if elapsed > time.Second {
		t.Errorf("decoding forged lengths took %v", elapsed)
	}
}

func TestDecodeUnknownFields(t *testing.T) {
	t.Parallel()
	// A later version's event: 40 fields, field 37 present with a payload
	// this version does not know, then an event of this version.
	body := binary.AppendUvarint(nil, numFields+4)
	bm := make([]byte, 5)
	bm[fID/8] |= 1 << (fID % 8)
	bm[fCity/8] |= 1 << (fCity % 8)
	bm[37/8] |= 1 << (37 % 8)
	body = append(body, bm...)
	body = appendString(body, "ev_new")
	body = appendString(body, "Oslo")
	body = append(body, "some future field"...)
	msg := binary.AppendUvarint([]byte(BatchMagic), uint64(len(body)))
	msg = append(msg, body...)
	msg = AppendEvent(msg, &Event{ID: "ev_old"})

	got, err := NewDecoder().Decode(msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{{ID: "ev_new", City: "Oslo"}, {ID: "ev_old"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestDecodeDoesNotAlias(t *testing.T) {
	t.Parallel()
	evs := []Event{full(), custom(), pageview()}
	msg := batch(evs...)
	d := NewDecoder()
	got, err := d.Decode(msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The interned strings now come from the table; decode again so that
	// both the first (table-filling) and later (table-hit) paths are checked.
	again, err := d.Decode(msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range msg {
		msg[i] = 'X'
	}
	for i, e := range evs {
		want := normalized(e)
		if !reflect.DeepEqual(got[i], want) || !reflect.DeepEqual(again[i], want) {
			t.Fatalf("event %d changed with the input buffer:\ngot   %+v\nagain %+v\nwant  %+v", i, got[i], again[i], want)
		}
	}
}

func TestDecoderInterns(t *testing.T) {
	t.Parallel()
	d := NewDecoder()
	long := strings.Repeat("r", internMaxLen+1)
	msg := batch(Event{ID: "a", City: "Munich", Region: long}, Event{ID: "b", City: "Munich", Region: long})
	got, err := d.Decode(msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, q := unsafe.StringData(got[0].City), unsafe.StringData(got[1].City); p != q {
		t.Errorf("City of two events not interned: %p, %p", p, q)
	}
	if p, q := unsafe.StringData(got[0].Region), unsafe.StringData(got[1].Region); p == q {
		t.Errorf("Region of %d bytes interned", len(long))
	}

	// Many more distinct values than the table holds still decode right.
	for i := range 3 * 2 * internSets {
		msg := batch(Event{City: fmt.Sprintf("city %d", i)}, Event{City: "Munich"})
		got, err := d.Decode(msg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("city %d", i); got[0].City != want || got[1].City != "Munich" {
			t.Fatalf("cities %q, %q; want %q, Munich", got[0].City, got[1].City, want)
		}
	}
	for _, set := range d.table {
		for _, e := range set {
			if s := e.s; len(s) > internMaxLen {
				t.Fatalf("interned %q of %d bytes", s, len(s))
			}
		}
	}
}

// TestDecoderInternsExactly decodes many similar strings of every length
// the table takes, which share hash inputs and sets, and checks each comes
// back as written.
func TestDecoderInternsExactly(t *testing.T) {
	t.Parallel()
	d := NewDecoder()
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		b := make([]byte, 1+r.IntN(internMaxLen+2))
		for i := range b {
			b[i] = "ab"[r.IntN(2)]
		}
		if r.IntN(2) == 0 { // differ only in the middle from the all-a string
			for i := range b {
				b[i] = 'a'
			}
			b[len(b)/2] = 'b'
		}
		want := string(b)
		got, err := d.Decode(batch(Event{Country: want}), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Country != want {
			t.Fatalf("Country = %q; want %q", got[0].Country, want)
		}
	}
}

func TestDecodeAllocs(t *testing.T) {
	msg := batch(pageview())
	d := NewDecoder()
	dst := make([]Event, 0, 1)
	var err error
	// ID, VisitorID, Path and Referrer are copied; interned fields are not.
	allocs := testing.AllocsPerRun(100, func() {
		dst, err = d.Decode(msg, dst[:0])
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs > 4 {
		t.Errorf("decoding a pageview allocates %v times; want at most 4", allocs)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(batch(pageview(), custom()))
	f.Add(batch(full()))
	f.Add(batch(Event{}))
	f.Add(batch())
	f.Add([]byte(`{"id":"x","ts":"2025-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		d := NewDecoder()
		got, err := d.Decode(msg, nil)
		if err != nil || len(msg) < len(BatchMagic) || string(msg[:len(BatchMagic)]) != BatchMagic {
			return
		}
		// What decodes must encode and decode to the same events.
		again, err := d.Decode(batch(got...), nil)
		if err != nil {
			t.Fatalf("re-decoding %+v: %v", got, err)
		}
		if len(got) == 0 && len(again) == 0 {
			return
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("round trip changed events:\ngot   %+v\nagain %+v", got, again)
		}
	})
}

func benchEvents() []struct {
	name string
	e    Event
} {
	return []struct {
		name string
		e    Event
	}{{"pageview", pageview()}, {"custom", custom()}}
}

func BenchmarkEncode(b *testing.B) {
	for _, bb := range benchEvents() {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := AppendBatchHeader(nil)
			for b.Loop() {
				buf = AppendEvent(buf[:len(BatchMagic)], &bb.e)
			}
			b.ReportMetric(float64(len(buf)), "bytes")
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, bb := range benchEvents() {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			msg := batch(bb.e)
			d := NewDecoder()
			dst := make([]Event, 0, 1)
			var err error
			for b.Loop() {
				if dst, err = d.Decode(msg, dst[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// A batch of 100 varied events from 10 sites and many pages.
	b.Run("batch100", func(b *testing.B) {
		b.ReportAllocs()
		r := rand.New(rand.NewPCG(3, 4))
		evs := make([]Event, 100)
		for i := range evs {
			e := pageview()
			if i%3 == 0 {
				e = custom()
			}
			e.ID = fmt.Sprintf("ev_%026d", r.Int64())
			e.SiteID = fmt.Sprintf("site_%d", r.IntN(10))
			e.VisitorID = fmt.Sprintf("%016x", r.Uint64())
			e.Path = fmt.Sprintf("/blog/post-%d", r.IntN(1000))
			e.City = []string{"Munich", "Berlin", "Paris", "Lyon", "Austin"}[r.IntN(5)]
			evs[i] = e
		}
		msg := batch(evs...)
		d := NewDecoder()
		dst := make([]Event, 0, len(evs))
		var err error
		for b.Loop() {
			if dst, err = d.Decode(msg, dst[:0]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
		b.ReportMetric(float64(len(msg))/float64(len(evs)), "bytes/event")
	})
}

func BenchmarkEncodeJSON(b *testing.B) {
	for _, bb := range benchEvents() {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				buf, err := json.Marshal(&bb.e)
				if err != nil {
					b.Fatal(err)
				}
				n = len(buf)
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}

func BenchmarkDecodeJSON(b *testing.B) {
	for _, bb := range benchEvents() {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			msg, err := json.Marshal(&bb.e)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				var e Event
				if err := json.Unmarshal(msg, &e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

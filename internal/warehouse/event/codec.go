// Package event's codec (codec.go) writes events to the log in a compact
// binary batch format, so that one log message can carry many events. A batch
// message is BatchMagic ("mev1") followed by zero or more events, each as
//
//	uvarint  body length in bytes
//	body:
//	  uvarint  n, the number of fields the writer knew (36 in this version)
//	  bitmap   (n+7)/8 bytes; bit f (byte f/8, bit f%8) set = field f present
//	  fields   the present fields, in field order
//
// Absent fields cost nothing but their bit: an empty string, a zero number,
// a zero time, a false Interactive, a nil Revenue, a nil Traits and a nil or
// empty Props are absent. Present fields are encoded as
//
//	string          uvarint length, bytes
//	time            varint Unix seconds, uvarint nanoseconds (< 1e9)
//	Interactive     nothing (the bit is the value)
//	Props           uvarint count, then count × (key string, value string)
//	Revenue         Amount string, Currency string (either may be empty)
//	EngagedMS       varint
//	ScrollDepth     varint
//	Traits          uvarint length, bytes (present but empty for a non-nil empty value)
//
// The fields, numbered from 0, are those of Event in declaration order: ID,
// SiteID, Kind, Name, Time, Received, VisitorID, UserID, AnonymousID, Origin,
// Interactive, Hostname, Path, Referrer, Source, Channel, UTMSource,
// UTMMedium, UTMCampaign, UTMTerm, UTMContent, Browser, BrowserVersion, OS,
// OSVersion, Device, Country, Region, City, Props, Revenue, EngagedMS,
// ScrollDepth, Traits, GroupID, PreviousID.
//
// Evolution: a later version adds fields only at the end, raising n, and
// never changes how an existing field is encoded. A reader decodes the fields
// it knows and skips the rest of the body, which the body length makes
// possible; so n must be at least 36, and bitmap bits at or above n must be
// zero. A change old readers cannot skip needs a new magic.
//
// Two things do not survive a round trip: a time's Location (decoded times are
// UTC, as t.UTC() gives, without a monotonic reading) and an empty non-nil
// Props map (decoded as nil).
package event

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"
)

// BatchMagic begins every binary batch message. A JSON event begins with '{',
// so the two never collide.
const BatchMagic = "mev1"

// Field numbers, in encoding order. Append new fields before numFields only.
const (
	fID = iota
	fSiteID
	fKind
	fName
	fTime
	fReceived
	fVisitorID
	fUserID
	fAnonymousID
	fOrigin
	fInteractive
	fHostname
	fPath
	fReferrer
	fSource
	fChannel
	fUTMSource
	fUTMMedium
	fUTMCampaign
	fUTMTerm
	fUTMContent
	fBrowser
	fBrowserVersion
	fOS
	fOSVersion
	fDevice
	fCountry
	fRegion
	fCity
	fProps
	fRevenue
	fEngagedMS
	fScrollDepth
	fTraits
	fGroupID
	fPreviousID
	numFields // fields this version knows; at most 64 (one uint64 mask)
)

// bitmapLen is the size of this version's presence bitmap.
const bitmapLen = (numFields + 7) / 8

// fieldNames name the fields in errors, with the JSON keys.
var fieldNames = [numFields]string{
	"id", "site", "kind", "name", "ts", "rcv", "vid", "uid", "aid", "origin",
	"int", "host", "path", "ref", "src", "chan", "utm_source", "utm_medium",
	"utm_campaign", "utm_term", "utm_content", "br", "brv", "os", "osv", "dev",
	"cc", "reg", "city", "props", "rev", "eng", "sd", "traits", "gid", "prev",
}

// AppendBatchHeader starts a batch message in dst: it appends BatchMagic.
// Follow it with AppendEvent for each event.
func AppendBatchHeader(dst []byte) []byte { return append(dst, BatchMagic...) }

// AppendEvent appends e's binary encoding to dst. An encoding stands alone,
// so encodings can be made separately and joined after one batch header.
// Times are written as instants: their Location is lost (see the package
// comment).
func AppendEvent(dst []byte, e *Event) []byte {
	// Reserve two bytes for the body length, enough for bodies under 16 KiB;
	// other sizes move the body once at the end.
	start := len(dst)
	dst = append(dst, 0, 0, numFields)
	maskAt := len(dst)
	dst = append(dst, make([]byte, bitmapLen)...)
	w := writer{b: dst}

	w.str(fID, e.ID)
	w.str(fSiteID, e.SiteID)
	w.str(fKind, string(e.Kind))
	w.str(fName, e.Name)
	w.time(fTime, e.Time)
	w.time(fReceived, e.Received)
	w.str(fVisitorID, e.VisitorID)
	w.str(fUserID, e.UserID)
	w.str(fAnonymousID, e.AnonymousID)
	w.str(fOrigin, string(e.Origin))
	if e.Interactive {
		w.mask |= 1 << fInteractive
	}
	w.str(fHostname, e.Hostname)
	w.str(fPath, e.Path)
	w.str(fReferrer, e.Referrer)
	w.str(fSource, e.Source)
	w.str(fChannel, e.Channel)
	w.str(fUTMSource, e.UTMSource)
	w.str(fUTMMedium, e.UTMMedium)
	w.str(fUTMCampaign, e.UTMCampaign)
	w.str(fUTMTerm, e.UTMTerm)
	w.str(fUTMContent, e.UTMContent)
	w.str(fBrowser, e.Browser)
	w.str(fBrowserVersion, e.BrowserVersion)
	w.str(fOS, e.OS)
	w.str(fOSVersion, e.OSVersion)
	w.str(fDevice, e.Device)
	w.str(fCountry, e.Country)
	w.str(fRegion, e.Region)
	w.str(fCity, e.City)
	if len(e.Props) > 0 {
		w.mask |= 1 << fProps
		w.b = binary.AppendUvarint(w.b, uint64(len(e.Props)))
		for k, v := range e.Props {
			w.b = appendString(w.b, k)
			w.b = appendString(w.b, v)
		}
	}
	if e.Revenue != nil {
		w.mask |= 1 << fRevenue
		w.b = appendString(w.b, e.Revenue.Amount)
		w.b = appendString(w.b, e.Revenue.Currency)
	}
	w.varint(fEngagedMS, e.EngagedMS)
	w.varint(fScrollDepth, int64(e.ScrollDepth))
	if e.Traits != nil {
		w.mask |= 1 << fTraits
		w.b = binary.AppendUvarint(w.b, uint64(len(e.Traits)))
		w.b = append(w.b, e.Traits...)
	}
	w.str(fGroupID, e.GroupID)
	w.str(fPreviousID, e.PreviousID)

	dst = w.b
	for i := range bitmapLen {
		dst[maskAt+i] = byte(w.mask >> (8 * i))
	}

	body := len(dst) - start - 2
	switch n := uvarintLen(uint64(body)); {
	case n == 1:
		dst[start] = byte(body)
		copy(dst[start+1:], dst[start+2:])
		dst = dst[:len(dst)-1]
	case n > 2:
		dst = append(dst, make([]byte, n-2)...)
		copy(dst[start+n:], dst[start+2:start+2+body])
		binary.PutUvarint(dst[start:], uint64(body))
	default:
		binary.PutUvarint(dst[start:], uint64(body))
	}
	return dst
}

// writer appends one event's fields and collects its presence mask.
type writer struct {
	b    []byte
	mask uint64
}

func (w *writer) str(f int, s string) {
	if s != "" {
		w.mask |= 1 << f
		w.b = appendString(w.b, s)
	}
}

func (w *writer) time(f int, t time.Time) {
	if !t.IsZero() {
		w.mask |= 1 << f
		w.b = binary.AppendVarint(w.b, t.Unix())
		w.b = binary.AppendUvarint(w.b, uint64(t.Nanosecond()))
	}
}

func (w *writer) varint(f int, v int64) {
	if v != 0 {
		w.mask |= 1 << f
		w.b = binary.AppendVarint(w.b, v)
	}
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// The intern table is a 2-way set-associative cache of 2×internSets strings,
// bounded without ever being cleared; strings longer than internMaxLen are
// not interned.
const (
	internSetBits = 11
	internSets    = 1 << internSetBits
	internMaxLen  = 64
)

// Decoder decodes log messages. It interns the strings of low-cardinality
// fields (site, kind, name, origin, host, source, channel, UTM fields,
// browser, OS, device, location, prop keys, currency) in a bounded table of
// 4096 strings so that decoding them does not allocate in the common case.
// The other strings of one event (ids, path, referrer, prop values, revenue
// amount…) are copied into one allocation per event, so keeping one of them
// keeps them all.
//
// A Decoder holds about 130 KB: keep one per consumer rather than making one
// per message. It is not safe for concurrent use.
type Decoder struct {
	table [internSets][2]internEntry

	// The current event's copied strings as offsets into its body, so that
	// one allocation holds them all. Offsets, not slices or pointers: the
	// Decoder must not keep the input alive, and pointer writes cost a GC
	// write barrier.
	pend      []pending
	pendProps []pendingProp
	pendLen   int
}

// internEntry is an interned string and the words intern compares first.
type internEntry struct {
	s      string
	w0, w1 uint64
}

// pending is a copied string: n bytes at off in the body, for field f.
type pending struct{ f, off, n int }

// pendingProp is a Props pair; the key and value are at koff and voff.
type pendingProp struct{ koff, kn, voff, vn int }

// NewDecoder returns a Decoder with an empty intern table.
func NewDecoder() *Decoder { return new(Decoder) }

// Decode appends the events of one log message to dst and returns it. A
// message that starts with BatchMagic is a binary batch of zero or more
// events; any other message is one JSON-encoded Event, as written by older
// versions, and is decoded with encoding/json exactly as before.
//
// Decoded strings never alias data, which may be reused after Decode
// returns. On error Decode returns dst unchanged: a message is decoded whole
// or not at all.
func (d *Decoder) Decode(data []byte, dst []Event) ([]Event, error) {
	if len(data) < len(BatchMagic) || string(data[:len(BatchMagic)]) != BatchMagic {
		var e Event
		if err := json.Unmarshal(data, &e); err != nil {
			return dst, fmt.Errorf("decode json event: %w", err)
		}
		return append(dst, e), nil
	}
	n0 := len(dst)
	r := reader{b: data, pos: len(BatchMagic)}
	for i := 0; r.pos < len(r.b); i++ {
		body := r.bytes(0)
		if r.err != nil {
			clear(dst[n0:])
			return dst[:n0], fmt.Errorf("decode event %d: length: %w", i, r.err)
		}
		dst = append(dst, Event{})
		if err := d.decodeEvent(body, &dst[len(dst)-1]); err != nil {
			clear(dst[n0:])
			return dst[:n0], fmt.Errorf("decode event %d: %w", i, err)
		}
	}
	return dst, nil
}

// Errors of malformed binary input; Decode wraps them with where they were
// found.
var (
	errTruncated = errors.New("truncated")
	errVarint    = errors.New("bad varint")
	errRange     = errors.New("value out of range")
	errPadding   = errors.New("bitmap bits set beyond the field count")
	errTrailing  = errors.New("trailing bytes")
)

// decodeEvent decodes one event body into e, which must be zero.
func (d *Decoder) decodeEvent(body []byte, e *Event) error {
	d.pend, d.pendProps, d.pendLen = d.pend[:0], d.pendProps[:0], 0
	r := reader{b: body}
	nf, err := r.header()
	if err != nil {
		return err
	}
	var mask uint64
	for i := range bitmapLen {
		mask |= uint64(body[r.pos+i]) << (8 * i)
	}
	r.pos += int(nf / 8)
	if nf%8 != 0 {
		r.pos++
	}

	// The fields in order, each read only when its bit is set. Reads do not
	// return errors: the first one is kept in r and checked at the end.
	if mask&(1<<fID) != 0 {
		d.copied(&r, fID)
	}
	if mask&(1<<fSiteID) != 0 {
		e.SiteID = d.interned(&r, fSiteID)
	}
	if mask&(1<<fKind) != 0 {
		e.Kind = Kind(d.interned(&r, fKind))
	}
	if mask&(1<<fName) != 0 {
		e.Name = d.interned(&r, fName)
	}
	if mask&(1<<fTime) != 0 {
		e.Time = r.time(fTime)
	}
	if mask&(1<<fReceived) != 0 {
		e.Received = r.time(fReceived)
	}
	if mask&(1<<fVisitorID) != 0 {
		d.copied(&r, fVisitorID)
	}
	if mask&(1<<fUserID) != 0 {
		d.copied(&r, fUserID)
	}
	if mask&(1<<fAnonymousID) != 0 {
		d.copied(&r, fAnonymousID)
	}
	if mask&(1<<fOrigin) != 0 {
		e.Origin = Origin(d.interned(&r, fOrigin))
	}
	e.Interactive = mask&(1<<fInteractive) != 0
	if mask&(1<<fHostname) != 0 {
		e.Hostname = d.interned(&r, fHostname)
	}
	if mask&(1<<fPath) != 0 {
		d.copied(&r, fPath)
	}
	if mask&(1<<fReferrer) != 0 {
		d.copied(&r, fReferrer)
	}
	if mask&(1<<fSource) != 0 {
		e.Source = d.interned(&r, fSource)
	}
	if mask&(1<<fChannel) != 0 {
		e.Channel = d.interned(&r, fChannel)
	}
	if mask&(1<<fUTMSource) != 0 {
		e.UTMSource = d.interned(&r, fUTMSource)
	}
	if mask&(1<<fUTMMedium) != 0 {
		e.UTMMedium = d.interned(&r, fUTMMedium)
	}
	if mask&(1<<fUTMCampaign) != 0 {
		e.UTMCampaign = d.interned(&r, fUTMCampaign)
	}
	if mask&(1<<fUTMTerm) != 0 {
		e.UTMTerm = d.interned(&r, fUTMTerm)
	}
	if mask&(1<<fUTMContent) != 0 {
		e.UTMContent = d.interned(&r, fUTMContent)
	}
	if mask&(1<<fBrowser) != 0 {
		e.Browser = d.interned(&r, fBrowser)
	}
	if mask&(1<<fBrowserVersion) != 0 {
		e.BrowserVersion = d.interned(&r, fBrowserVersion)
	}
	if mask&(1<<fOS) != 0 {
		e.OS = d.interned(&r, fOS)
	}
	if mask&(1<<fOSVersion) != 0 {
		e.OSVersion = d.interned(&r, fOSVersion)
	}
	if mask&(1<<fDevice) != 0 {
		e.Device = d.interned(&r, fDevice)
	}
	if mask&(1<<fCountry) != 0 {
		e.Country = d.interned(&r, fCountry)
	}
	if mask&(1<<fRegion) != 0 {
		e.Region = d.interned(&r, fRegion)
	}
	if mask&(1<<fCity) != 0 {
		e.City = d.interned(&r, fCity)
	}
	if mask&(1<<fProps) != 0 {
		d.props(&r)
	}
	if mask&(1<<fRevenue) != 0 {
		e.Revenue = new(Revenue)
		d.copied(&r, fRevenue) // the amount
		e.Revenue.Currency = d.interned(&r, fRevenue)
	}
	if mask&(1<<fEngagedMS) != 0 {
		e.EngagedMS = r.varint(fEngagedMS)
	}
	if mask&(1<<fScrollDepth) != 0 {
		v := r.varint(fScrollDepth)
		if e.ScrollDepth = int(v); int64(e.ScrollDepth) != v {
			r.fail(fScrollDepth, errRange)
		}
	}
	if mask&(1<<fTraits) != 0 {
		if b := r.bytes(fTraits); r.err == nil {
			e.Traits = append(json.RawMessage{}, b...)
		}
	}
	if mask&(1<<fGroupID) != 0 {
		d.copied(&r, fGroupID)
	}
	if mask&(1<<fPreviousID) != 0 {
		d.copied(&r, fPreviousID)
	}
	if r.err != nil {
		return fmt.Errorf("field %s: %w", fieldNames[r.errField], r.err)
	}

	// Fields of a later version follow ours; skip them. A body of exactly
	// this version must end here.
	if nf == numFields && r.pos != len(body) {
		return errTrailing
	}
	d.storePending(body, e)
	return nil
}

// header reads an event body's field count and checks its bitmap, leaving
// r at the bitmap.
func (r *reader) header() (nf uint64, err error) {
	if nf = r.uvarint(0); r.err != nil {
		return 0, fmt.Errorf("field count: %w", r.err)
	}
	if nf < numFields {
		return 0, fmt.Errorf("field count %d: %w", nf, errRange)
	}
	bmLen := nf / 8 // not (nf+7)/8, which overflows for a forged nf
	if nf%8 != 0 {
		bmLen++
	}
	if bmLen > uint64(len(r.b)-r.pos) {
		return 0, fmt.Errorf("bitmap: %w", errTruncated)
	}
	if rem := nf % 8; rem != 0 && r.b[r.pos+int(bmLen)-1]>>rem != 0 {
		return 0, fmt.Errorf("bitmap: %w", errPadding)
	}
	return nf, nil
}

// copied reads a string that storePending copies into e's field f.
func (d *Decoder) copied(r *reader, f int) {
	off, n := r.span(f)
	if n > 0 {
		d.pend = append(d.pend, pending{f: f, off: off, n: n})
		d.pendLen += n
	}
}

// copiedField returns e's string that field f is copied into; for
// fRevenue, the amount.
func copiedField(e *Event, f int) *string {
	switch f {
	case fID:
		return &e.ID
	case fVisitorID:
		return &e.VisitorID
	case fUserID:
		return &e.UserID
	case fAnonymousID:
		return &e.AnonymousID
	case fPath:
		return &e.Path
	case fReferrer:
		return &e.Referrer
	case fRevenue:
		return &e.Revenue.Amount
	case fGroupID:
		return &e.GroupID
	case fPreviousID:
		return &e.PreviousID
	}
	panic("event: field " + fieldNames[f] + " is not copied")
}

// props reads a Props map's pairs; storePending makes the map. A count
// larger than the bytes left could hold (every pair takes at least two)
// fails at once.
func (d *Decoder) props(r *reader) {
	n := r.uvarint(fProps)
	if n > uint64(len(r.b)-r.pos)/2 {
		r.fail(fProps, errTruncated)
		return
	}
	for range n {
		var p pendingProp
		p.koff, p.kn = r.span(fProps)
		p.voff, p.vn = r.span(fProps)
		if r.err != nil {
			return
		}
		d.pendProps = append(d.pendProps, p)
		d.pendLen += p.vn
	}
}

// storePending copies the event's pending strings from body into one
// allocation and stores them in e, and makes e's Props map from the pending
// pairs (nil when there are none).
func (d *Decoder) storePending(body []byte, e *Event) {
	if d.pendLen == 0 && len(d.pendProps) == 0 {
		return
	}
	var sb strings.Builder
	sb.Grow(d.pendLen)
	for _, p := range d.pend {
		sb.Write(body[p.off : p.off+p.n])
	}
	for _, p := range d.pendProps {
		sb.Write(body[p.voff : p.voff+p.vn])
	}
	s, off := sb.String(), 0
	for _, p := range d.pend {
		*copiedField(e, p.f) = s[off : off+p.n]
		off += p.n
	}
	if len(d.pendProps) > 0 {
		e.Props = make(map[string]string, len(d.pendProps))
		for _, p := range d.pendProps {
			e.Props[d.intern(body[p.koff:p.koff+p.kn])] = s[off : off+p.vn]
			off += p.vn
		}
	}
}

// interned reads a string of field f through the intern table.
func (d *Decoder) interned(r *reader, f int) string {
	// r.span, inlined by hand for the common one-byte length.
	var off, n int
	if p := r.pos; p < len(r.b) && r.b[p] < 0x80 && int(r.b[p]) < len(r.b)-p {
		off, n = p+1, int(r.b[p])
		r.pos = off + n
	} else {
		off, n = r.spanSlow(f)
	}
	return d.intern(r.b[off : off+n])
}

// intern returns b as a string, from the intern table when it is short. A
// set keeps its most recently used string first.
func (d *Decoder) intern(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	if n > internMaxLen {
		return string(b)
	}
	// Up to 16 of b's bytes in two words; with the length they are all of
	// b when it is at most 16 bytes long (the loads overlap), so such
	// strings compare without a call to memequal.
	var w0, w1 uint64
	switch {
	case n >= 8:
		w0, w1 = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		w0 = uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<32
	default:
		w0 = uint64(b[0]) | uint64(b[n/2])<<8 | uint64(b[n-1])<<16
	}
	h := (w0 ^ bits.RotateLeft64(w1, 29) ^ uint64(n)<<58) * 0x9e3779b97f4a7c15 // Fibonacci hashing: the top bits mix all
	set := &d.table[h>>(64-internSetBits)]
	if e := &set[0]; e.w0 == w0 && e.w1 == w1 && len(e.s) == n && (n <= 16 || e.s == string(b)) {
		return e.s
	}
	if e := &set[1]; e.w0 == w0 && e.w1 == w1 && len(e.s) == n && (n <= 16 || e.s == string(b)) {
		set[0], set[1] = set[1], set[0]
		return set[0].s
	}
	s := string(b)
	set[1] = set[0]
	set[0] = internEntry{s: s, w0: w0, w1: w1}
	return s
}

// reader reads b from pos on. Its reads do not return errors: the first
// error, and the field being read, are kept in err and errField, and pos
// moves to the end so that later reads fail too and return zero values.
type reader struct {
	b        []byte
	pos      int
	err      error
	errField int
}

func (r *reader) fail(f int, err error) {
	if r.err == nil {
		r.err, r.errField = err, f
	}
	r.pos = len(r.b)
}

// uvarint reads a uvarint of field f.
func (r *reader) uvarint(f int) uint64 {
	if r.pos < len(r.b) && r.b[r.pos] < 0x80 {
		r.pos++
		return uint64(r.b[r.pos-1])
	}
	v, n := binary.Uvarint(r.b[r.pos:])
	switch {
	case n == 0:
		r.fail(f, errTruncated)
		return 0
	case n < 0:
		r.fail(f, errVarint)
		return 0
	}
	r.pos += n
	return v
}

// varint reads a (zigzag) varint of field f.
func (r *reader) varint(f int) int64 {
	u := r.uvarint(f)
	return int64(u>>1) ^ -int64(u&1)
}

// span skips length-prefixed bytes of field f and returns where they are.
func (r *reader) span(f int) (off, n int) {
	if p := r.pos; p < len(r.b) && r.b[p] < 0x80 && int(r.b[p]) < len(r.b)-p {
		r.pos = p + 1 + int(r.b[p])
		return p + 1, int(r.b[p])
	}
	return r.spanSlow(f)
}

func (r *reader) spanSlow(f int) (off, n int) {
	u := r.uvarint(f)
	if u > uint64(len(r.b)-r.pos) {
		r.fail(f, errTruncated)
		return r.pos, 0
	}
	off = r.pos
	r.pos += int(u)
	return off, int(u)
}

// bytes reads length-prefixed bytes of field f, aliasing the input.
func (r *reader) bytes(f int) []byte {
	off, n := r.span(f)
	return r.b[off : off+n : off+n]
}

// time reads a time of field f.
func (r *reader) time(f int) time.Time {
	sec := r.varint(f)
	nsec := r.uvarint(f)
	if nsec >= 1e9 {
		r.fail(f, errRange)
	}
	if r.err != nil {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/id"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/warehouse/event"
)

// Limits of the Segment-compatible API, as Segment documents them.
const (
	maxSegmentMessage = 32 << 10
	maxSegmentBatch   = 500 << 10
	// HistoryLimit is how old an event a write key may send; older history
	// needs an API key with the ingest scope.
	HistoryLimit = 30 * 24 * time.Hour
	// FutureLimit is how far in the future an event may be.
	FutureLimit = time.Hour
)

// segmentMessage is one call of the Segment HTTP Tracking API.
type segmentMessage struct {
	Type              string          `json:"type"`
	MessageID         json.RawMessage `json:"messageId"`
	UserID            json.RawMessage `json:"userId"`
	AnonymousID       json.RawMessage `json:"anonymousId"`
	Event             string          `json:"event"`
	Name              string          `json:"name"`
	Properties        json.RawMessage `json:"properties"`
	Traits            json.RawMessage `json:"traits"`
	Context           *segmentContext `json:"context"`
	Timestamp         string          `json:"timestamp"`
	OriginalTimestamp string          `json:"originalTimestamp"`
	SentAt            string          `json:"sentAt"`
	GroupID           json.RawMessage `json:"groupId"`
	PreviousID        json.RawMessage `json:"previousId"`
	WriteKey          string          `json:"writeKey"`
}

type segmentContext struct {
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

// SegmentCall is a decoded request to one of the /v1 endpoints.
type SegmentCall struct {
	Messages []json.RawMessage // each one message
	Type     string            // the endpoint's type; "" for /v1/batch (each message names its own)
	SentAt   string            // the batch's sentAt, when the batch has one
	Site     *sites.Site       // resolved from the write key
	History  bool              // the caller may send events older than HistoryLimit
	ClientIP netip.Addr
}

// AcceptSegment validates every message of a call, then publishes them
// all, answering once the log holds each. A call with any bad message is
// refused whole (with the message's index), so a client can fix and resend
// it without duplicates; resending is safe anyway, messageId de-duplicates.
func (s *Service) AcceptSegment(ctx context.Context, call SegmentCall) (kept, dropped int, err error) {
	now := s.now()
	var salt string
	evs := make([]*event.Event, 0, len(call.Messages))
	for i, raw := range call.Messages {
		where := ""
		if call.Type == "" {
			where = fmt.Sprintf("batch[%d]: ", i)
		}
		if len(raw) > maxSegmentMessage {
			return 0, 0, inputErrorf("%smessage is larger than %d KB", where, maxSegmentMessage>>10)
		}
		var m segmentMessage
		if err := decodeJSON(raw, &m); err != nil {
			return 0, 0, inputErrorf("%s%s", where, strings.TrimPrefix(err.Error(), ""))
		}
		e, bot, err := s.segmentEvent(ctx, &m, call, now, &salt)
		if err != nil {
			return 0, 0, inputErrorf("%s%s", where, err.Error())
		}
		if bot != "" {
			s.dropped.WithLabelValues(bot).Inc()
			dropped++
			continue
		}
		evs = append(evs, e)
	}
	if err := s.publishAll(ctx, evs); err != nil {
		return 0, 0, err
	}
	return len(evs), dropped, nil
}

func (s *Service) segmentEvent(ctx context.Context, m *segmentMessage, call SegmentCall, now time.Time, salt *string) (*event.Event, string, error) {
	typ := call.Type
	if typ == "" {
		typ = m.Type
	} else if m.Type != "" && m.Type != typ {
		return nil, "", fmt.Errorf("type %q does not match the endpoint /v1/%s", m.Type, typ)
	}
	userID, err := idText(m.UserID, "userId")
	if err != nil {
		return nil, "", err
	}
	anonID, err := idText(m.AnonymousID, "anonymousId")
	if err != nil {
		return nil, "", err
	}
	if userID == "" && anonID == "" {
		return nil, "", fmt.Errorf("userId or anonymousId is required")
	}
	ts, err := segmentTime(m, call.SentAt, now)
	if err != nil {
		return nil, "", err
	}
	if ts.After(now.Add(FutureLimit)) {
		return nil, "", fmt.Errorf("timestamp %s is more than 1 hour in the future", ts.Format(time.RFC3339))
	}
	if !call.History && ts.Before(now.Add(-HistoryLimit)) {
		return nil, "", fmt.Errorf("timestamp %s is more than 30 days old; sending history needs an API key with the ingest scope (Authorization: Bearer)", ts.Format(time.RFC3339))
	}
	msgID, err := idText(m.MessageID, "messageId")
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
	c := m.Context
	if c == nil {
		c = &segmentContext{}
	}
	switch typ {
	case "track":
		if strings.TrimSpace(m.Event) == "" {
			return nil, "", fmt.Errorf("event is required for a track call")
		}
		e.Kind, e.Name = event.KindCustom, truncate(strings.TrimSpace(m.Event), maxNameLength)
		props, rev, err := segmentProperties(m.Properties, site.Currency)
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
		props, _, err := segmentProperties(m.Properties, site.Currency)
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
		e.Kind, e.Name, e.Traits, e.Interactive = event.KindIdentify, "identify", compactJSON(m.Traits), false
	case "group":
		gid, err := idText(m.GroupID, "groupId")
		if err != nil || gid == "" {
			return nil, "", fmt.Errorf("groupId is required for a group call")
		}
		e.Kind, e.Name, e.GroupID, e.Traits, e.Interactive = event.KindGroup, "group", gid, compactJSON(m.Traits), false
	case "alias":
		prev, err := idText(m.PreviousID, "previousId")
		if err != nil || prev == "" || userID == "" {
			return nil, "", fmt.Errorf("previousId and userId are required for an alias call")
		}
		e.Kind, e.Name, e.PreviousID, e.Interactive = event.KindAlias, "alias", prev, false
	default:
		return nil, "", fmt.Errorf("type must be one of track, page, screen, identify, group, alias, not %q", typ)
	}
	// Server-side calls without a browser user agent are never filtered.
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

// withCampaign adds the context.campaign fields to the page URL as UTM
// parameters, so they take part in channel classification.
func withCampaign(pageURL string, c *segmentContext) string {
	cp := c.Campaign
	if cp.Source == "" && cp.Medium == "" && cp.Name == "" {
		return pageURL
	}
	u, err := url.Parse(pageURL)
	if err != nil {
		return pageURL
	}
	q := u.Query()
	for k, v := range map[string]string{"utm_source": cp.Source, "utm_medium": cp.Medium, "utm_campaign": cp.Name, "utm_term": cp.Term, "utm_content": cp.Content} {
		if v != "" {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// segmentTime applies Segment's clock-skew correction: with sentAt, the
// event happened (sentAt − timestamp) before the request arrived.
func segmentTime(m *segmentMessage, batchSentAt string, received time.Time) (time.Time, error) {
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

// idText reads an id that clients send as a string or a number.
func idText(raw json.RawMessage, field string) (string, error) {
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

// segmentProperties flattens properties into mops props (nested objects
// become dotted keys, arrays their JSON text), keeping the first 30 keys in
// sorted order, and reads revenue and currency from them.
func segmentProperties(raw json.RawMessage, defaultCurrency string) (map[string]string, *event.Revenue, error) {
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
	flatten("", obj, flat, 0)
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

func flatten(prefix string, v any, out map[string]string, depth int) {
	switch x := v.(type) {
	case map[string]any:
		if depth >= 3 {
			b, _ := json.Marshal(x)
			out[prefix] = string(b)
			return
		}
		for k, vv := range x {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, vv, out, depth+1)
		}
	case []any:
		b, _ := json.Marshal(x)
		out[prefix] = string(b)
	case nil:
	case string:
		out[prefix] = x
	default:
		out[prefix] = fmt.Sprint(x)
	}
}

func compactJSON(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if len(raw) == 0 || json.Compact(&buf, raw) != nil || buf.String() == "null" {
		return nil
	}
	return buf.Bytes()
}

// locate sets the event's country, region and city: from
// context.location when it names an ISO country code, else from the
// address (context.ip for server-side calls, or the connection's).
func (s *Service) locate(e *event.Event, c *segmentContext, conn netip.Addr) {
	if cc := strings.ToUpper(strings.TrimSpace(c.Location.Country)); len(cc) == 2 {
		e.Country, e.Region, e.City = cc, truncate(c.Location.Region, 100), truncate(c.Location.City, 100)
		return
	}
	ip := conn
	if a, err := netip.ParseAddr(strings.TrimSpace(c.IP)); err == nil {
		ip = a
	}
	loc := s.geo.Lookup(ip)
	e.Country, e.Region, e.City = loc.Country, loc.Region, loc.City
}

package collect

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
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

// segmentMessage is one call of the Segment HTTP Tracking API, as
// decodeSegmentCall reads it. Ids, properties and traits stay JSON text
// ("" when absent): their meaning depends on the call's type.
type segmentMessage struct {
	Type              string
	MessageID         string // JSON
	UserID            string // JSON
	AnonymousID       string // JSON
	Event             string
	Name              string
	Properties        string // JSON
	Traits            string // JSON
	Context           segmentContext
	Timestamp         string
	OriginalTimestamp string
	SentAt            string
	GroupID           string // JSON
	PreviousID        string // JSON
}

type segmentContext struct {
	IP        string
	UserAgent string
	Page      struct {
		URL      string
		Path     string
		Referrer string
	}
	Location struct {
		Country string
		Region  string
		City    string
	}
	Campaign struct {
		Name    string
		Source  string
		Medium  string
		Term    string
		Content string
	}
}

// SegmentCall is a decoded request to one of the /v1 endpoints.
type SegmentCall struct {
	Messages []string    // each one message, as JSON text
	Type     string      // the endpoint's type; "" for /v1/batch (each message names its own)
	SentAt   string      // the batch's sentAt, when the batch has one
	Site     *sites.Site // resolved from the write key
	History  bool        // the caller may send events older than HistoryLimit
	ClientIP netip.Addr
}

// AcceptSegment validates every message of a call, then publishes them
// all, answering once the log holds each. A call with any bad message is
// refused whole (with the message's index), so a client can fix and resend
// it without duplicates; resending is safe anyway, messageId de-duplicates.
func (s *Service) AcceptSegment(ctx context.Context, call SegmentCall) (kept, dropped int, err error) {
	evs, dropped, err := s.buildSegmentEvents(ctx, call)
	if err != nil {
		return 0, 0, err
	}
	if err := s.publishAll(ctx, evs); err != nil {
		return 0, 0, err
	}
	return len(evs), dropped, nil
}

// buildSegmentEvents validates and enriches every message of a call into the
// events AcceptSegment publishes, without publishing them. dropped counts
// the messages filtered as bots (and counted in the metrics); the first bad
// message fails the whole call with an *InputError naming it.
func (s *Service) buildSegmentEvents(ctx context.Context, call SegmentCall) (evs []*event.Event, dropped int, err error) {
	now := s.now()
	var salt string
	var pr propsReader // reused from message to message
	evs = make([]*event.Event, 0, len(call.Messages))
	var free []event.Event // events are allocated 32 at a time, which costs less
	for i, raw := range call.Messages {
		if len(raw) > maxSegmentMessage {
			return nil, 0, inputErrorf("%smessage is larger than %d KB", messagePlace(call, i), maxSegmentMessage>>10)
		}
		var m segmentMessage
		if err := decodeSegmentMessage(raw, &m); err != nil {
			return nil, 0, inputErrorf("%s%s", messagePlace(call, i), err.Error())
		}
		if len(free) == 0 {
			free = make([]event.Event, min(32, len(call.Messages)-i))
		}
		e := &free[0]
		bot, err := s.segmentEvent(ctx, e, &m, call, now, &salt, &pr)
		free = free[1:]
		if err != nil {
			return nil, 0, inputErrorf("%s%s", messagePlace(call, i), err.Error())
		}
		if bot != "" {
			s.dropped.WithLabelValues(bot).Inc()
			dropped++
			continue
		}
		evs = append(evs, e)
	}
	return evs, dropped, nil
}

// messagePlace names message i of a call in errors: "batch[i]: " in a
// batch, nothing for the single-message endpoints.
func messagePlace(call SegmentCall, i int) string {
	if call.Type != "" {
		return ""
	}
	return fmt.Sprintf("batch[%d]: ", i)
}

// segmentEvent validates and enriches message m into e, which is zero. bot
// names why the message is dropped instead, when it comes from a bot.
func (s *Service) segmentEvent(ctx context.Context, e *event.Event, m *segmentMessage, call SegmentCall, now time.Time, salt *string, pr *propsReader) (bot string, err error) {
	typ := call.Type
	if typ == "" {
		typ = m.Type
	} else if m.Type != "" && m.Type != typ {
		return "", fmt.Errorf("type %q does not match the endpoint /v1/%s", m.Type, typ)
	}
	userID, err := idText(m.UserID, "userId")
	if err != nil {
		return "", err
	}
	anonID, err := idText(m.AnonymousID, "anonymousId")
	if err != nil {
		return "", err
	}
	if userID == "" && anonID == "" {
		return "", fmt.Errorf("userId or anonymousId is required")
	}
	ts, err := segmentTime(m, call.SentAt, now)
	if err != nil {
		return "", err
	}
	if ts.After(now.Add(FutureLimit)) {
		return "", fmt.Errorf("timestamp %s is more than 1 hour in the future", ts.Format(time.RFC3339))
	}
	if !call.History && ts.Before(now.Add(-HistoryLimit)) {
		return "", fmt.Errorf("timestamp %s is more than 30 days old; sending history needs an API key with the ingest scope (Authorization: Bearer)", ts.Format(time.RFC3339))
	}
	msgID, err := idText(m.MessageID, "messageId")
	if err != nil {
		return "", err
	}
	if msgID == "" {
		msgID = id.New("ev")
	}
	if len(msgID) > 200 {
		return "", fmt.Errorf("messageId is longer than 200 characters")
	}
	site := call.Site
	e.ID, e.SiteID, e.Time, e.Received, e.UserID, e.AnonymousID = msgID, site.ID, ts, now, userID, anonID
	e.VisitorID, e.Origin, e.Interactive, e.Hostname = firstOf(anonID, userID), event.OriginSegment, true, site.Domain
	c := &m.Context
	switch typ {
	case "track":
		if strings.TrimSpace(m.Event) == "" {
			return "", fmt.Errorf("event is required for a track call")
		}
		e.Kind, e.Name = event.KindCustom, truncate(strings.TrimSpace(m.Event), maxNameLength)
		props, rev, err := segmentProperties(pr, m.Properties, site.Currency)
		if err != nil {
			return "", err
		}
		e.Props, e.Revenue = props, rev
		if c.Page.URL != "" || c.Page.Path != "" {
			if p, err := parsePageURL(firstOf(c.Page.URL, "https://"+site.Domain+"/"+strings.TrimPrefix(c.Page.Path, "/")), false); err == nil {
				e.Hostname, e.Path = p.Hostname(), p.Path
			}
		}
	case "page", "screen":
		e.Kind, e.Name = event.KindPageview, "pageview"
		props, _, err := segmentProperties(pr, m.Properties, site.Currency)
		if err != nil {
			return "", err
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
			return "", err
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
			return "", fmt.Errorf("groupId is required for a group call")
		}
		e.Kind, e.Name, e.GroupID, e.Traits, e.Interactive = event.KindGroup, "group", gid, compactJSON(m.Traits), false
	case "alias":
		prev, err := idText(m.PreviousID, "previousId")
		if err != nil || prev == "" || userID == "" {
			return "", fmt.Errorf("previousId and userId are required for an alias call")
		}
		e.Kind, e.Name, e.PreviousID, e.Interactive = event.KindAlias, "alias", prev, false
	default:
		return "", fmt.Errorf("type must be one of track, page, screen, identify, group, alias, not %q", typ)
	}
	// Server-side calls without a browser user agent are never filtered.
	if c.UserAgent != "" {
		ua := s.ua.Parse(c.UserAgent)
		if ua.Bot {
			return ua.BotReason, nil
		}
		e.Browser, e.BrowserVersion, e.OS, e.OSVersion, e.Device = ua.Browser, ua.BrowserVersion, ua.OS, ua.OSVersion, ua.Device
	}
	s.locate(e, c, call.ClientIP)
	if e.VisitorID == "" {
		if *salt == "" {
			v, err := s.salts.today(ctx, now)
			if err != nil {
				return "", err
			}
			*salt = v
		}
		e.VisitorID = visitorID(*salt, site.ID, call.ClientIP, c.UserAgent)
	}
	return "", nil
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

// idText reads an id (JSON text) that clients send as a string or a
// number.
func idText(raw, field string) (string, error) {
	switch {
	case raw == "" || raw == "null":
		return "", nil
	case raw[0] == '"':
		r := jsonReader{s: raw}
		s, _ := r.str()
		return strings.TrimSpace(s), nil
	}
	if _, err := strconv.ParseFloat(raw, 64); err == nil {
		return raw, nil
	}
	return "", fmt.Errorf("%s must be a string", field)
}

// segmentProperties flattens properties (JSON text) into mops props
// (nested objects become dotted keys, arrays their JSON text), keeping the
// first 30 keys in sorted order, and reads revenue and currency from them.
func segmentProperties(pr *propsReader, raw string, defaultCurrency string) (map[string]string, *event.Revenue, error) {
	if raw == "" || raw == "null" {
		return nil, nil, nil
	}
	flat, ok := pr.read(raw)
	if !ok {
		return nil, nil, fmt.Errorf("properties must be an object")
	}
	if len(flat) > maxProps {
		// Keep the first 30 keys in sorted order. Sorting is stable, and of
		// props with the same key the later one wins (as below).
		slices.SortStableFunc(flat, func(a, b flatProp) int { return strings.Compare(a.key, b.key) })
		kept := flat[:0]
		for i, p := range flat {
			if i+1 < len(flat) && flat[i+1].key == p.key {
				continue
			}
			kept = append(kept, p)
		}
		flat = kept
	}
	props := make(map[string]string, min(len(flat), maxProps))
	var amount, currency string
	hasRevenue := false
	for i, p := range flat {
		if i < maxProps {
			props[p.key] = truncate(p.value, maxPropValue)
		}
		switch p.key {
		case "revenue":
			amount, hasRevenue = p.value, true
		case "currency":
			currency = p.value
		}
	}
	var rev *event.Revenue
	if hasRevenue {
		if _, err := strconv.ParseFloat(amount, 64); err != nil {
			return nil, nil, fmt.Errorf("properties.revenue must be a number")
		}
		cur := strings.ToUpper(firstOf(currency, defaultCurrency))
		if len(cur) != 3 {
			return nil, nil, fmt.Errorf("properties.currency must be a three-letter ISO 4217 code")
		}
		rev = &event.Revenue{Amount: amount, Currency: cur}
	}
	return props, rev, nil
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
	if c.IP != "" {
		if a, err := netip.ParseAddr(strings.TrimSpace(c.IP)); err == nil {
			ip = a
		}
	}
	loc := s.geo.Lookup(ip)
	e.Country, e.Region, e.City = loc.Country, loc.Region, loc.City
}

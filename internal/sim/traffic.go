package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TrafficConfig says what traffic LoadTraffic makes. The zero value of a
// field means its default.
type TrafficConfig struct {
	// Days is how many days of traffic, ending with End's day (in each
	// site's time zone); default 90. The last day is only as long as End
	// lets it be.
	Days int
	// End is the newest time an event may have; default (and at most)
	// now, so nothing is ever in the future.
	End time.Time
	// Seed makes the traffic: the same configuration gives the same
	// messages and the same truth.
	Seed uint64
	// Scale multiplies the volume: 1 (the default) is the demo company's
	// full traffic, about 600–1,100 visits a day; tests use ~0.02.
	Scale float64
	// Sites are the sites to make traffic for; default Sites(). A domain
	// starting with "blog." gets a blog's traffic, any other a shop's.
	Sites []SiteSpec
}

// TrafficTruth is what LoadTraffic sent, counted the way mops counts it,
// so tests can compare it with what mops shows.
type TrafficTruth struct {
	Visits    int // a visitor's events with gaps under 30 minutes form one visit
	Pageviews int // Segment page calls
	Events    int // pageviews plus custom events (track calls)
	// VisitsByChannel counts visits by the channel of their first event, as
	// mops's classifier names it ("Organic Search", "Paid Search", …).
	VisitsByChannel map[string]int
	// VisitsByDay counts visits by the day they started in the site's time
	// zone ("2026-03-02"). In the totals, days of sites in different time
	// zones are simply added.
	VisitsByDay map[string]int
	// Bounces are visits with one pageview and no custom event (every
	// Segment track is interactive).
	Bounces int
	// Orders are "Order Completed" events; Revenue is their revenue in EUR,
	// RevenueCents the same in whole cents (exact).
	Orders       int
	Revenue      float64
	RevenueCents int64
	// Visitors counts distinct anonymousIds (no two sites share one).
	Visitors int

	// Signups are "Signup" events; each is followed by one identify call
	// with the new subscriber's email (Identifies).
	Signups, Identifies int
	// DurationSeconds is the sum over visits of the whole seconds from the
	// first to the last event (mops's visit_duration is its mean).
	DurationSeconds int64
	// VisitsByDevice (desktop, mobile, tablet) and VisitsByCountry (ISO
	// code) count visits by their visitor's browser and place.
	VisitsByDevice  map[string]int
	VisitsByCountry map[string]int
	// Messages is the number of Segment messages sent (pages, tracks and
	// identifies).
	Messages int

	// PerSite holds each site's truth by domain; the fields above are the
	// totals. PerSite is nil in the per-site truths.
	PerSite map[string]*TrafficTruth
}

func newTruth() *TrafficTruth {
	return &TrafficTruth{VisitsByChannel: map[string]int{}, VisitsByDay: map[string]int{},
		VisitsByDevice: map[string]int{}, VisitsByCountry: map[string]int{}}
}

func (t *TrafficTruth) add(o *TrafficTruth) {
	t.Visits += o.Visits
	t.Pageviews += o.Pageviews
	t.Events += o.Events
	t.Bounces += o.Bounces
	t.Orders += o.Orders
	t.RevenueCents += o.RevenueCents
	t.Revenue = float64(t.RevenueCents) / 100
	t.Visitors += o.Visitors
	t.Signups += o.Signups
	t.Identifies += o.Identifies
	t.DurationSeconds += o.DurationSeconds
	t.Messages += o.Messages
	for _, m := range [][2]map[string]int{{t.VisitsByChannel, o.VisitsByChannel}, {t.VisitsByDay, o.VisitsByDay},
		{t.VisitsByDevice, o.VisitsByDevice}, {t.VisitsByCountry, o.VisitsByCountry}} {
		for k, v := range m[1] {
			m[0][k] += v
		}
	}
}

// batchSize is the most messages one /v1/batch request carries.
const batchSize = 100

// Limits of the Segment API the batches stay under (the server's are
// 32 KB a message and 500 KB a batch).
const (
	maxMessageBytes = 30 << 10
	maxBatchBytes   = 450 << 10
)

// perSenderRate is how many requests a second each parallel sender makes at
// most, below the server's default per-address limit of 100.
const perSenderRate = 80

func (c TrafficConfig) withDefaults(now time.Time) (TrafficConfig, error) {
	if c.Days == 0 {
		c.Days = 90
	}
	if c.Days < 0 {
		return c, fmt.Errorf("sim: traffic days must be positive, not %d", c.Days)
	}
	if c.End.IsZero() || c.End.After(now) {
		c.End = now
	}
	c.End = c.End.UTC().Truncate(time.Millisecond)
	if c.Scale == 0 {
		c.Scale = 1
	}
	if c.Scale < 0 || c.Scale > 100 {
		return c, fmt.Errorf("sim: traffic scale must be between 0 and 100, not %g", c.Scale)
	}
	if c.Sites == nil {
		c.Sites = Sites()
	}
	return c, nil
}

// planTraffic plans every site's traffic.
func planTraffic(cfg TrafficConfig) ([]*trafficGen, *TrafficTruth, error) {
	total := newTruth()
	total.PerSite = map[string]*TrafficTruth{}
	gens := make([]*trafficGen, 0, len(cfg.Sites))
	for i, s := range cfg.Sites {
		if _, dup := total.PerSite[s.Domain]; dup {
			return nil, nil, fmt.Errorf("sim: site %s is listed twice", s.Domain)
		}
		loc, err := time.LoadLocation(cmpOr(s.Timezone, "UTC"))
		if err != nil {
			return nil, nil, fmt.Errorf("sim: site %s: time zone: %w", s.Domain, err)
		}
		g := newTrafficGen(s, i, cfg, loc)
		g.run()
		g.truth.Revenue = float64(g.truth.RevenueCents) / 100
		total.PerSite[s.Domain] = g.truth
		total.add(g.truth)
		gens = append(gens, g)
	}
	return gens, total, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// PlanTraffic returns the truth LoadTraffic would send for cfg, without
// sending anything. With a zero End it plans up to now.
func PlanTraffic(cfg TrafficConfig) (*TrafficTruth, error) {
	cfg, err := cfg.withDefaults(time.Now())
	if err != nil {
		return nil, err
	}
	_, t, err := planTraffic(cfg)
	return t, err
}

// LoadTraffic generates the demo company's website traffic and posts it
// through h (the server's own handler) the way a Segment SDK would: POST
// /v1/batch requests of up to 100 messages, with writeKey (by domain) in
// the body and, when ingestKey is set, "Authorization: Bearer ingestKey" (an
// API key with the ingest scope, needed for events older than 30 days).
// Every request must be answered 200; a 429 is retried after its
// Retry-After. progress, if not nil, is called with the messages sent so
// far and the total (never concurrently). It returns what it sent.
func LoadTraffic(ctx context.Context, h http.Handler, cfg TrafficConfig, writeKeys map[string]string, ingestKey string, progress func(sent, total int)) (*TrafficTruth, error) {
	cfg, err := cfg.withDefaults(time.Now())
	if err != nil {
		return nil, err
	}
	for _, s := range cfg.Sites {
		if writeKeys[s.Domain] == "" {
			return nil, fmt.Errorf("sim: no write key for site %s", s.Domain)
		}
	}
	gens, truth, err := planTraffic(cfg)
	if err != nil {
		return nil, err
	}
	s := &sender{h: h, ingestKey: ingestKey, total: truth.Messages, progress: progress}
	if progress != nil {
		progress(0, s.total)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	n := 0
	for _, g := range gens {
		for shard := range g.shards {
			addr := fmt.Sprintf("%s%d:%d", docNets[n%len(docNets)], 200+n/len(docNets), 40000+n)
			n++
			msgs, key := g.shards[shard], writeKeys[g.spec.Domain]
			wg.Go(func() {
				if err := s.send(ctx, g, msgs, key, addr); err != nil {
					cancel(err)
				}
			})
		}
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return truth, nil
}

type sender struct {
	h         http.Handler
	ingestKey string
	total     int
	progress  func(sent, total int)

	mu   sync.Mutex
	sent int
}

// send posts one shard's messages in order.
func (s *sender) send(ctx context.Context, g *trafficGen, msgs []*simMsg, writeKey, addr string) error {
	var body bytes.Buffer
	next := time.Now()
	for len(msgs) > 0 {
		body.Reset()
		fmt.Fprintf(&body, `{"writeKey":%q,"batch":[`, writeKey)
		n := 0
		for n < len(msgs) && n < batchSize {
			b, err := g.encode(msgs[n])
			if err != nil {
				return err
			}
			if len(b) > maxMessageBytes {
				return fmt.Errorf("sim: message %s is %d bytes", g.messageID(msgs[n]), len(b))
			}
			if n > 0 && body.Len()+len(b) > maxBatchBytes {
				break
			}
			if n > 0 {
				body.WriteByte(',')
			}
			body.Write(b)
			n++
		}
		body.WriteString("]}")
		if d := time.Until(next); d > 0 {
			if err := sleep(ctx, d); err != nil {
				return err
			}
		}
		next = time.Now().Add(time.Second / perSenderRate)
		if err := s.post(ctx, g.spec.Domain, body.Bytes(), n, writeKey, addr); err != nil {
			return err
		}
		msgs = msgs[n:]
		s.mu.Lock()
		s.sent += n
		if s.progress != nil {
			s.progress(s.sent, s.total)
		}
		s.mu.Unlock()
	}
	return nil
}

func (s *sender) post(ctx context.Context, domain string, body []byte, n int, writeKey, addr string) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/batch", bytes.NewReader(body))
		req.RemoteAddr = addr
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "mops-demo-traffic/1")
		if s.ingestKey != "" {
			req.Header.Set("Authorization", "Bearer "+s.ingestKey)
		} else {
			req.SetBasicAuth(writeKey, "")
		}
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusOK:
			return nil
		case rec.Code == http.StatusTooManyRequests && attempt < 30:
			wait := time.Second
			if secs, err := strconv.Atoi(rec.Header().Get("Retry-After")); err == nil && secs > 0 {
				wait = time.Duration(secs) * time.Second
			}
			if err := sleep(ctx, wait); err != nil {
				return err
			}
		default:
			return fmt.Errorf("sim: POST /v1/batch of %d messages for %s: status %d %s: %s",
				n, domain, rec.Code, http.StatusText(rec.Code), strings.TrimSpace(rec.Body.String()))
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// The JSON of a Segment message, as analytics.js sends it.
type (
	segPage struct {
		Path     string `json:"path"`
		Referrer string `json:"referrer"`
		Search   string `json:"search"`
		Title    string `json:"title"`
		URL      string `json:"url"`
	}
	segCampaign struct {
		Source  string `json:"source,omitempty"`
		Medium  string `json:"medium,omitempty"`
		Name    string `json:"name,omitempty"`
		Term    string `json:"term,omitempty"`
		Content string `json:"content,omitempty"`
	}
	segLibrary struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	segLocation struct {
		Country string `json:"country"`
		Region  string `json:"region"`
		City    string `json:"city"`
	}
	segContext struct {
		Campaign  *segCampaign `json:"campaign,omitempty"`
		IP        string       `json:"ip"`
		Library   segLibrary   `json:"library"`
		Locale    string       `json:"locale"`
		Location  segLocation  `json:"location"`
		Page      *segPage     `json:"page,omitempty"`
		UserAgent string       `json:"userAgent"`
	}
	segMessage struct {
		Type        string         `json:"type"`
		MessageID   string         `json:"messageId"`
		AnonymousID string         `json:"anonymousId"`
		UserID      string         `json:"userId,omitempty"`
		Event       string         `json:"event,omitempty"`
		Name        string         `json:"name,omitempty"`
		Properties  any            `json:"properties,omitempty"`
		Traits      map[string]any `json:"traits,omitempty"`
		Context     segContext     `json:"context"`
		Timestamp   string         `json:"timestamp"`
	}
)

func (g *trafficGen) messageID(m *simMsg) string {
	return fmt.Sprintf("th-%s-%d-%07d", g.tag, g.index, m.seq)
}

func (g *trafficGen) pageOf(m *simMsg) *segPage {
	if m.page == nil {
		return nil
	}
	title := m.page.title
	if m.page.path != "/" {
		title += " – " + g.prof.title
	}
	p := &segPage{Path: m.page.path, Title: title, URL: "https://" + g.spec.Domain + m.page.path, Referrer: m.referrer}
	if m.query != "" {
		p.Search = "?" + m.query
		p.URL += p.Search
	}
	return p
}

// encode writes one planned message as Segment JSON.
func (g *trafficGen) encode(m *simMsg) ([]byte, error) {
	v := m.v
	out := segMessage{
		MessageID:   g.messageID(m),
		AnonymousID: v.anonID,
		UserID:      m.userID,
		Context: segContext{
			IP:        v.ip,
			Library:   segLibrary{Name: "analytics.js", Version: "npm:next-1.72.0"},
			Locale:    v.locale,
			Location:  segLocation{Country: v.place.country, Region: v.place.region, City: v.place.city},
			Page:      g.pageOf(m),
			UserAgent: v.ua.ua,
		},
		Timestamp: m.at.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
	}
	switch m.kind {
	case msgPage:
		out.Type, out.Name, out.Properties = "page", m.page.title, out.Context.Page
		if c := m.camp; c != nil {
			out.Context.Campaign = &segCampaign{Source: c.source, Medium: c.medium, Name: c.name, Term: c.term, Content: c.content}
		}
	case msgTrack:
		out.Type, out.Event, out.Properties = "track", m.event, m.props
	case msgIdentify:
		out.Type, out.Traits = "identify", m.traits
	default:
		return nil, errors.New("sim: unknown message kind")
	}
	return json.Marshal(out)
}

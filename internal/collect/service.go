// Package collect accepts events: it validates what browsers and servers
// send, enriches it (visitor id, browser, device, source and channel) and
// publishes it to the event log, answering only once the log has it.
package collect

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mopshq/mops/internal/collect/channel"
	"github.com/mopshq/mops/internal/collect/geo"
	"github.com/mopshq/mops/internal/collect/useragent"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/platform/id"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/warehouse/event"
)

// Limits on what one event may carry.
const (
	maxProps      = 30
	maxPropKey    = 300
	maxPropValue  = 2000
	maxNameLength = 120
	maxURLLength  = 2048
)

// ErrUnknownSite means no site is registered for the domain or write key.
var ErrUnknownSite = errors.New("unknown site")

// InputError is bad input; its message says what is wrong, for the client.
type InputError struct{ Message string }

func (e *InputError) Error() string { return e.Message }

func inputErrorf(format string, args ...any) *InputError {
	return &InputError{Message: fmt.Sprintf(format, args...)}
}

// SiteFinder looks sites up by domain, id or write key.
type SiteFinder interface {
	Find(ctx context.Context, idOrDomain string) (*sites.Site, error)
	ByWriteKey(ctx context.Context, key string) (*sites.Site, error)
}

//go:embed queries.sql
var queriesSQL string

type queries struct {
	GetSalt        string `query:"get-salt"`
	InsertSalt     string `query:"insert-salt"`
	DeleteOldSalts string `query:"delete-old-salts"`
}

// Service validates, enriches and publishes events.
type Service struct {
	sites   *siteCache
	pub     *publisher
	salts   *salts
	ua      *useragent.Parser
	geo     *geo.DB // nil without a --geoip file: locations stay unknown
	logger  *slog.Logger
	now     func() time.Time
	dropped *prometheus.CounterVec
	taken   *prometheus.CounterVec
}

// Options configure the service.
type Options struct {
	DB      *db.DB
	Sites   SiteFinder
	Log     *eventlog.Log
	Geo     *geo.DB
	Logger  *slog.Logger
	Metrics prometheus.Registerer
}

// NewService returns the collection service.
func NewService(o Options) (*Service, error) {
	q := &queries{}
	if err := db.LoadQueries(queriesSQL, q); err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		sites:  newSiteCache(o.Sites, 30*time.Second),
		pub:    newPublisher(o.Log),
		salts:  &salts{db: o.DB, q: q},
		ua:     useragent.NewParser(useragent.DefaultCacheSize),
		geo:    o.Geo,
		logger: o.Logger,
		now:    func() time.Time { return time.Now().UTC() },
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mops_events_dropped_total",
			Help: "Events answered but not kept, by reason (bot filtering)."}, []string{"reason"}),
		taken: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mops_events_accepted_total",
			Help: "Events published to the event log, by origin."}, []string{"origin"}),
	}
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{s.dropped, s.taken} {
			if err := o.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("collect: register metrics: %w", err)
			}
		}
	}
	return s, nil
}

// Client is what is known about the sender of a request.
type Client struct {
	IP        netip.Addr
	UserAgent string
}

// PageEvent is an event from the tracker or the Plausible-style API, as
// decoded from the request.
type PageEvent struct {
	Name        string
	URL         string
	Domain      string
	Referrer    string
	Props       map[string]string
	Revenue     *event.Revenue
	Interactive bool
	EngagedMS   int64
	ScrollDepth int
	HashMode    bool
	Origin      event.Origin
	// CookieID is the tracker's first-party cookie id; it is used only for
	// sites that enabled it.
	CookieID string
}

// AcceptPageEvent validates and enriches a page event and publishes it to
// the event log of every registered site its domain lists. dropped names
// the reason when the event was filtered (a bot) instead of kept.
func (s *Service) AcceptPageEvent(ctx context.Context, in PageEvent, c Client) (dropped string, err error) {
	if c.UserAgent == "" {
		return "", inputErrorf("the User-Agent header is required")
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return "", inputErrorf("name is required")
	}
	if utf8.RuneCountInString(name) > maxNameLength {
		return "", inputErrorf("name is longer than %d characters", maxNameLength)
	}
	page, err := parsePageURL(in.URL, in.HashMode)
	if err != nil {
		return "", err
	}
	var targets []*sites.Site
	for _, d := range strings.Split(in.Domain, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" {
			continue
		}
		site, err := s.sites.find(ctx, d)
		if errors.Is(err, ErrUnknownSite) {
			continue
		}
		if err != nil {
			return "", err
		}
		targets = append(targets, site)
		if len(targets) == 5 {
			break
		}
	}
	if len(targets) == 0 {
		if strings.TrimSpace(in.Domain) == "" {
			return "", inputErrorf("domain is required")
		}
		return "", inputErrorf("no site is registered for domain %q", in.Domain)
	}
	ua := s.ua.Parse(c.UserAgent)
	if ua.Bot {
		s.dropped.WithLabelValues(ua.BotReason).Inc()
		return ua.BotReason, nil
	}
	now := s.now()
	salt, err := s.salts.today(ctx, now)
	if err != nil {
		return "", err
	}
	loc := s.geo.Lookup(c.IP)
	evs := make([]*event.Event, 0, len(targets))
	for _, site := range targets {
		e := event.Event{ID: id.New("ev"), SiteID: site.ID, Name: name, Time: now, Received: now,
			VisitorID: visitorID(salt, site.ID, c.IP, c.UserAgent), Origin: in.Origin, Interactive: in.Interactive,
			Hostname: page.Hostname(), Path: page.Path, Props: in.Props, Revenue: in.Revenue,
			Browser: ua.Browser, BrowserVersion: ua.BrowserVersion, OS: ua.OS, OSVersion: ua.OSVersion, Device: ua.Device,
			Country: loc.Country, Region: loc.Region, City: loc.City}
		switch name {
		case "pageview":
			e.Kind, e.Interactive = event.KindPageview, true
		case "engagement":
			e.Kind, e.Interactive = event.KindEngagement, false
			e.EngagedMS, e.ScrollDepth = max(in.EngagedMS, 0), min(max(in.ScrollDepth, 0), 100)
		case "identify":
			// mops.identify(userId, traits): the traits come as props, the
			// user id as the prop "id".
			e.Kind, e.Interactive = event.KindIdentify, false
			e.UserID = truncate(in.Props["id"], maxPropValue)
			traits := make(map[string]string, len(in.Props))
			for k, v := range in.Props {
				if k != "id" {
					traits[k] = v
				}
			}
			e.Traits, _ = json.Marshal(traits) // a map of strings always marshals
			e.Props = nil
		default:
			e.Kind = event.KindCustom
		}
		if site.CookieID && validCookieID(in.CookieID) {
			e.VisitorID = "c_" + in.CookieID
		}
		enrichSource(&e, in.URL, in.Referrer, site.Domain)
		evs = append(evs, &e)
	}
	return "", s.publishAll(ctx, evs)
}

// enrichSource fills the source, channel, referrer and UTM fields.
func enrichSource(e *event.Event, pageURL, referrer, siteHost string) {
	r := channel.Classify(channel.Input{PageURL: pageURL, Referrer: referrer, SiteHost: siteHost})
	e.Source, e.Channel = r.Source, r.Channel
	e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent = r.UTMSource, r.UTMMedium, r.UTMCampaign, r.UTMTerm, r.UTMContent
	if r.Referrer != "" {
		e.Referrer = cleanReferrer(referrer)
	}
}

// cleanReferrer keeps a referrer's host and path: no scheme, query or
// fragment, which may carry personal data.
func cleanReferrer(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	if len(p) > 300 {
		p = p[:300]
	}
	return host + p
}

func parsePageURL(raw string, hashMode bool) (*pageURL, error) {
	if raw == "" {
		return nil, inputErrorf("url is required")
	}
	if len(raw) > maxURLLength {
		return nil, inputErrorf("url is longer than %d characters", maxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, inputErrorf("url %q is not an absolute URL", truncate(raw, 100))
	}
	p := u.EscapedPath()
	if unescaped, err := url.PathUnescape(p); err == nil && utf8.ValidString(unescaped) {
		p = unescaped
	}
	if p == "" {
		p = "/"
	}
	if hashMode && u.Fragment != "" {
		p += "#" + u.Fragment
	}
	return &pageURL{host: strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."), Path: p}, nil
}

type pageURL struct {
	host string
	Path string
}

func (p *pageURL) Hostname() string { return p.host }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// publishAll puts events on the log and waits until it holds them all.
func (s *Service) publishAll(ctx context.Context, evs []*event.Event) error {
	if err := s.pub.publish(ctx, evs); err != nil {
		return err
	}
	for i := 0; i < len(evs); {
		n := 1 // events of one call usually share their origin: count runs
		for i+n < len(evs) && evs[i+n].Origin == evs[i].Origin {
			n++
		}
		s.taken.WithLabelValues(string(evs[i].Origin)).Add(float64(n))
		i += n
	}
	return nil
}

// siteByWriteKey returns the site a write key belongs to.
func (s *Service) siteByWriteKey(ctx context.Context, key string) (*sites.Site, error) {
	if strings.TrimSpace(key) == "" {
		return nil, httpx.Errorf(http.StatusUnauthorized, "missing write key (send it as the HTTP Basic user name or as writeKey in the body)")
	}
	site, err := s.sites.byWriteKey(ctx, key)
	if errors.Is(err, ErrUnknownSite) {
		return nil, httpx.Errorf(http.StatusUnauthorized, "unknown write key")
	}
	return site, err
}

// siteCache keeps site lookups for a short time: every event needs one.
type siteCache struct {
	finder SiteFinder
	ttl    time.Duration
	mu     sync.Mutex
	m      map[string]cachedSite
}

type cachedSite struct {
	site *sites.Site
	at   time.Time
}

func newSiteCache(f SiteFinder, ttl time.Duration) *siteCache {
	return &siteCache{finder: f, ttl: ttl, m: map[string]cachedSite{}}
}

func (c *siteCache) find(ctx context.Context, key string) (*sites.Site, error) {
	return c.lookup(ctx, "d:"+key, func() (*sites.Site, error) { return c.finder.Find(ctx, key) })
}

func (c *siteCache) byWriteKey(ctx context.Context, key string) (*sites.Site, error) {
	return c.lookup(ctx, "k:"+key, func() (*sites.Site, error) { return c.finder.ByWriteKey(ctx, key) })
}

func (c *siteCache) lookup(ctx context.Context, key string, load func() (*sites.Site, error)) (*sites.Site, error) {
	c.mu.Lock()
	hit, ok := c.m[key]
	c.mu.Unlock()
	if ok && time.Since(hit.at) < c.ttl {
		if hit.site == nil {
			return nil, ErrUnknownSite
		}
		return hit.site, nil
	}
	site, err := load()
	if err != nil && !errors.Is(err, sites.ErrNotFound) {
		return nil, fmt.Errorf("look up site: %w", err)
	}
	c.mu.Lock()
	if len(c.m) > 10000 {
		c.m = map[string]cachedSite{}
	}
	c.m[key] = cachedSite{site: site, at: time.Now()}
	c.mu.Unlock()
	if site == nil {
		return nil, ErrUnknownSite
	}
	return site, nil
}

// validCookieID accepts the tracker's cookie ids: 32 lowercase hex digits.
func validCookieID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

package useragent

import (
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	mua "github.com/mileusna/useragent"
)

// DefaultCacheSize is a cache size that holds the long tail of a busy
// site's distinct user agents in a few megabytes.
const DefaultCacheSize = 10_000

// Parser parses user agents and remembers recent results. It is safe for
// concurrent use; share one per process.
type Parser struct {
	cache *lru.Cache[string, Client] // nil when caching is off
}

// NewParser returns a Parser that caches up to cacheSize distinct user
// agents, evicting the least recently used; cacheSize <= 0 turns the cache
// off. Each entry costs the user agent's length plus about 200 bytes.
func NewParser(cacheSize int) *Parser {
	p := &Parser{}
	if cacheSize > 0 {
		// New fails only for a size <= 0.
		p.cache, _ = lru.New[string, Client](cacheSize)
	}
	return p
}

// Parse reports what ua says about its sender. It never fails: a string it
// cannot make sense of is BrowserOther/OSOther on a desktop, and empty,
// whitespace-only or over-long (MaxLength) strings are bots.
func (p *Parser) Parse(ua string) Client {
	if p.cache == nil || len(ua) > MaxLength {
		// Over-long strings are junk: they must not take cache slots.
		return parse(ua)
	}
	if c, ok := p.cache.Get(ua); ok {
		return c
	}
	c := parse(ua)
	// Clone so the cache does not pin a larger buffer the caller sliced
	// ua (and the versions taken from it) out of.
	c.BrowserVersion = strings.Clone(c.BrowserVersion)
	c.OSVersion = strings.Clone(c.OSVersion)
	p.cache.Add(strings.Clone(ua), c)
	return c
}

// parse does the uncached work.
func parse(ua string) Client {
	if len(ua) > MaxLength {
		return Client{Browser: BrowserOther, OS: OSOther, Bot: true, BotReason: ReasonTooLong}
	}
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return Client{Browser: BrowserOther, OS: OSOther, Bot: true, BotReason: ReasonEmpty}
	}
	u, ok := parseLibrary(ua)
	c := Client{Browser: BrowserOther, OS: OSOther, Device: DeviceDesktop}
	if ok {
		c = normalize(ua, u)
	}
	c.BotReason = detectBot(ua)
	if c.BotReason == "" && u.Bot {
		c.BotReason = ReasonCrawlerList
	}
	if c.BotReason != "" {
		c.Bot = true
		if c.OS == OSOther && c.Device == DeviceDesktop && !u.Mobile && !u.Tablet {
			// "desktop" was only the default; a bot that names no
			// platform has no device.
			c.Device = ""
		}
	}
	return c
}

// parseLibrary runs the third-party parser. ok is false if it panicked:
// ingestion must survive any header a client sends, and a result of
// "Other" is better than a lost event.
func parseLibrary(ua string) (u mua.UserAgent, ok bool) {
	defer func() {
		if recover() != nil {
			u, ok = mua.UserAgent{}, false
		}
	}()
	return mua.Parse(ua), true
}

package sim

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// The traffic generator: it plans every visit of every demo site, day by
// day, and records the truth of what it planned. It is pure (no I/O) and
// deterministic for a configuration; LoadTraffic sends what it plans.
//
// The server's visit rules that the plan respects:
//   - a visitor's events with gaps < 30 minutes form one visit, so two
//     events of a visit are at most 25 minutes apart (maxPageGap, plus at
//     most 5 minutes at the checkout) and two visits of one visitor at
//     least minVisitGap;
//   - each visitor's messages reach the server in time order (one shard
//     sends them, in the order planned), so no event arrives after a
//     later visit of its visitor has begun;
//   - a visit's dimensions come from its first event, which is always a
//     pageview with the visit's referrer and campaign;
//   - a bounce is a visit with one pageview and no custom event (every
//     Segment track counts as interactive);
//   - identify calls are not events and never extend a visit.

const (
	// minVisitGap separates two visits of one visitor: well above the
	// server's 30-minute visit timeout.
	minVisitGap = 45 * time.Minute
	// maxPageGap bounds the time between two events of a visit.
	maxPageGap = 20 * time.Minute
	// trafficShards splits each site's visitors over parallel senders; a
	// visitor's messages always go through one shard, in order.
	trafficShards = 6
)

type weighted[T any] struct {
	w float64
	v T
}

func pick[T any](r *rand.Rand, items []weighted[T]) T {
	total := 0.0
	for _, it := range items {
		total += it.w
	}
	x := r.Float64() * total
	for _, it := range items {
		if x < it.w {
			return it.v
		}
		x -= it.w
	}
	return items[len(items)-1].v
}

func oneOf[T any](r *rand.Rand, items []T) T { return items[r.IntN(len(items))] }

// chKind is a marketing channel, named as mops's classifier (GA4's default
// channel group) names it.
type chKind int

const (
	chOrganicSearch chKind = iota
	chPaidSearch
	chOrganicSocial
	chPaidSocial
	chEmail
	chReferral
	chDirect
)

var channelNames = [...]string{"Organic Search", "Paid Search", "Organic Social", "Paid Social", "Email", "Referral", "Direct"}

func (k chKind) String() string { return channelNames[k] }

// channelSpec is how one channel behaves on one site.
type channelSpec struct {
	kind chKind
	// share is the channel's part of the site's daily volume; for Email it
	// is the visits one newsletter brings over the days after it is sent.
	share float64
	// bounce is the chance a visit sees one page only; order, signup and
	// outbound the chances of an Order Completed, a newsletter Signup
	// and (blog) a click through to the shop.
	bounce, order, signup, outbound float64
	// returning is the chance the visit is by a visitor seen before.
	returning float64
}

type siteProfile struct {
	shop      bool
	title     string
	base      float64 // visits a day at Scale 1 on an average day at the start
	growth    float64 // relative growth over the period
	weekday   [7]float64
	channels  []channelSpec
	countries []weighted[string]
	pageGap   time.Duration // median time on a page
}

func shopProfile() *siteProfile {
	return &siteProfile{
		shop: true, title: "Trailhead Outfitters", base: 520, growth: 0.2, weekday: shopWeekday,
		countries: shopCountries, pageGap: 35 * time.Second,
		channels: []channelSpec{
			{kind: chOrganicSearch, share: 0.36, bounce: 0.50, order: 0.022, signup: 0.025, returning: 0.20},
			{kind: chPaidSearch, share: 0.15, bounce: 0.40, order: 0.045, signup: 0.030, returning: 0.15},
			{kind: chOrganicSocial, share: 0.09, bounce: 0.66, order: 0.007, signup: 0.012, returning: 0.12},
			{kind: chPaidSocial, share: 0.025, bounce: 0.60, order: 0.018, signup: 0.025, returning: 0.10},
			{kind: chEmail, share: 0.55, bounce: 0.38, order: 0.050, signup: 0.012, returning: 0.85},
			{kind: chReferral, share: 0.06, bounce: 0.48, order: 0.025, signup: 0.030, returning: 0.12},
			{kind: chDirect, share: 0.22, bounce: 0.46, order: 0.032, signup: 0.020, returning: 0.55},
		},
	}
}

func blogProfile() *siteProfile {
	return &siteProfile{
		title: "Trailhead Journal", base: 150, growth: 0.15, weekday: blogWeekday,
		countries: blogCountries, pageGap: 80 * time.Second,
		channels: []channelSpec{
			{kind: chOrganicSearch, share: 0.62, bounce: 0.62, signup: 0.020, outbound: 0.07, returning: 0.15},
			{kind: chOrganicSocial, share: 0.12, bounce: 0.70, signup: 0.010, outbound: 0.05, returning: 0.10},
			{kind: chEmail, share: 0.40, bounce: 0.45, signup: 0.005, outbound: 0.10, returning: 0.80},
			{kind: chReferral, share: 0.08, bounce: 0.55, signup: 0.025, outbound: 0.06, returning: 0.10},
			{kind: chDirect, share: 0.12, bounce: 0.50, signup: 0.025, outbound: 0.08, returning: 0.50},
		},
	}
}

func profileFor(s SiteSpec) *siteProfile {
	if strings.HasPrefix(s.Domain, "blog.") {
		return blogProfile()
	}
	return shopProfile()
}

// utm is a link's campaign parameters.
type utm struct{ source, medium, name, term, content string }

func (u *utm) query() string {
	var b strings.Builder
	for _, kv := range [][2]string{{"utm_source", u.source}, {"utm_medium", u.medium}, {"utm_campaign", u.name}, {"utm_term", u.term}, {"utm_content", u.content}} {
		if kv[1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[0] + "=" + strings.ReplaceAll(kv[1], " ", "+"))
	}
	return b.String()
}

type simVisitor struct {
	anonID string
	userID string // set once identified
	ua     uaSpec
	place  place
	locale string
	ip     string
	shard  int
	// lastEnd is the time of the last event of the visitor's latest visit.
	lastEnd time.Time
}

type msgKind uint8

const (
	msgPage msgKind = iota
	msgTrack
	msgIdentify
)

// simMsg is one planned Segment message, kept small: LoadTraffic encodes
// it only when it sends it.
type simMsg struct {
	kind     msgKind
	seq      int
	at       time.Time
	v        *simVisitor
	userID   string
	page     *sitePage
	query    string // the landing page's query string, without "?"
	referrer string
	camp     *utm
	event    string
	props    map[string]any
	traits   map[string]any
}

// emailSend is one newsletter.
type emailSend struct {
	day      int // index of the send day; negative before the period
	campaign string
	visits   float64 // visits it brings at Scale 1
	sale     bool
}

// emailDecay spreads a newsletter's visits over the days after it is sent.
var emailDecay = []float64{0.50, 0.22, 0.11, 0.07, 0.05, 0.05}

// slot is a visit before its visitor and pages are known.
type slot struct {
	ch    *channelSpec
	start time.Time
	send  *emailSend          // Email
	ps    *paidSearchCampaign // Paid Search
	sale  bool                // Paid Social: the spring-sale campaign
}

// trafficGen plans one site's traffic.
type trafficGen struct {
	r     *rand.Rand
	spec  SiteSpec
	prof  *siteProfile
	loc   *time.Location
	end   time.Time
	days  int
	scale float64
	first time.Time // local midnight of the first day
	tag   string    // configTag of the configuration
	index int       // the site's place in the configuration, for message ids

	saleFrom, saleTo int // days [saleFrom, saleTo) of the spring sale (shop)
	sends            []emailSend
	pages            *shopPages

	visitors    []*simVisitor
	subscribers []*simVisitor
	nVisitors   int
	nMsgs       int
	nOrders     int

	shards [trafficShards][]*simMsg
	truth  *TrafficTruth
}

func newTrafficGen(spec SiteSpec, siteIndex int, cfg TrafficConfig, loc *time.Location) *trafficGen {
	h := fnv.New64a()
	h.Write([]byte(spec.Domain))
	g := &trafficGen{
		r:     rand.New(rand.NewPCG(cfg.Seed, h.Sum64())),
		spec:  spec,
		prof:  profileFor(spec),
		loc:   loc,
		end:   cfg.End,
		days:  cfg.Days,
		scale: cfg.Scale,
		pages: theShopPages(),
		truth: newTruth(),
	}
	e := cfg.End.In(loc)
	g.first = time.Date(e.Year(), e.Month(), e.Day()-(cfg.Days-1), 0, 0, 0, 0, loc)
	g.tag, g.index = configTag(cfg), siteIndex
	// The spring sale runs for a week about five weeks before the end.
	g.saleFrom, g.saleTo = -1, -1
	if g.prof.shop {
		g.saleFrom = max(cfg.Days-36, 0)
		g.saleTo = min(g.saleFrom+7, cfg.Days)
	}
	g.planSends()
	return g
}

// configTag makes message ids unique to a configuration, so two different
// demo loads never de-duplicate each other's events.
func configTag(cfg TrafficConfig) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%d|%d|%g", cfg.Seed, cfg.End.UnixMilli(), cfg.Days, cfg.Scale)
	return fmt.Sprintf("%08x", uint32(h.Sum64()))
}

func (g *trafficGen) date(day int) time.Time {
	return time.Date(g.first.Year(), g.first.Month(), g.first.Day()+day, 0, 0, 0, 0, g.loc)
}

func (g *trafficGen) growth(day int) float64 {
	if g.days <= 1 {
		return 1
	}
	return 1 + g.prof.growth*float64(max(day, 0))/float64(g.days-1)
}

func (g *trafficGen) inSale(day int) bool { return day >= g.saleFrom && day < g.saleTo }

// planSends lists the weekly newsletters (Thursdays, from a week before the
// period so its first days have newsletter traffic too) and the sale's.
func (g *trafficGen) planSends() {
	email := g.channel(chEmail)
	if email == nil {
		return
	}
	for d := -7; d < g.days; d++ {
		date := g.date(d)
		if date.Weekday() != time.Thursday {
			continue
		}
		g.sends = append(g.sends, emailSend{day: d, campaign: "newsletter-" + date.Format("2006-01-02"),
			visits: email.share * g.prof.base * g.growth(d)})
	}
	if g.prof.shop && g.saleFrom >= 0 {
		g.sends = append(g.sends, emailSend{day: g.saleFrom, campaign: "spring-sale", visits: 0.5 * g.prof.base * g.growth(g.saleFrom), sale: true})
	}
}

func (g *trafficGen) channel(k chKind) *channelSpec {
	for i := range g.prof.channels {
		if g.prof.channels[i].kind == k {
			return &g.prof.channels[i]
		}
	}
	return nil
}

// count turns an expected number into a whole one, keeping the mean.
func (g *trafficGen) count(x float64) int {
	n := int(x)
	if g.r.Float64() < x-float64(n) {
		n++
	}
	return n
}

// run plans every day.
func (g *trafficGen) run() {
	for d := 0; d < g.days; d++ {
		g.planDay(d)
	}
}

func (g *trafficGen) planDay(d int) {
	date := g.date(d)
	noise := math.Exp(0.07 * g.r.NormFloat64())
	vol := g.prof.base * g.prof.weekday[date.Weekday()] * g.growth(d) * noise * g.scale
	sale := g.inSale(d)
	var slots []slot
	add := func(n int, s slot) {
		for range n {
			s.start = g.startTime(date, s.send, d)
			if s.ch.kind == chPaidSearch {
				c := pick(g.r, paidSearchCampaigns)
				s.ps = &c
			}
			slots = append(slots, s)
		}
	}
	for i := range g.prof.channels {
		ch := &g.prof.channels[i]
		switch ch.kind {
		case chEmail:
			for j := range g.sends {
				s := &g.sends[j]
				if k := d - s.day; k >= 0 && k < len(emailDecay) {
					add(g.count(s.visits*emailDecay[k]*noise*g.scale), slot{ch: ch, send: s})
				}
			}
		case chPaidSocial:
			add(g.count(vol*ch.share), slot{ch: ch})
			if sale {
				add(g.count(vol*0.28), slot{ch: ch, sale: true})
			}
		default:
			mult := 1.0
			if sale {
				mult = map[chKind]float64{chDirect: 1.15, chOrganicSearch: 1.05, chOrganicSocial: 1.3, chPaidSearch: 1.2, chReferral: 1.0}[ch.kind]
			}
			add(g.count(vol*ch.share*mult), slot{ch: ch})
		}
	}
	slices.SortStableFunc(slots, func(a, b slot) int { return a.start.Compare(b.start) })
	for _, s := range slots {
		g.visit(d, s)
	}
}

// startTime draws when a visit of the day begins: newsletters are read from
// their 10:00 send on, everything else follows the hourly profile.
func (g *trafficGen) startTime(date time.Time, send *emailSend, day int) time.Time {
	var hour int
	if send != nil && send.day == day {
		hour = min(10+int(g.r.ExpFloat64()*3), 23)
	} else {
		items := weekdayHourItems
		if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			items = weekendHourItems
		}
		hour = pick(g.r, items)
	}
	return time.Date(date.Year(), date.Month(), date.Day(), hour, g.r.IntN(60), g.r.IntN(60), g.r.IntN(1000)*1e6, g.loc)
}

// chooseVisitor returns a returning visitor free at the slot's start, or a
// new one.
func (g *trafficGen) chooseVisitor(s slot) (v *simVisitor, isNew bool) {
	free := func(c *simVisitor) bool { return s.start.Sub(c.lastEnd) > minVisitGap }
	if s.ch.kind == chEmail && len(g.subscribers) > 0 && g.r.Float64() < 0.6 {
		for range 4 {
			if c := oneOf(g.r, g.subscribers); free(c) {
				return c, false
			}
		}
	}
	if len(g.visitors) > 0 && g.r.Float64() < s.ch.returning {
		// Recent visitors come back more often than old ones.
		mean := max(50, float64(len(g.visitors))/4)
		for range 4 {
			i := len(g.visitors) - 1 - int(g.r.ExpFloat64()*mean)
			if i < 0 {
				i = g.r.IntN(len(g.visitors))
			}
			if c := g.visitors[i]; free(c) {
				return c, false
			}
		}
	}
	return g.newVisitor(s.ch.kind), true
}

func (g *trafficGen) newVisitor(k chKind) *simVisitor {
	v := &simVisitor{anonID: g.uuid(), shard: g.nVisitors % trafficShards}
	social := k == chOrganicSocial || k == chPaidSocial
	var dev string
	switch {
	case social:
		dev = pick(g.r, []weighted[string]{{75, "mobile"}, {20, "desktop"}, {5, "tablet"}})
	case g.prof.shop:
		dev = pick(g.r, []weighted[string]{{52, "mobile"}, {43, "desktop"}, {5, "tablet"}})
	default:
		dev = pick(g.r, []weighted[string]{{50, "mobile"}, {45, "desktop"}, {5, "tablet"}})
	}
	switch {
	case dev == "mobile" && social && g.r.Float64() < 0.55:
		v.ua = pick(g.r, socialAppUAs)
	case dev == "mobile":
		v.ua = pick(g.r, mobileUAs)
	case dev == "tablet":
		v.ua = pick(g.r, tabletUAs)
	default:
		v.ua = pick(g.r, desktopUAs)
	}
	c := countries[pick(g.r, g.prof.countries)]
	v.place, v.locale = pick(g.r, c.places), c.locale
	v.ip = fmt.Sprintf("%s%d", oneOf(g.r, docNets), 1+g.r.IntN(254))
	return v
}

// uuid draws a version 4 UUID, as analytics.js uses for anonymousId.
func (g *trafficGen) uuid() string {
	a, b := g.r.Uint64(), g.r.Uint64()
	a = a&^0xf000 | 0x4000
	b = b&^(0xc<<60) | 0x8<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

var weekdayHourItems, weekendHourItems = hourItems(weekdayHours), hourItems(weekendHours)

func hourItems(w [24]float64) []weighted[int] {
	items := make([]weighted[int], 24)
	for h := range 24 {
		items[h] = weighted[int]{w[h], h}
	}
	return items
}

// visitBuilder lays out one visit's messages on a clock.
type visitBuilder struct {
	g        *trafficGen
	v        *simVisitor
	userID   string
	t        time.Time
	msgs     []*simMsg
	last     *sitePage
	first    time.Time
	lastAt   time.Time // last counted event
	pvs      int
	tracks   int
	orders   int
	revenue  int64
	signedUp bool
}

func (b *visitBuilder) wait(d time.Duration) {
	b.t = b.t.Add(min(max(d, time.Second), maxPageGap)).Truncate(time.Millisecond)
}

// dwell is the time spent on a page before the next step.
func (b *visitBuilder) dwell() time.Duration {
	med := float64(b.g.prof.pageGap)
	return time.Duration(med * math.Exp(0.9*b.g.r.NormFloat64()))
}

func (b *visitBuilder) pageview(p *sitePage, referrer string, camp *utm, query string) {
	if b.pvs > 0 {
		b.wait(b.dwell())
		referrer = "https://" + b.g.spec.Domain + b.last.path
	} else {
		b.first = b.t
	}
	b.msgs = append(b.msgs, &simMsg{kind: msgPage, at: b.t, v: b.v, userID: b.userID, page: p, referrer: referrer, camp: camp, query: query})
	b.last, b.lastAt = p, b.t
	b.pvs++
}

func (b *visitBuilder) track(event string, after time.Duration, props map[string]any) {
	b.wait(after)
	b.msgs = append(b.msgs, &simMsg{kind: msgTrack, at: b.t, v: b.v, userID: b.userID, page: b.last, event: event, props: props})
	b.lastAt = b.t
	b.tracks++
}

// signup subscribes the visitor to the newsletter and identifies them.
func (b *visitBuilder) signup(form string) {
	r := b.g.r
	b.track("Signup", time.Duration(10+r.IntN(50))*time.Second, map[string]any{"list": "newsletter", "form": form})
	first, last := oneOf(r, firstNames), oneOf(r, lastNames)
	b.userID = fmt.Sprintf("cus_%012x", r.Uint64()&0xffffffffffff)
	email := strings.ToLower(asciiSlug(first, ".")+"."+asciiSlug(last, ".")) + "@" + oneOf(r, mailDomains)
	b.msgs = append(b.msgs, &simMsg{kind: msgIdentify, at: b.t.Add(800 * time.Millisecond), v: b.v, userID: b.userID, page: b.last,
		traits: map[string]any{"email": email, "firstName": first, "lastName": last, "newsletter": true}})
	b.signedUp = true
}

func (g *trafficGen) visit(day int, s slot) {
	v, isNew := g.chooseVisitor(s)
	b := &visitBuilder{g: g, v: v, userID: v.userID, t: s.start}
	referrer, camp, query := g.source(s)
	if g.prof.shop {
		g.shopVisit(b, s, day, referrer, camp, query)
	} else {
		g.blogVisit(b, s, referrer, camp, query)
	}
	for _, m := range b.msgs {
		if m.at.After(g.end) {
			return // it would not have happened yet
		}
	}
	// Commit.
	if isNew {
		g.visitors = append(g.visitors, v)
		g.nVisitors++
		g.truth.Visitors++
	}
	if b.signedUp {
		v.userID = b.userID
		g.subscribers = append(g.subscribers, v)
		g.truth.Signups++
		g.truth.Identifies++
	}
	v.lastEnd = b.lastAt
	for _, m := range b.msgs {
		m.seq = g.nMsgs
		g.nMsgs++
		g.shards[v.shard] = append(g.shards[v.shard], m)
	}
	t := g.truth
	t.Messages += len(b.msgs)
	t.Visits++
	t.Pageviews += b.pvs
	t.Events += b.pvs + b.tracks
	if b.pvs == 1 && b.tracks == 0 {
		t.Bounces++
	}
	t.Orders += b.orders
	t.RevenueCents += b.revenue
	t.DurationSeconds += int64(b.lastAt.Sub(b.first) / time.Second)
	t.VisitsByChannel[s.ch.kind.String()]++
	t.VisitsByDay[b.first.In(g.loc).Format(time.DateOnly)]++
	t.VisitsByDevice[v.ua.device]++
	t.VisitsByCountry[v.place.country]++
}

// source is where a visit comes from: its referrer and campaign.
func (g *trafficGen) source(s slot) (referrer string, camp *utm, query string) {
	r := g.r
	switch s.ch.kind {
	case chOrganicSearch:
		return pick(r, organicSearchReferrers), nil, ""
	case chPaidSearch:
		c := &utm{source: "google", medium: "cpc", name: s.ps.name, term: oneOf(r, s.ps.terms)}
		return pick(r, paidSearchReferrers), c, c.query() + fmt.Sprintf("&gclid=Cj0KCQjw%010x", r.Uint64()&0xffffffffff)
	case chOrganicSocial:
		if g.prof.shop {
			return pick(r, shopSocialReferrers), nil, ""
		}
		return pick(r, blogSocialReferrers), nil, ""
	case chPaidSocial:
		c := &utm{source: "facebook", medium: "paid_social", name: "outdoor-essentials", content: oneOf(r, []string{"carousel-tents", "video-15s", "static-backpacks"})}
		if s.sale {
			c.name, c.content = "spring-sale", oneOf(r, []string{"sale-video-15s", "sale-carousel", "sale-story"})
		}
		ref := "https://l.facebook.com/"
		if r.Float64() < 0.45 {
			c.source, ref = "instagram", "https://l.instagram.com/"
		}
		return ref, c, c.query() + fmt.Sprintf("&fbclid=IwAR%012x", r.Uint64()&0xffffffffffff)
	case chEmail:
		c := &utm{source: "newsletter", medium: "email", name: s.send.campaign, content: oneOf(r, []string{"hero", "button", "product-grid", "footer"})}
		return pick(r, mailReferrers), c, c.query()
	case chReferral:
		return pick(r, referralReferrers), nil, ""
	}
	return "", nil, ""
}

// shopPages is the shop's site map.
type shopPages struct {
	home, sale, cart, checkout, complete, shipping *sitePage
	categories                                     map[string]*sitePage
	categoryOrder                                  []*sitePage
	products                                       []*sitePage
	byCategory                                     map[string][]*sitePage
	bySKU                                          map[string]*product
}

var theShopPages = func() func() *shopPages {
	var p *shopPages
	return func() *shopPages {
		if p != nil {
			return p
		}
		p = &shopPages{
			home:       &sitePage{path: "/", title: "Trailhead Outfitters – Outdoor gear for every trail"},
			sale:       &sitePage{path: "/sale", title: "Sale"},
			cart:       &sitePage{path: "/cart", title: "Your cart"},
			checkout:   &sitePage{path: "/checkout", title: "Checkout"},
			complete:   &sitePage{path: "/checkout/complete", title: "Thank you for your order"},
			shipping:   &sitePage{path: "/shipping", title: "Shipping & returns"},
			categories: map[string]*sitePage{},
			byCategory: map[string][]*sitePage{},
			bySKU:      map[string]*product{},
		}
		for _, c := range shopCategories {
			pg := &sitePage{path: "/" + c.slug, title: c.title, category: c.slug}
			p.categories[c.slug] = pg
			p.categoryOrder = append(p.categoryOrder, pg)
		}
		for _, pr := range shopCatalogue {
			pg := &sitePage{path: "/products/" + asciiSlug(pr.name, "-"), title: pr.name, product: pr, category: pr.category}
			p.products = append(p.products, pg)
			p.byCategory[pr.category] = append(p.byCategory[pr.category], pg)
			p.bySKU[pr.sku] = pr
		}
		return p
	}
}()

// asciiSlug lower-cases s and joins its ASCII letters and digits with sep.
func asciiSlug(s, sep string) string {
	repl := strings.NewReplacer("ü", "ue", "ö", "oe", "ä", "ae", "ß", "ss", "é", "e", "Ü", "Ue", "Ö", "Oe", "Ä", "Ae")
	var words []string
	var w strings.Builder
	for _, c := range repl.Replace(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			w.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			w.WriteRune(c + 'a' - 'A')
		default:
			if w.Len() > 0 {
				words = append(words, w.String())
				w.Reset()
			}
		}
	}
	if w.Len() > 0 {
		words = append(words, w.String())
	}
	return strings.Join(words, sep)
}

// shopEntry is the landing page of a shop visit.
func (g *trafficGen) shopEntry(s slot, sale bool) *sitePage {
	r, p := g.r, g.pages
	anyProduct := func() *sitePage { return oneOf(r, p.products) }
	anyCategory := func() *sitePage { return oneOf(r, p.categoryOrder) }
	switch s.ch.kind {
	case chOrganicSearch:
		return pick(r, []weighted[func() *sitePage]{{45, anyProduct}, {35, anyCategory}, {20, func() *sitePage { return p.home }}})()
	case chPaidSearch:
		if s.ps.category == "" {
			if sale && r.Float64() < 0.4 {
				return p.sale
			}
			return p.home
		}
		if r.Float64() < 0.6 {
			return p.categories[s.ps.category]
		}
		return oneOf(r, p.byCategory[s.ps.category])
	case chOrganicSocial:
		x := r.Float64()
		switch {
		case x < 0.5:
			return anyProduct()
		case x < 0.75:
			return p.home
		case sale:
			return p.sale
		}
		return p.home
	case chPaidSocial:
		if s.sale {
			return p.sale
		}
		if r.Float64() < 0.7 {
			return anyProduct()
		}
		return anyCategory()
	case chEmail:
		if s.send.sale || (sale && r.Float64() < 0.3) {
			return p.sale
		}
		return pick(r, []weighted[func() *sitePage]{{30, func() *sitePage { return p.home }}, {40, anyProduct}, {30, anyCategory}})()
	case chReferral:
		if r.Float64() < 0.7 {
			return anyProduct()
		}
		return anyCategory()
	}
	x := r.Float64()
	switch {
	case sale && x < 0.15:
		return p.sale
	case x < 0.65:
		return p.home
	case x < 0.85:
		return anyProduct()
	case x < 0.95:
		return anyCategory()
	}
	return p.sale
}

// shopNext is where a shopper goes from page cur while browsing.
func (g *trafficGen) shopNext(cur *sitePage) *sitePage {
	r, p := g.r, g.pages
	for range 3 {
		var next *sitePage
		x := r.Float64()
		switch {
		case cur.product != nil:
			switch {
			case x < 0.35:
				next = oneOf(r, p.byCategory[cur.category])
			case x < 0.60:
				next = p.categories[cur.category]
			case x < 0.75:
				next = oneOf(r, p.products)
			case x < 0.90:
				next = p.home
			default:
				next = oneOf(r, p.categoryOrder)
			}
		case cur.category != "":
			switch {
			case x < 0.70:
				next = oneOf(r, p.byCategory[cur.category])
			case x < 0.85:
				next = oneOf(r, p.categoryOrder)
			default:
				next = p.home
			}
		default: // home, sale, shipping, cart
			switch {
			case x < 0.50:
				next = oneOf(r, p.categoryOrder)
			case x < 0.85:
				next = oneOf(r, p.products)
			case x < 0.95:
				next = p.sale
			default:
				next = p.shipping
			}
		}
		if next != cur {
			return next
		}
	}
	return p.home
}

func (g *trafficGen) shopVisit(b *visitBuilder, s slot, day int, referrer string, camp *utm, query string) {
	r, p, ch := g.r, g.pages, s.ch
	sale := g.inSale(day)
	orderRate := ch.order
	if sale {
		orderRate *= 1.35
	}
	order := r.Float64() < orderRate
	abandon := !order && r.Float64() < 0.06
	signup := b.userID == "" && r.Float64() < ch.signup
	n := 1
	if order || abandon || r.Float64() >= ch.bounce {
		n = pick(r, nonBounceLength)
	}
	browse := n
	switch {
	case order:
		browse = max(n-3, 1) // then cart, checkout, complete
	case abandon:
		browse = max(n-1, 1) // then the cart
	}
	signupAt := r.IntN(browse)
	cur := g.shopEntry(s, sale)
	for i := range browse {
		if i > 0 {
			cur = g.shopNext(cur)
		}
		if (order || abandon) && i == browse-1 && cur.product == nil {
			// The last page before the cart shows what goes into it.
			if cur.category != "" {
				cur = oneOf(r, p.byCategory[cur.category])
			} else {
				cur = oneOf(r, p.products)
			}
		}
		if i == 0 {
			b.pageview(cur, referrer, camp, query)
		} else {
			b.pageview(cur, "", nil, "")
		}
		if signup && i == signupAt {
			b.signup("footer")
		}
	}
	if !order && !abandon {
		return
	}
	basket := g.basket(cur.product, sale)
	for i, pr := range basket {
		b.track("Product Added", time.Duration(5+r.IntN(40+20*i))*time.Second, productProps(pr))
	}
	b.pageview(p.cart, "", nil, "")
	if abandon {
		return
	}
	b.pageview(p.checkout, "", nil, "")
	b.wait(time.Duration(60+r.IntN(240)) * time.Second) // address and payment
	b.pageview(p.complete, "", nil, "")
	var total int64
	items := make([]map[string]any, len(basket))
	for i, pr := range basket {
		total += pr.price
		items[i] = productProps(pr)
	}
	props := map[string]any{"currency": "EUR", "products": items}
	if sale {
		total = (total*8 + 5) / 10
		props["coupon"] = "SPRING20"
	}
	g.nOrders++
	props["order_id"] = fmt.Sprintf("TH-%s-%06d", strings.ToUpper(g.tag[:4]), g.nOrders)
	props["revenue"] = cents(total)
	b.track("Order Completed", time.Duration(500+r.IntN(2500))*time.Millisecond, props)
	b.orders++
	b.revenue += total
}

// basket is what an order contains: the product last seen, maybe with an
// accessory, and enough that the order is worth at least 40 euros after
// any sale discount and at most 400 before it.
func (g *trafficGen) basket(main *product, sale bool) []*product {
	r := g.r
	items := []*product{main}
	sum := main.price
	has := func(sku string) bool {
		return slices.ContainsFunc(items, func(p *product) bool { return p.sku == sku })
	}
	worth := func() int64 {
		if sale {
			return (sum*8 + 5) / 10
		}
		return sum
	}
	want := r.Float64() < 0.35
	for (want || worth() < 4000) && len(items) < 4 {
		a := g.pages.bySKU[oneOf(r, accessorySKUs)]
		if has(a.sku) {
			continue
		}
		if sum+a.price > 40000 {
			if worth() >= 4000 {
				break
			}
			continue
		}
		items = append(items, a)
		sum += a.price
		want = false
	}
	return items
}

func productProps(p *product) map[string]any {
	return map[string]any{"sku": p.sku, "name": p.name, "category": p.category, "price": cents(p.price), "quantity": 1}
}

// cents writes an amount of cents as a JSON number of euros ("129.95").
type cents int64

func (c cents) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%d.%02d", int64(c)/100, int64(c)%100), nil
}

func (g *trafficGen) blogEntry(s slot) *sitePage {
	r := g.r
	post := func() *sitePage {
		// The first posts rank best (a Zipf-like tail).
		i := min(int(r.ExpFloat64()*3.5), len(blogPosts)-1)
		return &blogPosts[i]
	}
	switch s.ch.kind {
	case chOrganicSearch:
		if r.Float64() < 0.95 {
			return post()
		}
	case chOrganicSocial, chReferral:
		if r.Float64() < 0.88 {
			return post()
		}
	case chEmail:
		if r.Float64() < 0.8 {
			// The newsletter features one post a week.
			return &blogPosts[(s.send.day%len(blogPosts)+len(blogPosts))%len(blogPosts)]
		}
	default:
		if r.Float64() < 0.4 {
			return post()
		}
	}
	return &blogIndexPages[0]
}

func (g *trafficGen) blogNext(cur *sitePage) *sitePage {
	r := g.r
	for range 3 {
		next := &blogIndexPages[1+r.IntN(len(blogIndexPages)-1)]
		x := r.Float64()
		if strings.HasPrefix(cur.path, "/posts/") {
			switch {
			case x < 0.60:
				next = &blogPosts[r.IntN(len(blogPosts))]
			case x > 0.85:
				next = &blogIndexPages[0]
			}
		} else if x < 0.8 {
			next = &blogPosts[r.IntN(len(blogPosts))]
		}
		if next != cur {
			return next
		}
	}
	return &blogIndexPages[0]
}

func (g *trafficGen) blogVisit(b *visitBuilder, s slot, referrer string, camp *utm, query string) {
	r, ch := g.r, s.ch
	signup := b.userID == "" && r.Float64() < ch.signup
	outbound := r.Float64() < ch.outbound
	n := 1
	if r.Float64() >= ch.bounce {
		n = pick(r, nonBounceLength)
	}
	signupAt := r.IntN(n)
	cur := g.blogEntry(s)
	for i := range n {
		if i == 0 {
			b.pageview(cur, referrer, camp, query)
		} else {
			cur = g.blogNext(cur)
			b.pageview(cur, "", nil, "")
		}
		if signup && i == signupAt {
			b.signup("post-footer")
		}
	}
	if outbound {
		target := "https://" + strings.TrimPrefix(g.spec.Domain, "blog.") + "/" + oneOf(r, shopCategories).slug
		b.track("Outbound Link: Click", b.dwell(), map[string]any{"url": target})
	}
}

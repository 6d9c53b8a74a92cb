package channel

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// category is the kind of site a source is, as GA4's source categories
// group them.
type category uint8

const (
	catNone     category = iota // unknown, or known but in no group
	catSearch                   // search engines
	catSocial                   // social networks, forums, messengers
	catVideo                    // video platforms
	catShopping                 // marketplaces and price comparison
	catEmail                    // webmail and mail apps
	catSMS                      // text messaging apps
	catReferral                 // named sites that refer (AI assistants, GitHub…)
)

// site is a known source: its display name and category.
type site struct {
	name string
	cat  category
}

// siteDef lists the hosts and utm_source spellings of one known source.
// A host also matches its subdomains ("facebook.com" covers
// "l.facebook.com"); the most specific listed host wins. Android app ids
// (android-app://com.google.android.gm) are listed as hosts too.
// The lower-cased display name is always an alias.
type siteDef struct {
	site
	hosts   []string
	aliases []string
}

// brandDef is a source reachable under many country domains
// (google.de, amazon.co.uk). label is the registrable label; subs, when
// not nil, limits which single subdomain label may precede it, so that
// docs.google.com is not mistaken for the search engine.
type brandDef struct {
	site
	label string
	subs  []string
}

func siteDefs() []siteDef {
	return []siteDef{
		// Search engines. Google, Yahoo and Yandex are brands (below).
		{site{"Google", catSearch}, []string{"com.google.android.googlequicksearchbox"}, []string{"google"}},
		{site{"Bing", catSearch}, []string{"bing.com", "com.microsoft.bing"}, []string{"bing", "microsoft bing"}},
		{site{"DuckDuckGo", catSearch}, []string{"duckduckgo.com", "ddg.gg", "com.duckduckgo.mobile.android"}, []string{"ddg"}},
		{site{"Yahoo", catSearch}, []string{"com.yahoo.mobile.client.android.search"}, nil},
		{site{"Yandex", catSearch}, []string{"ya.ru", "ru.yandex.searchplugin"}, nil},
		{site{"Baidu", catSearch}, []string{"baidu.com"}, nil},
		{site{"Ecosia", catSearch}, []string{"ecosia.org"}, nil},
		{site{"Brave Search", catSearch}, []string{"search.brave.com"}, []string{"brave"}},
		{site{"Qwant", catSearch}, []string{"qwant.com"}, nil},
		{site{"Startpage", catSearch}, []string{"startpage.com", "ixquick.com"}, nil},
		{site{"Naver", catSearch}, []string{"naver.com"}, nil},
		{site{"Seznam", catSearch}, []string{"seznam.cz"}, nil},
		{site{"Ask", catSearch}, []string{"ask.com"}, nil},
		{site{"AOL", catSearch}, []string{"aol.com"}, nil},
		{site{"360 Search", catSearch}, []string{"so.com"}, []string{"360"}},
		{site{"Sogou", catSearch}, []string{"sogou.com"}, nil},
		{site{"Kagi", catSearch}, []string{"kagi.com"}, nil},
		{site{"Mojeek", catSearch}, []string{"mojeek.com"}, nil},
		{site{"Daum", catSearch}, []string{"daum.net"}, nil},
		{site{"Cốc Cốc", catSearch}, []string{"coccoc.com"}, []string{"coccoc"}},
		{site{"Petal Search", catSearch}, []string{"petalsearch.com"}, nil},
		{site{"Swisscows", catSearch}, []string{"swisscows.com"}, nil},
		{site{"MetaGer", catSearch}, []string{"metager.org", "metager.de"}, nil},
		{site{"Presearch", catSearch}, []string{"presearch.com"}, nil},

		// Social networks, forums and messengers.
		{site{"Facebook", catSocial}, []string{"facebook.com", "fb.com", "fb.me", "fb.watch", "com.facebook.katana", "com.facebook.lite"}, []string{"fb"}},
		{site{"Messenger", catSocial}, []string{"messenger.com", "com.facebook.orca"}, nil},
		{site{"Instagram", catSocial}, []string{"instagram.com", "com.instagram.android"}, []string{"ig", "insta"}},
		{site{"Threads", catSocial}, []string{"threads.net", "threads.com", "com.instagram.barcelona"}, nil},
		{site{"X (Twitter)", catSocial}, []string{"twitter.com", "x.com", "t.co", "com.twitter.android"}, []string{"twitter", "x", "x-twitter"}},
		{site{"LinkedIn", catSocial}, []string{"linkedin.com", "lnkd.in", "com.linkedin.android"}, []string{"li", "lnkd"}},
		{site{"Reddit", catSocial}, []string{"reddit.com", "redd.it", "com.reddit.frontpage"}, nil},
		{site{"Pinterest", catSocial}, []string{"pin.it", "com.pinterest"}, nil},
		{site{"TikTok", catSocial}, []string{"tiktok.com", "com.zhiliaoapp.musically", "com.ss.android.ugc.trill"}, nil},
		{site{"Snapchat", catSocial}, []string{"snapchat.com", "com.snapchat.android"}, nil},
		{site{"Quora", catSocial}, []string{"quora.com"}, nil},
		{site{"Tumblr", catSocial}, []string{"tumblr.com"}, nil},
		{site{"VK", catSocial}, []string{"vk.com", "vk.ru"}, []string{"vkontakte"}},
		{site{"Odnoklassniki", catSocial}, []string{"ok.ru"}, nil},
		{site{"Weibo", catSocial}, []string{"weibo.com", "weibo.cn", "t.cn"}, nil},
		{site{"Mastodon", catSocial}, []string{"mastodon.social", "mastodon.online", "mastodon.world", "mstdn.social", "mas.to", "fosstodon.org", "hachyderm.io", "infosec.exchange", "joinmastodon.org"}, nil},
		{site{"Bluesky", catSocial}, []string{"bsky.app", "bsky.social"}, []string{"bsky"}},
		{site{"Hacker News", catSocial}, []string{"news.ycombinator.com"}, []string{"hackernews", "hn", "ycombinator"}},
		{site{"Lobsters", catSocial}, []string{"lobste.rs"}, nil},
		{site{"Discord", catSocial}, []string{"discord.com", "discord.gg", "discordapp.com"}, nil},
		{site{"Telegram", catSocial}, []string{"t.me", "telegram.me", "telegram.org", "org.telegram.messenger"}, nil},
		{site{"WhatsApp", catSocial}, []string{"whatsapp.com", "wa.me", "com.whatsapp"}, nil},
		{site{"Slack", catSocial}, []string{"slack.com", "com.slack"}, nil},
		{site{"Medium", catSocial}, []string{"medium.com"}, nil},
		{site{"Xing", catSocial}, []string{"xing.com"}, nil},
		{site{"LINE", catSocial}, []string{"line.me"}, nil},
		{site{"Nextdoor", catSocial}, []string{"nextdoor.com"}, nil},
		{site{"Douban", catSocial}, []string{"douban.com"}, nil},
		{site{"Zhihu", catSocial}, []string{"zhihu.com"}, nil},

		// Video platforms. TikTok is social, as GA4 has it.
		{site{"YouTube", catVideo}, []string{"youtube.com", "youtu.be", "youtube-nocookie.com", "com.google.android.youtube"}, []string{"yt"}},
		{site{"Vimeo", catVideo}, []string{"vimeo.com"}, nil},
		{site{"Twitch", catVideo}, []string{"twitch.tv"}, nil},
		{site{"Dailymotion", catVideo}, []string{"dailymotion.com", "dai.ly"}, nil},
		{site{"Rumble", catVideo}, []string{"rumble.com"}, nil},
		{site{"Bilibili", catVideo}, []string{"bilibili.com", "b23.tv"}, nil},

		// Shopping. Amazon, eBay and friends are brands (below).
		{site{"Amazon", catShopping}, []string{"amzn.to", "a.co"}, nil},
		{site{"Google Shopping", catShopping}, []string{"shopping.google.com"}, nil},
		{site{"Etsy", catShopping}, []string{"etsy.com"}, nil},
		{site{"Shopify", catShopping}, []string{"shopify.com", "shop.app"}, nil},
		{site{"Alibaba", catShopping}, []string{"alibaba.com"}, nil},
		{site{"Target", catShopping}, []string{"target.com"}, nil},
		{site{"Best Buy", catShopping}, []string{"bestbuy.com"}, nil},
		{site{"Otto", catShopping}, []string{"otto.de"}, nil},
		{site{"bol.com", catShopping}, []string{"bol.com"}, nil},
		{site{"Allegro", catShopping}, []string{"allegro.pl"}, nil},
		{site{"Temu", catShopping}, []string{"temu.com"}, nil},
		{site{"Shein", catShopping}, []string{"shein.com"}, nil},
		{site{"Wish", catShopping}, []string{"wish.com"}, nil},

		// Webmail and mail apps: GA4 would call these referrals, but a
		// click in a mailbox is an email visit.
		{site{"Gmail", catEmail}, []string{"mail.google.com", "inbox.google.com", "com.google.android.gm"}, nil},
		{site{"Outlook", catEmail}, []string{"outlook.live.com", "outlook.office.com", "outlook.office365.com", "outlook.com", "com.microsoft.office.outlook"}, nil},
		{site{"Yahoo Mail", catEmail}, []string{"mail.yahoo.com", "mail.yahoo.co.jp", "com.yahoo.mobile.client.android.mail"}, nil},
		{site{"AOL Mail", catEmail}, []string{"mail.aol.com"}, nil},
		{site{"Proton Mail", catEmail}, []string{"mail.proton.me", "mail.protonmail.com", "ch.protonmail.android"}, []string{"protonmail"}},
		{site{"Zoho Mail", catEmail}, []string{"mail.zoho.com", "mail.zoho.eu", "mail.zoho.in"}, nil},
		{site{"Fastmail", catEmail}, []string{"fastmail.com"}, nil},
		{site{"Yandex Mail", catEmail}, []string{"mail.yandex.ru", "mail.yandex.com"}, nil},
		{site{"Mail.ru", catEmail}, []string{"e.mail.ru", "touch.mail.ru"}, nil},
		{site{"GMX", catEmail}, []string{"gmx.net", "gmx.de", "gmx.at", "gmx.ch", "gmx.com"}, nil},
		{site{"WEB.DE", catEmail}, []string{"navigator.web.de"}, nil},
		{site{"iCloud Mail", catEmail}, []string{"icloud.com"}, nil},
		{site{"HEY", catEmail}, []string{"app.hey.com"}, nil},
		{site{"Tuta", catEmail}, []string{"app.tuta.com", "mail.tutanota.com"}, nil},
		{site{"Seznam Email", catEmail}, []string{"email.seznam.cz"}, nil},
		{site{"Samsung Email", catEmail}, []string{"com.samsung.android.email.provider"}, nil},

		// Text messaging apps.
		{site{"Messages", catSMS}, []string{"com.google.android.apps.messaging", "com.samsung.android.messaging"}, nil},

		// Named referrers: AI assistants and other sites worth a name.
		{site{"ChatGPT", catReferral}, []string{"chatgpt.com", "chat.openai.com"}, []string{"openai"}},
		{site{"Perplexity", catReferral}, []string{"perplexity.ai"}, nil},
		{site{"Claude", catReferral}, []string{"claude.ai"}, nil},
		{site{"Gemini", catReferral}, []string{"gemini.google.com", "bard.google.com"}, nil},
		{site{"Copilot", catReferral}, []string{"copilot.microsoft.com"}, nil},
		{site{"DeepSeek", catReferral}, []string{"chat.deepseek.com"}, nil},
		{site{"GitHub", catReferral}, []string{"github.com"}, nil},
		{site{"GitLab", catReferral}, []string{"gitlab.com"}, nil},
		{site{"Stack Overflow", catReferral}, []string{"stackoverflow.com"}, []string{"stackoverflow"}},
		{site{"Wikipedia", catReferral}, []string{"wikipedia.org"}, nil},
		{site{"Product Hunt", catReferral}, []string{"producthunt.com"}, []string{"producthunt"}},
		{site{"Substack", catReferral}, []string{"substack.com"}, nil},
		{site{"DEV", catReferral}, []string{"dev.to"}, nil},
		{site{"Google News", catReferral}, []string{"news.google.com"}, nil},
		{site{"Google Play", catReferral}, []string{"play.google.com"}, nil},
		{site{"App Store", catReferral}, []string{"apps.apple.com"}, nil},
	}
}

func brandDefs() []brandDef {
	return []brandDef{
		{site{"Google", catSearch}, "google", []string{"m", "images", "encrypted", "maps", "scholar", "ipv4", "ipv6"}},
		{site{"Yahoo", catSearch}, "yahoo", nil},
		{site{"Yandex", catSearch}, "yandex", nil},
		{site{"Pinterest", catSocial}, "pinterest", nil},
		{site{"Amazon", catShopping}, "amazon", nil},
		{site{"eBay", catShopping}, "ebay", nil},
		{site{"Walmart", catShopping}, "walmart", nil},
		{site{"idealo", catShopping}, "idealo", nil},
		{site{"AliExpress", catShopping}, "aliexpress", nil},
		{site{"Mercado Libre", catShopping}, "mercadolibre", nil},
		{site{"Mercado Livre", catShopping}, "mercadolivre", nil},
		{site{"Rakuten", catShopping}, "rakuten", nil},
		{site{"Zalando", catShopping}, "zalando", nil},
		{site{"PriceRunner", catShopping}, "pricerunner", nil},
	}
}

// siteByHost maps every listed host to its site.
var siteByHost = sync.OnceValue(func() map[string]site {
	m := make(map[string]site)
	for _, d := range siteDefs() {
		for _, h := range d.hosts {
			m[h] = d.site
		}
	}
	return m
})

// brandByLabel maps each brand's registrable label to its definition.
var brandByLabel = sync.OnceValue(func() map[string]brandDef {
	m := make(map[string]brandDef)
	for _, b := range brandDefs() {
		m[b.label] = b
	}
	return m
})

// siteByAlias maps lower-case utm_source spellings to their site: each
// display name, each alias and each brand label.
var siteByAlias = sync.OnceValue(func() map[string]site {
	m := make(map[string]site)
	for _, b := range brandDefs() {
		m[b.label] = b.site
		m[strings.ToLower(b.name)] = b.site
	}
	for _, d := range siteDefs() {
		m[strings.ToLower(d.name)] = d.site
		for _, a := range d.aliases {
			m[a] = d.site
		}
	}
	return m
})

// lookupHost finds the known site of a normalised host (see hostOf).
func lookupHost(host string) (site, bool) {
	if host == "" {
		return site{}, false
	}
	hosts := siteByHost()
	for h := host; ; {
		if s, ok := hosts[h]; ok {
			return s, true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return lookupBrand(host)
}

// lookupBrand matches hosts such as google.co.uk, uk.search.yahoo.com or
// amazon.de: a brand label followed by a public suffix, with an allowed
// subdomain before it.
func lookupBrand(host string) (site, bool) {
	labels := strings.Split(host, ".")
	for i, l := range labels {
		b, ok := brandByLabel()[l]
		if !ok || !isPublicSuffix(labels[i+1:]) {
			continue
		}
		if b.subs != nil && i > 0 && (i > 1 || !contains(b.subs, labels[0])) {
			continue
		}
		return b.site, true
	}
	return site{}, false
}

// isPublicSuffix reports whether labels look like a top-level domain with
// at most one second level under a country code: "com", "de", "co.uk",
// "com.au". It is a heuristic, not the Public Suffix List, good enough
// for recognising brands under country domains.
func isPublicSuffix(labels []string) bool {
	switch len(labels) {
	case 1:
		switch labels[0] {
		case "com", "net", "org":
			return true
		}
		return isCountryCode(labels[0])
	case 2:
		switch labels[0] {
		case "co", "com", "net", "org", "ne", "or", "ac", "gob", "gov", "edu":
			return isCountryCode(labels[1])
		}
	}
	return false
}

func isCountryCode(s string) bool {
	return len(s) == 2 && 'a' <= s[0] && s[0] <= 'z' && 'a' <= s[1] && s[1] <= 'z'
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// lookupSource finds the known site named by a utm_source value: an alias
// ("fb", "google") or a host ("l.facebook.com", "google.de").
func lookupSource(source string) (site, bool) {
	k := strings.ToLower(strings.TrimSpace(source))
	if s, ok := siteByAlias()[k]; ok {
		return s, true
	}
	if strings.ContainsAny(k, ".:/") {
		return lookupHost(hostOf(k))
	}
	return site{}, false
}

// hostOf returns the lower-case host of a referrer-like URL without
// "www.", port, user info or trailing dot, or "" when raw names no web
// host: empty, "null", about:blank, javascript:, data:, malformed. It
// accepts URLs without a scheme ("example.com/page") and android-app:// URLs,
// whose host is the app id.
func hostOf(raw string) string {
	s := strings.TrimSpace(raw)
	switch strings.ToLower(s) {
	case "", "null", "undefined", "none", "(none)", "(direct)", "(not set)":
		return ""
	}
	rest := s
	if i := strings.Index(s, "://"); i >= 0 {
		switch strings.ToLower(s[:i]) {
		case "http", "https", "android-app", "ios-app":
		default:
			return ""
		}
		rest = s[i+3:]
	} else if strings.HasPrefix(s, "//") {
		rest = s[2:]
	} else if i := strings.IndexByte(s, ':'); i >= 0 && isScheme(s[:i]) && !startsWithDigit(s[i+1:]) && s[i+1:] != "" {
		// about:blank, javascript:…, data:…, mailto:… and other opaque URLs.
		return ""
	}
	host := rest
	if i := strings.IndexAny(host, "/?#\\"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 || !isIPv6Literal(host[1:end]) {
			return ""
		}
		return strings.ToLower(host[:end+1])
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if !isHostName(host) {
		return ""
	}
	if h := strings.TrimPrefix(host, "www."); h != "" {
		host = h
	}
	return host
}

// isScheme reports whether s is a URL scheme: a letter, then letters,
// digits, '+', '-' or '.'.
func isScheme(s string) bool {
	if s == "" || !isASCIILetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isASCIILetter(c) && !('0' <= c && c <= '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func startsWithDigit(s string) bool { return s != "" && '0' <= s[0] && s[0] <= '9' }

// isHostName reports whether s, already lower case, is a plausible DNS or
// IDN host name: at most 253 bytes of dot-separated non-empty labels made of
// letters, digits, '-' and '_' (any script), with at least one letter or
// digit.
func isHostName(s string) bool {
	if s == "" || len(s) > 253 || !utf8.ValidString(s) {
		return false
	}
	prevDot, alnum := true, false
	for _, r := range s {
		switch {
		case r == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case r == '-' || r == '_':
		case r < utf8.RuneSelf:
			if !('a' <= r && r <= 'z') && !('0' <= r && r <= '9') {
				return false
			}
			alnum = true
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			alnum = true
		case !unicode.IsMark(r):
			return false
		}
		prevDot = false
	}
	return !prevDot && alnum
}

// isIPv6Literal reports whether s (without brackets) is made only of the
// characters of an IPv6 address.
func isIPv6Literal(s string) bool {
	if s == "" || len(s) > 45 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9') && !('a' <= c && c <= 'f') && !('A' <= c && c <= 'F') && c != ':' && c != '.' {
			return false
		}
	}
	return true
}

package useragent

import (
	"strings"
	"testing"
)

// person and bot build expected Clients so each table row stays on a few
// lines while still asserting every field.
func person(browser, browserVersion, os, osVersion, device string) Client {
	return Client{Browser: browser, BrowserVersion: browserVersion, OS: os, OSVersion: osVersion, Device: device}
}

func bot(browser, browserVersion, os, osVersion, device, reason string) Client {
	return Client{Browser: browser, BrowserVersion: browserVersion, OS: os, OSVersion: osVersion, Device: device, Bot: true, BotReason: reason}
}

// parseCases are real user agents (current releases where it matters) with
// every field of the expected result.
var parseCases = []struct {
	name string
	ua   string
	want Client
}{
	// Desktop browsers.
	{"Chrome Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		person(BrowserChrome, "131", OSWindows, "10", DeviceDesktop)},
	{"Edge Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
		person(BrowserEdge, "131", OSWindows, "10", DeviceDesktop)},
	{"Firefox Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
		person(BrowserFirefox, "133", OSWindows, "10", DeviceDesktop)},
	{"Chrome Windows 7",
		"Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
		person(BrowserChrome, "109", OSWindows, "7", DeviceDesktop)},
	{"Opera Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
		person(BrowserOpera, "115", OSWindows, "10", DeviceDesktop)},
	{"Vivaldi Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Vivaldi/7.0.3495.18",
		person(BrowserVivaldi, "7", OSWindows, "10", DeviceDesktop)},
	{"Yandex Browser Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36",
		person(BrowserYandex, "24", OSWindows, "10", DeviceDesktop)},
	{"Brave with its own token",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Brave/131",
		person(BrowserBrave, "131", OSWindows, "10", DeviceDesktop)},
	{"Safari macOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		person(BrowserSafari, "18", OSMacOS, "10.15", DeviceDesktop)},
	{"Chrome macOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		person(BrowserChrome, "131", OSMacOS, "10.15", DeviceDesktop)},
	{"Firefox macOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
		person(BrowserFirefox, "133", OSMacOS, "10.15", DeviceDesktop)},
	{"Edge macOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
		person(BrowserEdge, "131", OSMacOS, "10.15", DeviceDesktop)},
	// iPadOS Safari asks for desktop sites by default and then sends a
	// Mac's user agent, byte for byte: we can only report a Mac.
	{"iPadOS Safari desktop mode",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
		person(BrowserSafari, "17", OSMacOS, "10.15", DeviceDesktop)},
	{"Chrome Linux",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		person(BrowserChrome, "131", OSLinux, "", DeviceDesktop)},
	{"Firefox Ubuntu",
		"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
		person(BrowserFirefox, "133", OSLinux, "", DeviceDesktop)},
	{"Chrome ChromeOS",
		"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		person(BrowserChrome, "131", OSChromeOS, "", DeviceDesktop)},
	{"Electron app is a person",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.41.105 Chrome/130.0.6723.137 Electron/33.2.0 Safari/537.36 Sonic Slack_SSB/4.41.105",
		person(BrowserOther, "", OSMacOS, "10.15", DeviceDesktop)},

	// Apple mobile.
	{"Safari iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		person(BrowserSafari, "18", OSiOS, "18", DeviceMobile)},
	{"Chrome iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
		person(BrowserChrome, "131", OSiOS, "18", DeviceMobile)},
	{"Firefox iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
		person(BrowserFirefox, "133", OSiOS, "18", DeviceMobile)},
	{"Edge iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/131.2903.68 Mobile/15E148 Safari/605.1.15",
		person(BrowserEdge, "131", OSiOS, "17", DeviceMobile)},
	{"Safari iPad",
		"Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
		person(BrowserSafari, "17", OSiOS, "17", DeviceTablet)},
	{"Chrome iPad",
		"Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
		person(BrowserChrome, "131", OSiOS, "18", DeviceTablet)},
	{"Safari iPod touch",
		"Mozilla/5.0 (iPod touch; CPU iPhone OS 15_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1",
		person(BrowserSafari, "15", OSiOS, "15", DeviceMobile)},
	{"iOS app web view",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		person(BrowserSafariInApp, "", OSiOS, "17", DeviceMobile)},
	{"Google app iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/324.0.645309347 Mobile/15E148 Safari/604.1",
		person(BrowserSafariInApp, "", OSiOS, "17", DeviceMobile)},
	{"Facebook iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/475.0.0.35.109;FBBV/632223145;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/634218567]",
		person(BrowserFacebook, "475", OSiOS, "17", DeviceMobile)},
	{"Instagram iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 339.0.3.12.91 (iPhone14,5; iOS 17_5; en_US; en; scale=3.00; 1170x2532; 621218617; IABMV/1)",
		person(BrowserInstagram, "339", OSiOS, "17", DeviceMobile)},

	// Android.
	{"Chrome Android phone",
		"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
		person(BrowserChrome, "131", OSAndroid, "10", DeviceMobile)},
	{"Chrome Android tablet",
		"Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		person(BrowserChrome, "131", OSAndroid, "14", DeviceTablet)},
	{"Samsung Internet phone",
		"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
		person(BrowserSamsung, "26", OSAndroid, "14", DeviceMobile)},
	{"Samsung Internet tablet",
		"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Safari/537.36",
		person(BrowserSamsung, "26", OSAndroid, "14", DeviceTablet)},
	{"Firefox Android phone",
		"Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
		person(BrowserFirefox, "133", OSAndroid, "14", DeviceMobile)},
	{"Firefox Android tablet",
		"Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0",
		person(BrowserFirefox, "133", OSAndroid, "14", DeviceTablet)},
	{"Edge Android",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0",
		person(BrowserEdge, "131", OSAndroid, "14", DeviceMobile)},
	{"Android WebView",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.107 Mobile Safari/537.36",
		person(BrowserChromeWebview, "130", OSAndroid, "14", DeviceMobile)},
	{"UC Browser Android",
		"Mozilla/5.0 (Linux; U; Android 13; en-US; V2214 Build/TP1A.220624.014) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/123.0.6312.80 UCBrowser/13.4.0.1306 Mobile Safari/537.36",
		person(BrowserUC, "13", OSAndroid, "13", DeviceMobile)},
	{"Facebook Android",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/128.0.6613.127 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/480.0.0.45.109;]",
		person(BrowserFacebook, "480", OSAndroid, "14", DeviceMobile)},
	{"Instagram Android",
		"Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36 Instagram 356.0.0.41.101 Android (34/14; 450dpi; 1080x2340; samsung; SM-S918B; dm3q; qcom; en_US; 657063398)",
		person(BrowserInstagram, "356", OSAndroid, "14", DeviceMobile)},
	{"Silk Kindle Fire",
		"Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/120.3.1 like Chrome/120.0.6099.230 Safari/537.36",
		person(BrowserOther, "", OSAndroid, "9", DeviceTablet)},
	{"Cubot phone is not a bot",
		"Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
		person(BrowserChrome, "120", OSAndroid, "10", DeviceMobile)},
	// An app's own HTTP client: not a browser, not a bot either (the
	// caller decides what to do with server-side traffic).
	{"Android app HTTP client",
		"Dalvik/2.1.0 (Linux; U; Android 13; SM-A536B Build/TP1A.220624.014)",
		person(BrowserOther, "", OSAndroid, "13", DeviceMobile)},

	// Search, SEO and AI crawlers.
	{"Googlebot",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"Googlebot desktop",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"Googlebot smartphone",
		"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		bot(BrowserOther, "", OSAndroid, "6", DeviceMobile, ReasonCrawlerList)},
	{"bingbot",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"AhrefsBot",
		"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"SemrushBot",
		"Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"GPTBot",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"ClaudeBot",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"PerplexityBot",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"CCBot",
		"CCBot/2.0 (https://commoncrawl.org/faq/)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"Applebot",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"YandexBot",
		"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"Baiduspider",
		"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"DuckDuckBot",
		"DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"Bytespider",
		"Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
		bot(BrowserOther, "", OSAndroid, "5", DeviceMobile, ReasonCrawlerList)},
	{"unnamed crawler",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 (compatible; Seekport Crawler; http://seekport.com/)",
		bot(BrowserChrome, "131", OSWindows, "10", DeviceDesktop, ReasonKeyword)},

	// Link previews and monitors.
	{"facebookexternalhit",
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"Slackbot",
		"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"Twitterbot",
		"Twitterbot/1.0",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"Lighthouse mobile",
		"Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
		bot(BrowserChrome, "131", OSAndroid, "11", DeviceMobile, ReasonCrawlerList)},
	{"Lighthouse desktop",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Chrome-Lighthouse",
		bot(BrowserChrome, "131", OSMacOS, "10.15", DeviceDesktop, ReasonCrawlerList)},
	{"Pingdom",
		"Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},
	{"UptimeRobot",
		"Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
		bot(BrowserOther, "", OSOther, "", "", ReasonCrawlerList)},

	// Tools, libraries and headless browsers.
	{"curl", "curl/8.5.0", bot(BrowserOther, "", OSOther, "", "", ReasonAutomation)},
	{"Wget", "Wget/1.21.4", bot(BrowserOther, "", OSOther, "", "", ReasonAutomation)},
	{"python-requests", "python-requests/2.31.0", bot(BrowserOther, "", OSOther, "", "", ReasonAutomation)},
	{"Go-http-client", "Go-http-client/2.0", bot(BrowserOther, "", OSOther, "", "", ReasonAutomation)},
	{"Node fetch", "node", bot(BrowserOther, "", OSOther, "", "", ReasonAutomation)},
	{"HeadlessChrome",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
		bot(BrowserChrome, "131", OSLinux, "", DeviceDesktop, ReasonHeadless)},
	{"PhantomJS",
		"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534.34 (KHTML, like Gecko) PhantomJS/1.9.8 Safari/534.34",
		bot(BrowserOther, "", OSWindows, "7", DeviceDesktop, ReasonHeadless)},

	// Unusable strings.
	{"empty", "", bot(BrowserOther, "", OSOther, "", "", ReasonEmpty)},
	{"whitespace", " \t ", bot(BrowserOther, "", OSOther, "", "", ReasonEmpty)},
	{"too long",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 " + strings.Repeat("x", MaxLength),
		bot(BrowserOther, "", OSOther, "", "", ReasonTooLong)},
}

func TestParse(t *testing.T) {
	t.Parallel()
	p := NewParser(DefaultCacheSize)
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Parse(tc.ua); got != tc.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.ua, got, tc.want)
			}
		})
	}
}

// TestParseLengthLimit pins the boundary: MaxLength bytes are parsed, one
// more is not.
func TestParseLengthLimit(t *testing.T) {
	t.Parallel()
	p := NewParser(0)
	chrome := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	atLimit := chrome + strings.Repeat(" ", MaxLength-len(chrome))
	if got := p.Parse(atLimit); got.Bot {
		t.Errorf("Parse(%d bytes) = %+v, want a person", len(atLimit), got)
	}
	if got := p.Parse(atLimit + "x"); got.BotReason != ReasonTooLong {
		t.Errorf("Parse(%d bytes).BotReason = %q, want %q", len(atLimit)+1, got.BotReason, ReasonTooLong)
	}
}

package useragent

// Client is what a user agent says about the software that sent it. All
// fields are plain values, safe to copy and to compare with ==.
type Client struct {
	// Browser is one of the Browser* constants; BrowserVersion is its
	// major version ("131"), empty when unknown or when Browser is
	// BrowserOther or BrowserSafariInApp.
	Browser, BrowserVersion string
	// OS is one of the OS* constants; OSVersion is its major version
	// ("17", "14"), "10.15" for macOS 10.x, "10", "8.1", "7" … for
	// Windows, and empty for Linux, ChromeOS and OSOther.
	OS, OSVersion string
	// Device is DeviceDesktop, DeviceMobile or DeviceTablet. It is never
	// empty for a non-bot (unknown defaults to desktop); for a bot it is
	// empty unless the user agent names a platform.
	Device string
	// Bot reports a crawler, monitor, link previewer, HTTP library,
	// headless browser or an unusable string; BotReason (a Reason*
	// constant) says which rule decided it and is empty when Bot is false.
	Bot       bool
	BotReason string
}

// Browser names reported in Client.Browser.
const (
	BrowserChrome        = "Chrome"
	BrowserChromeWebview = "Chrome Webview"
	BrowserSafari        = "Safari"
	BrowserSafariInApp   = "Safari (in-app)"
	BrowserFirefox       = "Firefox"
	BrowserEdge          = "Edge"
	BrowserOpera         = "Opera"
	BrowserSamsung       = "Samsung Internet"
	BrowserUC            = "UC Browser"
	BrowserBrave         = "Brave"
	BrowserYandex        = "Yandex Browser"
	BrowserVivaldi       = "Vivaldi"
	BrowserFacebook      = "Facebook"
	BrowserInstagram     = "Instagram"
	BrowserOther         = "Other"
)

// Operating system names reported in Client.OS. iPadOS is reported as
// OSiOS with DeviceTablet.
const (
	OSWindows  = "Windows"
	OSMacOS    = "macOS"
	OSiOS      = "iOS"
	OSAndroid  = "Android"
	OSLinux    = "Linux"
	OSChromeOS = "ChromeOS"
	OSOther    = "Other"
)

// Device classes reported in Client.Device.
const (
	DeviceDesktop = "desktop"
	DeviceMobile  = "mobile"
	DeviceTablet  = "tablet"
)

// Bot reasons reported in Client.BotReason.
const (
	// ReasonEmpty: the user agent is empty or only whitespace.
	ReasonEmpty = "empty"
	// ReasonTooLong: the user agent is longer than MaxLength bytes; it is
	// not parsed at all.
	ReasonTooLong = "too-long"
	// ReasonHeadless: a headless browser (HeadlessChrome, PhantomJS…).
	ReasonHeadless = "headless"
	// ReasonAutomation: an HTTP library, command-line tool or browser
	// automation driver (curl, python-requests, Selenium…).
	ReasonAutomation = "automation"
	// ReasonCrawlerList: a named crawler, monitor or link previewer, from
	// the parsing library's list or ours.
	ReasonCrawlerList = "crawler-list"
	// ReasonKeyword: no named agent matched, but the string has a generic
	// crawler word ("bot", "crawler", "spider"…) or a contact URL, which
	// browsers never send.
	ReasonKeyword = "bot-keyword"
)

// MaxLength is the longest user agent, in bytes, that is parsed. Real
// browsers send well under 500; longer strings are junk or attacks and are
// reported as bots with ReasonTooLong.
const MaxLength = 1000

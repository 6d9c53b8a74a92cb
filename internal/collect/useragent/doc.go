// Package useragent turns a raw User-Agent header into the small, stable
// set of fields the collector stores with every event: browser and major
// version, operating system and major version, device class, and whether
// the client is a bot (and why).
//
// Parsing is done by github.com/mileusna/useragent, a maintained
// token-based parser (a few microseconds per string, no regular
// expressions); this package normalises its output to a short list of
// names and adds bot rules of its own (see bot_list.go). A Parser keeps a
// bounded LRU of results because the same few hundred user agents make up
// most traffic.
//
// Decisions worth knowing when reading the numbers:
//
//   - iPadOS is reported as OS "iOS" with Device "tablet". An iPad in
//     Safari's default "desktop website" mode sends a user agent that is
//     byte-for-byte a Mac's, so it is reported as "macOS"/"desktop"; only
//     script (navigator.maxTouchPoints) could tell them apart.
//   - Browsers froze the macOS version at 10.15.7 and Windows 11 still says
//     "Windows NT 10.0", so OSVersion is "10.15" for every modern Mac and
//     "10" for Windows 10 and 11 alike. Linux and ChromeOS have no version.
//   - Brave sends Chrome's user agent and is reported as "Chrome".
//   - Electron apps (Slack, VS Code, Discord…) are people, not bots: only
//     headless browsers and automation drivers count as "headless" or
//     "automation".
//   - Android WebViews ("; wv)") are "Chrome Webview" and iOS web views
//     without a Safari token are "Safari (in-app)", unless the user agent
//     names Facebook or Instagram.
//
// Whether a bot verdict should drop an event is the caller's decision:
// server-side calls (Segment-style SDKs, imports) often carry no browser
// user agent at all and must never be bot-filtered; this package only
// reports what the string says.
package useragent

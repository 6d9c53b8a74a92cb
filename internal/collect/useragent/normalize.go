package useragent

import (
	"strings"

	mua "github.com/mileusna/useragent"
)

// browserNames maps the parsing library's browser names (and the product
// tokens its fallback picks, such as "YaBrowser") to ours. Names missing
// here become BrowserOther.
var browserNames = map[string]string{
	mua.Chrome:         BrowserChrome,
	mua.HeadlessChrome: BrowserChrome,
	mua.Safari:         BrowserSafari,
	mua.Firefox:        BrowserFirefox,
	mua.Edge:           BrowserEdge,
	mua.Opera:          BrowserOpera,
	mua.OperaMini:      BrowserOpera,
	mua.OperaTouch:     BrowserOpera,
	mua.SamsungBrowser: BrowserSamsung,
	mua.Vivaldi:        BrowserVivaldi,
	mua.FacebookApp:    BrowserFacebook,
	mua.InstagramApp:   BrowserInstagram,
	"UCBrowser":        BrowserUC,
	"UCWEB":            BrowserUC,
	"YaBrowser":        BrowserYandex,
	"Brave":            BrowserBrave,
}

// osNames maps the parsing library's OS names to ours; the rest (Windows
// Phone, BlackBerry, FreeBSD, HarmonyOS…) become OSOther.
var osNames = map[string]string{
	mua.Windows:  OSWindows,
	mua.MacOS:    OSMacOS,
	mua.IOS:      OSiOS,
	mua.Android:  OSAndroid,
	mua.Linux:    OSLinux,
	mua.ChromeOS: OSChromeOS,
}

// windowsVersions maps "Windows NT x.y" to the marketing version. Windows
// 11 sends "10.0" too.
var windowsVersions = map[string]string{
	"10.0": "10",
	"6.3":  "8.1",
	"6.2":  "8",
	"6.1":  "7",
	"6.0":  "Vista",
	"5.2":  "XP",
	"5.1":  "XP",
}

// normalize turns the library's result for ua into our Client fields,
// leaving the bot fields alone.
func normalize(ua string, u mua.UserAgent) Client {
	c := Client{OS: OSOther, Browser: BrowserOther}
	if name, ok := osNames[u.OS]; ok {
		c.OS = name
		c.OSVersion = osVersion(name, u.OSVersion)
	}
	if c.OS == OSOther && strings.Contains(ua, "iPod") {
		// The library recognises iPhone and iPad but not iPod touch.
		c.OS, c.OSVersion = OSiOS, osVersion(OSiOS, iosVersion(ua))
	}
	c.Browser, c.BrowserVersion = browser(ua, u, c.OS)
	c.Device = device(ua, u, c.OS)
	return c
}

// browser picks our browser name and major version.
func browser(ua string, u mua.UserAgent, os string) (name, version string) {
	name = browserNames[u.Name]
	if name == "" {
		name = BrowserOther
	}
	version = major(u.Version)
	switch {
	case name == BrowserFacebook:
		// On iOS the library returns the FBAN value ("FBIOS"), not the
		// app version, which is always in FBAV.
		version = major(valueAfter(ua, "FBAV/"))
	case name == BrowserInstagram:
		// version is already the app's.
	case strings.Contains(ua, "UCBrowser/"):
		// The library names the Chrome token for UC on Android.
		name, version = BrowserUC, major(valueAfter(ua, "UCBrowser/"))
	case os == OSAndroid && strings.Contains(ua, "; wv)"):
		// An app's embedded WebView; the version is Chrome's.
		name, version = BrowserChromeWebview, major(valueAfter(ua, "Chrome/"))
	case os == OSiOS && !strings.Contains(ua, "Safari/"),
		os == OSiOS && name == BrowserSafari && !strings.Contains(ua, "Version/"):
		// A WKWebView inside an app: Mobile Safari always sends both
		// "Version/" and "Safari/", the other iOS browsers their own
		// token (CriOS, FxiOS, EdgiOS…).
		name, version = BrowserSafariInApp, ""
	case name == BrowserSafari && !strings.Contains(ua, "Version/"):
		// Only WebKit look-alikes (Silk, PhantomJS, old Android
		// browsers) say Safari without Safari's version token.
		name = BrowserOther
	case name == BrowserChrome && strings.Contains(ua, "Brave"):
		// Brave normally sends Chrome's string; a few builds say "Brave".
		name = BrowserBrave
	}
	if name == BrowserOther {
		version = ""
	}
	return name, version
}

// osVersion turns the library's OS version into the reported one.
func osVersion(os, v string) string {
	switch os {
	case OSWindows:
		return windowsVersions[v]
	case OSMacOS:
		// Browsers froze macOS at 10.15.7, where the minor is the real
		// release ("10.15" Catalina); from 11 on, the major is.
		if m := major(v); m != "10" {
			return m
		}
		if rest := strings.TrimPrefix(v, "10."); rest != v && major(rest) != "" {
			return "10." + major(rest)
		}
		return "10"
	case OSiOS, OSAndroid:
		return major(v)
	}
	return "" // Linux and ChromeOS versions in user agents are not releases
}

// device classifies the client. Tablets are iPads and Android devices
// whose browser leaves out "Mobile" (Chrome, Samsung Internet and Firefox
// all follow that convention); Android clients that are not browsers at
// all (an app's "Dalvik/2.1.0") count as phones. Unknown platforms are
// desktop here, and parse clears that for bots.
func device(ua string, u mua.UserAgent, os string) string {
	switch {
	case u.Tablet:
		return DeviceTablet
	case os == OSAndroid:
		browserEngine := strings.Contains(ua, "AppleWebKit/") || strings.Contains(ua, "Gecko/")
		if browserEngine && !strings.Contains(ua, "Mobile") {
			return DeviceTablet
		}
		return DeviceMobile
	case u.Mobile, os == OSiOS:
		return DeviceMobile
	}
	return DeviceDesktop
}

// major returns the leading digits of a version ("131.0.6778" → "131"),
// or "" when it does not start with a digit.
func major(v string) string {
	i := 0
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		i++
	}
	return v[:i]
}

// valueAfter returns what follows the first key in ua up to the next
// separator, or "".
func valueAfter(ua, key string) string {
	i := strings.Index(ua, key)
	if i < 0 {
		return ""
	}
	v := ua[i+len(key):]
	if j := strings.IndexAny(v, " ;)]"); j >= 0 {
		v = v[:j]
	}
	return v
}

// iosVersion reads "OS 17_5" out of an Apple mobile user agent.
func iosVersion(ua string) string {
	return valueAfter(ua, " OS ")
}

package normalize

import "strings"

// IsFreeMail reports whether domain belongs to a mailbox provider for the
// public (gmail.com, web.de, yahoo.co.jp, …), whose domain must never
// become a company's. Case, surrounding spaces and a trailing dot are
// ignored. Providers that run the same service under many country domains
// (yahoo, hotmail, outlook, live, aol, gmx, yandex) match under any country
// suffix: "hotmail.es", "yahoo.com.br", "yandex.com.tr".
func IsFreeMail(domain string) bool {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if freeMail[d] {
		return true
	}
	brand, suffix, ok := strings.Cut(d, ".")
	return ok && freeMailBrands[brand] && isCountrySuffix(suffix)
}

// isCountrySuffix reports whether s looks like the public suffix a provider
// registers in every country: "com", "net", a two-letter country code, or
// "co.", "com.", "ne." or "or." before one ("co.uk", "com.br", "ne.jp").
func isCountrySuffix(s string) bool {
	if s == "com" || s == "net" {
		return true
	}
	if second, cc, ok := strings.Cut(s, "."); ok {
		switch second {
		case "co", "com", "ne", "or":
			s = cc
		default:
			return false
		}
	}
	return len(s) == 2 && 'a' <= s[0] && s[0] <= 'z' && 'a' <= s[1] && s[1] <= 'z'
}

// freeMailBrands are the providers matched under any country suffix by
// IsFreeMail.
var freeMailBrands = map[string]bool{
	"yahoo": true, "hotmail": true, "outlook": true, "live": true,
	"aol": true, "gmx": true, "yandex": true,
}

// freeMail are the other public mailbox domains, grouped by provider or
// country. The list holds the widely used ones, not every one that exists.
var freeMail = map[string]bool{
	// Google, Microsoft, Yahoo, Apple, AOL.
	"gmail.com": true, "googlemail.com": true,
	"msn.com": true, "windowslive.com": true,
	"ymail.com": true, "rocketmail.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true,
	"aim.com": true,
	// Privacy-minded and independent providers.
	"proton.me": true, "protonmail.com": true, "protonmail.ch": true, "pm.me": true,
	"tutanota.com": true, "tutanota.de": true, "tuta.io": true, "tuta.com": true,
	"zoho.com": true, "zohomail.com": true,
	"mail.com": true, "email.com": true,
	"fastmail.com": true, "fastmail.fm": true, "hey.com": true,
	"hushmail.com": true, "duck.com": true,
	// Germany, Austria, Switzerland.
	"web.de": true, "t-online.de": true, "magenta.de": true, "freenet.de": true,
	"posteo.de": true, "posteo.net": true, "mailbox.org": true, "arcor.de": true,
	"mail.de": true, "bluewin.ch": true,
	// France, Italy, Benelux.
	"orange.fr": true, "wanadoo.fr": true, "free.fr": true, "laposte.net": true,
	"sfr.fr": true, "neuf.fr": true,
	"libero.it": true, "virgilio.it": true, "alice.it": true, "tiscali.it": true, "tin.it": true,
	"ziggo.nl": true, "kpnmail.nl": true, "planet.nl": true, "telenet.be": true, "skynet.be": true,
	// United Kingdom and Ireland.
	"btinternet.com": true, "sky.com": true, "virginmedia.com": true, "ntlworld.com": true,
	"talktalk.net": true, "blueyonder.co.uk": true, "eircom.net": true,
	// North America.
	"comcast.net": true, "verizon.net": true, "att.net": true, "sbcglobal.net": true,
	"bellsouth.net": true, "cox.net": true, "charter.net": true, "earthlink.net": true,
	"optonline.net": true, "shaw.ca": true, "rogers.com": true, "sympatico.ca": true,
	// Australia, New Zealand, Brazil.
	"bigpond.com": true, "optusnet.com.au": true, "xtra.co.nz": true,
	"uol.com.br": true, "bol.com.br": true, "terra.com.br": true, "ig.com.br": true,
	// Russia, Czechia, Poland.
	"mail.ru": true, "bk.ru": true, "inbox.ru": true, "list.ru": true, "rambler.ru": true, "ya.ru": true,
	"seznam.cz": true, "email.cz": true, "wp.pl": true, "o2.pl": true, "onet.pl": true, "interia.pl": true,
	// China, Korea, India.
	"qq.com": true, "foxmail.com": true, "163.com": true, "126.com": true, "yeah.net": true,
	"sina.com": true, "sina.cn": true, "sohu.com": true, "aliyun.com": true,
	"naver.com": true, "daum.net": true, "hanmail.net": true,
	"rediffmail.com": true,
}

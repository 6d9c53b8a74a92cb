// Package channel works out where a visit came from: the source to show
// ("Google", "Newsletter", "example.com"), the referring host, the UTM
// values of the landing page and the marketing channel, following Google
// Analytics 4's default channel group rules.
//
// It is a pure engine: plain values in and out, no I/O, no logging, and it
// imports nothing of ours. Classify never panics, whatever it is given.
package channel

import (
	"strings"
	"unicode/utf8"
)

// The channels Classify assigns, named as in GA4's default channel group.
const (
	ChannelDirect          = "Direct"
	ChannelCrossNetwork    = "Cross-network"
	ChannelPaidShopping    = "Paid Shopping"
	ChannelPaidSearch      = "Paid Search"
	ChannelPaidSocial      = "Paid Social"
	ChannelPaidVideo       = "Paid Video"
	ChannelDisplay         = "Display"
	ChannelPaidOther       = "Paid Other"
	ChannelOrganicShopping = "Organic Shopping"
	ChannelOrganicSocial   = "Organic Social"
	ChannelOrganicVideo    = "Organic Video"
	ChannelOrganicSearch   = "Organic Search"
	ChannelEmail           = "Email"
	ChannelAffiliates      = "Affiliates"
	ChannelReferral        = "Referral"
	ChannelAudio           = "Audio"
	ChannelSMS             = "SMS"
	ChannelMobilePush      = "Mobile Push Notifications"
	ChannelUnassigned      = "Unassigned"
)

// Channels returns every channel Classify can assign, in the order the rules
// are evaluated with Unassigned last. The slice is new on each call.
func Channels() []string {
	return []string{
		ChannelDirect, ChannelCrossNetwork, ChannelPaidShopping, ChannelPaidSearch,
		ChannelPaidSocial, ChannelPaidVideo, ChannelDisplay, ChannelPaidOther,
		ChannelOrganicShopping, ChannelOrganicSocial, ChannelOrganicVideo,
		ChannelOrganicSearch, ChannelEmail, ChannelAffiliates, ChannelReferral,
		ChannelAudio, ChannelSMS, ChannelMobilePush, ChannelUnassigned,
	}
}

// MaxFieldLen is the most characters (runes) Classify keeps in any Result
// field; longer values are cut.
const MaxFieldLen = 1000

// maxInputLen bounds the work done on one input field. It is well above any
// real URL, so only garbage gets cut.
const maxInputLen = 16 << 10

// Input is what the tracker knows about the first page view of a visit.
type Input struct {
	// PageURL is the landing page URL with its query string; a bare path
	// with a query ("/pricing?utm_source=x") works too.
	PageURL string
	// Referrer is document.referrer as the browser sent it; it may be
	// empty, "null", schemeless or an android-app:// URL.
	Referrer string
	// SiteHost is the tracked site's own host ("example.com"); referrers
	// from it, its www. variant or its subdomains are self-referrals. When
	// empty, the host of an absolute PageURL is used.
	SiteHost string
}

// Result says where a visit came from. All fields are valid UTF-8 of at
// most MaxFieldLen characters.
type Result struct {
	// Source is the display name of the source: a known name ("Google",
	// "Facebook") when the UTM source or the referrer is recognised, the
	// UTM source as given (trimmed) otherwise, else the referrer host; ""
	// for direct visits.
	Source string
	// Referrer is the lower-case referring host without "www." and port,
	// or "" when there is none or it is a self-referral.
	Referrer string
	// Channel is one of the Channel* constants, never empty.
	Channel string
	// UTMSource is utm_source, else ref, else source from the page URL.
	UTMSource string
	// UTMMedium is utm_medium from the page URL, as given (trimmed).
	UTMMedium string
	// UTMCampaign is utm_campaign from the page URL, as given (trimmed).
	UTMCampaign string
	// UTMTerm is utm_term from the page URL, as given (trimmed).
	UTMTerm string
	// UTMContent is utm_content from the page URL, as given (trimmed).
	UTMContent string
}

// Classify works out the source, referrer, UTM values and channel of a
// visit. It never panics and always sets Channel.
//
// The UTM source wins over the referrer for Source; a paid click id
// (gclid, msclkid, ttclid, li_fat_id…) without utm_medium counts as a cost-
// per-click medium, and fbclid only names Facebook as the source.
func Classify(in Input) Result {
	page := cut(in.PageURL, maxInputLen)
	p := pageParams(page)

	ref := hostOf(cut(in.Referrer, maxInputLen))
	site := hostOf(cut(in.SiteHost, maxInputLen))
	if site == "" && (strings.Contains(page, "://") || strings.HasPrefix(page, "//")) {
		site = hostOf(page)
	}
	if isSelfReferral(ref, site) {
		ref = ""
	}

	v := describe(p, ref)
	return Result{
		Source:      clip(v.name),
		Referrer:    clip(ref),
		Channel:     v.channel(),
		UTMSource:   p.source,
		UTMMedium:   p.medium,
		UTMCampaign: p.campaign,
		UTMTerm:     p.term,
		UTMContent:  p.content,
	}
}

// isSelfReferral reports whether ref is the site itself or a subdomain of
// it. Both are already without "www.".
func isSelfReferral(ref, site string) bool {
	if ref == "" || site == "" {
		return false
	}
	return ref == site || strings.HasSuffix(ref, "."+site)
}

// cut returns at most n bytes of s, ending on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// clip makes s valid UTF-8 of at most MaxFieldLen runes.
func clip(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= MaxFieldLen {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxFieldLen {
			return s[:i]
		}
		n++
	}
	return s
}

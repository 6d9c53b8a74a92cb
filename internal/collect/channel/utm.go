package channel

import (
	"net/url"
	"strings"
	"sync"
	"unicode"
)

// params are the campaign values found in a landing page URL.
type params struct {
	source, medium, campaign, term, content string
	// click is the ad click id found, nil when there is none.
	click *clickID
}

// clickID describes an advertising click id query parameter: the platform
// that appends it and whether it alone proves a paid click.
type clickID struct {
	param string
	site  site
	paid  bool
}

// clickIDs returns the click id parameters Classify knows, in the order
// they are preferred when a URL carries several.
//
// fbclid is not paid on its own: Facebook appends it to every outbound
// link, organic posts included. The others are only added to ad clicks.
var clickIDs = sync.OnceValue(func() []clickID {
	google := site{name: "Google", cat: catSearch}
	return []clickID{
		{param: "gclid", site: google, paid: true},
		{param: "gbraid", site: google, paid: true},
		{param: "wbraid", site: google, paid: true},
		{param: "msclkid", site: site{name: "Bing", cat: catSearch}, paid: true},
		{param: "ttclid", site: site{name: "TikTok", cat: catSocial}, paid: true},
		{param: "li_fat_id", site: site{name: "LinkedIn", cat: catSocial}, paid: true},
		{param: "fbclid", site: site{name: "Facebook", cat: catSocial}},
	}
})

// pageParams reads the UTM values and click id from a page URL. It reads
// the query string, and then a query inside the fragment ("#/p?utm_…", as
// single-page apps produce) for anything the query string lacked.
func pageParams(page string) params {
	var p params
	query, fragment := page, ""
	if i := strings.IndexByte(query, '#'); i >= 0 {
		query, fragment = query[:i], query[i+1:]
	}
	if i := strings.IndexByte(query, '?'); i >= 0 {
		p.add(query[i+1:])
	}
	if i := strings.IndexByte(fragment, '?'); i >= 0 {
		p.add(fragment[i+1:])
	} else if strings.Contains(fragment, "=") {
		p.add(fragment)
	}
	return p
}

// add fills the fields still empty from a raw query string. Keys are matched
// case-insensitively; the first non-empty value of a key wins. For the
// source, utm_source is preferred over ref and ref over source, wherever
// they appear.
func (p *params) add(query string) {
	var ref, src string
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		k, v, _ := strings.Cut(pair, "=")
		key := strings.ToLower(strings.TrimSpace(unescape(k)))
		switch key {
		case "utm_source", "ref", "source", "utm_medium", "utm_campaign", "utm_term", "utm_content":
		default:
			if p.click == nil {
				p.click = findClickID(key, v)
			}
			continue
		}
		val := cleanValue(unescape(v))
		if val == "" {
			continue
		}
		switch key {
		case "utm_source":
			setOnce(&p.source, val)
		case "ref":
			setOnce(&ref, val)
		case "source":
			setOnce(&src, val)
		case "utm_medium":
			setOnce(&p.medium, val)
		case "utm_campaign":
			setOnce(&p.campaign, val)
		case "utm_term":
			setOnce(&p.term, val)
		case "utm_content":
			setOnce(&p.content, val)
		}
	}
	setOnce(&p.source, ref)
	setOnce(&p.source, src)
}

// findClickID returns the click id named key when its value is not blank.
func findClickID(key, value string) *clickID {
	if value == "" {
		return nil
	}
	for _, c := range clickIDs() {
		if c.param == key {
			return &c
		}
	}
	return nil
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// unescape decodes a query component, keeping the raw text (with '+' as a
// space) when it is not validly escaped.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return strings.ReplaceAll(s, "+", " ")
}

// cleanValue drops control characters, trims spaces and bounds the length of
// a decoded parameter value.
func cleanValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(clip(strings.TrimSpace(s)))
}

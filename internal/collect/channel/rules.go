package channel

import "strings"

// visit is a visit reduced to what GA4's channel rules look at: a
// session source, medium and campaign name, with the category of the source.
type visit struct {
	name     string   // display name of the source
	source   string   // lower-case source, for the rules that compare text
	medium   string   // lower-case medium; "" is GA4's "(none)"/"(not set)"
	campaign string   // lower-case campaign name
	cat      category // category of the source
	// inferred is set when cat comes from the referrer or a click id while
	// utm_medium was given explicitly. Such a category still makes a paid
	// medium Paid Search/Social/…, but does not override the medium for the
	// organic rules: utm_medium=email clicked on google.com is Email.
	inferred bool
}

// describe derives the visit's source and medium the way GA4 does: campaign
// parameters first, then click ids, then the referrer.
//
// Unlike GA4, a missing utm_source is filled from the referrer or click id
// (google.com + utm_medium=cpc is Paid Search, not Paid Other), and a missing
// utm_medium is filled from the referrer (GA4 would leave it "(not set)").
func describe(p params, ref string) visit {
	var v visit
	refSite, refKnown := lookupHost(ref)
	src := p.source
	if isNotSet(src) {
		src = ""
	}
	switch {
	case src != "":
		v.source = strings.ToLower(src)
		v.name = src
		if s, ok := lookupSource(src); ok {
			v.name, v.cat = s.name, s.cat
		}
	case refKnown:
		v.source, v.name, v.cat = ref, refSite.name, refSite.cat
	case p.click != nil:
		v.source, v.name, v.cat = strings.ToLower(p.click.site.name), p.click.site.name, p.click.site.cat
	case ref != "":
		v.source, v.name = ref, ref
	}

	medium := p.medium
	if isNotSet(medium) {
		medium = ""
	}
	switch {
	case medium != "":
		v.medium = strings.ToLower(medium)
		v.inferred = src == ""
	case p.click != nil && p.click.paid:
		v.medium = "cpc"
	case ref != "":
		v.medium = referrerMedium(refSite.cat)
	}
	v.campaign = strings.ToLower(p.campaign)
	return v
}

// isNotSet reports whether a UTM value is one of GA4's own markers for
// a missing value ("(direct)", "(none)", "(not set)"), which mean nothing.
func isNotSet(s string) bool {
	switch strings.ToLower(s) {
	case "(none)", "(not set)", "(direct)":
		return true
	}
	return false
}

// referrerMedium is the medium GA4 gives a visit that arrived through a
// link with no campaign parameters: "organic" from a search engine,
// "referral" from anything else. Mail and messaging apps get "email" and
// "sms" here, a mops addition.
func referrerMedium(c category) string {
	switch c {
	case catSearch:
		return "organic"
	case catEmail:
		return "email"
	case catSMS:
		return "sms"
	}
	return "referral"
}

// channel applies GA4's default channel group rules in GA4's order; the
// first that matches wins.
func (v visit) channel() string {
	paid := isPaidMedium(v.medium)
	shopCampaign := isShoppingCampaign(v.campaign)
	cat := v.cat // the category the organic rules may use
	if v.inferred {
		cat = catNone
	}
	switch {
	case v.source == "" && v.medium == "" && v.campaign == "":
		return ChannelDirect
	case strings.Contains(v.campaign, "cross-network"):
		return ChannelCrossNetwork
	case (v.cat == catShopping || shopCampaign) && paid:
		return ChannelPaidShopping
	case v.cat == catSearch && paid:
		return ChannelPaidSearch
	case v.cat == catSocial && paid:
		return ChannelPaidSocial
	case v.cat == catVideo && paid:
		return ChannelPaidVideo
	case isDisplayMedium(v.medium):
		return ChannelDisplay
	case paid:
		return ChannelPaidOther
	case cat == catShopping || shopCampaign:
		return ChannelOrganicShopping
	case cat == catSocial || isSocialMedium(v.medium):
		return ChannelOrganicSocial
	case cat == catVideo || strings.Contains(v.medium, "video"):
		return ChannelOrganicVideo
	case cat == catSearch || v.medium == "organic":
		return ChannelOrganicSearch
	case cat == catEmail || isEmailWord(v.source) || isEmailWord(v.medium):
		return ChannelEmail
	case v.medium == "affiliate":
		return ChannelAffiliates
	case isReferralMedium(v.medium) || v.medium == "" && cat == catReferral:
		return ChannelReferral
	case v.medium == "audio":
		return ChannelAudio
	case cat == catSMS || v.source == "sms" || v.medium == "sms":
		return ChannelSMS
	case strings.HasSuffix(v.medium, "push") || strings.Contains(v.medium, "mobile") ||
		strings.Contains(v.medium, "notification") || v.source == "firebase":
		return ChannelMobilePush
	}
	return ChannelUnassigned
}

// isPaidMedium implements GA4's paid medium regex
// ^(.*cp.*|ppc|retargeting|paid.*)$ on a lower-case medium.
func isPaidMedium(m string) bool {
	return strings.Contains(m, "cp") || m == "ppc" || m == "retargeting" || strings.HasPrefix(m, "paid")
}

// isShoppingCampaign implements GA4's shopping campaign regex
// ^(.*(([^a-df-z]|^)shop|shopping).*)$ on a lower-case campaign name:
// "shopping" anywhere, or "shop" at the start or after anything but a
// lower-case letter other than 'e' ("eshop", "e-shop", "summer_shop", but
// not "workshop").
func isShoppingCampaign(c string) bool {
	if strings.Contains(c, "shopping") {
		return true
	}
	for i := 0; ; {
		j := strings.Index(c[i:], "shop")
		if j < 0 {
			return false
		}
		at := i + j
		if at == 0 {
			return true
		}
		if b := c[at-1]; b < 'a' || b > 'z' || b == 'e' {
			return true
		}
		i = at + 1
	}
}

// isDisplayMedium is GA4's Display rule.
func isDisplayMedium(m string) bool {
	switch m {
	case "display", "banner", "expandable", "interstitial", "cpm":
		return true
	}
	return false
}

// isSocialMedium is the medium half of GA4's Organic Social rule.
func isSocialMedium(m string) bool {
	switch m {
	case "social", "social-network", "social-media", "sm", "social network", "social media":
		return true
	}
	return false
}

// isEmailWord is GA4's Email rule for a source or a medium.
func isEmailWord(s string) bool {
	switch s {
	case "email", "e-mail", "e_mail", "e mail":
		return true
	}
	return false
}

// isReferralMedium is GA4's Referral rule.
func isReferralMedium(m string) bool {
	switch m {
	case "referral", "app", "link":
		return true
	}
	return false
}

package channel

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

const ownHost = "example.com"

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Input
		want Result
	}{
		// Direct and self-referrals.
		{"nothing at all", Input{}, Result{Channel: ChannelDirect}},
		{"landing page only", Input{PageURL: "https://example.com/pricing", SiteHost: ownHost}, Result{Channel: ChannelDirect}},
		{"null referrer", Input{PageURL: "https://example.com/", Referrer: "null", SiteHost: ownHost}, Result{Channel: ChannelDirect}},
		{"about:blank referrer", Input{Referrer: "about:blank", SiteHost: ownHost}, Result{Channel: ChannelDirect}},
		{"javascript referrer", Input{Referrer: "javascript:void(0)", SiteHost: ownHost}, Result{Channel: ChannelDirect}},
		{"garbage referrer", Input{Referrer: "not a url at all", SiteHost: ownHost}, Result{Channel: ChannelDirect}},
		{"self referral same host", Input{Referrer: "https://example.com/blog", SiteHost: ownHost}, Result{Channel: ChannelDirect}},
		{"self referral www variant", Input{Referrer: "https://www.example.com/", SiteHost: ownHost}, Result{Channel: ChannelDirect}},
		{"self referral site host has www", Input{Referrer: "https://example.com/", SiteHost: "www.example.com"}, Result{Channel: ChannelDirect}},
		{"self referral subdomain", Input{Referrer: "https://blog.example.com/post", SiteHost: "www.example.com"}, Result{Channel: ChannelDirect}},
		{"self referral uppercase and port", Input{Referrer: "HTTPS://WWW.EXAMPLE.COM:8443/a", SiteHost: "Example.COM"}, Result{Channel: ChannelDirect}},
		{"self referral site host from page URL", Input{PageURL: "https://shop.example.org/x", Referrer: "https://shop.example.org/y"}, Result{Channel: ChannelDirect}},
		{"self referral site host given as URL", Input{Referrer: "https://example.com/", SiteHost: "https://example.com/"}, Result{Channel: ChannelDirect}},
		{"GA4 not-set markers are nothing", Input{PageURL: "/?utm_source=(direct)&utm_medium=(none)"},
			Result{Channel: ChannelDirect, UTMSource: "(direct)", UTMMedium: "(none)"}},
		{"parent domain of site is not self", Input{Referrer: "https://example.com/", SiteHost: "blog.example.com"},
			Result{Source: "example.com", Referrer: "example.com", Channel: ChannelReferral}},
		{"self referral with utm is the campaign", Input{PageURL: "https://example.com/?utm_source=newsletter&utm_medium=email", Referrer: "https://example.com/", SiteHost: ownHost},
			Result{Source: "newsletter", Channel: ChannelEmail, UTMSource: "newsletter", UTMMedium: "email"}},

		// Cross-network.
		{"cross-network campaign wins over paid search", Input{PageURL: "/?utm_source=google&utm_medium=cpc&utm_campaign=PMax_Cross-Network_Q3"},
			Result{Source: "Google", Channel: ChannelCrossNetwork, UTMSource: "google", UTMMedium: "cpc", UTMCampaign: "PMax_Cross-Network_Q3"}},

		// Paid Shopping.
		{"shopping site with paid medium", Input{PageURL: "/?utm_source=amazon&utm_medium=cpc"},
			Result{Source: "Amazon", Channel: ChannelPaidShopping, UTMSource: "amazon", UTMMedium: "cpc"}},
		{"shop campaign with paid medium beats paid search", Input{PageURL: "/?utm_source=google&utm_medium=cpc&utm_campaign=summer_shop"},
			Result{Source: "Google", Channel: ChannelPaidShopping, UTMSource: "google", UTMMedium: "cpc", UTMCampaign: "summer_shop"}},
		{"workshop is not a shop campaign", Input{PageURL: "/?utm_source=partner&utm_medium=ppc&utm_campaign=workshop"},
			Result{Source: "partner", Channel: ChannelPaidOther, UTMSource: "partner", UTMMedium: "ppc", UTMCampaign: "workshop"}},

		// Paid Search.
		{"google referrer with cpc medium", Input{PageURL: "/?utm_medium=cpc", Referrer: "https://www.google.com/"},
			Result{Source: "Google", Referrer: "google.com", Channel: ChannelPaidSearch, UTMMedium: "cpc"}},
		{"gclid without referrer", Input{PageURL: "https://example.com/?gclid=Cj0KCQ"},
			Result{Source: "Google", Channel: ChannelPaidSearch}},
		{"gclid with google referrer", Input{PageURL: "/?gclid=abc", Referrer: "https://www.google.de/"},
			Result{Source: "Google", Referrer: "google.de", Channel: ChannelPaidSearch}},
		{"gclid through an unknown redirect", Input{PageURL: "/?gclid=abc", Referrer: "https://partner.example.net/"},
			Result{Source: "Google", Referrer: "partner.example.net", Channel: ChannelPaidSearch}},
		{"gbraid from iOS", Input{PageURL: "/?gbraid=0AAAAA"}, Result{Source: "Google", Channel: ChannelPaidSearch}},
		{"msclkid", Input{PageURL: "/?msclkid=123"}, Result{Source: "Bing", Channel: ChannelPaidSearch}},
		{"msclkid shown on duckduckgo", Input{PageURL: "/?msclkid=123", Referrer: "https://duckduckgo.com/"},
			Result{Source: "DuckDuckGo", Referrer: "duckduckgo.com", Channel: ChannelPaidSearch}},
		{"utm source google with ppc", Input{PageURL: "/?utm_source=google&utm_medium=ppc"},
			Result{Source: "Google", Channel: ChannelPaidSearch, UTMSource: "google", UTMMedium: "ppc"}},
		{"bing paidsearch", Input{PageURL: "/?utm_source=Bing&utm_medium=paidsearch"},
			Result{Source: "Bing", Channel: ChannelPaidSearch, UTMSource: "Bing", UTMMedium: "paidsearch"}},
		{"cpm on a search engine is paid search", Input{PageURL: "/?utm_medium=cpm", Referrer: "https://www.bing.com/"},
			Result{Source: "Bing", Referrer: "bing.com", Channel: ChannelPaidSearch, UTMMedium: "cpm"}},

		// Paid Social.
		{"facebook referrer with paid_social", Input{PageURL: "/?utm_medium=paid_social", Referrer: "https://l.facebook.com/"},
			Result{Source: "Facebook", Referrer: "l.facebook.com", Channel: ChannelPaidSocial, UTMMedium: "paid_social"}},
		{"fb alias with cpc", Input{PageURL: "/?utm_source=fb&utm_medium=cpc"},
			Result{Source: "Facebook", Channel: ChannelPaidSocial, UTMSource: "fb", UTMMedium: "cpc"}},
		{"fbclid with paid medium", Input{PageURL: "/?fbclid=IwAR0&utm_medium=paid"},
			Result{Source: "Facebook", Channel: ChannelPaidSocial, UTMMedium: "paid"}},
		{"ttclid", Input{PageURL: "/?ttclid=E.C.P"}, Result{Source: "TikTok", Channel: ChannelPaidSocial}},
		{"li_fat_id", Input{PageURL: "/?li_fat_id=abc-123"}, Result{Source: "LinkedIn", Channel: ChannelPaidSocial}},

		// Paid Video.
		{"youtube with cpv", Input{PageURL: "/?utm_source=youtube&utm_medium=cpv"},
			Result{Source: "YouTube", Channel: ChannelPaidVideo, UTMSource: "youtube", UTMMedium: "cpv"}},
		{"gclid from youtube", Input{PageURL: "/?gclid=x", Referrer: "https://m.youtube.com/watch?v=1"},
			Result{Source: "YouTube", Referrer: "m.youtube.com", Channel: ChannelPaidVideo}},

		// Display.
		{"banner medium", Input{PageURL: "/?utm_source=adnet&utm_medium=banner"},
			Result{Source: "adnet", Channel: ChannelDisplay, UTMSource: "adnet", UTMMedium: "banner"}},
		{"cpm without a known site is display", Input{PageURL: "/?utm_source=newsletter&utm_medium=CPM"},
			Result{Source: "newsletter", Channel: ChannelDisplay, UTMSource: "newsletter", UTMMedium: "CPM"}},
		{"interstitial medium", Input{PageURL: "/?utm_medium=interstitial"},
			Result{Channel: ChannelDisplay, UTMMedium: "interstitial"}},

		// Paid Other.
		{"retargeting", Input{PageURL: "/?utm_source=criteo&utm_medium=retargeting"},
			Result{Source: "criteo", Channel: ChannelPaidOther, UTMSource: "criteo", UTMMedium: "retargeting"}},
		{"paid medium without source", Input{PageURL: "/?utm_medium=paid"}, Result{Channel: ChannelPaidOther, UTMMedium: "paid"}},

		// Organic Shopping.
		{"amazon country domain", Input{Referrer: "https://www.amazon.de/dp/B0"},
			Result{Source: "Amazon", Referrer: "amazon.de", Channel: ChannelOrganicShopping}},
		{"ebay uk", Input{Referrer: "https://www.ebay.co.uk/itm/1"},
			Result{Source: "eBay", Referrer: "ebay.co.uk", Channel: ChannelOrganicShopping}},
		{"google shopping", Input{Referrer: "https://shopping.google.com/"},
			Result{Source: "Google Shopping", Referrer: "shopping.google.com", Channel: ChannelOrganicShopping}},
		{"eshop campaign", Input{PageURL: "/?utm_source=partner&utm_medium=referral&utm_campaign=eShop-launch"},
			Result{Source: "partner", Channel: ChannelOrganicShopping, UTMSource: "partner", UTMMedium: "referral", UTMCampaign: "eShop-launch"}},

		// Organic Social.
		{"l.facebook.com", Input{Referrer: "https://l.facebook.com/l.php?u=x"},
			Result{Source: "Facebook", Referrer: "l.facebook.com", Channel: ChannelOrganicSocial}},
		{"lm.facebook.com", Input{Referrer: "https://lm.facebook.com/"},
			Result{Source: "Facebook", Referrer: "lm.facebook.com", Channel: ChannelOrganicSocial}},
		{"m.facebook.com", Input{Referrer: "http://m.facebook.com"},
			Result{Source: "Facebook", Referrer: "m.facebook.com", Channel: ChannelOrganicSocial}},
		{"fbclid alone is organic", Input{PageURL: "/?fbclid=IwAR0"}, Result{Source: "Facebook", Channel: ChannelOrganicSocial}},
		{"t.co", Input{Referrer: "https://t.co/abc"}, Result{Source: "X (Twitter)", Referrer: "t.co", Channel: ChannelOrganicSocial}},
		{"x.com", Input{Referrer: "https://x.com/"}, Result{Source: "X (Twitter)", Referrer: "x.com", Channel: ChannelOrganicSocial}},
		{"lnkd.in", Input{Referrer: "https://lnkd.in/x"}, Result{Source: "LinkedIn", Referrer: "lnkd.in", Channel: ChannelOrganicSocial}},
		{"hacker news", Input{Referrer: "https://news.ycombinator.com/item?id=1"},
			Result{Source: "Hacker News", Referrer: "news.ycombinator.com", Channel: ChannelOrganicSocial}},
		{"old reddit", Input{Referrer: "https://old.reddit.com/r/golang"},
			Result{Source: "Reddit", Referrer: "old.reddit.com", Channel: ChannelOrganicSocial}},
		{"mastodon.social", Input{Referrer: "https://mastodon.social/@x"},
			Result{Source: "Mastodon", Referrer: "mastodon.social", Channel: ChannelOrganicSocial}},
		{"bluesky", Input{Referrer: "https://bsky.app/"}, Result{Source: "Bluesky", Referrer: "bsky.app", Channel: ChannelOrganicSocial}},
		{"pinterest country domain", Input{Referrer: "https://www.pinterest.co.uk/"},
			Result{Source: "Pinterest", Referrer: "pinterest.co.uk", Channel: ChannelOrganicSocial}},
		{"tiktok is social", Input{Referrer: "https://www.tiktok.com/"},
			Result{Source: "TikTok", Referrer: "tiktok.com", Channel: ChannelOrganicSocial}},
		{"telegram", Input{Referrer: "https://t.me/channel"}, Result{Source: "Telegram", Referrer: "t.me", Channel: ChannelOrganicSocial}},
		{"social medium without source", Input{PageURL: "/?utm_medium=social-media"},
			Result{Channel: ChannelOrganicSocial, UTMMedium: "social-media"}},
		{"ig alias without medium", Input{PageURL: "/?utm_source=IG"},
			Result{Source: "Instagram", Channel: ChannelOrganicSocial, UTMSource: "IG"}},

		// Organic Video.
		{"youtube", Input{Referrer: "https://www.youtube.com/"}, Result{Source: "YouTube", Referrer: "youtube.com", Channel: ChannelOrganicVideo}},
		{"youtu.be", Input{Referrer: "https://youtu.be/xyz"}, Result{Source: "YouTube", Referrer: "youtu.be", Channel: ChannelOrganicVideo}},
		{"vimeo", Input{Referrer: "https://vimeo.com/1"}, Result{Source: "Vimeo", Referrer: "vimeo.com", Channel: ChannelOrganicVideo}},
		{"video medium", Input{PageURL: "/?utm_source=webinar&utm_medium=Video_embed"},
			Result{Source: "webinar", Channel: ChannelOrganicVideo, UTMSource: "webinar", UTMMedium: "Video_embed"}},

		// Organic Search.
		{"google", Input{Referrer: "https://www.google.com/"}, Result{Source: "Google", Referrer: "google.com", Channel: ChannelOrganicSearch}},
		{"google uk", Input{Referrer: "https://www.google.co.uk/"}, Result{Source: "Google", Referrer: "google.co.uk", Channel: ChannelOrganicSearch}},
		{"google australia", Input{Referrer: "https://www.google.com.au/search?q=x"}, Result{Source: "Google", Referrer: "google.com.au", Channel: ChannelOrganicSearch}},
		{"schemeless google.de", Input{Referrer: "google.de/"}, Result{Source: "Google", Referrer: "google.de", Channel: ChannelOrganicSearch}},
		{"google app", Input{Referrer: "android-app://com.google.android.googlequicksearchbox/https/www.google.com"},
			Result{Source: "Google", Referrer: "com.google.android.googlequicksearchbox", Channel: ChannelOrganicSearch}},
		{"bing", Input{Referrer: "https://www.bing.com/search?q=mops"}, Result{Source: "Bing", Referrer: "bing.com", Channel: ChannelOrganicSearch}},
		{"duckduckgo", Input{Referrer: "https://duckduckgo.com/"}, Result{Source: "DuckDuckGo", Referrer: "duckduckgo.com", Channel: ChannelOrganicSearch}},
		{"yahoo search subdomain", Input{Referrer: "https://uk.search.yahoo.com/"}, Result{Source: "Yahoo", Referrer: "uk.search.yahoo.com", Channel: ChannelOrganicSearch}},
		{"yandex", Input{Referrer: "https://yandex.ru/search/?text=x"}, Result{Source: "Yandex", Referrer: "yandex.ru", Channel: ChannelOrganicSearch}},
		{"baidu mobile", Input{Referrer: "https://m.baidu.com/"}, Result{Source: "Baidu", Referrer: "m.baidu.com", Channel: ChannelOrganicSearch}},
		{"brave search", Input{Referrer: "https://search.brave.com/"}, Result{Source: "Brave Search", Referrer: "search.brave.com", Channel: ChannelOrganicSearch}},
		{"ecosia", Input{Referrer: "https://www.ecosia.org/"}, Result{Source: "Ecosia", Referrer: "ecosia.org", Channel: ChannelOrganicSearch}},
		{"organic medium without source", Input{PageURL: "/?utm_medium=organic"}, Result{Channel: ChannelOrganicSearch, UTMMedium: "organic"}},

		// Email.
		{"email medium from a search referrer", Input{PageURL: "/?utm_medium=email", Referrer: "https://www.google.com/"},
			Result{Source: "Google", Referrer: "google.com", Channel: ChannelEmail, UTMMedium: "email"}},
		{"email medium from an unknown referrer", Input{PageURL: "/?utm_medium=email", Referrer: "https://click.mailer.example/"},
			Result{Source: "click.mailer.example", Referrer: "click.mailer.example", Channel: ChannelEmail, UTMMedium: "email"}},
		{"newsletter with E-Mail medium", Input{PageURL: "/?utm_source=newsletter&utm_medium=E-Mail&utm_campaign=june"},
			Result{Source: "newsletter", Channel: ChannelEmail, UTMSource: "newsletter", UTMMedium: "E-Mail", UTMCampaign: "june"}},
		{"email source alone", Input{PageURL: "/?utm_source=email"}, Result{Source: "email", Channel: ChannelEmail, UTMSource: "email"}},
		{"escaped e mail medium", Input{PageURL: "/?utm_medium=e%20mail"}, Result{Channel: ChannelEmail, UTMMedium: "e mail"}},
		{"gmail web", Input{Referrer: "https://mail.google.com/"}, Result{Source: "Gmail", Referrer: "mail.google.com", Channel: ChannelEmail}},
		{"gmail app", Input{Referrer: "android-app://com.google.android.gm"}, Result{Source: "Gmail", Referrer: "com.google.android.gm", Channel: ChannelEmail}},
		{"outlook web", Input{Referrer: "https://outlook.live.com/"}, Result{Source: "Outlook", Referrer: "outlook.live.com", Channel: ChannelEmail}},
		{"yahoo mail is not yahoo search", Input{Referrer: "https://mail.yahoo.com/d/folders/1"},
			Result{Source: "Yahoo Mail", Referrer: "mail.yahoo.com", Channel: ChannelEmail}},
		{"newsletter source opened in gmail", Input{PageURL: "/?utm_source=newsletter", Referrer: "https://mail.google.com/"},
			Result{Source: "newsletter", Referrer: "mail.google.com", Channel: ChannelEmail, UTMSource: "newsletter"}},

		// Affiliates.
		{"affiliate medium", Input{PageURL: "/?utm_source=partner42&utm_medium=affiliate", Referrer: "https://coupons.example.net/"},
			Result{Source: "partner42", Referrer: "coupons.example.net", Channel: ChannelAffiliates, UTMSource: "partner42", UTMMedium: "affiliate"}},

		// Referral.
		{"unknown referrer", Input{Referrer: "https://blog.example.net/post/1"},
			Result{Source: "blog.example.net", Referrer: "blog.example.net", Channel: ChannelReferral}},
		{"unknown referrer without www", Input{Referrer: "https://www.example.org/"},
			Result{Source: "example.org", Referrer: "example.org", Channel: ChannelReferral}},
		{"referrer with user info and port", Input{Referrer: "http://user:pw@Example.NET:8080/x"},
			Result{Source: "example.net", Referrer: "example.net", Channel: ChannelReferral}},
		{"protocol-relative referrer", Input{Referrer: "//news.example.net/a"},
			Result{Source: "news.example.net", Referrer: "news.example.net", Channel: ChannelReferral}},
		{"IDN referrer", Input{Referrer: "https://Bücher.example/katalog"},
			Result{Source: "bücher.example", Referrer: "bücher.example", Channel: ChannelReferral}},
		{"punycode referrer", Input{Referrer: "https://xn--bcher-kva.example/"},
			Result{Source: "xn--bcher-kva.example", Referrer: "xn--bcher-kva.example", Channel: ChannelReferral}},
		{"google docs is not google search", Input{Referrer: "https://docs.google.com/document/d/1"},
			Result{Source: "docs.google.com", Referrer: "docs.google.com", Channel: ChannelReferral}},
		{"chatgpt", Input{Referrer: "https://chatgpt.com/"}, Result{Source: "ChatGPT", Referrer: "chatgpt.com", Channel: ChannelReferral}},
		{"chat.openai.com", Input{Referrer: "https://chat.openai.com/c/1"}, Result{Source: "ChatGPT", Referrer: "chat.openai.com", Channel: ChannelReferral}},
		{"chatgpt utm_source without referrer", Input{PageURL: "/?utm_source=chatgpt.com"},
			Result{Source: "ChatGPT", Channel: ChannelReferral, UTMSource: "chatgpt.com"}},
		{"perplexity", Input{Referrer: "https://www.perplexity.ai/"}, Result{Source: "Perplexity", Referrer: "perplexity.ai", Channel: ChannelReferral}},
		{"github", Input{Referrer: "https://github.com/mopshq/mops"}, Result{Source: "GitHub", Referrer: "github.com", Channel: ChannelReferral}},
		{"referral medium", Input{PageURL: "/?utm_source=partner&utm_medium=referral"},
			Result{Source: "partner", Channel: ChannelReferral, UTMSource: "partner", UTMMedium: "referral"}},
		{"ref parameter with its referrer", Input{PageURL: "/?ref=producthunt", Referrer: "https://www.producthunt.com/posts/mops"},
			Result{Source: "Product Hunt", Referrer: "producthunt.com", Channel: ChannelReferral, UTMSource: "producthunt"}},
		{"unknown android app", Input{Referrer: "android-app://com.example.reader"},
			Result{Source: "com.example.reader", Referrer: "com.example.reader", Channel: ChannelReferral}},

		// Audio, SMS, Mobile Push Notifications.
		{"audio medium", Input{PageURL: "/?utm_source=spotify&utm_medium=audio"},
			Result{Source: "spotify", Channel: ChannelAudio, UTMSource: "spotify", UTMMedium: "audio"}},
		{"sms source", Input{PageURL: "/?utm_source=sms&utm_campaign=flash-sale"},
			Result{Source: "sms", Channel: ChannelSMS, UTMSource: "sms", UTMCampaign: "flash-sale"}},
		{"sms medium", Input{PageURL: "/?utm_source=twilio&utm_medium=SMS"},
			Result{Source: "twilio", Channel: ChannelSMS, UTMSource: "twilio", UTMMedium: "SMS"}},
		{"messages app", Input{Referrer: "android-app://com.google.android.apps.messaging"},
			Result{Source: "Messages", Referrer: "com.google.android.apps.messaging", Channel: ChannelSMS}},
		{"web push medium", Input{PageURL: "/?utm_source=onesignal&utm_medium=web-push"},
			Result{Source: "onesignal", Channel: ChannelMobilePush, UTMSource: "onesignal", UTMMedium: "web-push"}},
		{"notification medium", Input{PageURL: "/?utm_medium=in_app_notification"},
			Result{Channel: ChannelMobilePush, UTMMedium: "in_app_notification"}},
		{"firebase source", Input{PageURL: "/?utm_source=firebase"},
			Result{Source: "firebase", Channel: ChannelMobilePush, UTMSource: "firebase"}},

		// Unassigned.
		{"unknown medium", Input{PageURL: "/?utm_medium=foo"}, Result{Channel: ChannelUnassigned, UTMMedium: "foo"}},
		{"unknown medium from a social referrer", Input{PageURL: "/?utm_medium=foo", Referrer: "https://l.facebook.com/"},
			Result{Source: "Facebook", Referrer: "l.facebook.com", Channel: ChannelUnassigned, UTMMedium: "foo"}},
		{"unknown source alone", Input{PageURL: "/?utm_source=newsletter"},
			Result{Source: "newsletter", Channel: ChannelUnassigned, UTMSource: "newsletter"}},
		{"campaign alone", Input{PageURL: "/?utm_campaign=spring"}, Result{Channel: ChannelUnassigned, UTMCampaign: "spring"}},

		// Source naming and parameter parsing.
		{"utm source wins over referrer", Input{PageURL: "/?utm_source=Google", Referrer: "https://www.facebook.com/"},
			Result{Source: "Google", Referrer: "facebook.com", Channel: ChannelOrganicSearch, UTMSource: "Google"}},
		{"unknown source trimmed but as given", Input{PageURL: "/?utm_source=+%20Newsletter%20&utm_medium=email"},
			Result{Source: "Newsletter", Channel: ChannelEmail, UTMSource: "Newsletter", UTMMedium: "email"}},
		{"alias is case-insensitive", Input{PageURL: "/?utm_source=FB&utm_medium=social"},
			Result{Source: "Facebook", Channel: ChannelOrganicSocial, UTMSource: "FB", UTMMedium: "social"}},
		{"host as source", Input{PageURL: "/?utm_source=l.facebook.com&utm_medium=referral"},
			Result{Source: "Facebook", Channel: ChannelOrganicSocial, UTMSource: "l.facebook.com", UTMMedium: "referral"}},
		{"country domain as source", Input{PageURL: "/?utm_source=google.co.uk&utm_medium=organic"},
			Result{Source: "Google", Channel: ChannelOrganicSearch, UTMSource: "google.co.uk", UTMMedium: "organic"}},
		{"source parameter", Input{PageURL: "/?source=twitter"},
			Result{Source: "X (Twitter)", Channel: ChannelOrganicSocial, UTMSource: "twitter"}},
		{"utm_source beats ref beats source", Input{PageURL: "/?source=c&ref=b&utm_source=a&utm_medium=email"},
			Result{Source: "a", Channel: ChannelEmail, UTMSource: "a", UTMMedium: "email"}},
		{"ref beats source", Input{PageURL: "/?source=c&ref=b&utm_medium=email"},
			Result{Source: "b", Channel: ChannelEmail, UTMSource: "b", UTMMedium: "email"}},
		{"all utm fields decoded", Input{PageURL: "https://example.com/p?utm_source=news&utm_medium=email&utm_campaign=Spring+Sale&utm_term=running%20shoes&utm_content=Hero_CTA#top"},
			Result{Source: "news", Channel: ChannelEmail, UTMSource: "news", UTMMedium: "email", UTMCampaign: "Spring Sale", UTMTerm: "running shoes", UTMContent: "Hero_CTA"}},
		{"upper-case keys", Input{PageURL: "/?UTM_SOURCE=Newsletter&Utm_Medium=Email"},
			Result{Source: "Newsletter", Channel: ChannelEmail, UTMSource: "Newsletter", UTMMedium: "Email"}},
		{"first non-empty value wins", Input{PageURL: "/?utm_medium=&utm_medium=email&utm_medium=cpc"},
			Result{Channel: ChannelEmail, UTMMedium: "email"}},
		{"bad escape kept raw", Input{PageURL: "/?utm_source=50%zz&utm_medium=email"},
			Result{Source: "50%zz", Channel: ChannelEmail, UTMSource: "50%zz", UTMMedium: "email"}},
		{"utm in the fragment of a single-page app", Input{PageURL: "https://example.com/#/landing?utm_source=fb&utm_medium=cpc"},
			Result{Source: "Facebook", Channel: ChannelPaidSocial, UTMSource: "fb", UTMMedium: "cpc"}},
		{"control characters dropped", Input{PageURL: "/?utm_source=news%00letter%0A&utm_medium=email"},
			Result{Source: "newsletter", Channel: ChannelEmail, UTMSource: "newsletter", UTMMedium: "email"}},
		{"malformed page URL", Input{PageURL: "%%%?utm_medium=email&&=&x"},
			Result{Channel: ChannelEmail, UTMMedium: "email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Classify(tt.in); got != tt.want {
				t.Errorf("Classify(%+v)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestClassifyCapsLongFields(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ä", MaxFieldLen+MaxFieldLen/2) // 3,000 bytes: the URL stays under maxInputLen
	in := Input{
		PageURL:  "/?utm_source=" + long + "&utm_medium=email&utm_campaign=" + long + "&utm_term=" + long + "&utm_content=" + long,
		Referrer: "https://" + strings.Repeat("a", 5000) + ".example/",
		SiteHost: strings.Repeat("x", 100000),
	}
	got := Classify(in)
	for name, v := range map[string]string{
		"Source": got.Source, "UTMSource": got.UTMSource, "UTMCampaign": got.UTMCampaign,
		"UTMTerm": got.UTMTerm, "UTMContent": got.UTMContent,
	} {
		if n := utf8.RuneCountInString(v); n != MaxFieldLen {
			t.Errorf("%s has %d runes, want %d", name, n, MaxFieldLen)
		}
	}
	if got.Referrer != "" {
		t.Errorf("Referrer = %q for an over-long host, want empty", got.Referrer)
	}
	if got.Channel != ChannelEmail {
		t.Errorf("Channel = %q, want %q", got.Channel, ChannelEmail)
	}
}

func TestIsPaidMediumMatchesGA4Regex(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`(?s)^(.*cp.*|ppc|retargeting|paid.*)$`)
	for _, m := range []string{"", "cpc", "cpm", "cpv", "cpa", "ppc", "ppc2", "retargeting", "retargeting2",
		"paid", "paid_social", "paidsearch", "unpaid", "email", "c-p", "xcpx", "organic", "display"} {
		if got, want := isPaidMedium(m), re.MatchString(m); got != want {
			t.Errorf("isPaidMedium(%q) = %v, regex says %v", m, got, want)
		}
	}
}

func TestIsShoppingCampaignMatchesGA4Regex(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`(?s)^(.*(([^a-df-z]|^)shop|shopping).*)$`)
	for _, c := range []string{"", "shop", "eshop", "e-shop", "summer_shop", "workshop", "bikeshop",
		"workshop shop", "shopping", "window-shopping", "shopify", "shoplift", "1shop", "ashop", "fshop",
		"zshop", "sho", "ßshop", "workshop2shopping"} {
		if got, want := isShoppingCampaign(c), re.MatchString(c); got != want {
			t.Errorf("isShoppingCampaign(%q) = %v, regex says %v", c, got, want)
		}
	}
}

func TestHostOf(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"null", ""},
		{"about:blank", ""},
		{"data:text/html,x", ""},
		{"mailto:a@b.example", ""},
		{"file:///etc/passwd", ""},
		{"chrome-extension://abc/", ""},
		{"https://", ""},
		{"https://./", ""},
		{"https://a..b/", ""},
		{"https://exa mple.com/", ""},
		{"https://www.Example.com./x", "example.com"},
		{"example.com:8080/x", "example.com"},
		{"localhost:3000", "localhost"},
		{"https://[2001:db8::1]:443/", "[2001:db8::1]"},
		{"https://192.0.2.1/", "192.0.2.1"},
		{"https://www/", "www"},
		{"HTTPS://WWW.GOOGLE.CO.UK", "google.co.uk"},
		{"https://example.com\\@evil.example/", "example.com"},
	}
	for _, tt := range tests {
		if got := hostOf(tt.in); got != tt.want {
			t.Errorf("hostOf(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLookupBrandNeedsPublicSuffix(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"google.example.com", "google.com.evil.example", "mygoogle.com", "docs.google.com", "a.b.google.com"} {
		if s, ok := lookupHost(h); ok {
			t.Errorf("lookupHost(%q) = %+v, want no match", h, s)
		}
	}
}

// TestTablesHaveNoDuplicates guards the host and alias tables: a host or
// alias listed twice would silently depend on map build order.
func TestTablesHaveNoDuplicates(t *testing.T) {
	t.Parallel()
	hosts := map[string]string{}
	aliases := map[string]string{}
	for _, d := range siteDefs() {
		if d.name == "" {
			t.Errorf("site with hosts %v has no name", d.hosts)
		}
		for _, h := range d.hosts {
			if prev, ok := hosts[h]; ok {
				t.Errorf("host %q listed for %q and %q", h, prev, d.name)
			}
			hosts[h] = d.name
			if h != strings.ToLower(h) || strings.HasPrefix(h, "www.") {
				t.Errorf("host %q is not normalised", h)
			}
		}
		for _, a := range append([]string{strings.ToLower(d.name)}, d.aliases...) {
			if prev, ok := aliases[a]; ok && prev != d.name {
				t.Errorf("alias %q listed for %q and %q", a, prev, d.name)
			}
			aliases[a] = d.name
		}
	}
	for _, b := range brandDefs() {
		if prev, ok := aliases[b.label]; ok && prev != b.name {
			t.Errorf("brand label %q is also an alias of %q", b.label, prev)
		}
	}
}

func TestChannels(t *testing.T) {
	t.Parallel()
	got := Channels()
	if len(got) != 19 {
		t.Fatalf("Channels() has %d entries, want 19", len(got))
	}
	seen := map[string]bool{}
	for _, c := range got {
		if c == "" || seen[c] {
			t.Errorf("Channels() has empty or repeated %q", c)
		}
		seen[c] = true
	}
}

func FuzzClassify(f *testing.F) {
	f.Add("https://example.com/?utm_source=google&utm_medium=cpc", "https://www.google.com/", "example.com")
	f.Add("/?gclid=x&fbclid=y", "android-app://com.google.android.gm", "")
	f.Add("%%%?utm_campaign=cross-network#?utm_source=fb", "null", "www.example.com")
	f.Add("", "http://user@[::1]:80/", "[::1]")
	f.Add("?utm_medium=\xff\xfe", "https://Bücher.example./", "bücher.example")
	f.Add("/?ref=producthunt", "javascript:alert(1)", "https://example.com:8080/")
	channels := Channels()
	f.Fuzz(func(t *testing.T, page, ref, siteHost string) {
		in := Input{PageURL: page, Referrer: ref, SiteHost: siteHost}
		got := Classify(in)
		if !slices.Contains(channels, got.Channel) {
			t.Fatalf("Classify(%+v).Channel = %q, not a known channel", in, got.Channel)
		}
		for _, v := range []string{got.Source, got.Referrer, got.UTMSource, got.UTMMedium, got.UTMCampaign, got.UTMTerm, got.UTMContent} {
			if !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxFieldLen {
				t.Fatalf("Classify(%+v) = %+v: field %q is invalid UTF-8 or too long", in, got, v)
			}
		}
		if got.Channel == ChannelDirect && got.Source != "" {
			t.Fatalf("Classify(%+v) = %+v: direct visit with a source", in, got)
		}
		if again := Classify(in); again != got {
			t.Fatalf("Classify(%+v) is not deterministic: %+v then %+v", in, got, again)
		}
	})
}

func BenchmarkClassify(b *testing.B) {
	in := Input{
		PageURL:  "https://example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=june",
		Referrer: "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com",
		SiteHost: "example.com",
	}
	for b.Loop() {
		Classify(in)
	}
}

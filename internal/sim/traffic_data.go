package sim

// The fixed material the traffic generator draws from: the shop's catalogue
// and the blog's posts, browsers, places, referrers and names. Weights are
// relative; they need not sum to one.

// sitePage is one page of a demo site.
type sitePage struct {
	path, title string
	product     *product // set on product pages
	category    string   // the category a product or category page belongs to
}

// product is an item of the shop's catalogue. Prices are in euro cents.
type product struct {
	sku, name, category string
	price               int64
}

// shopCatalogue is what Trailhead Outfitters sells.
var shopCatalogue = []*product{
	{"TNT-SUM2", "Summit 2P Tent", "tents", 27995},
	{"TNT-RID3", "Ridgeline 3P Tent", "tents", 34995},
	{"TNT-UL1", "Featherlite UL1 Tent", "tents", 39995},
	{"TNT-BASE4", "Basecamp 4 Family Tent", "tents", 24995},
	{"BPK-TRL45", "Trailblazer 45L Backpack", "backpacks", 15995},
	{"BPK-ALP30", "Alpine 30L Daypack", "backpacks", 8995},
	{"BPK-TRK65", "Trekker 65+10 Backpack", "backpacks", 18995},
	{"SLP-DWN3", "Down Mummy -3°C Sleeping Bag", "sleeping-bags", 24995},
	{"SLP-SYN5", "Synthetic 5°C Sleeping Bag", "sleeping-bags", 8995},
	{"SLP-PAD", "Self-Inflating Sleeping Pad", "sleeping-bags", 6995},
	{"JKT-STORM", "Stormshell Rain Jacket", "jackets", 18995},
	{"JKT-DOWN", "Cirrus Down Jacket", "jackets", 22995},
	{"JKT-FLC", "Grid Fleece Midlayer", "jackets", 7995},
	{"BTS-MID", "Ridge Mid GTX Hiking Boots", "boots", 18995},
	{"BTS-TRL", "Trail Runner Low Shoes", "boots", 12995},
	{"KIT-STOVE", "Micro Gas Stove", "camp-kitchen", 4995},
	{"KIT-POT", "Titanium Cook Pot 900ml", "camp-kitchen", 4495},
	{"KIT-MUG", "Insulated Camp Mug", "camp-kitchen", 1995},
	{"KIT-FLT", "Squeeze Water Filter", "camp-kitchen", 3995},
}

// accessories are what people add to a basket on the way to the checkout.
var accessorySKUs = []string{"KIT-STOVE", "KIT-POT", "KIT-MUG", "KIT-FLT", "SLP-PAD", "JKT-FLC"}

type categoryDef struct{ slug, title string }

var shopCategories = []categoryDef{
	{"tents", "Tents"},
	{"backpacks", "Backpacks"},
	{"sleeping-bags", "Sleeping Bags & Pads"},
	{"jackets", "Jackets"},
	{"boots", "Boots & Shoes"},
	{"camp-kitchen", "Camp Kitchen"},
}

// blogPosts are the journal's articles; the first ones rank best.
var blogPosts = []sitePage{
	{path: "/posts/how-to-choose-a-tent", title: "How to choose a tent"},
	{path: "/posts/ultralight-packing-list", title: "The ultralight packing list"},
	{path: "/posts/best-hikes-bavarian-alps", title: "The 10 best hikes in the Bavarian Alps"},
	{path: "/posts/layering-guide", title: "Layering for the mountains"},
	{path: "/posts/winter-camping-tips", title: "Winter camping without misery"},
	{path: "/posts/dolomites-hut-to-hut", title: "Hut to hut through the Dolomites"},
	{path: "/posts/backpack-fitting", title: "How a backpack should fit"},
	{path: "/posts/camp-cooking-basics", title: "Camp cooking basics"},
	{path: "/posts/trail-runners-vs-boots", title: "Trail runners or boots?"},
	{path: "/posts/leave-no-trace", title: "Leave no trace, explained"},
	{path: "/posts/first-bikepacking-trip", title: "Your first bikepacking trip"},
	{path: "/posts/sleeping-bag-temperature-ratings", title: "Sleeping bag temperature ratings decoded"},
}

var blogIndexPages = []sitePage{
	{path: "/", title: "Trailhead Journal"},
	{path: "/category/guides", title: "Guides"},
	{path: "/category/trips", title: "Trip reports"},
	{path: "/category/gear", title: "Gear"},
}

// uaSpec is a real browser user agent and the device class mops's parser
// gives it (the strings come from the parser's own test table).
type uaSpec struct {
	ua, device string
	inApp      bool // a social app's in-app browser
}

var (
	desktopUAs = []weighted[uaSpec]{
		{35, uaSpec{ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", device: "desktop"}},
		{14, uaSpec{ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", device: "desktop"}},
		{8, uaSpec{ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", device: "desktop"}},
		{18, uaSpec{ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", device: "desktop"}},
		{14, uaSpec{ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", device: "desktop"}},
		{4, uaSpec{ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0", device: "desktop"}},
		{3, uaSpec{ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", device: "desktop"}},
		{2, uaSpec{ua: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", device: "desktop"}},
		{2, uaSpec{ua: "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", device: "desktop"}},
	}
	mobileUAs = []weighted[uaSpec]{
		{34, uaSpec{ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", device: "mobile"}},
		{9, uaSpec{ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", device: "mobile"}},
		{26, uaSpec{ua: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", device: "mobile"}},
		{12, uaSpec{ua: "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", device: "mobile"}},
		{3, uaSpec{ua: "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", device: "mobile"}},
		{2, uaSpec{ua: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0", device: "mobile"}},
		{3, uaSpec{ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/324.0.645309347 Mobile/15E148 Safari/604.1", device: "mobile"}},
	}
	// socialAppUAs are the in-app browsers people reach the shop with from
	// their feeds.
	socialAppUAs = []weighted[uaSpec]{
		{30, uaSpec{ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 339.0.3.12.91 (iPhone14,5; iOS 17_5; en_US; en; scale=3.00; 1170x2532; 621218617; IABMV/1)", device: "mobile", inApp: true}},
		{25, uaSpec{ua: "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36 Instagram 356.0.0.41.101 Android (34/14; 450dpi; 1080x2340; samsung; SM-S918B; dm3q; qcom; en_US; 657063398)", device: "mobile", inApp: true}},
		{25, uaSpec{ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/475.0.0.35.109;FBBV/632223145;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/634218567]", device: "mobile", inApp: true}},
		{20, uaSpec{ua: "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/128.0.6613.127 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/480.0.0.45.109;]", device: "mobile", inApp: true}},
	}
	tabletUAs = []weighted[uaSpec]{
		{50, uaSpec{ua: "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", device: "tablet"}},
		{10, uaSpec{ua: "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", device: "tablet"}},
		{25, uaSpec{ua: "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", device: "tablet"}},
		{15, uaSpec{ua: "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Safari/537.36", device: "tablet"}},
	}
)

// place is where a visitor is: an ISO country code, an ISO 3166-2
// subdivision code (as mops's geo lookup reports it) and a city.
type place struct{ country, region, city string }

type countryDef struct {
	locale string
	places []weighted[place]
}

var countries = map[string]countryDef{
	"DE": {"de-DE", []weighted[place]{
		{20, place{"DE", "DE-BY", "Munich"}}, {16, place{"DE", "DE-BE", "Berlin"}}, {10, place{"DE", "DE-HH", "Hamburg"}},
		{14, place{"DE", "DE-NW", "Cologne"}}, {12, place{"DE", "DE-BW", "Stuttgart"}}, {10, place{"DE", "DE-HE", "Frankfurt am Main"}},
		{8, place{"DE", "DE-SN", "Dresden"}}, {10, place{"DE", "DE-NI", "Hanover"}}, {6, place{"DE", "DE-BW", "Freiburg im Breisgau"}},
	}},
	"AT": {"de-AT", []weighted[place]{
		{40, place{"AT", "AT-9", "Vienna"}}, {20, place{"AT", "AT-7", "Innsbruck"}}, {20, place{"AT", "AT-5", "Salzburg"}}, {20, place{"AT", "AT-6", "Graz"}},
	}},
	"CH": {"de-CH", []weighted[place]{
		{40, place{"CH", "CH-ZH", "Zurich"}}, {20, place{"CH", "CH-BE", "Bern"}}, {20, place{"CH", "CH-GE", "Geneva"}}, {20, place{"CH", "CH-LU", "Lucerne"}},
	}},
	"NL": {"nl-NL", []weighted[place]{
		{50, place{"NL", "NL-NH", "Amsterdam"}}, {30, place{"NL", "NL-ZH", "Rotterdam"}}, {20, place{"NL", "NL-UT", "Utrecht"}},
	}},
	"FR": {"fr-FR", []weighted[place]{
		{50, place{"FR", "FR-IDF", "Paris"}}, {30, place{"FR", "FR-ARA", "Lyon"}}, {20, place{"FR", "FR-ARA", "Grenoble"}},
	}},
	"GB": {"en-GB", []weighted[place]{
		{55, place{"GB", "GB-ENG", "London"}}, {25, place{"GB", "GB-ENG", "Manchester"}}, {20, place{"GB", "GB-SCT", "Edinburgh"}},
	}},
	"US": {"en-US", []weighted[place]{
		{30, place{"US", "US-CO", "Denver"}}, {25, place{"US", "US-CA", "San Francisco"}}, {25, place{"US", "US-WA", "Seattle"}}, {20, place{"US", "US-NY", "New York"}},
	}},
	"BE": {"nl-BE", []weighted[place]{
		{60, place{"BE", "BE-BRU", "Brussels"}}, {40, place{"BE", "BE-VAN", "Antwerp"}},
	}},
	"IT": {"it-IT", []weighted[place]{
		{60, place{"IT", "IT-25", "Milan"}}, {40, place{"IT", "IT-32", "Bolzano"}},
	}},
	"DK": {"da-DK", []weighted[place]{
		{100, place{"DK", "DK-84", "Copenhagen"}},
	}},
}

var (
	shopCountries = []weighted[string]{{50, "DE"}, {12, "AT"}, {9, "CH"}, {7, "NL"}, {5, "FR"}, {5, "GB"}, {4, "US"}, {3, "BE"}, {3, "IT"}, {2, "DK"}}
	blogCountries = []weighted[string]{{38, "DE"}, {8, "AT"}, {7, "CH"}, {6, "NL"}, {5, "FR"}, {12, "GB"}, {14, "US"}, {3, "BE"}, {3, "IT"}, {4, "DK"}}
)

var (
	organicSearchReferrers = []weighted[string]{
		{50, "https://www.google.de/"}, {20, "https://www.google.com/"}, {5, "https://www.google.at/"}, {4, "https://www.google.ch/"},
		{11, "https://www.bing.com/"}, {7, "https://duckduckgo.com/"}, {3, "https://www.ecosia.org/"},
	}
	paidSearchReferrers = []weighted[string]{{75, "https://www.google.de/"}, {25, "https://www.google.com/"}}
	shopSocialReferrers = []weighted[string]{
		{30, "https://l.facebook.com/"}, {10, "https://m.facebook.com/"}, {30, "https://l.instagram.com/"},
		{15, "https://www.reddit.com/r/CampingandHiking/"}, {15, "https://www.reddit.com/r/Ultralight/"},
	}
	blogSocialReferrers = []weighted[string]{
		{20, "https://l.facebook.com/"}, {20, "https://l.instagram.com/"}, {25, "https://www.pinterest.com/"},
		{20, "https://www.reddit.com/r/hiking/"}, {15, "https://www.reddit.com/r/Ultralight/"},
	}
	// referralHosts are the outdoor blogs and forums that link to the
	// shop (invented names under the reserved .example domain).
	referralReferrers = []weighted[string]{
		{30, "https://www.trailtalk-forum.example/threads/best-2p-tent-2026"},
		{20, "https://alpine-gear-review.example/reviews/summit-2p"},
		{20, "https://wildcamp-notes.example/blog/packing-for-the-alps"},
		{15, "https://ultralight-community.example/gear-lists"},
		{15, "https://hike-and-bike.example/touren/zugspitze"},
	}
	mailReferrers = []weighted[string]{{70, ""}, {20, "https://mail.google.com/"}, {10, "https://outlook.live.com/"}}
)

// paidSearchCampaign is a Google Ads campaign of the shop.
type paidSearchCampaign struct {
	name     string
	terms    []string
	category string // the landing category; "" for the home page
}

var paidSearchCampaigns = []weighted[paidSearchCampaign]{
	{45, paidSearchCampaign{"brand", []string{"trailhead outfitters", "trailhead shop", "trailhead outfitters gutschein"}, ""}},
	{35, paidSearchCampaign{"tents-generic", []string{"buy tent", "2 person tent", "ultralight tent", "zelt kaufen"}, "tents"}},
	{20, paidSearchCampaign{"backpacks-generic", []string{"hiking backpack 45l", "trekking rucksack", "daypack"}, "backpacks"}},
}

var (
	firstNames = []string{"Anna", "Lukas", "Mia", "Leon", "Emma", "Finn", "Sophie", "Jonas", "Lena", "Paul", "Marie", "Felix",
		"Laura", "Noah", "Clara", "Elias", "Hannah", "Ben", "Julia", "Tim", "Sarah", "Max", "Nina", "Jan", "Eva", "Tom",
		"Chloé", "Lucas", "Emily", "James", "Sanne", "Daan", "Giulia", "Matteo", "Freja", "Oliver"}
	lastNames = []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch",
		"Richter", "Klein", "Wolf", "Huber", "Gruber", "Steiner", "Keller", "Brunner", "de Vries", "Jansen", "Martin",
		"Bernard", "Smith", "Taylor", "Rossi", "Nielsen", "Lehmann", "Krause", "Berger", "Frank"}
	mailDomains = []string{"example.com", "example.net", "example.org", "mail.example"}
)

// Hourly visit weights in the site's local time, 0–23 h.
var (
	weekdayHours = [24]float64{0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.5, 1.8, 2.0, 2.2, 2.6, 2.5, 2.2, 2.1, 2.2, 2.5, 2.9, 3.3, 3.5, 3.0, 2.0, 1.0}
	weekendHours = [24]float64{0.5, 0.3, 0.2, 0.1, 0.1, 0.1, 0.3, 0.8, 1.6, 2.4, 2.8, 2.9, 2.8, 2.6, 2.5, 2.5, 2.6, 2.7, 2.9, 3.1, 3.2, 2.8, 1.9, 1.0}
)

// Day-of-week volume factors, Sunday first (time.Weekday order): an
// outdoor shop peaks when people plan and go outside.
var (
	shopWeekday = [7]float64{1.30, 0.85, 0.80, 0.82, 0.88, 0.95, 1.25}
	blogWeekday = [7]float64{1.18, 0.95, 0.92, 0.95, 1.00, 0.98, 1.12}
)

// nonBounceLength weighs visits of 2…8 pageviews.
var nonBounceLength = []weighted[int]{{30, 2}, {22, 3}, {16, 4}, {12, 5}, {9, 6}, {6, 7}, {5, 8}}

// docNets are the documentation address blocks (RFC 5737) the visitors'
// context.ip come from.
var docNets = []string{"192.0.2.", "198.51.100.", "203.0.113."}

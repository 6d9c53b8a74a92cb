package useragent

// The lists below are our additions to the bot detection of
// github.com/mileusna/useragent, which only knows a handful of big
// crawlers by name and otherwise flags strings that carry a URL or a
// "bot" name. Every entry is lower case and matched as a substring of the
// lower-cased user agent, so keep entries specific enough that no browser
// or phone model contains them.
//
// The project would rather use a maintained crawler list (crawlerdetect or
// crawler-user-agents); neither is served by the module proxy this project
// builds against. Add an agent here when it shows up in real traffic.

// headlessTokens mark headless browsers. "Electron" is deliberately absent:
// desktop apps built on it are driven by people.
var headlessTokens = []string{
	"headless", // HeadlessChrome, "Headless" shells
	"phantomjs",
	"slimerjs",
}

// automationTokens mark HTTP libraries, command-line tools and browser
// automation drivers.
var automationTokens = []string{
	"curl/",
	"wget/",
	"python-requests",
	"python-urllib",
	"python-httpx",
	"aiohttp",
	"go-http-client",
	"okhttp",
	"apache-httpclient",
	"java-http-client",
	"libwww-perl",
	"node-fetch",
	"axios/",
	"undici",
	"got (https://github.com/sindresorhus/got)",
	"postmanruntime",
	"insomnia/",
	"httpie/",
	"guzzlehttp",
	"restsharp",
	"reqwest",
	"(dart:io)",
	"windowspowershell",
	"selenium",
	"webdriver",
	"puppeteer",
	"playwright",
	"cypress",
	"htmlunit",
	"jsdom",
}

// automationPrefixes are automation agents recognisable only by how the
// string starts (their names are too short or common to search anywhere).
var automationPrefixes = []string{
	"java/",
	"ruby",
	"php/",
	"perl/",
	"http.rb/",
	"node", // Node's fetch sends just "node"
}

// crawlerTokens name crawlers, SEO and AI bots, uptime and speed monitors,
// link previewers and scanners.
var crawlerTokens = []string{
	// search engines
	"googlebot", "google-inspectiontool", "googleother", "google-extended",
	"storebot-google", "adsbot-google", "mediapartners-google",
	"feedfetcher-google", "apis-google", "google-read-aloud",
	"google-site-verification", "google web preview", "google page speed",
	"bingbot", "bingpreview", "msnbot", "adidxbot", "slurp", "duckduckbot",
	"duckassistbot", "baiduspider", "yandexbot", "yandexmobilebot",
	"yandeximages", "yandexmetrika", "yandexdirect", "yandexfavicons",
	"exabot", "seznambot", "yeti/", "mojeek", "qwantify", "qwantbot",
	"petalbot", "applebot", "ia_archiver", "archive.org_bot",
	"coccocbot",
	// SEO tools
	"ahrefsbot", "ahrefssiteaudit", "semrushbot", "siteauditbot", "mj12bot",
	"dotbot", "rogerbot", "screaming frog", "serpstatbot", "dataforseobot",
	"blexbot", "barkrowler", "sitebulb", "megaindex",
	// AI crawlers and assistants
	"gptbot", "chatgpt-user", "oai-searchbot", "claudebot", "claude-web",
	"claude-user", "claude-searchbot", "anthropic-ai", "perplexitybot",
	"perplexity-user", "ccbot", "bytespider", "amazonbot", "cohere-ai",
	"diffbot", "omgili", "timpibot", "youbot", "ai2bot",
	"meta-externalagent", "meta-externalfetcher", "imagesiftbot",
	"mistralai-user",
	// link previews
	"facebookexternalhit", "facebookcatalog", "facebot", "twitterbot",
	"linkedinbot", "slackbot", "slack-imgproxy", "discordbot",
	"telegrambot", "whatsapp/", "skypeuripreview", "pinterestbot",
	"redditbot", "embedly", "iframely", "vkshare", "bitlybot", "cardyb",
	"mastodon/",
	// uptime, performance and synthetic monitoring
	"pingdom", "uptimerobot", "statuscake", "site24x7", "newrelicpinger",
	"datadogsynthetics", "uptime-kuma", "betteruptime", "better uptime",
	"checkly", "hetrixtools", "freshping", "nodeping", "lighthouse",
	"gtmetrix", "speedcurve", " ptst/", "catchpoint", "ruxitsynthetic",
	"monitis", "zabbix", "nagios", "check_http", "updown.io",
	// feed readers, archivers and scanners
	"scrapy", "heritrix", "nutch", "feedbin", "masscan", "zgrab", "nmap",
	"nuclei", "sqlmap", "nikto", "censysinspect", "expanse",
}

// keywordTokens are generic crawler words. "bot" is handled separately
// (see hasBotWord) because phone brands such as Cubot contain it.
var keywordTokens = []string{
	"crawl",
	"spider",
	"scraper",
	"fetcher",
	"http://",
	"https://",
}

// botWordExceptions are words ending in "bot" that are not bots.
var botWordExceptions = []string{
	"cubot", // Cubot phones: "Android 10; CUBOT X30"
}

package accesslog

import "testing"

func TestIsPageview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
		path   string
		status int
		want   bool
		reason string
	}{
		{"home", "GET", "/", 200, true, ""},
		{"page", "GET", "/blog/how-we-count", 200, true, ""},
		{"html page", "GET", "/about.html", 200, true, ""},
		{"not modified", "GET", "/pricing", 304, true, ""},
		{"partial content", "GET", "/pricing", 206, true, ""},
		{"dot in a directory name", "GET", "/v1.2/notes", 200, true, ""},
		{"trailing dot", "GET", "/weird.", 200, true, ""},
		{"apiary is not /api", "GET", "/apiary", 200, true, ""},
		{"sitemap page that is not xml", "GET", "/sitemap", 200, true, ""},
		{"metrics subpage is a page", "GET", "/metrics/dashboard", 200, true, ""},

		{"HEAD", "HEAD", "/", 200, false, SkipMethod},
		{"POST", "POST", "/signup", 200, false, SkipMethod},
		{"OPTIONS", "OPTIONS", "/", 204, false, SkipMethod},
		{"lower-case get", "get", "/", 200, false, SkipMethod},
		{"method before status", "POST", "/x", 500, false, SkipMethod},

		{"redirect", "GET", "/old", 301, false, SkipStatus},
		{"not found", "GET", "/missing", 404, false, SkipStatus},
		{"server error", "GET", "/", 502, false, SkipStatus},
		{"nginx 499", "GET", "/", 499, false, SkipStatus},
		{"continue", "GET", "/", 100, false, SkipStatus},
		{"status before path", "GET", "/robots.txt", 404, false, SkipStatus},

		{"favicon", "GET", "/favicon.ico", 200, false, SkipPath},
		{"robots", "GET", "/robots.txt", 200, false, SkipPath},
		{"robots upper case", "GET", "/ROBOTS.TXT", 200, false, SkipPath},
		{"sitemap", "GET", "/sitemap.xml", 200, false, SkipPath},
		{"sitemap index", "GET", "/sitemap_index.xml", 200, false, SkipPath},
		{"sitemap part", "GET", "/sitemap-posts-2.xml", 200, false, SkipPath},
		{"gzipped sitemap", "GET", "/sitemap.xml.gz", 200, false, SkipPath},
		{"well-known", "GET", "/.well-known/security.txt", 200, false, SkipPath},
		{"well-known acme", "GET", "/.well-known/acme-challenge/abc", 200, false, SkipPath},
		{"wp-admin", "GET", "/wp-admin/", 200, false, SkipPath},
		{"wp-admin bare", "GET", "/wp-admin", 200, false, SkipPath},
		{"wp-admin page", "GET", "/wp-admin/options.php", 200, false, SkipPath},
		{"wp-login", "GET", "/wp-login.php", 200, false, SkipPath},
		{"xmlrpc", "GET", "/xmlrpc.php", 200, false, SkipPath},
		{"healthz", "GET", "/healthz", 200, false, SkipPath},
		{"metrics", "GET", "/metrics", 200, false, SkipPath},
		{"api", "GET", "/api/v1/stats", 200, false, SkipPath},
		{"api root", "GET", "/api", 200, false, SkipPath},
		{"tracker script", "GET", "/js/script.js", 200, false, SkipPath},

		{"stylesheet", "GET", "/assets/app.3f9a.css", 200, false, SkipAsset},
		{"script", "GET", "/assets/app.js", 200, false, SkipAsset},
		{"module", "GET", "/assets/app.mjs", 200, false, SkipAsset},
		{"source map", "GET", "/assets/app.js.map", 200, false, SkipAsset},
		{"png upper case", "GET", "/img/LOGO.PNG", 200, false, SkipAsset},
		{"jpg", "GET", "/img/a.jpg", 200, false, SkipAsset},
		{"jpeg", "GET", "/img/a.jpeg", 304, false, SkipAsset},
		{"gif", "GET", "/img/a.gif", 200, false, SkipAsset},
		{"svg", "GET", "/img/a.svg", 200, false, SkipAsset},
		{"webp", "GET", "/img/a.webp", 200, false, SkipAsset},
		{"avif", "GET", "/img/a.avif", 200, false, SkipAsset},
		{"ico elsewhere", "GET", "/icons/apple.ico", 200, false, SkipAsset},
		{"woff", "GET", "/f/a.woff", 200, false, SkipAsset},
		{"woff2", "GET", "/f/a.woff2", 200, false, SkipAsset},
		{"ttf", "GET", "/f/a.ttf", 200, false, SkipAsset},
		{"otf", "GET", "/f/a.otf", 200, false, SkipAsset},
		{"eot", "GET", "/f/a.eot", 200, false, SkipAsset},
		{"mp4", "GET", "/v/a.mp4", 206, false, SkipAsset},
		{"webm", "GET", "/v/a.webm", 200, false, SkipAsset},
		{"mp3", "GET", "/a/a.mp3", 200, false, SkipAsset},

		{"pdf", "GET", "/docs/guide.pdf", 200, false, SkipDownload},
		{"pdf upper case", "GET", "/docs/GUIDE.PDF", 200, false, SkipDownload},
		{"zip", "GET", "/dl/app.zip", 200, false, SkipDownload},
		{"tarball", "GET", "/dl/app.tar.gz", 200, false, SkipDownload},
	}
	for _, tc := range tests {
		h := Hit{Method: tc.method, Path: tc.path, Status: tc.status}
		got, reason := IsPageview(h)
		if got != tc.want || reason != tc.reason {
			t.Errorf("%s: IsPageview(%s %s %d) = (%v, %q), want (%v, %q)",
				tc.name, tc.method, tc.path, tc.status, got, reason, tc.want, tc.reason)
		}
	}
}

func TestIsDownload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want bool
	}{
		{"/docs/guide.pdf", true},
		{"/docs/Guide.PDF", true},
		{"/dl/app.zip", true},
		{"/dl/App.dmg", true},
		{"/dl/setup.exe", true},
		{"/export/report.csv", true},
		{"/export/report.xlsx", true},
		{"/files/letter.docx", true},
		{"/files/deck.pptx", true},
		{"/dl/app.tar.gz", true},
		{"/dl/app.tar", true},
		{"/", false},
		{"/pricing", false},
		{"/pdf", false},
		{"/pdf/", false},
		{"/guide.pdf/", false},
		{"/v1.zip/readme", false},
		{"/image.png", false},
		{"/page.html", false},
		{"/archive.7z", false},
	}
	for _, tc := range tests {
		if got := IsDownload(Hit{Method: "GET", Path: tc.path, Status: 200}); got != tc.want {
			t.Errorf("IsDownload(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

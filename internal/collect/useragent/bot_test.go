package useragent

import "testing"

func TestDetectBot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ua, want string
	}{
		{"browser", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", ""},
		{"word ending in bot", "SomeNewBot/1.0", ReasonKeyword},
		{"robot", "Mozilla/5.0 (compatible; Robot)", ReasonKeyword},
		{"bot at the end", "example bot", ReasonKeyword},
		{"bot inside a word", "Mozilla/5.0 (Linux; Android 13; Botanic Pad)", ""},
		{"Cubot phone", "Mozilla/5.0 (Linux; Android 10; CUBOT X30) Chrome/120.0.0.0 Mobile Safari/537.36", ""},
		{"contact URL", "Mozilla/5.0 (compatible; Foo/1.0; +https://foo.example/)", ReasonKeyword},
		{"crawler word", "Mozilla/5.0 (compatible; Seekport Crawler)", ReasonKeyword},
		{"named crawler", "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", ReasonCrawlerList},
		{"case does not matter", "GOOGLEBOT", ReasonCrawlerList},
		{"library prefix", "Ruby", ReasonAutomation},
		{"Java prefix", "Java/17.0.2", ReasonAutomation},
		{"Java inside a browser string", "Mozilla/5.0 (Windows NT 10.0) Java/17 Chrome/131.0.0.0", ""},
		{"automation beats crawler words", "curl/8.5.0 (crawler)", ReasonAutomation},
		{"prefix beats crawler list", "java/1.8 googlebot", ReasonAutomation},
		{"headless beats everything", "Mozilla/5.0 HeadlessChrome/131.0.0.0 (compatible; Googlebot/2.1) curl/8", ReasonHeadless},
		{"Electron is not headless", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Electron/33.2.0 Safari/537.36", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := detectBot(tc.ua); got != tc.want {
				t.Errorf("detectBot(%q) = %q, want %q", tc.ua, got, tc.want)
			}
		})
	}
}

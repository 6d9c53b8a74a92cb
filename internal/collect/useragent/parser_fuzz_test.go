package useragent

import "testing"

// FuzzParse checks the invariants every caller relies on, for any input:
// no panic, names always set, a device unless it is a bot, and a reason
// exactly when it is a bot.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.ua)
	}
	f.Add("Mozilla/5.0 (")
	f.Add("(;;)[/]/:http://")
	f.Add("Mozilla/5.0 (X11; CrOS x86_64) AppleWebKit")
	f.Add("Mozilla/5.0 (Linux; Android) Build/")
	p := NewParser(64)
	f.Fuzz(func(t *testing.T, ua string) {
		c := p.Parse(ua)
		if c.Browser == "" || c.OS == "" {
			t.Errorf("Parse(%q) = %+v: empty Browser or OS", ua, c)
		}
		if c.Device == "" && !c.Bot {
			t.Errorf("Parse(%q) = %+v: no Device for a non-bot", ua, c)
		}
		if c.Bot != (c.BotReason != "") {
			t.Errorf("Parse(%q) = %+v: Bot and BotReason disagree", ua, c)
		}
	})
}

package useragent

import "bytes"

// botReasons lists the reasons in order of precedence: when rules for
// several reasons match, the first wins. botTokens indexes the token lists
// of bot_list.go so that a token's rank is its reason's index here.
var (
	botReasons = []string{ReasonHeadless, ReasonAutomation, ReasonCrawlerList, ReasonKeyword}
	botTokens  = newTokenMatcher(headlessTokens, automationTokens, crawlerTokens, keywordTokens)
)

// Ranks of the reasons detectBot assigns outside botTokens: indexes into
// botReasons.
const (
	rankAutomation = 1
	rankKeyword    = 3
)

// detectBot applies this package's own bot rules to a trimmed user agent
// no longer than MaxLength and returns the reason, or "" for none. The
// parsing library's verdict is combined with this one in parse.
func detectBot(ua string) string {
	// Lower-case into a stack buffer: MaxLength bounds the size, and the
	// hot path must not allocate.
	var buf [MaxLength]byte
	lower := buf[:len(ua)]
	for i := 0; i < len(ua); i++ {
		c := ua[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	rank := botTokens.bestRank(lower)
	if (rank < 0 || rank > rankAutomation) && hasAnyPrefix(lower, automationPrefixes) {
		rank = rankAutomation
	}
	if rank < 0 && hasBotWord(lower) {
		rank = rankKeyword
	}
	if rank < 0 {
		return ""
	}
	return botReasons[rank]
}

func hasAnyPrefix(s []byte, prefixes []string) bool {
	for _, p := range prefixes {
		if hasPrefix(s, p) {
			return true
		}
	}
	return false
}

// hasBotWord reports whether a lower-cased user agent has a word ending in
// "bot" ("Googlebot/2.1", "SomeBot;", "robot") that is not a known
// exception. "bot" inside a longer word ("botanic", "abbott") does not
// count.
func hasBotWord(lower []byte) bool {
	for from := 0; ; {
		i := bytes.Index(lower[from:], []byte("bot"))
		if i < 0 {
			return false
		}
		end := from + i + len("bot")
		if end == len(lower) || !isLetter(lower[end]) {
			if !endsWithException(lower[:end]) {
				return true
			}
		}
		from = end
	}
}

func endsWithException(s []byte) bool {
	for _, e := range botWordExceptions {
		if bytes.HasSuffix(s, []byte(e)) {
			return true
		}
	}
	return false
}

func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z'
}

package tracker

import "strings"

// minify makes the served form of a hand-written script: it drops blank
// lines, the whitespace at the start and end of every line, lines that
// start with // and block comments that start a line (code after the
// closing */ on the same line is kept). It never renames, never joins lines
// and never looks inside a line past its start, so "https://" in a string
// or a regular expression is safe and automatic semicolon insertion sees
// the same line breaks as in the source.
//
// The catch: it does not parse JavaScript. A string or template literal
// that spans lines would lose its indentation, and a line of it that starts
// with // or /* would be dropped. script.js keeps to single-line literals and
// says so in its header; TestMinifyScript checks the result parses.
func minify(src string) string {
	var b strings.Builder
	b.Grow(len(src))
	inComment := false
	for line := range strings.Lines(src) {
		t := strings.TrimSpace(line)
		for {
			if inComment {
				end := strings.Index(t, "*/")
				if end < 0 {
					t = ""
					break
				}
				inComment = false
				t = strings.TrimSpace(t[end+2:])
			}
			if strings.HasPrefix(t, "//") {
				t = ""
				break
			}
			if !strings.HasPrefix(t, "/*") {
				break
			}
			// The comment is open until a */ after its /*: "/*/" does
			// not close it.
			inComment = true
			t = t[2:]
		}
		if t == "" {
			continue
		}
		b.WriteString(t)
		b.WriteByte('\n')
	}
	return b.String()
}

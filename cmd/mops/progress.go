package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a one-line progress bar on a terminal stream, at most ten
// times a second.
type progress struct {
	w     io.Writer
	label string
	total int64
	last  time.Time
	start time.Time
}

func newProgress(w io.Writer, label string, total int64) *progress {
	return &progress{w: w, label: label, total: total, start: time.Now()}
}

// set shows done of total (unit names what is counted).
func (p *progress) set(done int64, unit string) {
	if time.Since(p.last) < 100*time.Millisecond && done < p.total {
		return
	}
	p.last = time.Now()
	frac := 0.0
	if p.total > 0 {
		frac = min(float64(done)/float64(p.total), 1)
	}
	const width = 30
	bar := strings.Repeat("█", int(frac*width)) + strings.Repeat("░", width-int(frac*width))
	fmt.Fprintf(p.w, "\r%s %s %3.0f%%  %s %s  %s", p.label, bar, frac*100, thousands(done), unit, time.Since(p.start).Round(100*time.Millisecond))
}

// done ends the bar's line.
func (p *progress) done() { fmt.Fprintln(p.w) }

func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func fileSize(path string) int64 {
	if st, err := os.Stat(path); err == nil {
		return st.Size()
	}
	return 0
}

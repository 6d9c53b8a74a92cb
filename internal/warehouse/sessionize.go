package warehouse

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/mopshq/mops/internal/warehouse/event"
)

// VisitTimeout ends a visit after this long without events.
const VisitTimeout = 30 * time.Minute

// Session is a visit being built from its events.
type Session struct {
	ID, SiteID, VisitorID, UserID       string
	Start, End                          time.Time
	EntryPage, ExitPage                 string
	Hostname, Referrer, Source, Channel string
	UTMSource, UTMMedium, UTMCampaign   string
	UTMTerm, UTMContent                 string
	Browser, OS, Device                 string
	Country, Region, City               string
	Pageviews, Events, Interactions     int
	entryAt, exitAt                     time.Time // times of the first and last pageview
	touched                             time.Time // wall clock of the last change, for eviction
	storedStart                         time.Time // Start as last written to visits; zero until written
}

// Bounce reports whether the visit is a bounce: one pageview (or one
// interactive event) and nothing else that counts as interaction.
func (s *Session) Bounce() bool { return s.Interactions <= 1 }

// DurationSeconds is the time from the first to the last event.
func (s *Session) DurationSeconds() int { return int(s.End.Sub(s.Start) / time.Second) }

type visitorKey struct{ site, visitor string }

// sessionizer assigns events to visits. It keeps the open visit of every
// visitor seen recently; the loader restores it from the sessions table
// after a restart, so visits continue across restarts.
type sessionizer struct {
	open   map[visitorKey]*Session
	latest map[string]time.Time // per site, the time of the newest event seen
}

func newSessionizer() *sessionizer {
	return &sessionizer{open: map[visitorKey]*Session{}, latest: map[string]time.Time{}}
}

// saw notes t as an event time of site, for eviction by event time.
func (z *sessionizer) saw(site string, t time.Time) {
	if t.After(z.latest[site]) {
		z.latest[site] = t
	}
}

// restore makes s the open visit of its visitor after a restart, unless
// the visitor already has a later one. It counts as changed at now, so
// that a server down for longer than a visit's timeout keeps the visits
// its buffered events continue.
func (z *sessionizer) restore(s *Session, now time.Time) {
	s.entryAt, s.exitAt = s.Start, s.End
	s.storedStart = s.Start
	s.touched = now
	k := visitorKey{s.SiteID, s.VisitorID}
	if cur := z.open[k]; cur == nil || s.End.After(cur.End) {
		z.open[k] = s
	}
	z.saw(s.SiteID, s.End)
}

func sessionID(site, visitor, firstEventID string) string {
	h := sha256.Sum256([]byte(site + "\x00" + visitor + "\x00" + firstEventID))
	return "s_" + hex.EncodeToString(h[:12])
}

// add assigns e to a visit and returns it, or nil when e belongs to none.
// Pageviews and custom events start a new visit when the visitor has none
// that e falls into (within VisitTimeout of it); engagement, identify,
// group and alias events join the open visit if there is one.
func (z *sessionizer) add(e *event.Event, now time.Time) *Session {
	k := visitorKey{e.SiteID, e.VisitorID}
	s := z.open[k]
	z.saw(e.SiteID, e.Time)
	fits := s != nil && !e.Time.Before(s.Start.Add(-VisitTimeout)) && !e.Time.After(s.End.Add(VisitTimeout))
	if !e.CountsAsEvent() {
		if !fits {
			return nil
		}
		if e.UserID != "" {
			s.UserID = e.UserID
			s.touched = now
		}
		return s
	}
	if !fits {
		if s != nil && e.Time.Before(s.Start) {
			// A late event from an older visit: it gets a visit of its own,
			// and the newer visit stays the open one.
			return z.fill(&Session{}, e, now)
		}
		s = &Session{}
		z.open[k] = s
		return z.fill(s, e, now)
	}
	if e.Time.Before(s.Start) {
		s.Start = e.Time
		setVisitDimensions(s, e)
	}
	if e.Time.After(s.End) {
		s.End = e.Time
	}
	z.count(s, e)
	s.touched = now
	return s
}

func (z *sessionizer) fill(s *Session, e *event.Event, now time.Time) *Session {
	s.ID = sessionID(e.SiteID, e.VisitorID, e.ID)
	s.SiteID, s.VisitorID, s.UserID = e.SiteID, e.VisitorID, e.UserID
	s.Start, s.End = e.Time, e.Time
	setVisitDimensions(s, e)
	z.count(s, e)
	s.touched = now
	return s
}

func setVisitDimensions(s *Session, e *event.Event) {
	s.Hostname, s.Referrer, s.Source, s.Channel = e.Hostname, e.Referrer, e.Source, e.Channel
	s.UTMSource, s.UTMMedium, s.UTMCampaign, s.UTMTerm, s.UTMContent = e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent
	s.Browser, s.OS, s.Device = e.Browser, e.OS, e.Device
	s.Country, s.Region, s.City = e.Country, e.Region, e.City
}

func (z *sessionizer) count(s *Session, e *event.Event) {
	s.Events++
	if e.UserID != "" {
		s.UserID = e.UserID
	}
	if e.Kind == event.KindPageview {
		s.Pageviews++
		s.Interactions++
		if s.EntryPage == "" || e.Time.Before(s.entryAt) {
			s.EntryPage, s.entryAt = e.Path, e.Time
		}
		if s.ExitPage == "" || !e.Time.Before(s.exitAt) {
			s.ExitPage, s.exitAt = e.Path, e.Time
		}
		return
	}
	if e.Interactive {
		s.Interactions++
	}
}

// evict forgets visits not changed since before (wall clock), and visits
// that ended more than keep before the newest event of their site (event
// time: a backfill of history moves through months in minutes). Their
// visitors start a new visit with their next event anyway, unless events
// arrive with old timestamps, which then start a visit of their own.
func (z *sessionizer) evict(before time.Time, keep time.Duration) int {
	n := 0
	for k, s := range z.open {
		if s.touched.Before(before) || s.End.Before(z.latest[k.site].Add(-keep)) {
			delete(z.open, k)
			n++
		}
	}
	return n
}

// Package event defines the record every collected event becomes: the
// message collection publishes to the event log and the loader writes to
// the warehouse. It is the contract between the two; a field added here
// must be optional (old messages in the log are replayed as they are).
package event

import (
	"encoding/json"
	"time"
)

// Kind says what an event is.
type Kind string

// The kinds. Pageviews and custom events count as "events" in statistics;
// engagement, identify, group and alias do not.
const (
	KindPageview   Kind = "pageview"   // a page or screen was viewed
	KindCustom     Kind = "custom"     // a named action (Signup, Outbound Link: Click…)
	KindEngagement Kind = "engagement" // time on page and scroll depth, sent when a page is left
	KindIdentify   Kind = "identify"   // who the visitor is (traits)
	KindGroup      Kind = "group"      // which account/company the visitor belongs to
	KindAlias      Kind = "alias"      // two ids are the same person
)

// Origin says which door an event came in by.
type Origin string

// The origins.
const (
	OriginTracker Origin = "tracker" // script.js, through /api/event
	OriginAPI     Origin = "api"     // /api/event called by other code
	OriginSegment Origin = "segment" // the Segment-compatible /v1 API
	OriginImport  Origin = "import"  // server access logs
)

// Revenue is money attached to an event. Amount is a decimal string so no
// precision is lost between the client and the warehouse.
type Revenue struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// Event is one collected, validated and enriched event.
type Event struct {
	ID          string    `json:"id"`             // unique per site; the de-duplication key
	SiteID      string    `json:"site"`           // the site it belongs to
	Kind        Kind      `json:"kind"`           // what it is
	Name        string    `json:"name"`           // "pageview", "engagement" or the custom event's name
	Time        time.Time `json:"ts"`             // when it happened (UTC), after clock-skew correction
	Received    time.Time `json:"rcv"`            // when mops accepted it (UTC)
	VisitorID   string    `json:"vid"`            // salted daily hash, or the id a Segment client gave
	UserID      string    `json:"uid,omitempty"`  // known user id (Segment userId)
	AnonymousID string    `json:"aid,omitempty"`  // Segment anonymousId
	Origin      Origin    `json:"origin"`         // which door it came in by
	Interactive bool      `json:"int"`            // false for events that must not end a bounce
	Hostname    string    `json:"host,omitempty"` // of the page
	Path        string    `json:"path,omitempty"` // of the page, without query or fragment
	Referrer    string    `json:"ref,omitempty"`  // referrer host and path, without query

	Source      string `json:"src,omitempty"`
	Channel     string `json:"chan,omitempty"`
	UTMSource   string `json:"utm_source,omitempty"`
	UTMMedium   string `json:"utm_medium,omitempty"`
	UTMCampaign string `json:"utm_campaign,omitempty"`
	UTMTerm     string `json:"utm_term,omitempty"`
	UTMContent  string `json:"utm_content,omitempty"`

	Browser        string `json:"br,omitempty"`
	BrowserVersion string `json:"brv,omitempty"`
	OS             string `json:"os,omitempty"`
	OSVersion      string `json:"osv,omitempty"`
	Device         string `json:"dev,omitempty"`
	Country        string `json:"cc,omitempty"` // ISO 3166-1 alpha-2
	Region         string `json:"reg,omitempty"`
	City           string `json:"city,omitempty"`

	Props   map[string]string `json:"props,omitempty"`
	Revenue *Revenue          `json:"rev,omitempty"`

	EngagedMS   int64 `json:"eng,omitempty"` // engagement: visible, focused time on the page
	ScrollDepth int   `json:"sd,omitempty"`  // engagement: deepest scroll, percent (0 = unknown)

	Traits     json.RawMessage `json:"traits,omitempty"` // identify and group
	GroupID    string          `json:"gid,omitempty"`    // group
	PreviousID string          `json:"prev,omitempty"`   // alias
}

// CountsAsEvent reports whether statistics count the event in "events".
func (e *Event) CountsAsEvent() bool { return e.Kind == KindPageview || e.Kind == KindCustom }

package eventlog

import (
	"errors"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	// StreamEvents is the name of the stream that holds every collected
	// event. It is the source of truth the warehouse loader reads from.
	StreamEvents = "EVENTS"

	// EventSubjectPrefix prefixes the subject of every event; the rest of
	// the subject is the site ID (see EventSubject).
	EventSubjectPrefix = "events."

	// EventSubjects is the subject filter covering all events of all sites.
	EventSubjects = EventSubjectPrefix + ">"

	// EventsDuplicateWindow is how long the EVENTS stream remembers a
	// Nats-Msg-Id to drop re-sent copies of a message. It is short: a
	// message carries many events, and the warehouse loader de-duplicates
	// events by id (Segment messageId semantics, for a day).
	EventsDuplicateWindow = 2 * time.Minute

	// EventsMaxMsgSize is the largest event message (headers + payload)
	// the EVENTS stream accepts.
	EventsMaxMsgSize = 1 << 20
)

// ErrInvalidSiteID is returned (wrapped) by EventSubject for a site ID that
// cannot be used as a single NATS subject token.
var ErrInvalidSiteID = errors.New("invalid site id")

// Streams returns the configuration of every stream mops uses, in the order
// Open declares them. It returns a fresh slice on every call, so callers may
// modify the result.
//
// EVENTS keeps events forever (limits retention without any limit; the log is
// the truth), stores them on file, de-duplicates on Nats-Msg-Id for
// EventsDuplicateWindow and rejects messages larger than EventsMaxMsgSize.
func Streams() []jetstream.StreamConfig {
	return []jetstream.StreamConfig{
		{
			Name:              StreamEvents,
			Description:       "mops collected events (source of truth for the warehouse)",
			Subjects:          []string{EventSubjects},
			Retention:         jetstream.LimitsPolicy,
			Storage:           jetstream.FileStorage,
			Discard:           jetstream.DiscardOld,
			MaxAge:            0, // no age limit: kept
			MaxMsgs:           -1,
			MaxBytes:          -1,
			MaxMsgsPerSubject: -1,
			MaxConsumers:      -1,
			MaxMsgSize:        EventsMaxMsgSize,
			Duplicates:        EventsDuplicateWindow,
			Replicas:          1,
			// Default persist mode: every message is written to its block
			// file before the publish is acknowledged. Quiesce relies on it.
			PersistMode: jetstream.DefaultPersistMode,
		},
	}
}

// EventSubject returns the subject an event of the given site is published
// on: "events.<siteID>". The site ID must be a single subject token: valid
// UTF-8, not empty and without '.', '*', '>', whitespace or control
// characters. Errors wrap ErrInvalidSiteID.
func EventSubject(siteID string) (string, error) {
	if siteID == "" {
		return "", fmt.Errorf("eventlog: event subject: %w: empty", ErrInvalidSiteID)
	}
	for _, r := range siteID {
		if r == '.' || r == '*' || r == '>' || unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", fmt.Errorf("eventlog: event subject: %w %q: contains %q", ErrInvalidSiteID, siteID, r)
		}
	}
	if !utf8.ValidString(siteID) {
		return "", fmt.Errorf("eventlog: event subject: %w %q: not valid UTF-8", ErrInvalidSiteID, siteID)
	}
	return EventSubjectPrefix + siteID, nil
}

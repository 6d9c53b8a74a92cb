package eventlog

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// healthTimeout bounds Health whatever the caller's ctx says.
const healthTimeout = 2 * time.Second

// Health is a point-in-time report on the log, for health endpoints and the
// admin UI.
type Health struct {
	// Mode is ModeEmbedded or ModeExternal.
	Mode string `json:"mode"`
	// Connected reports whether the client connection is up.
	Connected bool `json:"connected"`
	// Streams has the state of every stream of Streams that could be read,
	// in the order of Streams; empty when not connected.
	Streams []StreamHealth `json:"streams"`
	// Error describes what went wrong while reading the state; empty when
	// everything was read.
	Error string `json:"error,omitempty"`
}

// StreamHealth is the state of one stream.
type StreamHealth struct {
	// Name is the stream name.
	Name string `json:"name"`
	// Messages is the number of messages stored.
	Messages uint64 `json:"messages"`
	// Bytes is the size of the stored messages.
	Bytes uint64 `json:"bytes"`
	// FirstSeq is the sequence of the oldest stored message.
	FirstSeq uint64 `json:"first_seq"`
	// LastSeq is the sequence of the newest stored message.
	LastSeq uint64 `json:"last_seq"`
}

// OK reports whether the log is connected and every stream could be read.
func (h Health) OK() bool { return h.Connected && h.Error == "" }

// Health reports the log's mode, connection and stream state. It returns
// within about two seconds even when ctx has no deadline and the server does
// not answer; failures are reported in Health.Error, never as a panic or a
// hang.
func (l *Log) Health(ctx context.Context) Health {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()

	h := Health{Mode: l.mode(), Connected: l.nc.IsConnected(), Streams: []StreamHealth{}}
	if l.gate.isClosed() {
		h.Connected = false
		h.Error = ErrClosed.Error()
		return h
	}
	if !h.Connected {
		// Requests would only sit in the reconnect buffer until the timeout.
		h.Error = fmt.Sprintf("not connected (status %s)", l.nc.Status())
		return h
	}
	var errs []error
	for _, sc := range Streams() {
		if ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("stream %s: %w", sc.Name, ctx.Err()))
			continue
		}
		st, err := l.js.Stream(ctx, sc.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("stream %s: %w", sc.Name, err))
			continue
		}
		s := st.CachedInfo().State
		h.Streams = append(h.Streams, StreamHealth{
			Name:     sc.Name,
			Messages: s.Msgs,
			Bytes:    s.Bytes,
			FirstSeq: s.FirstSeq,
			LastSeq:  s.LastSeq,
		})
	}
	if err := errors.Join(errs...); err != nil {
		h.Error = err.Error()
	}
	return h
}

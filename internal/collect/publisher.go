package collect

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/warehouse/event"
)

// Group commit: the events of concurrent requests share log messages. While
// up to maxRounds messages are being stored, newly accepted events gather
// in one message per site; when a round finishes, the next one takes all
// of them. Each request is answered when the round holding its events is
// acknowledged, so the log's cost per message is shared by many events
// without making anyone wait for a timer.
const (
	maxRounds       = 2
	maxMessageBytes = 256 << 10 // a message is closed at this size; the log accepts up to 1 MB
	roundTimeout    = 30 * time.Second
)

// publisher groups events into log messages; see the constants above.
type publisher struct {
	log *eventlog.Log
	// bufs recycles encoding and message buffers (*[]byte): the NATS
	// client copies a message's data as it is published.
	bufs sync.Pool

	mu     sync.Mutex
	cur    *round // gathering events, nil when empty
	rounds int    // rounds being stored
}

// round is a set of messages stored together and the requests waiting on it.
type round struct {
	msgs map[string][]*[]byte // by subject; the last message is the open one
	done chan struct{}        // closed when err is set
	err  error
}

func newPublisher(log *eventlog.Log) *publisher {
	return &publisher{log: log}
}

// publish puts evs on the log and returns once the log holds them all, or
// ctx ends. Events of one request may be split over several messages; a
// failure of any of them fails the request.
func (p *publisher) publish(ctx context.Context, evs []*event.Event) error {
	if len(evs) == 0 {
		return nil
	}
	// Encode outside the lock; only the copy into the round is serialised.
	subjects, encs := make([]string, 0, 1), make([]*[]byte, 0, 1)
	for _, e := range evs {
		subject, err := eventlog.EventSubject(e.SiteID)
		if err != nil {
			p.free(encs...)
			return err
		}
		if n := len(encs); n > 0 && subjects[n-1] == subject && len(*encs[n-1]) < maxMessageBytes {
			*encs[n-1] = event.AppendEvent(*encs[n-1], e)
			continue
		}
		b := p.buf(0)
		*b = event.AppendEvent(*b, e)
		subjects, encs = append(subjects, subject), append(encs, b)
	}

	p.mu.Lock()
	if p.cur == nil {
		p.cur = &round{msgs: map[string][]*[]byte{}, done: make(chan struct{})}
	}
	r := p.cur
	for i, b := range encs {
		p.add(r, subjects[i], *b)
	}
	var lead *round
	if p.rounds < maxRounds {
		p.rounds++
		lead, p.cur = r, nil
	}
	p.mu.Unlock()
	p.free(encs...) // copied into the round

	if lead != nil {
		p.store(lead)
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// add appends encoded events to r's open message of subject, starting a
// new message when it is full.
func (p *publisher) add(r *round, subject string, data []byte) {
	list := r.msgs[subject]
	if n := len(list); n > 0 && len(*list[n-1])+len(data) <= maxMessageBytes {
		*list[n-1] = append(*list[n-1], data...)
		return
	}
	b := p.buf(len(data) + len(event.BatchMagic))
	*b = append(event.AppendBatchHeader(*b), data...)
	r.msgs[subject] = append(list, b)
}

// buf returns an empty buffer from the pool, or a new one with room for
// at least n bytes.
func (p *publisher) buf(n int) *[]byte {
	if b, ok := p.bufs.Get().(*[]byte); ok {
		*b = (*b)[:0]
		return b
	}
	b := make([]byte, 0, max(n, 4<<10))
	return &b
}

// free returns buffers to the pool; message-sized ones only, so one huge
// request does not pin its memory.
func (p *publisher) free(bufs ...*[]byte) {
	for _, b := range bufs {
		if cap(*b) <= 2*maxMessageBytes {
			p.bufs.Put(b)
		}
	}
}

// store publishes a round and answers its requests; then, when events
// gathered meanwhile, it hands the next round to a new goroutine, so rounds
// follow each other without a timer and no request waits for others'.
func (p *publisher) store(r *round) {
	msgs := make([]*nats.Msg, 0, len(r.msgs))
	for subject, list := range r.msgs {
		for _, b := range list {
			m := nats.NewMsg(subject)
			m.Data = *b
			msgs = append(msgs, m)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
	_, err := p.log.PublishBatch(ctx, msgs)
	cancel()
	if err != nil {
		r.err = fmt.Errorf("publish events: %w", err)
	}
	close(r.done)
	if err == nil {
		// Every message is acknowledged: nothing will send one again.
		for _, list := range r.msgs {
			p.free(list...)
		}
	}

	p.mu.Lock()
	next := p.cur
	p.cur = nil
	if next == nil {
		p.rounds--
	}
	p.mu.Unlock()
	if next != nil {
		go p.store(next)
	}
}

// Package warehouse turns the event log into the warehouse's event and
// visit tables. The loader reads the log in order from the position stored
// in DuckDB, assigns events to visits and writes each batch together with
// the new position in one transaction: after a crash it resumes exactly
// where the last committed batch ended, so every event is loaded once.
package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/warehouse/event"
)

// Loader options.
const (
	defaultBatch  = 20000                  // events per transaction (a batch ends after the message reaching it)
	batchWindow   = 250 * time.Millisecond // how long a batch waits to fill after its first message
	pullBytes     = 8 << 20                // how much of the log the consumer buffers ahead
	idleVisitKeep = VisitTimeout + 5*time.Minute
)

// Loaded is what a committed batch contained, for live views.
type Loaded struct {
	Events []event.Event
	Seq    uint64
}

// Loader materialises the EVENTS stream into DuckDB.
type Loader struct {
	st     *store
	js     jetstream.JetStream
	logger *slog.Logger
	batch  int
	now    func() time.Time

	loaded     prometheus.Counter
	duplicates prometheus.Counter

	mu       sync.Mutex
	lastSeq  uint64
	loadedCh chan struct{} // closed and replaced after every commit
	subs     map[chan Loaded]struct{}
}

// NewLoader returns a loader of log into d.
func NewLoader(d *db.DB, log *eventlog.Log, logger *slog.Logger) (*Loader, error) {
	st, err := newStore(d)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Loader{st: st, js: log.JetStream(), logger: logger, batch: defaultBatch,
		now:      func() time.Time { return time.Now().UTC() },
		loadedCh: make(chan struct{}), subs: map[chan Loaded]struct{}{},
		loaded: prometheus.NewCounter(prometheus.CounterOpts{Name: "mops_warehouse_events_loaded_total",
			Help: "Events the loader wrote to the warehouse."}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "mops_warehouse_events_duplicate_total",
			Help: "Events the loader passed over because their id was loaded within the de-duplication window."}),
	}, nil
}

// Register adds the loader's metrics to r.
func (l *Loader) Register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{l.loaded, l.duplicates} {
		if err := r.Register(c); err != nil {
			return fmt.Errorf("loader: register metrics: %w", err)
		}
	}
	return nil
}

// LastSeq is the stream sequence of the last event in the warehouse.
func (l *Loader) LastSeq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastSeq
}

// WaitFor blocks until the warehouse holds the event with stream sequence
// seq, or ctx ends.
func (l *Loader) WaitFor(ctx context.Context, seq uint64) error {
	for {
		l.mu.Lock()
		done, ch := l.lastSeq >= seq, l.loadedCh
		l.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Subscribe returns a channel that receives every committed batch until
// cancel is called. A subscriber that falls behind misses batches rather
// than slowing the loader.
func (l *Loader) Subscribe() (ch <-chan Loaded, cancel func()) {
	c := make(chan Loaded, 16)
	l.mu.Lock()
	l.subs[c] = struct{}{}
	l.mu.Unlock()
	return c, func() {
		l.mu.Lock()
		delete(l.subs, c)
		l.mu.Unlock()
	}
}

// Run loads until ctx ends. A failed batch is retried from the warehouse's
// committed position with a fresh visit state, after a pause.
func (l *Loader) Run(ctx context.Context) error {
	for {
		err := l.run(ctx)
		if ctx.Err() != nil {
			return nil
		}
		l.logger.Error("loader stopped; restarting from the last committed batch", "error", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (l *Loader) run(ctx context.Context) error {
	seq, err := l.st.lastSeq(ctx, eventlog.StreamEvents)
	if err != nil {
		return fmt.Errorf("read stream position: %w", err)
	}
	l.setLastSeq(seq, nil)
	z := newSessionizer()
	open, err := l.st.openSessions(ctx, idleVisitKeep)
	if err != nil {
		return fmt.Errorf("restore open visits: %w", err)
	}
	restored := l.now()
	for _, s := range open {
		z.restore(s, restored)
	}
	seen, err := l.st.recentIDs(ctx)
	if err != nil {
		return err
	}
	cons, err := l.js.OrderedConsumer(ctx, eventlog.StreamEvents, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   seq + 1,
	})
	if err != nil {
		return fmt.Errorf("open stream at %d: %w", seq+1, err)
	}
	it, err := cons.Messages(jetstream.PullMaxBytes(pullBytes))
	if err != nil {
		return fmt.Errorf("read stream: %w", err)
	}
	defer it.Stop()
	l.logger.Info("loader started", "from_seq", seq+1, "open_visits", len(open), "recent_ids", seen.len())
	b := &batch{dec: event.NewDecoder()}
	lastEvict := l.now()
	for {
		msgs, err := l.next(ctx, it)
		if err != nil {
			return err
		}
		if err := l.load(ctx, z, seen, b, msgs); err != nil {
			return err
		}
		if now := l.now(); now.Sub(lastEvict) > time.Minute {
			z.evict(now.Add(-idleVisitKeep), idleVisitKeep)
			lastEvict = now
		}
	}
}

// next waits for one message, then gathers more for a short window, until
// the messages hold about a batch of events.
func (l *Loader) next(ctx context.Context, it jetstream.MessagesContext) ([]jetstream.Msg, error) {
	m, err := it.Next(jetstream.NextContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("read stream: %w", err)
	}
	msgs := []jetstream.Msg{m}
	size := len(m.Data())
	deadline := time.Now().Add(batchWindow)
	for size < l.batch*bytesPerEvent {
		wait := time.Until(deadline)
		if wait <= 0 {
			break
		}
		m, err := it.Next(jetstream.NextMaxWait(wait))
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil, err
			}
			break // the window closed without another message
		}
		msgs = append(msgs, m)
		size += len(m.Data())
	}
	return msgs, nil
}

// bytesPerEvent is a typical encoded event's size, to size batches by the
// messages' length before decoding them.
const bytesPerEvent = 120

// batch holds what loading a batch needs, kept from one batch to the
// next: events take a few hundred bytes each, and a batch holds thousands.
type batch struct {
	dec  *event.Decoder
	evs  []event.Event
	seqs []uint64 // the message sequence of each event, by index
	rows []row
}

// reset empties the batch, dropping its references to the last events.
func (b *batch) reset() {
	clear(b.evs)
	clear(b.rows)
	b.evs, b.seqs, b.rows = b.evs[:0], b.seqs[:0], b.rows[:0]
}

func (l *Loader) load(ctx context.Context, z *sessionizer, seen *recentIDs, b *batch, msgs []jetstream.Msg) error {
	defer b.reset()
	now := l.now()
	evs, seqs := b.evs, b.seqs
	var last uint64
	for _, m := range msgs {
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("message metadata: %w", err)
		}
		last = md.Sequence.Stream
		n := len(evs)
		evs, err = b.dec.Decode(m.Data(), evs)
		if err != nil {
			// Collection only publishes valid events; a message that does not
			// decode is logged and passed over, never allowed to block the log.
			l.logger.Error("skip undecodable message", "seq", last, "error", err)
			evs = evs[:n]
			continue
		}
		for range len(evs) - n {
			seqs = append(seqs, last)
		}
	}
	b.evs, b.seqs = evs, seqs
	rows := b.rows
	dups := 0
	touched := map[string]*Session{}
	for i := range evs {
		e := &evs[i]
		if seen.seen(e.SiteID, e.ID, e.Received) {
			dups++
			continue
		}
		r := row{seq: seqs[i], ev: e}
		if s := z.add(e, now); s != nil {
			r.session = s.ID
			touched[s.ID] = s
		}
		rows = append(rows, r)
	}
	b.rows = rows
	if err := l.st.commit(ctx, eventlog.StreamEvents, rows, touched, last, now); err != nil {
		return err
	}
	l.loaded.Add(float64(len(rows)))
	l.duplicates.Add(float64(dups))
	var loaded []event.Event
	if l.hasSubscribers() {
		loaded = make([]event.Event, len(rows))
		for i, r := range rows {
			loaded[i] = *r.ev
		}
	}
	l.setLastSeq(last, loaded)
	return nil
}

func (l *Loader) hasSubscribers() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.subs) > 0
}

func (l *Loader) setLastSeq(seq uint64, evs []event.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastSeq = seq
	close(l.loadedCh)
	l.loadedCh = make(chan struct{})
	if evs == nil {
		return
	}
	for c := range l.subs {
		select {
		case c <- Loaded{Events: evs, Seq: seq}:
		default:
		}
	}
}

// Clear empties the event and visit tables and the stored position, so the
// next Run replays the whole log. The loader must not be running.
func (l *Loader) Clear(ctx context.Context) error {
	if err := l.st.clear(ctx, eventlog.StreamEvents); err != nil {
		return fmt.Errorf("clear event tables: %w", err)
	}
	return nil
}

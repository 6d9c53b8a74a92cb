package collect

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/warehouse/event"
)

func openLog(t *testing.T) *eventlog.Log {
	t.Helper()
	l, err := eventlog.Open(context.Background(), eventlog.Config{Dir: filepath.Join(t.TempDir(), "js")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	return l
}

// readLog decodes every event in the log, with the number of messages.
func readLog(t *testing.T, l *eventlog.Log) (map[string]event.Event, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := l.JetStream().OrderedConsumer(ctx, eventlog.StreamEvents, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := l.JetStream().Stream(ctx, eventlog.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	msgs := int(info.CachedInfo().State.Msgs)
	got := map[string]event.Event{}
	dec := event.NewDecoder()
	for range msgs {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		evs, err := dec.Decode(m.Data(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if _, dup := got[e.SiteID+":"+e.ID]; dup {
				t.Fatalf("event %s:%s is in the log twice", e.SiteID, e.ID)
			}
			if want := "events." + e.SiteID; m.Subject() != want {
				t.Fatalf("event of %s on subject %s", e.SiteID, m.Subject())
			}
			got[e.SiteID+":"+e.ID] = e
		}
	}
	return got, msgs
}

func TestPublisherGroupsConcurrentRequests(t *testing.T) {
	t.Parallel()
	l := openLog(t)
	p := newPublisher(l)
	const requests, perRequest = 400, 3
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs := make([]*event.Event, perRequest)
			for j := range evs {
				site := fmt.Sprintf("site%d", (i+j)%3) // a request may span sites
				evs[j] = &event.Event{ID: fmt.Sprintf("e%d-%d", i, j), SiteID: site, Kind: event.KindCustom,
					Name: "Signup", Time: time.Unix(int64(i), 0).UTC(), Received: time.Unix(int64(i), 0).UTC(),
					Props: map[string]string{"n": fmt.Sprint(i)}}
			}
			errs <- p.publish(context.Background(), evs)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, msgs := readLog(t, l)
	if len(got) != requests*perRequest {
		t.Fatalf("log holds %d events, want %d", len(got), requests*perRequest)
	}
	for i := range requests {
		e, ok := got[fmt.Sprintf("site%d:e%d-1", (i+1)%3, i)]
		if !ok || e.Props["n"] != fmt.Sprint(i) || e.Time.Unix() != int64(i) {
			t.Fatalf("event e%d-1 = %+v (found %v)", i, e, ok)
		}
	}
	// Rounds share messages: far fewer messages than requests × sites.
	if msgs >= requests {
		t.Errorf("%d messages for %d concurrent requests: events were not grouped", msgs, requests)
	}
	t.Logf("%d events from %d requests in %d messages", len(got), requests, msgs)
}

func TestPublisherSplitsLargeRounds(t *testing.T) {
	t.Parallel()
	l := openLog(t)
	p := newPublisher(l)
	big := make([]*event.Event, 0, 300)
	long := string(make([]byte, 2000))
	for i := range cap(big) {
		big = append(big, &event.Event{ID: fmt.Sprint("e", i), SiteID: "s", Kind: event.KindCustom, Name: "x",
			Props: map[string]string{"a": long}})
	}
	if err := p.publish(context.Background(), big); err != nil {
		t.Fatal(err)
	}
	got, msgs := readLog(t, l)
	if len(got) != len(big) || msgs < 2 {
		t.Fatalf("%d events in %d messages; want %d events in several messages of at most %d bytes", len(got), msgs, len(big), maxMessageBytes)
	}
}

func TestPublisherFailsRequestsWhenTheLogIsClosed(t *testing.T) {
	t.Parallel()
	l := openLog(t)
	p := newPublisher(l)
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := p.publish(context.Background(), []*event.Event{{ID: "a", SiteID: "s", Kind: event.KindCustom, Name: "x"}})
	if err == nil {
		t.Fatal("publish to a closed log succeeded")
	}
	// The next request is not stuck behind the failed round.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.publish(ctx, []*event.Event{{ID: "b", SiteID: "s", Kind: event.KindCustom, Name: "x"}}); err == nil || ctx.Err() != nil {
		t.Fatalf("second publish: %v (ctx %v); want a prompt error", err, ctx.Err())
	}
}

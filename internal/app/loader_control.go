package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/mopshq/mops/internal/platform/eventlog"
)

// loaderRun is the loader goroutine of a node, which reprocess restarts.
type loaderRun struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// startLoader runs the loader in the background until stopLoader.
func (a *App) startLoader() {
	a.loader.mu.Lock()
	defer a.loader.mu.Unlock()
	if a.loader.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = a.Loader.Run(ctx); close(done) }()
	a.loader.cancel, a.loader.done = cancel, done
}

// stopLoader stops the loader and waits for it; a batch being written is
// either committed or rolled back, never half-written.
func (a *App) stopLoader() {
	a.loader.mu.Lock()
	defer a.loader.mu.Unlock()
	if a.loader.cancel == nil {
		return
	}
	a.loader.cancel()
	<-a.loader.done
	a.loader.cancel, a.loader.done = nil, nil
}

// LoaderStatus is how far the warehouse is behind the event log.
type LoaderStatus struct {
	Loaded uint64 `json:"loaded_seq"`
	Last   uint64 `json:"log_seq"`
}

func (a *App) loaderStatus(ctx context.Context) LoaderStatus {
	st := LoaderStatus{Loaded: a.Loader.LastSeq()}
	for _, s := range a.Log.Health(ctx).Streams {
		if s.Name == eventlog.StreamEvents {
			st.Last = s.LastSeq
		}
	}
	return st
}

// reprocess rebuilds the event and visit tables from the event log: the
// loader stops, the tables are emptied and the loader replays the log from
// its start in the background. Progress is loaderStatus.
func (a *App) reprocess(ctx context.Context) (LoaderStatus, error) {
	a.stopLoader()
	defer a.startLoader()
	if err := a.Loader.Clear(ctx); err != nil {
		return LoaderStatus{}, fmt.Errorf("reprocess: %w", err)
	}
	a.Logger.Info("reprocess: event tables cleared; replaying the event log")
	st := a.loaderStatus(ctx)
	st.Loaded = 0
	return st, nil
}

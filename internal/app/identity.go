package app

import (
	"context"
	"time"
)

// identityPoll is how often identity resolution looks for identify calls
// when no load has woken it.
const identityPoll = 5 * time.Second

// startIdentity runs identity resolution in the background: after every
// load it applies the new identify and alias calls to the CRM, so an
// identified visitor is a contact within a second of the call.
func (a *App) startIdentity() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	a.identityStop = func() { cancel(); <-done }
	logger := a.Logger.With("component", "identity")
	go func() {
		defer close(done)
		for {
			for {
				n, err := a.CRM.ResolveIdentities(ctx, logger)
				if err != nil {
					if ctx.Err() == nil {
						logger.Error("identity resolution failed", "error", err)
					}
					break
				}
				if n == 0 {
					break
				}
			}
			// Wait for the next load (or the poll interval).
			wait, cancelWait := context.WithTimeout(ctx, identityPoll)
			_ = a.Loader.WaitFor(wait, a.Loader.LastSeq()+1)
			cancelWait()
			if ctx.Err() != nil {
				return
			}
		}
	}()
}

package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mopshq/mops/internal/sites"
)

// When digests go out, in the site's time zone: weekly ones on Monday,
// monthly ones on the 1st, at this hour.
const sendHour = 7

// Retries of a digest the SMTP server did not take.
const (
	maxAttempts = 5
	retryAfter  = 30 * time.Minute
)

// How often the scheduler looks for due digests, and how long after start
// it first does (the loader catches up with the event log meanwhile).
const (
	checkEvery = 5 * time.Minute
	firstCheck = 30 * time.Second
)

// lastDue is the latest moment at or before now at which a digest of kind
// fell due in loc.
func lastDue(kind string, now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	if kind == Monthly {
		t := time.Date(l.Year(), l.Month(), 1, sendHour, 0, 0, 0, loc)
		if t.After(now) {
			t = time.Date(l.Year(), l.Month()-1, 1, sendHour, 0, 0, 0, loc)
		}
		return t
	}
	sinceMonday := (int(l.Weekday()) + 6) % 7
	t := time.Date(l.Year(), l.Month(), l.Day()-sinceMonday, sendHour, 0, 0, 0, loc)
	if t.After(now) {
		t = time.Date(l.Year(), l.Month(), l.Day()-sinceMonday-7, sendHour, 0, 0, 0, loc)
	}
	return t
}

// digestPeriod is what a digest due at dueAt reports: for a weekly one the
// seven days before that Monday, for a monthly one the month before the
// 1st.
func digestPeriod(kind string, dueAt time.Time, loc *time.Location) (string, Period) {
	spec := "7d"
	if kind == Monthly {
		spec = "month"
	}
	cur, _, _, _ := resolvePeriod(spec, loc, dueAt) // fixed specs always resolve
	return spec, cur
}

// Start runs the scheduler in the background until Stop, when sending is
// configured; otherwise it does nothing.
func (s *Service) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mailer == nil || s.stop != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		timer := time.NewTimer(firstCheck)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			if _, err := s.RunDue(ctx, s.now()); err != nil && ctx.Err() == nil {
				s.logger.Error("digests", "error", err)
			}
			timer.Reset(checkEvery)
		}
	}()
	if m, ok := s.mailer.(*SMTP); ok {
		s.logger.Info("digest emails on", "smtp", m.Address())
	}
}

// Stop ends the scheduler and waits for a digest being sent.
func (s *Service) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop == nil {
		return
	}
	s.stop()
	<-s.done
	s.stop, s.done = nil, nil
}

// RunDue sends every digest due at now that was not sent yet, and returns
// how many went out. Each site gets the latest weekly and monthly period
// due in its time zone, once: the send log, not memory, says what was
// sent, so a restart sends nothing twice and a period missed while mops
// was down goes out once it is back (older missed periods are skipped). A
// period the SMTP server refused is tried again after retryAfter, up to
// maxAttempts times. Nothing is sent while the warehouse is behind the
// event log (Options.Ready), as the numbers would be short.
func (s *Service) RunDue(ctx context.Context, now time.Time) (int, error) {
	if s.mailer == nil {
		return 0, nil
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.ready != nil && !s.ready(ctx) {
		s.logger.Debug("digests wait for the warehouse to catch up")
		return 0, nil
	}
	subs, err := s.st.activeSettings(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("digests: %w", err)
	}
	sent := 0
	var errs []error
	for _, sub := range subs {
		site, err := s.sites.Find(ctx, sub.SiteID)
		if errors.Is(err, sites.ErrNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, kind := range []string{Weekly, Monthly} {
			ok, err := s.sendIfDue(ctx, site, sub, kind, now)
			if err != nil {
				if ctx.Err() != nil {
					return sent, ctx.Err()
				}
				s.logger.Warn("digest not sent", "site", site.Domain, "kind", kind, "error", err)
				errs = append(errs, err)
			}
			if ok {
				sent++
			}
		}
	}
	return sent, errors.Join(errs...)
}

// sendIfDue sends the latest due digest of kind for site, unless it was
// sent, is waiting for a retry, or fell due before the kind was turned on.
func (s *Service) sendIfDue(ctx context.Context, site *sites.Site, sub *Settings, kind string, now time.Time) (bool, error) {
	since := sub.since(kind)
	if since == nil {
		return false, nil
	}
	loc, err := time.LoadLocation(site.Timezone)
	if err != nil {
		return false, fmt.Errorf("digest for %s: time zone: %w", site.Domain, err)
	}
	dueAt := lastDue(kind, now, loc)
	if dueAt.Before(*since) {
		return false, nil
	}
	spec, period := digestPeriod(kind, dueAt, loc)
	prior, err := s.st.send(ctx, s.db, site.ID, kind, period.From)
	if err != nil {
		return false, fmt.Errorf("digest for %s: %w", site.Domain, err)
	}
	if prior != nil && (prior.SentAt != nil || prior.Attempts >= maxAttempts || now.Sub(prior.LastAttemptAt) < retryAfter) {
		return false, nil
	}
	// The attempt is logged before the message leaves: if mops stops
	// between the two, the period waits for a retry instead of going out
	// again at once.
	if err := s.st.claimSend(ctx, s.db, site.WorkspaceID, site.ID, kind, period, sub.Recipients, now.UTC()); err != nil {
		return false, fmt.Errorf("digest for %s: %w", site.Domain, err)
	}
	err = s.deliver(ctx, site, sub.Recipients, kind, spec, dueAt)
	if err != nil {
		if ferr := s.st.markFailed(context.WithoutCancel(ctx), s.db, site.ID, kind, period.From, err.Error()); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return false, fmt.Errorf("%s digest for %s (%s): %w", kind, site.Domain, period.Label(), err)
	}
	if err := s.st.markSent(context.WithoutCancel(ctx), s.db, site.ID, kind, period.From, s.now().UTC()); err != nil {
		return true, fmt.Errorf("digest for %s: sent, but not logged: %w", site.Domain, err)
	}
	s.logger.Info("digest sent", "site", site.Domain, "kind", kind, "period", period.Label(), "recipients", len(sub.Recipients))
	return true, nil
}

// deliver builds, renders and sends one digest.
func (s *Service) deliver(ctx context.Context, site *sites.Site, to []string, kind, spec string, dueAt time.Time) error {
	r, err := s.Build(ctx, site, spec, dueAt)
	if err != nil {
		return err
	}
	r.Generated = s.now()
	r.Heading = "Weekly digest"
	if kind == Monthly {
		r.Heading = "Monthly digest"
	}
	msg, err := digestMessage(r, to, "")
	if err != nil {
		return err
	}
	return s.mailer.Send(ctx, msg)
}

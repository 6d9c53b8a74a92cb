package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// writeVisits writes the visits a batch changed, inside the batch's
// transaction on conn, so that visits holds one row per visit with its
// current values.
//
// The loader is the only writer of visits and remembers which visits it
// has written (Session.storedStart), so visits needs no primary key and no
// upsert; each visit takes the cheapest write that keeps its row right:
//
//   - a visit never written is appended;
//   - a visit written before is staged with the columns a later event can
//     change, and merge-visits updates its row in place;
//   - a visit whose start moved earlier (an event arrived late) also has
//     the dimensions of that earlier event: merge-visits deletes its row and
//     it is appended again in full.
//
// merge-visits fails when a staged visit has no row, so a wrong storedStart
// fails the batch rather than losing a change (the loader then restarts
// from the warehouse with a fresh sessionizer).
func (s *store) writeVisits(ctx context.Context, conn *sql.Conn, sessions map[string]*Session, now time.Time) error {
	if len(sessions) == 0 {
		return nil
	}
	var full, staged []*Session
	var since time.Time // the earliest stored start among the staged visits
	for _, v := range sessions {
		if v.storedStart.IsZero() {
			full = append(full, v)
			continue
		}
		staged = append(staged, v)
		if since.IsZero() || v.storedStart.Before(since) {
			since = v.storedStart
		}
		if startMoved(v) {
			full = append(full, v)
		}
	}
	if len(staged) > 0 {
		if err := appendRows(conn, "visits_staging", len(staged), func(i int, dst []driver.Value) []driver.Value { return stagedVisitValues(dst, staged[i], now) }); err != nil {
			return fmt.Errorf("stage visits: %w", err)
		}
		if _, err := conn.ExecContext(ctx, s.q.MergeVisits, since); err != nil {
			return fmt.Errorf("merge visits: %w", err)
		}
		if _, err := conn.ExecContext(ctx, s.q.ClearStaging); err != nil {
			return fmt.Errorf("clear staged visits: %w", err)
		}
	}
	if err := appendRows(conn, "visits", len(full), func(i int, dst []driver.Value) []driver.Value { return visitValues(dst, full[i], now) }); err != nil {
		return fmt.Errorf("append visits: %w", err)
	}
	// Written, not yet committed. Should the commit fail, the loader drops
	// this sessionizer and restores the visits from the warehouse.
	for _, v := range sessions {
		v.storedStart = v.Start
	}
	return nil
}

// startMoved reports whether a written visit's start moved earlier since it
// was written, which changes its dimensions (they come from its first event).
func startMoved(v *Session) bool { return !v.Start.Equal(v.storedStart) }

// visitValues appends a visit's columns, in the order of visits, to dst.
func visitValues(dst []driver.Value, v *Session, now time.Time) []driver.Value {
	return append(dst, v.ID, v.SiteID, v.VisitorID, v.UserID, v.Start, v.End, v.EntryPage, v.ExitPage,
		v.Hostname, v.Referrer, v.Source, v.Channel, v.UTMSource, v.UTMMedium, v.UTMCampaign, v.UTMTerm, v.UTMContent,
		v.Browser, v.OS, v.Device, v.Country, v.Region, v.City, int32(v.Pageviews), int32(v.Events), int32(v.Interactions),
		v.Bounce(), int32(v.DurationSeconds()), now, VisitorKey(v.VisitorID))
}

// stagedVisitValues appends a written visit's columns, in the order of
// visits_staging, to dst.
func stagedVisitValues(dst []driver.Value, v *Session, now time.Time) []driver.Value {
	return append(dst, v.ID, v.storedStart, startMoved(v), v.UserID, v.End, v.EntryPage, v.ExitPage,
		int32(v.Pageviews), int32(v.Events), int32(v.Interactions), v.Bounce(), int32(v.DurationSeconds()), now)
}

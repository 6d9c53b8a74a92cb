package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// writeVisits writes the visits a batch changed, inside the batch's
// transaction on conn.
func (s *store) writeVisits(ctx context.Context, conn *sql.Conn, sessions map[string]*Session, now time.Time) error {
	if len(sessions) == 0 {
		return nil
	}
	visits := make([]*Session, 0, len(sessions))
	for _, v := range sessions {
		visits = append(visits, v)
	}
	if err := appendRows(conn, "visits_staging", len(visits), func(i int) []driver.Value { return visitValues(visits[i], now) }); err != nil {
		return fmt.Errorf("stage visits: %w", err)
	}
	if _, err := conn.ExecContext(ctx, s.q.MergeVisits); err != nil {
		return fmt.Errorf("merge visits: %w", err)
	}
	if _, err := conn.ExecContext(ctx, s.q.ClearStaging); err != nil {
		return fmt.Errorf("clear staged visits: %w", err)
	}

	return nil
}

// visitValues lists a visit's columns in the table's order.
func visitValues(v *Session, now time.Time) []driver.Value {
	return []driver.Value{v.ID, v.SiteID, v.VisitorID, v.UserID, v.Start, v.End, v.EntryPage, v.ExitPage,
		v.Hostname, v.Referrer, v.Source, v.Channel, v.UTMSource, v.UTMMedium, v.UTMCampaign, v.UTMTerm, v.UTMContent,
		v.Browser, v.OS, v.Device, v.Country, v.Region, v.City, int32(v.Pageviews), int32(v.Events), int32(v.Interactions),
		v.Bounce(), int32(v.DurationSeconds()), now}
}

package warehouse

import (
	"context"
	"crypto/md5"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/warehouse/event"
)

//go:embed queries.sql
var queriesSQL string

type queries struct {
	GetLastSeq     string `query:"get-last-seq"`
	SetLastSeq     string `query:"set-last-seq"`
	MergeVisits    string `query:"merge-visits"`
	ClearStaging   string `query:"clear-staging"`
	OpenSessions   string `query:"open-sessions"`
	ClearEvents    string `query:"clear-events"`
	ClearVisits    string `query:"clear-visits"`
	ResetLastSeq   string `query:"reset-last-seq"`
	RecentEventIDs string `query:"recent-event-ids"`
}

type store struct {
	db *db.DB
	q  queries
}

func newStore(d *db.DB) (*store, error) {
	s := &store{db: d}
	if err := db.LoadQueries(queriesSQL, &s.q); err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	return s, nil
}

func (s *store) lastSeq(ctx context.Context, stream string) (uint64, error) {
	var seq uint64
	err := s.db.QueryRowContext(ctx, s.q.GetLastSeq, stream).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// row is one event with what the loader adds to it.
type row struct {
	seq     uint64
	ev      *event.Event
	session string
}

// commit writes a batch in one transaction: the events (appended), the
// visits they changed, and the stream sequence reached. Either all of it
// is in the warehouse afterwards or none of it.
func (s *store) commit(ctx context.Context, stream string, rows []row, sessions map[string]*Session, lastSeq uint64, now time.Time) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("load batch: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("load batch: begin: %w", err)
	}
	err = s.write(ctx, conn, stream, rows, sessions, lastSeq, now)
	if err != nil {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		return fmt.Errorf("load batch: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		return fmt.Errorf("load batch: commit: %w", err)
	}
	return nil
}

func (s *store) write(ctx context.Context, conn *sql.Conn, stream string, rows []row, sessions map[string]*Session, lastSeq uint64, now time.Time) error {
	if err := appendRows(conn, "events", len(rows), func(i int, dst []driver.Value) []driver.Value { return eventValues(dst, rows[i]) }); err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	if err := s.writeVisits(ctx, conn, sessions, now); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, s.q.SetLastSeq, stream, lastSeq, now); err != nil {
		return fmt.Errorf("save stream position: %w", err)
	}
	return nil
}

// appendRows bulk-appends n rows to table on conn, inside its transaction.
// values appends row i's columns to dst (empty; reused from row to row:
// the appender copies what it is given).
func appendRows(conn *sql.Conn, table string, n int, values func(i int, dst []driver.Value) []driver.Value) error {
	if n == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return err
		}
		var row []driver.Value
		for i := range n {
			row = values(i, row[:0])
			if err := app.AppendRow(row...); err != nil {
				_ = app.Close()
				return err
			}
		}
		return app.Close()
	})
}

// eventValues appends an event's columns, in the table's order, to dst.
func eventValues(dst []driver.Value, r row) []driver.Value {
	e := r.ev
	var props any
	if len(e.Props) > 0 {
		// The driver writes a MAP from an OrderedMap (a duckdb.Map is copied
		// into one first). Sorted keys store equal props as equal maps.
		keys := make([]string, 0, len(e.Props))
		for k := range e.Props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var m duckdb.OrderedMap
		for _, k := range keys {
			m.Set(k, e.Props[k])
		}
		props = m
	}
	var amount any
	currency := ""
	if e.Revenue != nil {
		if d, ok := decimal4(e.Revenue.Amount); ok {
			amount = d
			currency = e.Revenue.Currency
		}
	}
	var traits any
	switch {
	case len(e.Traits) > 0:
		traits = string(e.Traits)
	case e.Kind == event.KindAlias && e.PreviousID != "":
		// An alias has no traits; its previous id is kept in their place,
		// for identity resolution.
		b, _ := json.Marshal(map[string]string{"previousId": e.PreviousID})
		traits = string(b)
	}
	return append(dst, e.SiteID, r.seq, e.ID, e.Time.UTC(), e.Received.UTC(), string(e.Kind), e.Name, e.VisitorID,
		r.session, e.UserID, string(e.Origin), e.Interactive, e.Hostname, e.Path, e.Referrer, e.Source, e.Channel,
		e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, e.Browser, e.BrowserVersion, e.OS,
		e.OSVersion, e.Device, e.Country, e.Region, e.City, props, amount, currency, e.EngagedMS,
		int16(e.ScrollDepth), traits, VisitorKey(e.VisitorID))
}

// VisitorKey is the 64-bit key stored beside a visitor id (visitor_key):
// the low half of the id's MD5, equal to DuckDB's md5_number_lower, which
// filled in the rows written before the column existed.
func VisitorKey(visitorID string) uint64 {
	sum := md5.Sum([]byte(visitorID))
	return binary.LittleEndian.Uint64(sum[8:])
}

// decimal4 parses a decimal string ("49", "-3.5", "12.3456") into a
// DECIMAL(18,4); more than four decimals are rounded half away from zero.
func decimal4(s string) (duckdb.Decimal, bool) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return duckdb.Decimal{}, false
	}
	r.Mul(r, big.NewRat(10000, 1))
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if q.CmpAbs(big.NewInt(999999999999999999)) > 0 {
		return duckdb.Decimal{}, false
	}
	return duckdb.Decimal{Width: 18, Scale: 4, Value: q}, true
}

// openSessions returns the visits that ended within keep of the newest
// visit of their site: those the next events can still continue, whether
// the server was down for a minute or a day.
func (s *store) openSessions(ctx context.Context, keep time.Duration) ([]*Session, error) {
	rows, err := s.db.QueryContext(ctx, s.q.OpenSessions, keep.Microseconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Session
	for rows.Next() {
		var x Session
		if err := rows.Scan(&x.ID, &x.SiteID, &x.VisitorID, &x.UserID, &x.Start, &x.End, &x.EntryPage, &x.ExitPage,
			&x.Hostname, &x.Referrer, &x.Source, &x.Channel, &x.UTMSource, &x.UTMMedium, &x.UTMCampaign, &x.UTMTerm,
			&x.UTMContent, &x.Browser, &x.OS, &x.Device, &x.Country, &x.Region, &x.City, &x.Pageviews, &x.Events,
			&x.Interactions, &x.touched); err != nil {
			return nil, err
		}
		x.Start, x.End, x.touched = x.Start.UTC(), x.End.UTC(), x.touched.UTC()
		out = append(out, &x)
	}
	return out, rows.Err()
}

// clear empties the event tables and the stream position, for a replay.
func (s *store) clear(ctx context.Context, stream string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{s.q.ClearEvents, s.q.ClearVisits} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, s.q.ResetLastSeq, stream)
		return err
	})
}

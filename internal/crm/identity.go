package crm

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
)

// Identity kinds: a visitor id of the sites, or the app's own user id.
const (
	IdentityVisitor = "visitor"
	IdentityUser    = "user"
)

// Identity ties something the sites saw to a contact.
type Identity struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	SiteID    string    `json:"site_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Identities returns a contact's identities, oldest first.
func (s *Service) Identities(ctx context.Context, ws, contactID string) ([]Identity, error) {
	return s.identities(ctx, s.db, ws, contactID)
}

func (s *Service) identities(ctx context.Context, q db.Querier, ws, contactID string) ([]Identity, error) {
	rows, err := q.QueryContext(ctx, s.st.q.ListContactIdentities, ws, contactID)
	if err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	defer rows.Close()
	var out []Identity
	for rows.Next() {
		var i Identity
		if err := rows.Scan(&i.Kind, &i.Value, &i.SiteID, &i.CreatedAt); err != nil {
			return nil, fmt.Errorf("list identities: %w", err)
		}
		i.CreatedAt = i.CreatedAt.UTC()
		out = append(out, i)
	}
	return out, rows.Err()
}

// Identification is one "this visitor is this person": an identify call,
// a form submission. Contact holds what is known of the person (traits).
type Identification struct {
	SiteID    string
	VisitorID string
	UserID    string
	Contact   ContactInput
	At        time.Time
}

// identify links the visitor and user id to the contact they belong to —
// found by user id, then by email, then by the visitor — creating it when
// there is none, and writes what is known of the person onto it. Its
// first and last touch come from the visitor's first and latest visit. It
// returns nil when nothing identifies a person (no email, name or phone,
// and no known id).
func (s *Service) identify(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, in Identification, cause Cause) (*Contact, error) {
	var contactID string
	var err error
	if in.UserID != "" {
		if contactID, err = findID(ctx, tx, s.st.q.FindIdentity, wc.ws, IdentityUser, in.UserID); err != nil {
			return nil, err
		}
	}
	if contactID == "" && in.Contact.Email != nil {
		email := strings.ToLower(strings.TrimSpace(*in.Contact.Email))
		if email != "" {
			if contactID, err = findID(ctx, tx, s.st.q.FindContactByEmail, wc.ws, email); err != nil {
				return nil, err
			}
		}
	}
	if contactID == "" && in.VisitorID != "" && (in.Contact.Email == nil || *in.Contact.Email == "") {
		if contactID, err = findID(ctx, tx, s.st.q.FindIdentity, wc.ws, IdentityVisitor, in.VisitorID); err != nil {
			return nil, err
		}
	}
	first, last, err := s.touches(ctx, tx, in)
	if err != nil {
		return nil, err
	}
	var c *Contact
	if contactID == "" {
		cin := in.Contact
		if cin.Email == nil && cin.Phone == nil && cin.FirstName == nil && cin.LastName == nil {
			return nil, nil
		}
		cin.FirstTouch, cin.LastTouch = first, last
		if c, err = s.createContact(ctx, tx, wc, actor, cin, cause); err != nil {
			return nil, err
		}
	} else {
		cin := in.Contact
		if last != nil {
			cin.LastTouch = last
		}
		cause.ForwardOnly = true
		if c, err = s.updateContact(ctx, tx, wc, actor, contactID, cin, cause); err != nil {
			return nil, err
		}
		if c.FirstTouch.Channel == "" && first != nil {
			if c, err = s.updateContact(ctx, tx, wc, actor, contactID, ContactInput{FirstTouch: first}, cause); err != nil {
				return nil, err
			}
		}
	}
	at := in.At
	if at.IsZero() {
		at = s.now()
	}
	for kind, v := range map[string]string{IdentityVisitor: in.VisitorID, IdentityUser: in.UserID} {
		if v == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.st.q.InsertIdentity, wc.ws, kind, v, c.ID, in.SiteID, at); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// touches finds the visitor's first and latest visit on the site.
func (s *Service) touches(ctx context.Context, tx *sql.Tx, in Identification) (first, last *Touch, err error) {
	if in.SiteID == "" || (in.VisitorID == "" && in.UserID == "") {
		return nil, nil, nil
	}
	read := func(q string) (*Touch, error) {
		var t Touch
		err := tx.QueryRowContext(ctx, q, in.SiteID, in.VisitorID, in.VisitorID, in.UserID, in.UserID).Scan(&t.Channel, &t.Source, &t.Campaign)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return &t, err
	}
	if first, err = read(s.st.q.FirstVisitOf); err != nil {
		return nil, nil, err
	}
	last, err = read(s.st.q.LastVisitOf)
	return first, last, err
}

// Identify applies one identification in its own transaction.
func (s *Service) Identify(ctx context.Context, actor auth.Actor, ws string, in Identification, cause Cause) (*Contact, error) {
	var out *Contact
	err := s.writeWith(ctx, ws, func(tx *sql.Tx, wc *writeCtx) (err error) {
		out, err = s.identify(ctx, tx, wc, actor, in, cause)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("identify: %w", err)
	}
	return out, nil
}

// traitsInput reads the traits of an identify call the way Segment's
// spec names them (email, firstName, lastName, name, phone, title,
// company as a name or an object with a name). Other traits are ignored.
func traitsInput(raw string) ContactInput {
	var tr map[string]any
	_ = json.Unmarshal([]byte(raw), &tr)
	str := func(keys ...string) *string {
		for _, k := range keys {
			if v, ok := tr[k].(string); ok && strings.TrimSpace(v) != "" {
				return &v
			}
		}
		return nil
	}
	in := ContactInput{Email: str("email"), FirstName: str("firstName", "first_name"), LastName: str("lastName", "last_name"),
		Phone: str("phone"), Title: str("title")}
	if in.FirstName == nil && in.LastName == nil {
		if n := str("name"); n != nil {
			first, last, _ := strings.Cut(strings.TrimSpace(*n), " ")
			in.FirstName, in.LastName = &first, &last
		}
	}
	switch c := tr["company"].(type) {
	case string:
		if strings.TrimSpace(c) != "" {
			in.CompanyName = &c
		}
	case map[string]any:
		if n, ok := c["name"].(string); ok && strings.TrimSpace(n) != "" {
			in.CompanyName = &n
		}
	}
	return in
}

// identityCall is one identify or alias call read from the warehouse.
type identityCall struct {
	seq                                uint64
	ws, site, kind, visitor, user, raw string
	at                                 time.Time
}

// identityBatch is how many identify and alias calls one pass reads.
const identityBatch = 500

// identityActor is who identity resolution acts as in the audit log.
var identityActor = auth.Actor{Type: auth.ActorSystem, Name: "identity resolution"}

// ResolveIdentities applies the identify and alias calls the warehouse
// holds beyond the stored position, in order, each with the position in
// one transaction. A call whose traits are invalid (a malformed email)
// is passed over and logged; it never holds up the ones after it. It
// returns how many calls it read.
func (s *Service) ResolveIdentities(ctx context.Context, logger *slog.Logger) (int, error) {
	var last uint64
	err := s.db.QueryRowContext(ctx, s.st.q.GetIdentitySeq).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("resolve identities: %w", err)
	}
	var calls []identityCall
	rows, err := s.db.QueryContext(ctx, s.st.q.ListIdentityEvents, last, identityBatch)
	if err != nil {
		return 0, fmt.Errorf("resolve identities: %w", err)
	}
	for rows.Next() {
		var c identityCall
		if err := rows.Scan(&c.seq, &c.ws, &c.site, &c.kind, &c.visitor, &c.user, &c.raw, &c.at); err != nil {
			rows.Close()
			return 0, fmt.Errorf("resolve identities: %w", err)
		}
		calls = append(calls, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("resolve identities: %w", err)
	}
	for _, c := range calls {
		setSeq := func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, s.st.q.SetIdentitySeq, c.seq, s.now())
			return err
		}
		err := s.write(ctx, c.ws, func(tx *sql.Tx) error {
			wc, err := s.loadWriteCtx(ctx, tx, c.ws)
			if err != nil {
				return err
			}
			in := Identification{SiteID: c.site, VisitorID: c.visitor, UserID: c.user, At: c.at.UTC()}
			if c.kind == "alias" {
				// alias(previousId → userId): the previous id, a visitor's
				// anonymous id or an older user id, joins userId's contact.
				var tr struct {
					PreviousID string `json:"previousId"`
				}
				_ = json.Unmarshal([]byte(c.raw), &tr)
				if err := s.alias(ctx, tx, wc, tr.PreviousID, c); err != nil {
					return err
				}
			} else {
				in.Contact = traitsInput(c.raw)
				if _, err := s.identify(ctx, tx, wc, identityActor, in, Cause{Kind: CauseIdentify, At: in.At}); err != nil {
					return err
				}
			}
			return setSeq(tx)
		})
		var ve *ValidationError
		var de *DuplicateError
		if errors.As(err, &ve) || errors.As(err, &de) {
			logger.Warn("identify call passed over", "seq", c.seq, "site_id", c.site, "error", err)
			err = s.db.InTx(ctx, setSeq)
		}
		if err != nil {
			return 0, fmt.Errorf("resolve identities: %w", err)
		}
	}
	return len(calls), nil
}

// alias links previousID to the contact that userID (of call c) belongs
// to, as a user id and as a visitor id (Segment's previousId is either).
func (s *Service) alias(ctx context.Context, tx *sql.Tx, wc *writeCtx, previousID string, c identityCall) error {
	if previousID == "" || c.user == "" {
		return nil
	}
	contactID, err := findID(ctx, tx, s.st.q.FindIdentity, wc.ws, IdentityUser, c.user)
	if err != nil || contactID == "" {
		return err
	}
	for _, kind := range []string{IdentityUser, IdentityVisitor} {
		if _, err := tx.ExecContext(ctx, s.st.q.InsertIdentity, wc.ws, kind, previousID, contactID, c.site, c.at.UTC()); err != nil {
			return err
		}
	}
	return nil
}

package crm

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/crm/dedupe"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/id"
)

//go:embed merge_queries.sql
var mergeQueriesSQL string

// mergeQueries are the SQL of the duplicate review, merges, data quality
// and saved views.
type mergeQueries struct {
	ListDedupeRecords    string `query:"list-dedupe-records"`
	ListPairKeys         string `query:"list-pair-keys"`
	InsertPair           string `query:"insert-pair"`
	UpdateOpenPair       string `query:"update-open-pair"`
	DeleteStaleOpenPairs string `query:"delete-stale-open-pairs"`
	ListOpenPairs        string `query:"list-open-pairs"`
	CountPairs           string `query:"count-pairs"`
	GetPair              string `query:"get-pair"`
	DecidePair           string `query:"decide-pair"`
	ClosePairsOf         string `query:"close-pairs-of"`
	ListMovedRows        string `query:"list-moved-rows"`
	MoveNote             string `query:"move-note"`
	MoveTask             string `query:"move-task"`
	MoveTransition       string `query:"move-transition"`
	MoveConsent          string `query:"move-consent"`
	MoveIdentity         string `query:"move-identity"`
	DeleteDealLink       string `query:"delete-deal-link"`
	DeleteContactRow     string `query:"delete-contact-row"`
	InsertMerge          string `query:"insert-merge"`
	GetMerge             string `query:"get-merge"`
	ListMerges           string `query:"list-merges"`
	LaterMergesOf        string `query:"later-merges-of"`
	SetMergeUndone       string `query:"set-merge-undone"`
	ReopenPair           string `query:"reopen-pair"`
	QualityCounts        string `query:"quality-counts"`
	QualityCompanyCounts string `query:"quality-company-counts"`
	ListStoredValues     string `query:"list-stored-values"`
	InsertSavedView      string `query:"insert-saved-view"`
	ListSavedViews       string `query:"list-saved-views"`
	GetSavedView         string `query:"get-saved-view"`
	DeleteSavedView      string `query:"delete-saved-view"`
	ListContactAllEvents string `query:"list-contact-all-events"`
	PseudonymiseEvents   string `query:"pseudonymise-events"`
	PseudonymiseVisits   string `query:"pseudonymise-visits"`
	DeleteTransitions    string `query:"delete-contact-transitions"`
	DeleteConsents       string `query:"delete-contact-consents"`
	ForgetContactPairs   string `query:"forget-contact-pairs"`
	ForgetContactMerges  string `query:"forget-contact-merges"`
}

func loadMergeQueries() (*mergeQueries, error) {
	q := &mergeQueries{}
	if err := db.LoadQueries(mergeQueriesSQL, q); err != nil {
		return nil, fmt.Errorf("crm merges: %w", err)
	}
	return q, nil
}

// Pair statuses.
const (
	PairOpen      = "open"
	PairMerged    = "merged"
	PairDismissed = "dismissed"
)

// DuplicatePair is two contacts that are probably one person, waiting in
// the review queue.
type DuplicatePair struct {
	A, B    *Contact
	Score   float64
	Reasons []string
	FoundAt time.Time
}

// Why says in words why the pair was found: "same phone, similar name
// at the same company".
func (p DuplicatePair) Why() string {
	out := make([]string, len(p.Reasons))
	for i, r := range p.Reasons {
		out[i] = reasonLabel(r)
	}
	return strings.Join(out, ", ")
}

func reasonLabel(r string) string {
	switch dedupe.Reason(r) {
	case dedupe.SameEmail:
		return "same email"
	case dedupe.SamePhone:
		return "same phone"
	case dedupe.SimilarName:
		return "similar name at the same company"
	}
	return r
}

// ScanReport is what a duplicate scan found.
type ScanReport struct {
	Contacts int `json:"contacts"`
	Found    int `json:"found"` // pairs the engine returned
	New      int `json:"new"`   // of them, not in the queue before
	Open     int `json:"open"`  // open pairs after the scan
	Elapsed  time.Duration
}

// ScanDuplicates runs the duplicate detection over the workspace's
// contacts and puts new pairs in the review queue. Pairs already merged
// or dismissed stay decided; open pairs whose contacts are gone leave.
func (s *Service) ScanDuplicates(ctx context.Context, ws string) (*ScanReport, error) {
	start := time.Now()
	rows, err := s.db.QueryContext(ctx, s.mq.ListDedupeRecords, ws)
	if err != nil {
		return nil, fmt.Errorf("scan duplicates: %w", err)
	}
	var recs []dedupe.Record
	for rows.Next() {
		var r dedupe.Record
		if err := rows.Scan(&r.ID, &r.Email, &r.Phone, &r.FirstName, &r.LastName, &r.Domain); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan duplicates: %w", err)
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scan duplicates: %w", err)
	}
	pairs := dedupe.Find(recs, dedupe.Options{})
	rep := &ScanReport{Contacts: len(recs), Found: len(pairs)}
	err = s.write(ctx, ws, func(tx *sql.Tx) error {
		known := map[[2]string]string{}
		krows, err := tx.QueryContext(ctx, s.mq.ListPairKeys, ws)
		if err != nil {
			return err
		}
		for krows.Next() {
			var a, b, st string
			if err := krows.Scan(&a, &b, &st); err != nil {
				krows.Close()
				return err
			}
			known[[2]string{a, b}] = st
		}
		krows.Close()
		now := s.now()
		for _, p := range pairs {
			reasons := make([]string, len(p.Reasons))
			for i, r := range p.Reasons {
				reasons[i] = string(r)
			}
			st, ok := known[[2]string{p.A, p.B}]
			switch {
			case !ok:
				rep.New++
				_, err = tx.ExecContext(ctx, s.mq.InsertPair, ws, p.A, p.B, p.Score, strings.Join(reasons, ","), now)
			case st == PairOpen:
				_, err = tx.ExecContext(ctx, s.mq.UpdateOpenPair, p.Score, strings.Join(reasons, ","), ws, p.A, p.B)
			}
			if err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.mq.DeleteStaleOpenPairs, ws, ws, ws)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("scan duplicates: %w", err)
	}
	counts, err := s.PairCounts(ctx, ws)
	if err != nil {
		return nil, err
	}
	rep.Open, rep.Elapsed = counts.Open, time.Since(start)
	return rep, nil
}

// PairCounts are the review queue's pairs by status.
type PairCounts struct{ Open, Merged, Dismissed int }

// PairCounts counts the workspace's duplicate pairs by status.
func (s *Service) PairCounts(ctx context.Context, ws string) (PairCounts, error) {
	var c PairCounts
	if err := s.db.QueryRowContext(ctx, s.mq.CountPairs, ws).Scan(&c.Open, &c.Merged, &c.Dismissed); err != nil {
		return c, fmt.Errorf("count duplicate pairs: %w", err)
	}
	return c, nil
}

// OpenPairs lists the review queue, surest pairs first.
func (s *Service) OpenPairs(ctx context.Context, ws string, limit, offset int) ([]DuplicatePair, error) {
	rows, err := s.db.QueryContext(ctx, s.mq.ListOpenPairs, ws, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list duplicate pairs: %w", err)
	}
	type key struct {
		a, b    string
		score   float64
		reasons string
		found   time.Time
	}
	var keys []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.a, &k.b, &k.score, &k.reasons, &k.found); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list duplicate pairs: %w", err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list duplicate pairs: %w", err)
	}
	out := make([]DuplicatePair, 0, len(keys))
	for _, k := range keys {
		p, err := s.pairOf(ctx, s.db, ws, k.a, k.b, k.score, k.reasons, k.found)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, nil
}

func (s *Service) pairOf(ctx context.Context, q db.Querier, ws, a, b string, score float64, reasons string, found time.Time) (*DuplicatePair, error) {
	ca, err := s.st.contact(ctx, q, ws, a)
	if err != nil {
		return nil, fmt.Errorf("read pair %s/%s: %w", a, b, err)
	}
	cb, err := s.st.contact(ctx, q, ws, b)
	if err != nil {
		return nil, fmt.Errorf("read pair %s/%s: %w", a, b, err)
	}
	return &DuplicatePair{A: ca, B: cb, Score: score, Reasons: strings.Split(reasons, ","), FoundAt: found.UTC()}, nil
}

// pairKey orders two contact ids as the queue stores them.
func pairKey(x, y string) (string, string) {
	if x > y {
		return y, x
	}
	return x, y
}

// Pair returns one open pair of the queue (the ids in either order).
func (s *Service) Pair(ctx context.Context, ws, x, y string) (*DuplicatePair, error) {
	a, b := pairKey(x, y)
	var score float64
	var reasons string
	var found time.Time
	err := s.db.QueryRowContext(ctx, s.mq.GetPair, ws, a, b).Scan(&a, &b, &score, &reasons, &found)
	if err != nil {
		return nil, fmt.Errorf("read duplicate pair: %w", notFound(err))
	}
	return s.pairOf(ctx, s.db, ws, a, b, score, reasons, found)
}

// DismissPair records that two contacts are different people; a later
// scan does not suggest them again.
func (s *Service) DismissPair(ctx context.Context, actor auth.Actor, ws, x, y string) error {
	a, b := pairKey(x, y)
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.mq.DecidePair, PairDismissed, s.now(), actor.Name, ws, a, b)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.audit.Record(ctx, tx, ws, actor, "contact.duplicate.dismiss", "contact", a, nil, map[string]string{"a": a, "b": b})
	})
	if err != nil {
		return fmt.Errorf("dismiss duplicate pair: %w", err)
	}
	return nil
}

// MergeFields are the fields whose surviving value a merge chooses, in
// the order the review page shows them.
var mergeFields = []string{"email", "first_name", "last_name", "phone", "title", "company_id", "owner_id",
	"lifecycle_stage", "lead_status", "city", "country", "consent_email", "external_id"}

// MergeFieldLabel names a merge field for people.
func MergeFieldLabel(f string) string {
	switch f {
	case "company_id":
		return "Company"
	case "owner_id":
		return "Owner"
	case "consent_email":
		return "Email consent"
	case "external_id":
		return "External id"
	}
	return strings.ToUpper(f[:1]) + strings.ReplaceAll(f[1:], "_", " ")
}

// MergeFields lists the fields a merge chooses, for the review page.
func MergeFields() []string { return append([]string(nil), mergeFields...) }

// FieldValue is a contact's value of a merge field as text.
func (c *Contact) FieldValue(f string) string {
	switch f {
	case "email":
		return c.Email
	case "first_name":
		return c.FirstName
	case "last_name":
		return c.LastName
	case "phone":
		return c.Phone
	case "title":
		return c.Title
	case "company_id":
		return c.CompanyName
	case "owner_id":
		return c.OwnerID
	case "lifecycle_stage":
		return c.LifecycleStage
	case "lead_status":
		return c.LeadStatus
	case "city":
		return c.City
	case "country":
		return c.Country
	case "consent_email":
		if c.ConsentEmail {
			return "given"
		}
		return "not given"
	case "external_id":
		return c.ExternalID
	}
	if k, ok := strings.CutPrefix(f, "properties."); ok {
		if v, ok := c.Props[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// take copies field f from src onto dst.
func take(dst, src *Contact, f string) {
	switch f {
	case "email":
		dst.Email = src.Email
	case "first_name":
		dst.FirstName = src.FirstName
	case "last_name":
		dst.LastName = src.LastName
	case "phone":
		dst.Phone = src.Phone
	case "title":
		dst.Title = src.Title
	case "company_id":
		dst.CompanyID, dst.CompanyName = src.CompanyID, src.CompanyName
	case "owner_id":
		dst.OwnerID = src.OwnerID
	case "lifecycle_stage":
		dst.LifecycleStage = src.LifecycleStage
	case "lead_status":
		dst.LeadStatus = src.LeadStatus
	case "city":
		dst.City = src.City
	case "country":
		dst.Country = src.Country
	case "consent_email":
		dst.ConsentEmail = src.ConsentEmail
	case "external_id":
		dst.ExternalID = src.ExternalID
	default:
		if k, ok := strings.CutPrefix(f, "properties."); ok {
			if v, ok := src.Props[k]; ok {
				dst.Props[k] = v
			} else {
				delete(dst.Props, k)
			}
		}
	}
}

// DefaultChoice is the side a merge takes field f from when the person
// does not choose: the survivor's value, unless it is empty and the
// other has one; for the lifecycle stage the later stage.
func (s *Service) defaultChoice(stages []LifecycleStage, survivor, other *Contact, f string) string {
	switch f {
	case "lifecycle_stage":
		if stageIndex(stages, other.LifecycleStage) > stageIndex(stages, survivor.LifecycleStage) {
			return "other"
		}
		return "survivor"
	case "consent_email":
		return "survivor"
	}
	if survivor.FieldValue(f) == "" && other.FieldValue(f) != "" {
		return "other"
	}
	return "survivor"
}

// MergeInput says which contact survives a merge and, per field, whose
// value it keeps: "survivor" or "other". Fields left out take the
// default (the survivor's value unless it is empty; the later lifecycle
// stage). Custom properties are named "properties.KEY".
type MergeInput struct {
	SurvivorID string            `json:"survivor_id"`
	OtherID    string            `json:"other_id"`
	Choose     map[string]string `json:"choose"`
}

// Merge is one merge of two contacts, as the history lists it.
type Merge struct {
	ID         string     `json:"id"`
	SurvivorID string     `json:"survivor_id"`
	MergedID   string     `json:"merged_id"`
	Survivor   Contact    `json:"survivor_before"`
	Merged     Contact    `json:"merged_before"`
	Result     Contact    `json:"result"`
	MergedAt   time.Time  `json:"merged_at"`
	MergedBy   string     `json:"merged_by"`
	UndoneAt   *time.Time `json:"undone_at,omitempty"`
	UndoneBy   string     `json:"undone_by,omitempty"`
	// Changed lists the survivor's fields the merge changed.
	Changed []string `json:"changed"`
}

// mergeSnapshot is what undoing a merge needs.
type mergeSnapshot struct {
	Survivor Contact    `json:"survivor"`
	Merged   Contact    `json:"merged"`
	Result   Contact    `json:"result"`
	Changed  []string   `json:"changed"`
	Moved    []movedRow `json:"moved"`  // rows of the merged contact now on the survivor
	Shared   []string   `json:"shared"` // deals both were on: the merged contact's link was dropped
}

// movedRow is one row a merge moved: kind note, task, transition,
// consent, identity ("kind:value") or deal.
type movedRow struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// MergeContacts folds the other contact into the survivor: the chosen
// values are kept, the other's notes, tasks, lifecycle history, consent
// records, identities (so its web history) and deals move to the
// survivor, and the other is removed. The merge is audited and can be
// undone with UndoMerge.
func (s *Service) MergeContacts(ctx context.Context, actor auth.Actor, ws string, in MergeInput) (*Merge, error) {
	if in.SurvivorID == "" || in.OtherID == "" || in.SurvivorID == in.OtherID {
		return nil, &ValidationError{Fields: []FieldError{{"other_id", "choose two different contacts"}}}
	}
	var out *Merge
	err := s.writeWith(ctx, ws, func(tx *sql.Tx, wc *writeCtx) error {
		surv, err := s.st.contact(ctx, tx, ws, in.SurvivorID)
		if err != nil {
			return err
		}
		other, err := s.st.contact(ctx, tx, ws, in.OtherID)
		if err != nil {
			return err
		}
		fields := append([]string(nil), mergeFields...)
		for k := range other.Props {
			if _, ok := surv.Props[k]; !ok {
				fields = append(fields, "properties."+k)
			}
		}
		for k := range surv.Props {
			fields = append(fields, "properties."+k)
		}
		var fe fieldErrors
		for f, side := range in.Choose {
			if side != "survivor" && side != "other" {
				fe.add("choose."+f, "must be survivor or other")
			} else if !isMergeField(fields, f) {
				fe.add("choose."+f, "is not a field of these contacts")
			}
		}
		if err := fe.err(); err != nil {
			return err
		}
		res := *surv
		res.Props = map[string]any{}
		for k, v := range surv.Props {
			res.Props[k] = v
		}
		var changed []string
		for _, f := range fields {
			side, ok := in.Choose[f]
			if !ok {
				side = s.defaultChoice(wc.stages, surv, other, f)
			}
			if side == "other" && other.FieldValue(f) != surv.FieldValue(f) {
				take(&res, other, f)
				changed = append(changed, f)
			}
		}
		// The earlier first touch and the later last touch describe the
		// person best; the older record's creation time is theirs.
		if res.FirstTouch.Channel == "" || (other.FirstTouch.Channel != "" && other.CreatedAt.Before(surv.CreatedAt)) {
			res.FirstTouch = other.FirstTouch
		}
		if other.LastTouch.Channel != "" && other.UpdatedAt.After(surv.UpdatedAt) {
			res.LastTouch = other.LastTouch
		}
		snap := mergeSnapshot{Survivor: *surv, Merged: *other, Changed: changed}
		if snap.Moved, snap.Shared, err = s.moveRows(ctx, tx, ws, other.ID, surv.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.mq.DeleteContactRow, ws, other.ID); err != nil {
			return err
		}
		now := s.now()
		res.UpdatedAt = now
		if err := s.updateContactRow(ctx, tx, wc, &res); err != nil {
			return err
		}
		if res.LifecycleStage != surv.LifecycleStage {
			if err := s.transition(ctx, tx, wc, res.ID, surv.LifecycleStage, res.LifecycleStage, now, CauseMerge, other.ID, actor); err != nil {
				return err
			}
		}
		snap.Result = res
		raw, err := json.Marshal(snap)
		if err != nil {
			return err
		}
		m := &Merge{ID: id.NewAt("mg", now), SurvivorID: surv.ID, MergedID: other.ID, Survivor: *surv, Merged: *other,
			Result: res, MergedAt: now, MergedBy: actor.Name, Changed: changed}
		if _, err := tx.ExecContext(ctx, s.mq.InsertMerge, m.ID, ws, surv.ID, other.ID, string(raw), now, actor.Name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.mq.ClosePairsOf, now, actor.Name, ws, other.ID, other.ID); err != nil {
			return err
		}
		a, b := pairKey(surv.ID, other.ID)
		if _, err := tx.ExecContext(ctx, s.mq.DecidePair, PairMerged, now, actor.Name, ws, a, b); err != nil {
			return err
		}
		out = m
		return s.audit.Record(ctx, tx, ws, actor, "contact.merge", "contact", surv.ID,
			map[string]any{"survivor": surv, "merged": other}, map[string]any{"merge_id": m.ID, "result": res})
	})
	if err != nil {
		return nil, fmt.Errorf("merge contacts: %w", err)
	}
	return out, nil
}

func isMergeField(fields []string, f string) bool {
	for _, x := range fields {
		if x == f {
			return true
		}
	}
	return false
}

// moveRows moves what hangs off contact from onto contact to, and lists
// what it moved. A deal both are on keeps only to's link.
func (s *Service) moveRows(ctx context.Context, tx *sql.Tx, ws, from, to string) (moved []movedRow, shared []string, err error) {
	rows, err := tx.QueryContext(ctx, s.mq.ListMovedRows, ws, from, ws, from, ws, from, ws, from, ws, from, ws, from)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var r movedRow
		if err := rows.Scan(&r.Kind, &r.ID); err != nil {
			rows.Close()
			return nil, nil, err
		}
		moved = append(moved, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	toDeals, err := s.contactDealSet(ctx, tx, ws, to)
	if err != nil {
		return nil, nil, err
	}
	kept := moved[:0]
	for _, r := range moved {
		if r.Kind == "deal" && toDeals[r.ID] {
			if _, err := tx.ExecContext(ctx, s.mq.DeleteDealLink, ws, r.ID, from); err != nil {
				return nil, nil, err
			}
			shared = append(shared, r.ID)
			continue
		}
		if err := s.moveRow(ctx, tx, ws, r, from, to); err != nil {
			return nil, nil, err
		}
		kept = append(kept, r)
	}
	return kept, shared, nil
}

// moveRow points one row of contact from at contact to.
func (s *Service) moveRow(ctx context.Context, tx *sql.Tx, ws string, r movedRow, from, to string) error {
	var err error
	switch r.Kind {
	case "note":
		_, err = tx.ExecContext(ctx, s.mq.MoveNote, to, ws, r.ID)
	case "task":
		_, err = tx.ExecContext(ctx, s.mq.MoveTask, to, ws, r.ID)
	case "transition":
		_, err = tx.ExecContext(ctx, s.mq.MoveTransition, to, ws, r.ID)
	case "consent":
		_, err = tx.ExecContext(ctx, s.mq.MoveConsent, to, ws, r.ID)
	case "identity":
		kind, value, _ := strings.Cut(r.ID, ":")
		_, err = tx.ExecContext(ctx, s.mq.MoveIdentity, to, ws, kind, value)
	case "deal":
		if _, err = tx.ExecContext(ctx, s.mq.DeleteDealLink, ws, r.ID, from); err == nil {
			_, err = tx.ExecContext(ctx, s.st.q.InsertDealContact, ws, r.ID, to)
		}
	default:
		err = fmt.Errorf("unknown moved row kind %q", r.Kind)
	}
	return err
}

// contactDealSet returns the deals a contact is on, as a set.
func (s *Service) contactDealSet(ctx context.Context, q db.Querier, ws, contactID string) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, s.st.q.ListContactDeals, ws, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out[d] = true
	}
	return out, rows.Err()
}

// ErrUndoRefused means a merge cannot be undone any more: it was undone
// already, a later merge involves its contacts, or the survivor is gone.
var ErrUndoRefused = errors.New("the merge cannot be undone")

// UndoMerge brings the merged contact back with everything that was
// moved, and restores the survivor's fields the merge changed — unless
// someone changed them since, in which case the newer value stays.
func (s *Service) UndoMerge(ctx context.Context, actor auth.Actor, ws, mergeID string) (*Merge, error) {
	var out *Merge
	err := s.writeWith(ctx, ws, func(tx *sql.Tx, wc *writeCtx) error {
		m, snap, err := s.readMerge(tx.QueryRowContext(ctx, s.mq.GetMerge, ws, mergeID))
		if err != nil {
			return err
		}
		if m.UndoneAt != nil {
			return fmt.Errorf("%w: it was undone %s by %s", ErrUndoRefused, m.UndoneAt.Format(time.RFC3339), m.UndoneBy)
		}
		var later int
		if err := tx.QueryRowContext(ctx, s.mq.LaterMergesOf, ws, m.MergedAt, m.ID, m.SurvivorID, m.MergedID, m.SurvivorID, m.MergedID).Scan(&later); err != nil {
			return err
		}
		if later > 0 {
			return fmt.Errorf("%w: a later merge involves these contacts; undo that one first", ErrUndoRefused)
		}
		cur, err := s.st.contact(ctx, tx, ws, m.SurvivorID)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("%w: the surviving contact was deleted", ErrUndoRefused)
		}
		if err != nil {
			return err
		}
		restored := *cur
		restored.Props = map[string]any{}
		for k, v := range cur.Props {
			restored.Props[k] = v
		}
		for _, f := range snap.Changed {
			if cur.FieldValue(f) == snap.Result.FieldValue(f) {
				take(&restored, &snap.Survivor, f)
			}
		}
		// The merged contact's email may be the survivor's now: give it
		// back first, so the two never share one.
		if restored.Email == snap.Merged.Email && snap.Merged.Email != "" {
			restored.Email = snap.Survivor.Email
		}
		now := s.now()
		restored.UpdatedAt = now
		if restored.CompanyName, err = s.companyName(ctx, tx, wc, restored.CompanyID); err != nil {
			return err
		}
		if err := s.updateContactRow(ctx, tx, wc, &restored); err != nil {
			return err
		}
		back := snap.Merged
		if back.CompanyName, err = s.companyName(ctx, tx, wc, back.CompanyID); err != nil {
			return err
		}
		if err := s.insertContactRow(ctx, tx, wc, &back); err != nil {
			return err
		}
		for _, r := range snap.Moved {
			if err := s.moveRow(ctx, tx, ws, r, m.SurvivorID, m.MergedID); err != nil {
				return err
			}
		}
		for _, d := range snap.Shared {
			if _, err := tx.ExecContext(ctx, s.st.q.InsertDealContact, ws, d, m.MergedID); err != nil {
				return err
			}
		}
		if restored.LifecycleStage != cur.LifecycleStage {
			if err := s.transition(ctx, tx, wc, restored.ID, cur.LifecycleStage, restored.LifecycleStage, now, CauseMerge, m.ID, actor); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.mq.SetMergeUndone, now, actor.Name, ws, m.ID); err != nil {
			return err
		}
		a, b := pairKey(m.SurvivorID, m.MergedID)
		if _, err := tx.ExecContext(ctx, s.mq.ReopenPair, ws, a, b); err != nil {
			return err
		}
		m.UndoneAt, m.UndoneBy = &now, actor.Name
		out = m
		return s.audit.Record(ctx, tx, ws, actor, "contact.merge.undo", "contact", m.SurvivorID,
			map[string]any{"merge_id": m.ID, "survivor": cur}, map[string]any{"survivor": restored, "restored": back})
	})
	if err != nil {
		return nil, fmt.Errorf("undo merge: %w", err)
	}
	return out, nil
}

func (s *Service) readMerge(r scanner) (*Merge, *mergeSnapshot, error) {
	var m Merge
	var raw string
	var undone sql.NullTime
	if err := r.Scan(&m.ID, &m.SurvivorID, &m.MergedID, &raw, &m.MergedAt, &m.MergedBy, &undone, &m.UndoneBy); err != nil {
		return nil, nil, notFound(err)
	}
	var snap mergeSnapshot
	if err := json.Unmarshal([]byte(raw), &snap); err != nil {
		return nil, nil, fmt.Errorf("decode merge %s: %w", m.ID, err)
	}
	m.MergedAt = m.MergedAt.UTC()
	if undone.Valid {
		t := undone.Time.UTC()
		m.UndoneAt = &t
	}
	m.Survivor, m.Merged, m.Result, m.Changed = snap.Survivor, snap.Merged, snap.Result, snap.Changed
	return &m, &snap, nil
}

// Merges lists the workspace's latest merges, newest first.
func (s *Service) Merges(ctx context.Context, ws string, limit int) ([]Merge, error) {
	rows, err := s.db.QueryContext(ctx, s.mq.ListMerges, ws, limit)
	if err != nil {
		return nil, fmt.Errorf("list merges: %w", err)
	}
	defer rows.Close()
	var out []Merge
	for rows.Next() {
		m, _, err := s.readMerge(rows)
		if err != nil {
			return nil, fmt.Errorf("list merges: %w", err)
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

package crm

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/id"
)

func (s *Service) pipelines(ctx context.Context, q db.Querier, ws string) ([]Pipeline, error) {
	rows, err := q.QueryContext(ctx, s.st.q.ListPipelines, ws)
	if err != nil {
		return nil, err
	}
	var out []Pipeline
	for rows.Next() {
		var p Pipeline
		if err := rows.Scan(&p.ID, &p.Name, &p.Position); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, s.st.q.ListStages, ws)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var st Stage
		if err := rows.Scan(&st.ID, &st.PipelineID, &st.Name, &st.Position, &st.Probability, &st.Outcome); err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(out, func(p Pipeline) bool { return p.ID == st.PipelineID }); i >= 0 {
			out[i].Stages = append(out[i].Stages, st)
		}
	}
	return out, rows.Err()
}

// Pipelines returns the workspace's pipelines with their stages in order.
func (s *Service) Pipelines(ctx context.Context, ws string) ([]Pipeline, error) {
	ps, err := s.pipelines(ctx, s.db, ws)
	if err != nil {
		return nil, fmt.Errorf("list pipelines: %w", err)
	}
	if len(ps) == 0 {
		// Not written yet: the first write creates it.
		if err := s.write(ctx, ws, func(*sql.Tx) error { return nil }); err != nil {
			return nil, fmt.Errorf("list pipelines: %w", err)
		}
		if ps, err = s.pipelines(ctx, s.db, ws); err != nil {
			return nil, fmt.Errorf("list pipelines: %w", err)
		}
	}
	return ps, nil
}

func validatePipeline(p Pipeline) (Pipeline, error) {
	var fe fieldErrors
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || len(p.Name) > 80 {
		fe.add("name", "must be 1 to 80 characters")
	}
	if len(p.Stages) < 2 {
		fe.add("stages", "a pipeline needs at least two stages")
	}
	won := 0
	names := map[string]bool{}
	for i := range p.Stages {
		st := &p.Stages[i]
		field := fmt.Sprintf("stages[%d]", i)
		st.Name = strings.TrimSpace(st.Name)
		st.Position = i
		switch {
		case st.Name == "" || len(st.Name) > 60:
			fe.add(field, "name must be 1 to 60 characters")
		case names[strings.ToLower(st.Name)]:
			fe.add(field, fmt.Sprintf("%q is listed twice", st.Name))
		}
		names[strings.ToLower(st.Name)] = true
		switch st.Outcome {
		case Won:
			won++
			st.Probability = 1
		case Lost:
			st.Probability = 0
		case Open, "":
			st.Outcome = Open
			if st.Probability < 0 || st.Probability > 1 || math.IsNaN(st.Probability) {
				fe.add(field, "probability must be between 0 and 1")
			}
		default:
			fe.add(field, "outcome must be open, won or lost")
		}
	}
	if won == 0 {
		fe.add("stages", "a pipeline needs a won stage")
	}
	return p, fe.err()
}

func (s *Service) insertPipeline(ctx context.Context, tx *sql.Tx, ws string, p Pipeline) (*Pipeline, error) {
	p, err := validatePipeline(p)
	if err != nil {
		return nil, err
	}
	now := s.now()
	existing, err := s.pipelines(ctx, tx, ws)
	if err != nil {
		return nil, err
	}
	p.ID = id.NewAt("pl", now)
	p.Position = len(existing)
	if _, err := tx.ExecContext(ctx, s.st.q.InsertPipeline, p.ID, ws, p.Name, p.Position, now); err != nil {
		return nil, err
	}
	for i := range p.Stages {
		st := &p.Stages[i]
		st.ID, st.PipelineID = id.New("ps"), p.ID
		if _, err := tx.ExecContext(ctx, s.st.q.InsertStage, st.ID, ws, p.ID, st.Name, st.Position, st.Probability, st.Outcome); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// CreatePipeline adds a pipeline with its stages.
func (s *Service) CreatePipeline(ctx context.Context, actor auth.Actor, ws string, p Pipeline) (*Pipeline, error) {
	var out *Pipeline
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		var err error
		if out, err = s.insertPipeline(ctx, tx, ws, p); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "pipeline.create", "pipeline", out.ID, nil, out)
	})
	if err != nil {
		return nil, fmt.Errorf("create pipeline: %w", err)
	}
	return out, nil
}

// UpdateStage changes a stage's name, probability and outcome.
func (s *Service) UpdateStage(ctx context.Context, actor auth.Actor, ws string, st Stage) (*Stage, error) {
	var out Stage
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		ps, err := s.pipelines(ctx, tx, ws)
		if err != nil {
			return err
		}
		pi := slices.IndexFunc(ps, func(p Pipeline) bool { _, ok := p.Stage(st.ID); return ok })
		if pi < 0 || st.ID == "" {
			return ErrNotFound
		}
		p := ps[pi]
		before, _ := p.Stage(st.ID)
		si := slices.IndexFunc(p.Stages, func(o Stage) bool { return o.ID == st.ID })
		p.Stages[si].Name, p.Stages[si].Probability, p.Stages[si].Outcome = st.Name, st.Probability, st.Outcome
		if p, err = validatePipeline(p); err != nil {
			return err
		}
		out = p.Stages[si]
		if _, err := tx.ExecContext(ctx, s.st.q.UpdateStage, out.Name, out.Position, out.Probability, out.Outcome, ws, out.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "pipeline.stage.update", "pipeline_stage", out.ID, before, out)
	})
	if err != nil {
		return nil, fmt.Errorf("update stage: %w", err)
	}
	return &out, nil
}

// DealInput is a write of a deal; nil fields are left as they are. Stage
// and Pipeline take an id or a name.
type DealInput struct {
	Name       *string        `json:"name"`
	Pipeline   *string        `json:"pipeline"`
	Stage      *string        `json:"stage"`
	Amount     *float64       `json:"amount"`
	Currency   *string        `json:"currency"`
	CloseDate  *string        `json:"close_date"`
	CompanyID  *string        `json:"company_id"`
	OwnerID    *string        `json:"owner_id"`
	ContactIDs *[]string      `json:"contact_ids"`
	ExternalID *string        `json:"external_id"`
	Props      map[string]any `json:"properties"`
}

// ParseAmount reads an amount as people and exports write it ("1,250.50",
// "1250", "€ 99").
func ParseAmount(s string) (float64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, "$€£¥ ")
	s = strings.ReplaceAll(s, ",", "")
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not an amount", s)
	}
	return f, nil
}

func (s *Service) applyDeal(ctx context.Context, tx *sql.Tx, wc *writeCtx, d *Deal, in DealInput, ps []Pipeline, fe *fieldErrors) error {
	text("name", in.Name, 200, &d.Name, fe)
	if d.Name == "" {
		fe.add("name", "is required")
	}
	text("external_id", in.ExternalID, 200, &d.ExternalID, fe)
	pi := slices.IndexFunc(ps, func(p Pipeline) bool { return p.ID == d.PipelineID })
	if in.Pipeline != nil {
		v := strings.TrimSpace(*in.Pipeline)
		pi = slices.IndexFunc(ps, func(p Pipeline) bool { return p.ID == v || strings.EqualFold(p.Name, v) })
		if pi < 0 {
			fe.add("pipeline", fmt.Sprintf("%q is not a pipeline of this workspace", v))
			return nil
		}
		if ps[pi].ID != d.PipelineID && in.Stage == nil {
			d.StageID = ps[pi].Stages[0].ID
		}
		d.PipelineID = ps[pi].ID
	}
	if pi < 0 {
		pi = 0
		d.PipelineID = ps[0].ID
	}
	if in.Stage != nil {
		st, ok := ps[pi].Stage(strings.TrimSpace(*in.Stage))
		if !ok {
			fe.add("stage", fmt.Sprintf("%q is not a stage of pipeline %s", *in.Stage, ps[pi].Name))
		} else {
			d.StageID = st.ID
		}
	}
	if d.StageID == "" {
		d.StageID = ps[pi].Stages[0].ID
	}
	if in.Amount != nil {
		if *in.Amount < 0 || math.IsNaN(*in.Amount) || math.IsInf(*in.Amount, 0) || *in.Amount >= 1e15 {
			fe.add("amount", "must be a non-negative amount")
		} else {
			d.Amount = math.Round(*in.Amount*100) / 100
		}
	}
	if in.Currency != nil {
		d.Currency = validateCurrency("currency", *in.Currency, fe)
	}
	if in.CloseDate != nil {
		v := strings.TrimSpace(*in.CloseDate)
		if v == "" {
			d.CloseDate = ""
		} else if t, err := parseDate(v); err != nil {
			fe.add("close_date", fmt.Sprintf("%q is not a date YYYY-MM-DD", v))
		} else {
			d.CloseDate = t.Format(time.DateOnly)
		}
	}
	if in.OwnerID != nil {
		o := strings.TrimSpace(*in.OwnerID)
		if o != "" && !wc.isMember(o) {
			fe.add("owner_id", fmt.Sprintf("%q is not a member of this workspace", o))
		} else {
			d.OwnerID = o
		}
	}
	if in.CompanyID != nil {
		cid := strings.TrimSpace(*in.CompanyID)
		if cid != "" {
			ok, err := exists(ctx, tx, s.st.q.CompanyExists, wc.ws, cid)
			if err != nil {
				return err
			}
			if !ok {
				fe.add("company_id", fmt.Sprintf("%q is not a company of this workspace", cid))
			}
		}
		d.CompanyID = cid
	}
	if in.ContactIDs != nil {
		var ids []string
		for _, c := range *in.ContactIDs {
			c = strings.TrimSpace(c)
			if c == "" || slices.Contains(ids, c) {
				continue
			}
			ok, err := exists(ctx, tx, s.st.q.ContactExists, wc.ws, c)
			if err != nil {
				return err
			}
			if !ok {
				fe.add("contact_ids", fmt.Sprintf("%q is not a contact of this workspace", c))
				continue
			}
			ids = append(ids, c)
		}
		slices.Sort(ids)
		d.ContactIDs = ids
	}
	if in.Props != nil {
		d.Props = applyProps(wc.defs, ObjDeal, d.Props, in.Props, fe)
	}
	return nil
}

// parseDate reads a date as YYYY-MM-DD or as a timestamp (exports write
// "2026-03-01 00:00" or RFC 3339).
func parseDate(v string) (time.Time, error) {
	for _, layout := range []string{time.DateOnly, time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "01/02/2006", "02.01.2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", v)
}

// withStage fills in the deal's read-only stage fields.
func withStage(d *Deal, ps []Pipeline) {
	for _, p := range ps {
		if st, ok := p.Stage(d.StageID); ok && p.ID == d.PipelineID {
			d.StageName, d.Outcome, d.Probability = st.Name, st.Outcome, st.Probability
			d.Weighted = math.Round(d.Amount*st.Probability*100) / 100
			return
		}
	}
}

func nullDate(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateDeal adds a deal.
func (s *Service) CreateDeal(ctx context.Context, actor auth.Actor, ws string, in DealInput) (*Deal, error) {
	var out *Deal
	err := s.writeWith(ctx, ws, func(tx *sql.Tx, wc *writeCtx) (err error) {
		out, err = s.createDeal(ctx, tx, wc, actor, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create deal: %w", err)
	}
	return out, nil
}

func (s *Service) createDeal(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, in DealInput) (*Deal, error) {
	ps, err := s.pipelines(ctx, tx, wc.ws)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := &Deal{ID: id.NewAt("dl", now), Currency: wc.settings.Currency, Props: map[string]any{}, ContactIDs: []string{},
		CreatedAt: now, UpdatedAt: now}
	var fe fieldErrors
	if err := s.applyDeal(ctx, tx, wc, d, in, ps, &fe); err != nil {
		return nil, err
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	withStage(d, ps)
	if d.Outcome != Open {
		d.ClosedAt = &now
	}
	if _, err := tx.ExecContext(ctx, s.st.q.InsertDeal, d.ID, wc.ws, d.Name, d.PipelineID, d.StageID, d.Amount, d.Currency,
		nullDate(d.CloseDate), d.CompanyID, d.OwnerID, encodeProps(d.Props), d.ExternalID, d.CreatedAt, d.UpdatedAt,
		nullTime(d.ClosedAt)); err != nil {
		return nil, err
	}
	if err := s.setDealContacts(ctx, tx, wc.ws, d); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, s.st.q.InsertDealStageChange, id.NewAt("dc", now), wc.ws, d.ID, "", d.StageID, now, actor.Name); err != nil {
		return nil, err
	}
	if err := s.dealWon(ctx, tx, wc, actor, d, ""); err != nil {
		return nil, err
	}
	return d, s.record(ctx, tx, wc, actor, "deal.create", "deal", d.ID, nil, d)
}

func (s *Service) setDealContacts(ctx context.Context, tx *sql.Tx, ws string, d *Deal) error {
	if _, err := tx.ExecContext(ctx, s.st.q.DeleteDealContacts, ws, d.ID); err != nil {
		return err
	}
	for _, c := range d.ContactIDs {
		if _, err := tx.ExecContext(ctx, s.st.q.InsertDealContact, ws, d.ID, c); err != nil {
			return err
		}
	}
	return nil
}

// dealWon moves the contacts of a deal that has just been won (it was in
// stage fromStage, "" for a new deal) to the customer stage, when the
// lifecycle has one and they are not past it.
func (s *Service) dealWon(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, d *Deal, fromStage string) error {
	if d.Outcome != Won || d.StageID == fromStage || stageIndex(wc.stages, "customer") < 0 {
		return nil
	}
	for _, cid := range d.ContactIDs {
		in := ContactInput{LifecycleStage: Str("customer")}
		if _, err := s.updateContact(ctx, tx, wc, actor, cid, in, Cause{Kind: CauseDeal, ID: d.ID, ForwardOnly: true}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) deal(ctx context.Context, q db.Querier, ws, dealID string, ps []Pipeline) (*Deal, error) {
	d, err := scanDeal(q.QueryRowContext(ctx, s.st.q.GetDeal, ws, dealID))
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, s.st.q.ListDealContacts, ws, dealID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	d.ContactIDs = []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		d.ContactIDs = append(d.ContactIDs, c)
	}
	withStage(d, ps)
	return d, rows.Err()
}

// Deal returns a deal of the workspace.
func (s *Service) Deal(ctx context.Context, ws, dealID string) (*Deal, error) {
	ps, err := s.Pipelines(ctx, ws)
	if err != nil {
		return nil, err
	}
	d, err := s.deal(ctx, s.db, ws, dealID, ps)
	if err != nil {
		return nil, fmt.Errorf("get deal: %w", err)
	}
	return d, nil
}

// UpdateDeal changes the fields of in that are set. Moving a deal to
// another stage is recorded; moving it to a won stage makes its contacts
// customers.
func (s *Service) UpdateDeal(ctx context.Context, actor auth.Actor, ws, dealID string, in DealInput) (*Deal, error) {
	var out *Deal
	err := s.writeWith(ctx, ws, func(tx *sql.Tx, wc *writeCtx) (err error) {
		out, err = s.updateDealTx(ctx, tx, wc, actor, dealID, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update deal: %w", err)
	}
	return out, nil
}

func (s *Service) updateDealTx(ctx context.Context, tx *sql.Tx, wc *writeCtx, actor auth.Actor, dealID string, in DealInput) (*Deal, error) {
	ws := wc.ws
	ps, err := s.pipelines(ctx, tx, ws)
	if err != nil {
		return nil, err
	}
	before, err := s.deal(ctx, tx, ws, dealID, ps)
	if err != nil {
		return nil, err
	}
	d := *before
	d.ContactIDs = slices.Clone(before.ContactIDs)
	var fe fieldErrors
	if err := s.applyDeal(ctx, tx, wc, &d, in, ps, &fe); err != nil {
		return nil, err
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	withStage(&d, ps)
	now := s.now()
	d.UpdatedAt = now
	switch {
	case d.Outcome == Open:
		d.ClosedAt = nil
	case before.Outcome == Open || d.StageID != before.StageID:
		d.ClosedAt = &now
	}
	if _, err := tx.ExecContext(ctx, s.st.q.UpdateDeal, d.Name, d.PipelineID, d.StageID, d.Amount, d.Currency,
		nullDate(d.CloseDate), d.CompanyID, d.OwnerID, encodeProps(d.Props), d.ExternalID, now, nullTime(d.ClosedAt),
		ws, d.ID); err != nil {
		return nil, err
	}
	if in.ContactIDs != nil {
		if err := s.setDealContacts(ctx, tx, ws, &d); err != nil {
			return nil, err
		}
	}
	if d.StageID != before.StageID {
		if _, err := tx.ExecContext(ctx, s.st.q.InsertDealStageChange, id.NewAt("dc", now), ws, d.ID, before.StageID,
			d.StageID, now, actor.Name); err != nil {
			return nil, err
		}
	}
	if err := s.dealWon(ctx, tx, wc, actor, &d, before.StageID); err != nil {
		return nil, err
	}
	return &d, s.record(ctx, tx, wc, actor, "deal.update", "deal", d.ID, before, d)
}

// DeleteDeal removes a deal with its contact links, history, notes and
// tasks.
func (s *Service) DeleteDeal(ctx context.Context, actor auth.Actor, ws, dealID string) error {
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		ps, err := s.pipelines(ctx, tx, ws)
		if err != nil {
			return err
		}
		before, err := s.deal(ctx, tx, ws, dealID, ps)
		if err != nil {
			return err
		}
		if err := execEach(ctx, tx, []string{s.st.q.DeleteDeal, s.st.q.DeleteDealContacts, s.st.q.DeleteDealStageChanges,
			s.st.q.DeleteObjectNotes, s.st.q.DeleteObjectTasks}, ws, dealID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "deal.delete", "deal", dealID, before, nil)
	})
	if err != nil {
		return fmt.Errorf("delete deal: %w", err)
	}
	return nil
}

// ContactDeals returns the ids of the deals a contact is on.
func (s *Service) ContactDeals(ctx context.Context, ws, contactID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.st.q.ListContactDeals, ws, contactID)
	if err != nil {
		return nil, fmt.Errorf("list contact deals: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("list contact deals: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

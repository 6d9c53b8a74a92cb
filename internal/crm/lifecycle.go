package crm

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/id"
)

func (s *Service) lifecycle(ctx context.Context, q db.Querier, ws string) ([]LifecycleStage, error) {
	rows, err := q.QueryContext(ctx, s.st.q.ListLifecycleStages, ws)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LifecycleStage
	for rows.Next() {
		var st LifecycleStage
		if err := rows.Scan(&st.Key, &st.Label, &st.Position); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Lifecycle returns the workspace's lifecycle stages in order.
func (s *Service) Lifecycle(ctx context.Context, ws string) ([]LifecycleStage, error) {
	stages, err := s.lifecycle(ctx, s.db, ws)
	if err != nil {
		return nil, fmt.Errorf("list lifecycle stages: %w", err)
	}
	if len(stages) == 0 {
		stages = DefaultLifecycle()
		for i := range stages {
			stages[i].Position = i
		}
	}
	return stages, nil
}

var stageKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// SetLifecycle replaces the workspace's lifecycle stages with stages, in
// that order. A stage that contacts are in cannot be removed.
func (s *Service) SetLifecycle(ctx context.Context, actor auth.Actor, ws string, stages []LifecycleStage) ([]LifecycleStage, error) {
	var fe fieldErrors
	seen := map[string]bool{}
	out := make([]LifecycleStage, 0, len(stages))
	for i, st := range stages {
		key := strings.TrimSpace(strings.ToLower(st.Key))
		label := strings.TrimSpace(st.Label)
		field := fmt.Sprintf("stages[%d]", i)
		switch {
		case !stageKey.MatchString(key):
			fe.add(field, fmt.Sprintf("key %q must be lower-case letters, digits and _ (starting with a letter)", key))
		case seen[key]:
			fe.add(field, fmt.Sprintf("key %q is listed twice", key))
		case label == "" || len(label) > 60:
			fe.add(field, "label must be 1 to 60 characters")
		}
		seen[key] = true
		out = append(out, LifecycleStage{Key: key, Label: label, Position: i})
	}
	if len(out) < 2 {
		fe.add("stages", "a lifecycle needs at least two stages")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		before, err := s.lifecycle(ctx, tx, ws)
		if err != nil {
			return err
		}
		for _, old := range before {
			if seen[old.Key] {
				continue
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.st.q.CountContactsInStage, ws, old.Key).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return &ValidationError{Fields: []FieldError{{"stages", fmt.Sprintf(
					"stage %q still has %d contacts: move them to another stage first", old.Key, n)}}}
			}
		}
		if _, err := tx.ExecContext(ctx, s.st.q.DeleteLifecycleStages, ws); err != nil {
			return err
		}
		for _, st := range out {
			if _, err := tx.ExecContext(ctx, s.st.q.InsertLifecycleStage, ws, st.Key, st.Label, st.Position); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, ws, actor, "crm.lifecycle", "workspace", ws, before, out)
	})
	if err != nil {
		return nil, fmt.Errorf("set lifecycle: %w", err)
	}
	return out, nil
}

// stageIndex is the position of key in stages, or -1.
func stageIndex(stages []LifecycleStage, key string) int {
	return slices.IndexFunc(stages, func(st LifecycleStage) bool { return st.Key == key })
}

// resolveStage accepts a stage's key or label (as imports and forms write
// them: "MQL", "Marketing qualified lead", "marketingqualifiedlead").
func resolveStage(stages []LifecycleStage, v string) (string, bool) {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == ' ' || r == '_' || r == '-' {
				return -1
			}
			return r
		}, strings.ToLower(strings.TrimSpace(s)))
	}
	n := norm(v)
	for _, st := range stages {
		if norm(st.Key) == n || norm(st.Label) == n {
			return st.Key, true
		}
	}
	return "", false
}

// transition records a lifecycle change of a contact.
func (s *Service) transition(ctx context.Context, tx *sql.Tx, wc *writeCtx, contactID, from, to string, at time.Time, cause, causeID string, actor auth.Actor) error {
	return s.exec(ctx, tx, wc, s.st.q.InsertTransition, id.NewAt("lt", at), wc.ws, contactID, from, to, at, cause, causeID, actor.Name)
}

// Transitions returns a contact's lifecycle history, oldest first.
func (s *Service) Transitions(ctx context.Context, ws, contactID string) ([]Transition, error) {
	rows, err := s.db.QueryContext(ctx, s.st.q.ListTransitions, ws, contactID)
	if err != nil {
		return nil, fmt.Errorf("list transitions: %w", err)
	}
	defer rows.Close()
	var out []Transition
	for rows.Next() {
		var t Transition
		if err := rows.Scan(&t.ID, &t.ContactID, &t.From, &t.To, &t.At, &t.Cause, &t.CauseID, &t.Actor); err != nil {
			return nil, fmt.Errorf("list transitions: %w", err)
		}
		t.At = t.At.UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

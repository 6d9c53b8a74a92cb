package crm

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/id"
)

// objectExists checks that a note's or task's record is in the workspace.
func (s *Service) objectExists(ctx context.Context, tx *sql.Tx, ws, objectType, objectID string) error {
	var q string
	switch objectType {
	case ObjContact:
		q = s.st.q.ContactExists
	case ObjCompany:
		q = s.st.q.CompanyExists
	case ObjDeal:
		q = s.st.q.DealExists
	default:
		return &ValidationError{Fields: []FieldError{{"object_type", "must be contact, company or deal"}}}
	}
	ok, err := exists(ctx, tx, q, ws, objectID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	return nil
}

// AddNote writes a note on a contact, company or deal.
func (s *Service) AddNote(ctx context.Context, actor auth.Actor, ws, objectType, objectID, body string) (*Note, error) {
	body = strings.TrimSpace(body)
	if body == "" || len(body) > 20000 {
		return nil, &ValidationError{Fields: []FieldError{{"body", "must be 1 to 20,000 characters"}}}
	}
	now := s.now()
	n := &Note{ID: id.NewAt("nt", now), ObjectType: objectType, ObjectID: objectID, Body: body, AuthorName: actor.Name, CreatedAt: now}
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		if err := s.objectExists(ctx, tx, ws, objectType, objectID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.st.q.InsertNote, n.ID, ws, objectType, objectID, body, actor.ID, actor.Name, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "note.create", objectType, objectID, nil, n)
	})
	if err != nil {
		return nil, fmt.Errorf("add note: %w", err)
	}
	return n, nil
}

// Notes returns the notes on a record, newest first.
func (s *Service) Notes(ctx context.Context, ws, objectID string) ([]Note, error) {
	rows, err := s.db.QueryContext(ctx, s.st.q.ListNotes, ws, objectID)
	if err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.ID, &n.ObjectType, &n.ObjectID, &n.Body, &n.AuthorName, &n.CreatedAt); err != nil {
			return nil, fmt.Errorf("list notes: %w", err)
		}
		n.CreatedAt = n.CreatedAt.UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}

// TaskInput is a new task.
type TaskInput struct {
	Title      string     `json:"title"`
	DueAt      *time.Time `json:"due_at"`
	AssigneeID string     `json:"assignee_id"`
}

// AddTask writes a task on a contact, company or deal.
func (s *Service) AddTask(ctx context.Context, actor auth.Actor, ws, objectType, objectID string, in TaskInput) (*Task, error) {
	var fe fieldErrors
	title := strings.TrimSpace(in.Title)
	if title == "" || len(title) > 300 {
		fe.add("title", "must be 1 to 300 characters")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	now := s.now()
	t := &Task{ID: id.NewAt("tk", now), ObjectType: objectType, ObjectID: objectID, Title: title, DueAt: in.DueAt,
		AssigneeID: strings.TrimSpace(in.AssigneeID), CreatedAt: now}
	if t.DueAt != nil {
		due := t.DueAt.UTC()
		t.DueAt = &due
	}
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		if err := s.objectExists(ctx, tx, ws, objectType, objectID); err != nil {
			return err
		}
		if t.AssigneeID != "" {
			wc, err := s.loadWriteCtx(ctx, tx, ws)
			if err != nil {
				return err
			}
			if !wc.isMember(t.AssigneeID) {
				return &ValidationError{Fields: []FieldError{{"assignee_id", "is not a member of this workspace"}}}
			}
		}
		if _, err := tx.ExecContext(ctx, s.st.q.InsertTask, t.ID, ws, objectType, objectID, title, nullTime(t.DueAt),
			t.AssigneeID, actor.ID, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, ws, actor, "task.create", objectType, objectID, nil, t)
	})
	if err != nil {
		return nil, fmt.Errorf("add task: %w", err)
	}
	return t, nil
}

func scanTask(r scanner) (*Task, error) {
	var t Task
	var due, done sql.NullTime
	if err := r.Scan(&t.ID, &t.ObjectType, &t.ObjectID, &t.Title, &due, &t.AssigneeID, &done, &t.CreatedAt); err != nil {
		return nil, notFound(err)
	}
	if due.Valid {
		d := due.Time.UTC()
		t.DueAt = &d
	}
	if done.Valid {
		d := done.Time.UTC()
		t.DoneAt = &d
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return &t, nil
}

// Tasks returns the tasks on a record: open ones first, by due date.
func (s *Service) Tasks(ctx context.Context, ws, objectID string) ([]Task, error) {
	rows, err := s.db.QueryContext(ctx, s.st.q.ListTasks, ws, objectID)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// SetTaskDone marks a task done or open again.
func (s *Service) SetTaskDone(ctx context.Context, actor auth.Actor, ws, taskID string, done bool) (*Task, error) {
	var out *Task
	err := s.write(ctx, ws, func(tx *sql.Tx) error {
		before, err := scanTask(tx.QueryRowContext(ctx, s.st.q.GetTask, ws, taskID))
		if err != nil {
			return err
		}
		t := *before
		t.DoneAt = nil
		if done {
			now := s.now()
			t.DoneAt = &now
		}
		if _, err := tx.ExecContext(ctx, s.st.q.SetTaskDone, nullTime(t.DoneAt), ws, taskID); err != nil {
			return err
		}
		out = &t
		return s.audit.Record(ctx, tx, ws, actor, "task.update", "task", taskID, before, t)
	})
	if err != nil {
		return nil, fmt.Errorf("update task: %w", err)
	}
	return out, nil
}

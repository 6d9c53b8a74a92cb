package crm

import (
	"errors"
	"math"
	"sort"
	"strings"
	"time"
)

// Errors the CRM's callers map to answers.
var (
	// ErrNotFound means no such record in the workspace (a record of
	// another workspace is not found either).
	ErrNotFound = errors.New("not found")
)

// DuplicateError refuses a write that would give a second record the
// email (contacts) or domain (companies) of an existing one.
type DuplicateError struct {
	Field      string // email or domain
	Value      string
	ExistingID string
}

func (e *DuplicateError) Error() string {
	return "a record with " + e.Field + " " + e.Value + " already exists (" + e.ExistingID + ")"
}

// FieldError is one invalid field of a write.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every invalid field of a write, so a form or an
// import line can show them all at once.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	return strings.Join(parts, "; ")
}

// Message returns the message of field, or "".
func (e *ValidationError) Message(field string) string {
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// fieldErrors collects FieldErrors while a write is validated.
type fieldErrors []FieldError

func (fe *fieldErrors) add(field, msg string) { *fe = append(*fe, FieldError{field, msg}) }

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &ValidationError{Fields: fe}
}

// Touch is the channel, source and campaign of a visit that brought a
// contact.
type Touch struct {
	Channel  string `json:"channel"`
	Source   string `json:"source"`
	Campaign string `json:"campaign"`
}

// Contact is a person the company knows.
type Contact struct {
	ID             string         `json:"id"`
	Email          string         `json:"email"`
	FirstName      string         `json:"first_name"`
	LastName       string         `json:"last_name"`
	Phone          string         `json:"phone"`
	Title          string         `json:"title"`
	CompanyID      string         `json:"company_id"`
	CompanyName    string         `json:"company_name"` // read only
	OwnerID        string         `json:"owner_id"`
	LifecycleStage string         `json:"lifecycle_stage"`
	LeadStatus     string         `json:"lead_status"`
	City           string         `json:"city"`
	Country        string         `json:"country"`
	Source         string         `json:"source"`
	FirstTouch     Touch          `json:"first_touch"`
	LastTouch      Touch          `json:"last_touch"`
	ConsentEmail   bool           `json:"consent_email"`
	Props          map[string]any `json:"properties"`
	ExternalID     string         `json:"external_id"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Name is the contact's full name, or the email when there is none.
func (c *Contact) Name() string {
	n := strings.TrimSpace(c.FirstName + " " + c.LastName)
	switch {
	case n != "":
		return n
	case c.Email != "":
		return c.Email
	case c.Phone != "":
		return c.Phone
	}
	return "(no name)"
}

// Company is an organisation contacts and deals belong to.
type Company struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Domain      string         `json:"domain"`
	Industry    string         `json:"industry"`
	Employees   *int64         `json:"employees"`
	RevenueBand string         `json:"revenue_band"`
	Phone       string         `json:"phone"`
	City        string         `json:"city"`
	Country     string         `json:"country"`
	OwnerID     string         `json:"owner_id"`
	Props       map[string]any `json:"properties"`
	ExternalID  string         `json:"external_id"`
	Contacts    int            `json:"contacts"` // read only
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// Outcome is whether a deal in a stage is open, won or lost.
type Outcome string

// The outcomes.
const (
	Open Outcome = "open"
	Won  Outcome = "won"
	Lost Outcome = "lost"
)

// Stage is a step of a pipeline.
type Stage struct {
	ID          string  `json:"id"`
	PipelineID  string  `json:"pipeline_id"`
	Name        string  `json:"name"`
	Position    int     `json:"position"`
	Probability float64 `json:"probability"`
	Outcome     Outcome `json:"outcome"`
}

// Percent is the win probability in whole percent.
func (s Stage) Percent() int { return int(math.Round(s.Probability * 100)) }

// Pipeline is a sequence of stages deals move through.
type Pipeline struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Position int     `json:"position"`
	Stages   []Stage `json:"stages"`
}

// Stage returns the pipeline's stage with the id or name (case-insensitive).
func (p *Pipeline) Stage(idOrName string) (Stage, bool) {
	for _, s := range p.Stages {
		if s.ID == idOrName || strings.EqualFold(s.Name, idOrName) {
			return s, true
		}
	}
	return Stage{}, false
}

// Deal is a sale in progress, won or lost.
type Deal struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	PipelineID string         `json:"pipeline_id"`
	StageID    string         `json:"stage_id"`
	StageName  string         `json:"stage_name"` // read only
	Outcome    Outcome        `json:"outcome"`    // read only, from the stage
	Amount     float64        `json:"amount"`
	Currency   string         `json:"currency"`
	CloseDate  string         `json:"close_date"` // YYYY-MM-DD or ""
	CompanyID  string         `json:"company_id"`
	OwnerID    string         `json:"owner_id"`
	ContactIDs []string       `json:"contact_ids"`
	Props      map[string]any `json:"properties"`
	ExternalID string         `json:"external_id"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
	ClosedAt   *time.Time     `json:"closed_at"`
	// Probability is the stage's win probability; Weighted is Amount ×
	// Probability, what the deal contributes to the forecast.
	Probability float64 `json:"probability"`
	Weighted    float64 `json:"weighted_amount"`
}

// Percent is the win probability in whole percent.
func (d *Deal) Percent() int { return int(math.Round(d.Probability * 100)) }

// LifecycleStage is one step of the contact lifecycle.
type LifecycleStage struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Position int    `json:"position"`
}

// Transition is one recorded lifecycle change.
type Transition struct {
	ID        string    `json:"id"`
	ContactID string    `json:"contact_id"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	At        time.Time `json:"at"`
	Cause     string    `json:"cause"`
	CauseID   string    `json:"cause_id"`
	Actor     string    `json:"actor"`
}

// Causes of lifecycle changes and of new contacts.
const (
	CauseManual   = "manual"
	CauseAPI      = "api"
	CauseImport   = "import"
	CauseForm     = "form"
	CauseDeal     = "deal"
	CauseIdentify = "identify"
	CauseMerge    = "merge"
)

// PropertyType is the type of a custom property.
type PropertyType string

// The property types.
const (
	PropText    PropertyType = "text"
	PropNumber  PropertyType = "number"
	PropDate    PropertyType = "date"
	PropBoolean PropertyType = "boolean"
	PropSelect  PropertyType = "select"
)

// PropertyTypes lists the types in display order.
func PropertyTypes() []PropertyType {
	return []PropertyType{PropText, PropNumber, PropDate, PropBoolean, PropSelect}
}

// Objects that carry custom properties.
const (
	ObjContact = "contact"
	ObjCompany = "company"
	ObjDeal    = "deal"
)

// PropertyDef defines a custom property of contacts, companies or deals.
type PropertyDef struct {
	Object    string       `json:"object"`
	Key       string       `json:"key"`
	Label     string       `json:"label"`
	Type      PropertyType `json:"type"`
	Options   []string     `json:"options,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
}

// Note is free text on a record.
type Note struct {
	ID         string    `json:"id"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Body       string    `json:"body"`
	AuthorName string    `json:"author"`
	CreatedAt  time.Time `json:"created_at"`
}

// Task is a to-do on a record.
type Task struct {
	ID         string     `json:"id"`
	ObjectType string     `json:"object_type"`
	ObjectID   string     `json:"object_id"`
	Title      string     `json:"title"`
	DueAt      *time.Time `json:"due_at"`
	AssigneeID string     `json:"assignee_id"`
	DoneAt     *time.Time `json:"done_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// LeadStatuses are the allowed lead statuses ("" is none).
func LeadStatuses() []string {
	return []string{"new", "open", "in_progress", "connected", "unqualified", "bad_timing"}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

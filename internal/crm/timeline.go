package crm

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// TimelineItem is one thing that happened to a contact, company or deal.
type TimelineItem struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"` // visit, event, stage, deal, note, consent
	Title  string    `json:"title"`
	Detail string    `json:"detail"`
}

// Timeline returns the newest limit things that happened to a contact
// (its web visits and custom events through its identities, lifecycle
// changes, deal changes, consent and notes), newest first. For a company
// or a deal it has the notes and deal changes.
func (s *Service) Timeline(ctx context.Context, ws, object, objectID string, limit int) ([]TimelineItem, error) {
	var items []TimelineItem
	var dealChanges string
	switch object {
	case ObjContact:
		if err := s.webTimeline(ctx, ws, objectID, limit, &items); err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		trs, err := s.Transitions(ctx, ws, objectID)
		if err != nil {
			return nil, err
		}
		for _, t := range trs {
			title := "Lifecycle stage: " + t.To
			if t.From != "" {
				title = "Lifecycle stage: " + t.From + " → " + t.To
			}
			items = append(items, TimelineItem{At: t.At, Kind: "stage", Title: title, Detail: causeText(t.Cause, t.Actor)})
		}
		cs, err := s.Consents(ctx, ws, objectID)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			title := "Email consent withdrawn"
			if c.Granted {
				title = "Email consent given"
			}
			items = append(items, TimelineItem{At: c.At, Kind: "consent", Title: title, Detail: causeText(c.Source, c.Detail)})
		}
		dealChanges = s.st.q.ListContactDealChanges
	case ObjCompany:
		dealChanges = s.st.q.ListCompanyDealChanges
	case ObjDeal:
		dealChanges = s.st.q.ListDealChanges
	}
	if err := s.dealTimeline(ctx, ws, dealChanges, objectID, limit, &items); err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	notes, err := s.Notes(ctx, ws, objectID)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		items = append(items, TimelineItem{At: n.CreatedAt, Kind: "note", Title: "Note by " + n.AuthorName, Detail: n.Body})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.After(items[j].At) })
	if len(items) > limit {
		items = items[:limit]
	}
	return items, nil
}

func causeText(cause, who string) string {
	switch {
	case who == "":
		return "by " + cause
	case cause == "":
		return who
	}
	return "by " + cause + " · " + who
}

func (s *Service) webTimeline(ctx context.Context, ws, contactID string, limit int, items *[]TimelineItem) error {
	rows, err := s.db.QueryContext(ctx, s.st.q.ListContactVisits, ws, contactID, ws, limit)
	if err != nil {
		return err
	}
	for rows.Next() {
		var start, end time.Time
		var domain, entry, exit, channel, source, campaign string
		var pageviews, duration int
		if err := rows.Scan(&start, &end, &domain, &entry, &exit, &pageviews, &channel, &source, &campaign, &duration); err != nil {
			rows.Close()
			return err
		}
		from := channel
		if source != "" && source != channel {
			from += " · " + source
		}
		if campaign != "" {
			from += " · " + campaign
		}
		detail := fmt.Sprintf("%d pageviews, %s, entered on %s", pageviews, (time.Duration(duration) * time.Second).String(), entry)
		if exit != "" && exit != entry {
			detail += ", left on " + exit
		}
		*items = append(*items, TimelineItem{At: start.UTC(), Kind: "visit", Title: "Visit to " + domain + " from " + from, Detail: detail})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.db.QueryContext(ctx, s.st.q.ListContactEvents, ws, contactID, ws, limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var at time.Time
		var domain, name, path, cur string
		var amount float64
		if err := rows.Scan(&at, &domain, &name, &path, &amount, &cur); err != nil {
			return err
		}
		detail := domain + path
		if amount != 0 {
			detail += fmt.Sprintf(" · %.2f %s", amount, cur)
		}
		*items = append(*items, TimelineItem{At: at.UTC(), Kind: "event", Title: name, Detail: detail})
	}
	return rows.Err()
}

func (s *Service) dealTimeline(ctx context.Context, ws, query, objectID string, limit int, items *[]TimelineItem) error {
	if query == "" {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, query, ws, ws, objectID, limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var at time.Time
		var deal, from, to, who string
		if err := rows.Scan(&at, &deal, &from, &to, &who); err != nil {
			return err
		}
		title := "Deal " + deal + " created in " + to
		if from != "" {
			title = "Deal " + deal + ": " + from + " → " + to
		}
		*items = append(*items, TimelineItem{At: at.UTC(), Kind: "deal", Title: title, Detail: strings.TrimSpace(who)})
	}
	return rows.Err()
}

package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/platform/auth"
)

// The demo CRM: besides the shoppers and newsletter subscribers its
// sites identify (the CRM makes those contacts from the traffic's identify
// calls), Trailhead sells kit to organisations — clubs, schools, outdoor
// schools, companies outfitting teams. Those accounts, their people and
// the deals with them are made here, through the CRM service.

// demoAccount is one organisation Trailhead sells to.
type demoAccount struct {
	name, domain, industry, city, country, tier string
	employees                                   int64
	people                                      []demoPerson
	deals                                       []demoDeal
}

type demoPerson struct {
	first, last, title, phone, stage, status, activity string
}

type demoDeal struct {
	name, stage, orderType string
	amount                 float64
	closeInDays            int // from today; negative for closed deals
	note                   string
}

func demoAccounts() []demoAccount {
	return []demoAccount{
		{"Alpenverein Sektion Isartal", "alpenverein-isartal.example", "Sports club", "München", "Germany", "Gold", 1200,
			[]demoPerson{{"Georg", "Huber", "Equipment officer", "+49 89 2345678", "customer", "connected", "Climbing"},
				{"Marie", "Lechner", "Youth group lead", "+49 89 2345690", "opportunity", "in_progress", "Hiking"}},
			[]demoDeal{{"Isartal youth climbing kit 2027", "Proposal", "Team kit", 18400, 24, "Wants 40 harnesses and helmets in two sizes; asked for a club logo print."},
				{"Isartal rental fleet refresh", "Won", "Rental fleet", 26750, -21, "Signed after the second fitting session."}}},
		{"Nordlicht Outdoor School", "nordlicht-schule.example", "Education", "Hamburg", "Germany", "Silver", 85,
			[]demoPerson{{"Finja", "Petersen", "Head of programmes", "+49 40 3456789", "sql", "open", "Camping"},
				{"Ole", "Jensen", "Purchasing", "+49 40 3456711", "mql", "new", "Camping"}},
			[]demoDeal{{"Nordlicht tents for 12 groups", "Qualified", "Rental fleet", 31200, 45, "Needs delivery before the April season."}}},
		{"Bergwerk Software GmbH", "bergwerk-software.example", "Software", "Berlin", "Germany", "Silver", 340,
			[]demoPerson{{"Jana", "Krüger", "People & culture lead", "+49 30 4567890", "opportunity", "in_progress", "Trail running"},
				{"Tobias", "Wolf", "Office manager", "+49 30 4567812", "lead", "new", ""}},
			[]demoDeal{{"Bergwerk team offsite jackets", "Negotiation", "Corporate gifts", 14850, 12, "Budget approved for 330 softshells; negotiating embroidery price."}}},
		{"Wildwasser Kanuclub", "wildwasser-kanu.example", "Sports club", "Köln", "Germany", "Bronze", 260,
			[]demoPerson{{"Sven", "Albrecht", "Chair", "+49 221 5678901", "customer", "connected", "Camping"}},
			[]demoDeal{{"Wildwasser dry bags and PFD-ready packs", "Won", "Team kit", 6320, -40, ""},
				{"Wildwasser winter camp gear", "Lost", "Team kit", 9800, -9, "Went with a cheaper local shop."}}},
		{"Summit Schools Trust", "summit-schools.example", "Education", "Manchester", "United Kingdom", "Gold", 2100,
			[]demoPerson{{"Olivia", "Hughes", "Outdoor education director", "+44 161 496 0734", "opportunity", "in_progress", "Hiking"},
				{"Harry", "Patel", "Finance officer", "+44 161 496 0911", "sql", "open", ""}},
			[]demoDeal{{"Summit Schools Duke of Edinburgh kit", "Proposal", "Rental fleet", 58900, 38, "Tender across 14 schools; samples sent."}}},
		{"Fjell & Fjord Reisen", "fjell-fjord.example", "Travel", "Wien", "Austria", "Silver", 64,
			[]demoPerson{{"Katharina", "Steiner", "Product manager treks", "+43 1 5123456", "customer", "connected", "Hiking"}},
			[]demoDeal{{"Fjell & Fjord guide uniforms", "Won", "Team kit", 8900, -55, ""},
				{"Fjell & Fjord trekking poles rental", "Discovery", "Rental fleet", 4200, 70, ""}}},
		{"Zürcher Bergschule", "bergschule-zh.example", "Education", "Zürich", "Switzerland", "Gold", 40,
			[]demoPerson{{"Reto", "Keller", "Founder", "+41 44 2345678", "opportunity", "in_progress", "Climbing"}},
			[]demoDeal{{"Bergschule avalanche safety sets", "Negotiation", "Rental fleet", 22600, 8, "Asked for a three-year maintenance plan."}}},
		{"Polder Trail Runners", "polder-trail.example", "Sports club", "Utrecht", "Netherlands", "Bronze", 150,
			[]demoPerson{{"Daan", "de Vries", "Secretary", "+31 30 234 5678", "mql", "new", "Trail running"}},
			[]demoDeal{{"Polder club vests", "Discovery", "Team kit", 3900, 60, ""}}},
		{"Greenline Logistics", "greenline-logistics.example", "Logistics", "Frankfurt am Main", "Germany", "Bronze", 5200,
			[]demoPerson{{"Mehmet", "Yilmaz", "Health & safety manager", "+49 69 6789012", "lead", "open", ""}},
			nil},
		{"Hochtal Hotels", "hochtal-hotels.example", "Hospitality", "Innsbruck", "Austria", "Silver", 410,
			[]demoPerson{{"Lisa", "Gruber", "Guest activities manager", "+43 512 345678", "sql", "in_progress", "Skiing"},
				{"Andreas", "Pichler", "General manager", "+43 512 345690", "opportunity", "connected", "Skiing"}},
			[]demoDeal{{"Hochtal snowshoe rental fleet", "Qualified", "Rental fleet", 17300, 30, "Three hotels; wants a pilot at one first."}}},
	}
}

// demoProperties are the custom properties the demo workspace defines.
func demoProperties() []crm.PropertyDef {
	return []crm.PropertyDef{
		{Object: crm.ObjContact, Label: "Preferred activity", Type: crm.PropSelect, Options: []string{"Hiking", "Climbing", "Camping", "Trail running", "Skiing"}},
		{Object: crm.ObjCompany, Label: "Account tier", Type: crm.PropSelect, Options: []string{"Bronze", "Silver", "Gold"}},
		{Object: crm.ObjDeal, Label: "Order type", Type: crm.PropSelect, Options: []string{"Team kit", "Corporate gifts", "Rental fleet"}},
	}
}

// CRMTruth is what the demo CRM holds beside the identified visitors.
type CRMTruth struct {
	Companies, Contacts, Deals, OpenDeals int
	// OpenAmount and Weighted are the open deals' total in EUR and the
	// total times each stage's probability.
	OpenAmount, Weighted float64
}

// demoCRMTruth computes the truth of demoAccounts by hand from the default
// pipeline's probabilities.
func demoCRMTruth() CRMTruth {
	prob := map[string]float64{"Discovery": 0.1, "Qualified": 0.25, "Proposal": 0.5, "Negotiation": 0.75}
	var t CRMTruth
	for _, a := range demoAccounts() {
		t.Companies++
		t.Contacts += len(a.people)
		for _, d := range a.deals {
			t.Deals++
			if p, open := prob[d.stage]; open {
				t.OpenDeals++
				t.OpenAmount += d.amount
				t.Weighted += d.amount * p
			}
		}
	}
	return t
}

// ensureCRM fills the demo workspace's CRM once (when it has no
// companies yet, so a demo made before the CRM existed gets it too).
func ensureCRM(ctx context.Context, d Deps, workspaceID string, now time.Time) error {
	if d.CRM == nil {
		return nil
	}
	have, err := d.CRM.Companies(ctx, workspaceID, crm.ListQuery{Limit: 1})
	if err != nil {
		return fmt.Errorf("demo CRM: %w", err)
	}
	if have.Total > 0 {
		return nil
	}
	actor := auth.Actor{Type: auth.ActorSystem, Name: "demo generator"}
	for _, p := range demoProperties() {
		if _, err := d.CRM.DefineProperty(ctx, actor, workspaceID, p); err != nil {
			return fmt.Errorf("demo CRM: property %s: %w", p.Label, err)
		}
	}
	members, err := d.Auth.Members(ctx, workspaceID)
	if err != nil {
		return fmt.Errorf("demo CRM: %w", err)
	}
	var owners []string
	for _, m := range members {
		if m.Role == auth.RoleMarketer || m.Role == auth.RoleAdmin {
			owners = append(owners, m.UserID)
		}
	}
	r := rand.New(rand.NewPCG(7, 11))
	for i, a := range demoAccounts() {
		owner := ""
		if len(owners) > 0 {
			owner = owners[i%len(owners)]
		}
		co, err := d.CRM.CreateCompany(ctx, actor, workspaceID, crm.CompanyInput{Name: crm.Str(a.name), Domain: crm.Str(a.domain),
			Industry: crm.Str(a.industry), Employees: crm.Str(fmt.Sprint(a.employees)), City: crm.Str(a.city),
			Country: crm.Str(a.country), OwnerID: crm.Str(owner), Props: map[string]any{"account_tier": a.tier}})
		if err != nil {
			return fmt.Errorf("demo CRM: company %s: %w", a.name, err)
		}
		var contactIDs []string
		for _, p := range a.people {
			email := strings.ToLower(asciiSlug(p.first, ".")+"."+asciiSlug(p.last, ".")) + "@" + a.domain
			// A contact came in some weeks ago as a lead and moved on since.
			since := now.AddDate(0, 0, -(20 + r.IntN(70)))
			props := map[string]any{}
			if p.activity != "" {
				props["preferred_activity"] = p.activity
			}
			c, err := d.CRM.CreateContact(ctx, actor, workspaceID, crm.ContactInput{Email: &email, FirstName: crm.Str(p.first),
				LastName: crm.Str(p.last), Title: crm.Str(p.title), Phone: crm.Str(p.phone), CompanyID: &co.ID,
				OwnerID: crm.Str(owner), LifecycleStage: crm.Str("lead"), LeadStatus: crm.Str(p.status),
				City: crm.Str(a.city), Country: crm.Str(a.country), Props: props,
				FirstTouch: &crm.Touch{Channel: oneOf(r, []string{"Organic Search", "Referral", "Email", "Paid Search"})}},
				crm.Cause{Kind: crm.CauseForm, At: since})
			if err != nil {
				return fmt.Errorf("demo CRM: contact %s: %w", email, err)
			}
			// Walk the lifecycle up to the person's stage, a few days a step.
			at := since
			for _, st := range []string{"mql", "sql", "opportunity", "customer"} {
				if p.stage == "lead" {
					break
				}
				at = at.Add(time.Duration(2+r.IntN(9)) * 24 * time.Hour)
				if at.After(now) {
					at = now
				}
				if _, err := d.CRM.UpdateContact(ctx, actor, workspaceID, c.ID, crm.ContactInput{LifecycleStage: crm.Str(st)},
					crm.Cause{Kind: crm.CauseManual, At: at}); err != nil {
					return fmt.Errorf("demo CRM: contact %s: %w", email, err)
				}
				if st == p.stage {
					break
				}
			}
			contactIDs = append(contactIDs, c.ID)
		}
		for _, dl := range a.deals {
			close := now.AddDate(0, 0, dl.closeInDays).Format(time.DateOnly)
			deal, err := d.CRM.CreateDeal(ctx, actor, workspaceID, crm.DealInput{Name: crm.Str(dl.name), Stage: crm.Str(dl.stage),
				Amount: &dl.amount, CloseDate: &close, CompanyID: &co.ID, OwnerID: crm.Str(owner), ContactIDs: &contactIDs,
				Props: map[string]any{"order_type": dl.orderType}})
			if err != nil {
				return fmt.Errorf("demo CRM: deal %s: %w", dl.name, err)
			}
			if dl.note != "" {
				if _, err := d.CRM.AddNote(ctx, actor, workspaceID, crm.ObjDeal, deal.ID, dl.note); err != nil {
					return fmt.Errorf("demo CRM: note: %w", err)
				}
			}
			if dl.closeInDays > 0 && dl.closeInDays < 20 {
				due := now.AddDate(0, 0, dl.closeInDays-3)
				if _, err := d.CRM.AddTask(ctx, actor, workspaceID, crm.ObjDeal, deal.ID, crm.TaskInput{
					Title: "Send the final offer", DueAt: &due, AssigneeID: owner}); err != nil {
					return fmt.Errorf("demo CRM: task: %w", err)
				}
			}
		}
	}
	return ensureQuality(ctx, d, workspaceID)
}

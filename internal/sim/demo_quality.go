package sim

import (
	"context"
	"fmt"
	"strings"

	"github.com/mopshq/mops/internal/crm"
	"github.com/mopshq/mops/internal/crm/csvimport"
	"github.com/mopshq/mops/internal/platform/auth"
)

// fairLeads is the demo's trade-fair lead list, as a HubSpot export: it
// repeats two known people (one with a shouting email), brings one known
// person under a private address with her office phone written the
// local way, a near-namesake of a known person at his company, messy
// values to normalise and one broken row.
const fairLeads = `First Name,Last Name,Email,Phone Number,Job Title,Lifecycle Stage
Georg,Huber, GEORG.HUBER@Alpenverein-Isartal.example ,,Equipment officer,lead
Marie,Lechner,marie.l@gmail.com,089 2345690,,subscriber
Tobias,Wolff,tobias.wolff@bergwerk-software.example,,Office management,lead
Finja,Petersen,finja.petersen@nordlicht-schule.example,,,lead
Lena,Brandt,lena.brandt@@example.org,,,lead
Paul,schneider,PAUL.SCHNEIDER@Trailrunners-Hamburg.example,0176 98765432,Coach,lead
Ines,Koch,"Ines Koch <ines.koch@gmail.com>",030/12345678,,subscriber
`

// QualityTruth is what the data-quality tools must find in the demo.
type QualityTruth struct {
	// Pairs are the planted duplicates, by the two emails, with the rule
	// that finds each.
	Pairs []PlantedPair
	// Normalised maps messy imported values to what must be stored.
	Normalised map[string]string
	// RefusedLines are the lines of fairLeads the import must refuse.
	RefusedLines []int
	// Created and Updated are what the import must do with the rest.
	Created, Updated int
}

// PlantedPair is one planted duplicate.
type PlantedPair struct {
	EmailA, EmailB, Reason string
}

// DemoQualityTruth is the ground truth of fairLeads, worked out by hand.
func DemoQualityTruth() QualityTruth {
	return QualityTruth{
		Pairs: []PlantedPair{
			{"marie.lechner@alpenverein-isartal.example", "marie.l@gmail.com", "same_phone"},
			{"tobias.wolf@bergwerk-software.example", "tobias.wolff@bergwerk-software.example", "similar_name_same_domain"},
		},
		Normalised: map[string]string{
			" GEORG.HUBER@Alpenverein-Isartal.example ":   "georg.huber@alpenverein-isartal.example",
			"PAUL.SCHNEIDER@Trailrunners-Hamburg.example": "paul.schneider@trailrunners-hamburg.example",
			"Ines Koch <ines.koch@gmail.com>":             "ines.koch@gmail.com",
			"089 2345690":                                 "+49892345690",
			"0176 98765432":                               "+4917698765432",
			"030/12345678":                                "+493012345678",
			"schneider":                                   "Schneider",
		},
		RefusedLines: []int{6},
		Created:      4, // Marie's private record, Tobias Wolff, Paul, Ines
		Updated:      2, // Georg and Finja
	}
}

// ensureQuality imports the fair leads and scans for duplicates, so the
// duplicate queue and the data-quality page have work in the demo.
func ensureQuality(ctx context.Context, d Deps, workspaceID string) error {
	actor := auth.Actor{Type: auth.ActorSystem, Name: "demo generator"}
	rep, err := d.CRM.Import(ctx, actor, workspaceID, strings.NewReader(fairLeads), crm.ImportOptions{Kind: csvimport.Contacts})
	if err != nil {
		return fmt.Errorf("demo: fair leads: %w", err)
	}
	if rep.Failed != len(DemoQualityTruth().RefusedLines) {
		return fmt.Errorf("demo: fair leads: %d rows refused, want %d: %v", rep.Failed, len(DemoQualityTruth().RefusedLines), rep.Errors)
	}
	if _, err := d.CRM.ScanDuplicates(ctx, workspaceID); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

package crm

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestDuplicatesMergeAndUndo plants three duplicates among four contacts,
// checks the queue finds exactly the planted pairs, merges one field by
// field, and undoes the merge.
func TestDuplicatesMergeAndUndo(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mk := func(in ContactInput) *Contact {
		t.Helper()
		c, err := f.svc.CreateContact(ctx, f.actor, f.ws, in, Cause{Kind: CauseManual})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ada := mk(ContactInput{Email: Str("ada@analytical.example"), FirstName: Str("Ada"), LastName: Str("Lovelace"),
		Phone: Str("+49 30 1234567"), CompanyName: Str("Analytical Engines"), LifecycleStage: Str("lead")})
	consent := true
	ada2 := mk(ContactInput{Email: Str("a.lovelace@gmail.com"), FirstName: Str("Ada"), LastName: Str("Lovelace"),
		Phone: Str("030 1234567"), Title: Str("Countess"), LifecycleStage: Str("mql"), ConsentEmail: &consent})
	adah := mk(ContactInput{Email: Str("adah@analytical.example"), FirstName: Str("Adah"), LastName: Str("Lovelace")})
	mk(ContactInput{Email: Str("charles@analytical.example"), FirstName: Str("Charles"), LastName: Str("Babbage")})
	if _, err := f.svc.AddNote(ctx, f.actor, f.ws, ObjContact, ada2.ID, "Met at the fair."); err != nil {
		t.Fatal(err)
	}
	deal, err := f.svc.CreateDeal(ctx, f.actor, f.ws, DealInput{Name: Str("Engine"), ContactIDs: &[]string{ada2.ID}})
	if err != nil {
		t.Fatal(err)
	}

	rep, err := f.svc.ScanDuplicates(ctx, f.ws)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Contacts != 4 || rep.New != 2 || rep.Open != 2 {
		t.Fatalf("scan: %+v", rep)
	}
	pairs, err := f.svc.OpenPairs(ctx, f.ws, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[[2]string][]string{}
	for _, p := range pairs {
		got[[2]string{p.A.ID, p.B.ID}] = p.Reasons
	}
	k1a, k1b := pairKey(ada.ID, ada2.ID)
	k2a, k2b := pairKey(ada.ID, adah.ID)
	if len(got) != 2 || !slices.Equal(got[[2]string{k1a, k1b}], []string{"same_phone"}) ||
		!slices.Equal(got[[2]string{k2a, k2b}], []string{"similar_name_same_domain"}) {
		t.Fatalf("pairs = %v", got)
	}
	if pairs[0].Score < pairs[1].Score || pairs[0].Reasons[0] != "same_phone" {
		t.Errorf("the surest pair is not first: %v %v", pairs[0].Score, pairs[1].Score)
	}
	if again, _ := f.svc.ScanDuplicates(ctx, f.ws); again.New != 0 || again.Open != 2 {
		t.Errorf("a second scan doubled the queue: %+v", again)
	}

	// Another workspace cannot merge or see them.
	if _, err := f.svc.MergeContacts(ctx, f.actor, f.other, MergeInput{SurvivorID: ada.ID, OtherID: ada2.ID}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("merge from another workspace: %v", err)
	}
	if _, err := f.svc.MergeContacts(ctx, f.actor, f.ws, MergeInput{SurvivorID: ada.ID, OtherID: ada2.ID,
		Choose: map[string]string{"salary": "other", "title": "both"}}); fieldsOf(err)["choose.salary"] == "" || fieldsOf(err)["choose.title"] == "" {
		t.Fatalf("bad choices: %v", err)
	}

	// Merge: the title is chosen from the other; the stage defaults to
	// the later one (mql); the email stays the survivor's.
	m, err := f.svc.MergeContacts(ctx, f.actor, f.ws, MergeInput{SurvivorID: ada.ID, OtherID: ada2.ID,
		Choose: map[string]string{"title": "other", "consent_email": "other"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Contact(ctx, f.ws, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Email != "ada@analytical.example" || res.Title != "Countess" || res.LifecycleStage != "mql" || !res.ConsentEmail ||
		res.CompanyName != "Analytical Engines" {
		t.Fatalf("after merge: %+v", res)
	}
	if _, err := f.svc.Contact(ctx, f.ws, ada2.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the merged contact is still there: %v", err)
	}
	notes, _ := f.svc.Notes(ctx, f.ws, ada.ID)
	deals, _ := f.svc.ContactDeals(ctx, f.ws, ada.ID)
	consents, _ := f.svc.Consents(ctx, f.ws, ada.ID)
	if len(notes) != 1 || !slices.Equal(deals, []string{deal.ID}) || len(consents) != 1 {
		t.Fatalf("moved rows: notes %d, deals %v, consents %d", len(notes), deals, len(consents))
	}
	if c, _ := f.svc.PairCounts(ctx, f.ws); c.Open != 1 || c.Merged != 1 {
		t.Errorf("pairs after merge: %+v", c)
	}
	if !slices.Contains(m.Changed, "title") || !slices.Contains(m.Changed, "lifecycle_stage") || slices.Contains(m.Changed, "email") {
		t.Errorf("changed = %v", m.Changed)
	}

	// Undo brings everything back.
	if _, err := f.svc.UndoMerge(ctx, f.actor, f.ws, m.ID); err != nil {
		t.Fatal(err)
	}
	back, err := f.svc.Contact(ctx, f.ws, ada2.ID)
	if err != nil || back.Email != "a.lovelace@gmail.com" || back.Title != "Countess" || back.LifecycleStage != "mql" {
		t.Fatalf("restored contact: %+v, %v", back, err)
	}
	res, _ = f.svc.Contact(ctx, f.ws, ada.ID)
	if res.Title != "" || res.LifecycleStage != "lead" || res.ConsentEmail {
		t.Fatalf("survivor after undo: %+v", res)
	}
	notes, _ = f.svc.Notes(ctx, f.ws, ada2.ID)
	deals, _ = f.svc.ContactDeals(ctx, f.ws, ada2.ID)
	if len(notes) != 1 || !slices.Equal(deals, []string{deal.ID}) {
		t.Fatalf("rows after undo: notes %d, deals %v", len(notes), deals)
	}
	if dl, _ := f.svc.ContactDeals(ctx, f.ws, ada.ID); len(dl) != 0 {
		t.Fatalf("the survivor kept the deal: %v", dl)
	}
	if c, _ := f.svc.PairCounts(ctx, f.ws); c.Open != 2 {
		t.Errorf("pairs after undo: %+v", c)
	}
	if _, err := f.svc.UndoMerge(ctx, f.actor, f.ws, m.ID); !errors.Is(err, ErrUndoRefused) {
		t.Fatalf("second undo: %v", err)
	}

	// A value changed after the merge survives its undo.
	m, err = f.svc.MergeContacts(ctx, f.actor, f.ws, MergeInput{SurvivorID: ada.ID, OtherID: ada2.ID, Choose: map[string]string{"title": "other"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateContact(ctx, f.actor, f.ws, ada.ID, ContactInput{Title: Str("Director")}, Cause{Kind: CauseManual}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UndoMerge(ctx, f.actor, f.ws, m.ID); err != nil {
		t.Fatal(err)
	}
	if res, _ = f.svc.Contact(ctx, f.ws, ada.ID); res.Title != "Director" {
		t.Errorf("title after undo = %q, want the later edit", res.Title)
	}

	// Dismissed pairs stay dismissed.
	if err := f.svc.DismissPair(ctx, f.actor, f.ws, adah.ID, ada.ID); err != nil {
		t.Fatal(err)
	}
	if rep, _ := f.svc.ScanDuplicates(ctx, f.ws); rep.Open != 1 {
		t.Errorf("after dismissing: %+v", rep)
	}
	if err := f.svc.DismissPair(ctx, f.actor, f.other, adah.ID, ada.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("dismiss from another workspace: %v", err)
	}
}

package csvimport

import "testing"

func TestMappingSet(t *testing.T) {
	m := Suggest(Contacts, []string{"E-mail Address", "Notes", "Shoe size"})
	if got := m.Columns[0].Target(); got != "email" {
		t.Fatalf("suggested %q for the email column", got)
	}
	if !m.Set("notes", "-") || !m.Set("SHOE SIZE", "property:shoe") || !m.Set("e-mail address", "phone") {
		t.Fatal("a header was not found")
	}
	if m.Set("missing", "email") {
		t.Fatal("an unknown header was found")
	}
	want := []string{"phone", "-", "property:shoe"}
	for i, c := range m.Columns {
		if c.Target() != want[i] {
			t.Errorf("column %d: %q, want %q", i, c.Target(), want[i])
		}
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	m.Set("Notes", "no_such_field")
	if err := m.Validate(); err == nil {
		t.Fatal("an unknown field passed")
	}
}

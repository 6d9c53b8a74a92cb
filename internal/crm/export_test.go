package crm

import "testing"

func TestCellDefusesSpreadsheetFormulas(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+49 30 123":                 "'+49 30 123",
		"@SUM(A1)":                   "'@SUM(A1)",
		"-5":                         "-5", // a number stays a number
		"+49301234567":               "+49301234567",
		"anna@example.org":           "anna@example.org",
		"":                           "",
	} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

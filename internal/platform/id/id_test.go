package id

import (
	"sort"
	"testing"
	"time"
)

func TestNewSortsByTime(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ids []string
	for i := range 50 {
		ids = append(ids, NewAt("ev", base.Add(time.Duration(i)*time.Millisecond)))
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatalf("ids made one millisecond apart are not sorted: %v", ids)
	}
	for _, s := range ids {
		if !HasPrefix(s, "ev") {
			t.Fatalf("HasPrefix(%q, ev) = false, want true", s)
		}
	}
}

func TestNewKnownTimePart(t *testing.T) {
	t.Parallel()
	// 0 ms since the epoch: the first 48 bits are zero, i.e. the first 9
	// characters (45 bits) are '0' and the tenth holds 3 zero bits + 2 random.
	got := NewAt("x", time.UnixMilli(0))
	if got[:11] != "x_000000000" {
		t.Fatalf("NewAt(x, epoch) = %q, want prefix x_000000000", got)
	}
	// 2^47 ms sets bit 127; the first character holds bits 127..125, so 0b100 = '4'.
	got = NewAt("x", time.UnixMilli(1<<47))
	if got[2] != '4' {
		t.Fatalf("NewAt(x, 2^47 ms) = %q, want first character 4", got)
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	a, b := Token(32), Token(32)
	if a == b {
		t.Fatal("two tokens are equal")
	}
	if len(a) != 52 { // 256 bits / 5 rounded up
		t.Fatalf("len(Token(32)) = %d, want 52", len(a))
	}
}

func TestHasPrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, prefix string
		want       bool
	}{
		{New("ws"), "ws", true},
		{New("ws"), "site", false},
		{"ws_short", "ws", false},
		{"ws_" + "IIIIIIIIIIIIIIIIIIIIIIIIII", "ws", false},
	} {
		if got := HasPrefix(tc.in, tc.prefix); got != tc.want {
			t.Errorf("HasPrefix(%q, %q) = %v, want %v", tc.in, tc.prefix, got, tc.want)
		}
	}
}

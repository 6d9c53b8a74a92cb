package dedupe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCommonLetters checks the SWAR sum of minimums against the plain loop.
func TestCommonLetters(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for k := range 10000 {
		var a, b [32]uint8
		var ka, kb []rune
		for i := range 32 {
			a[i], b[i] = uint8(rng.IntN(128)), uint8(rng.IntN(128))
			for range a[i] {
				ka = append(ka, rune(96+i))
			}
			for range b[i] {
				kb = append(kb, rune(96+i))
			}
		}
		want := 0
		for i := range a {
			want += int(min(a[i], b[i]))
		}
		ca, _ := countLetters(string(ka))
		cb, _ := countLetters(string(kb))
		if got := commonLetters(&ca, &cb); got != want {
			t.Fatalf("case %d: commonLetters = %d, want %d (%v, %v)", k, got, want, a, b)
		}
	}
}

// TestJaroWinkler checks the textbook examples (Winkler 1990) and the edges.
func TestJaroWinkler(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want float64
	}{
		// m=6, one transposition (t/2 = 1): Jaro = (1 + 1 + 5/6)/3 =
		// 0.944444; prefix "mar" (3): + 0.3*0.055556 = 0.961111.
		{"martha", "marhta", 0.961111},
		// m=4 (d, a, n, e), no transposition: Jaro = (4/6+4/5+1)/3 =
		// 0.822222; prefix "d": + 0.1*0.177778 = 0.84.
		{"dwayne", "duane", 0.84},
		// m=4 (d, i, o, n; window 3), Jaro = (4/5+4/8+1)/3 = 0.766667;
		// prefix "di": + 0.2*0.233333 = 0.813333.
		{"dixon", "dicksonx", 0.813333},
		{"abc", "abc", 1},
		{"abc", "xyz", 0},
		{"", "abc", 0},
		{"", "", 0},
		{"zoë", "zoë", 1},
	}
	var m matcher
	for _, c := range cases {
		if got := m.jaroWinkler(c.a, c.b); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("jaroWinkler(%q, %q) = %.6f, want %.6f", c.a, c.b, got, c.want)
		}
		if got := m.jaroWinkler(c.b, c.a); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("jaroWinkler(%q, %q) = %.6f, want %.6f", c.b, c.a, got, c.want)
		}
	}
}

func TestTruncateRunes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s    string
		n    int
		want string
	}{
		{"zoë", 3, "zoë"},
		{"zoë", 2, "zo"},
		{"ëëë", 1, "ë"},
		{"abc", 0, ""},
		{"", 5, ""},
	}
	for _, c := range cases {
		if got := truncateRunes(c.s, c.n); got != c.want {
			t.Errorf("truncateRunes(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

package dedupe_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/crm/dedupe"
	"github.com/mopshq/mops/internal/crm/dedupe/synth"
)

func TestNameKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, first, last, want string
	}{
		{"plain", "John", "Smith", "john smith"},
		{"upper case", "JOHN", "SMITH", "john smith"},
		{"accents folded", "Zoë", "Müller", "zoe muller"},
		{"hyphen is a space", "Åsa", "Berg-Lindqvist", "asa berg lindqvist"},
		{"apostrophe dropped", "Seán", "O'Brien", "sean obrien"},
		{"spaces collapsed", "  Mary   Ann ", " Smith ", "mary ann smith"},
		{"digits and dots dropped", "J.R.2", "Tolkien", "jr tolkien"},
		{"no first name", "", "Smith", "smith"},
		{"no last name", "José", "", "jose"},
		{"no letters", "123", "!!", ""},
		{"empty", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := dedupe.NameKey(c.first, c.last); got != c.want {
				t.Errorf("NameKey(%q, %q) = %q, want %q", c.first, c.last, got, c.want)
			}
		})
	}
}

// Hand-computed Jaro-Winkler values used below.
//
// "jon smith" (9 runes) against "john smith" (10): the match window is
// 10/2-1 = 4; j, o, n, space, s, m, i, t, h all match (the h of "john" is
// left over), in the same order, so m = 9 and no transpositions. Jaro =
// (9/9 + 9/10 + 9/9)/3 = 29/30. The common prefix is "jo" (2), so
// Jaro-Winkler = 29/30 + 0.1*2*(1/30) = 146/150 = 0.97333…, and the score
// is 0.6 + 0.3*(146/150-0.9)/0.1 = 0.6 + 33/150 = 0.82.
const jonJohn = 146.0 / 150.0

// "jane doe" (8) against "john smith" (10): window 4; j matches j, n (2)
// matches n (3), space (4) matches space (4); a, e, d, o, e find nothing in
// reach. m = 3, no transpositions: Jaro = (3/8 + 3/10 + 1)/3 = 0.5583,
// prefix "j" (1): 0.5583 + 0.1*0.4417 = 0.6025, far below 0.9.
const janeJohn = (3.0/8+3.0/10+1)/3 + 0.1*(1-(3.0/8+3.0/10+1)/3)

type want struct {
	a, b    string
	score   float64
	reasons []dedupe.Reason
	nameSim float64
}

func TestFind(t *testing.T) {
	t.Parallel()
	email := []dedupe.Reason{dedupe.SameEmail}
	phone := []dedupe.Reason{dedupe.SamePhone}
	name := []dedupe.Reason{dedupe.SimilarName}
	cases := []struct {
		name string
		recs []dedupe.Record
		opt  dedupe.Options
		want []want
	}{
		{
			name: "same email",
			recs: []dedupe.Record{
				{ID: "b", Email: "j@x.com", LastName: "Smith"},
				{ID: "a", Email: "j@x.com"},
				{ID: "c", Email: "k@x.com"},
			},
			want: []want{{"a", "b", 1.0, email, 0}},
		},
		{
			name: "emails are compared exactly",
			recs: []dedupe.Record{{ID: "a", Email: "J@x.com"}, {ID: "b", Email: "j@x.com"}},
		},
		{
			name: "same phone",
			recs: []dedupe.Record{
				{ID: "a", Phone: "+4930123456", FirstName: "Ann"},
				{ID: "b", Phone: "+4930123456", FirstName: "Ann"},
				{ID: "c", Phone: "+4930123457"},
			},
			want: []want{{"a", "b", 0.9, phone, 1}},
		},
		{
			name: "empty email and phone never match",
			recs: []dedupe.Record{{ID: "a"}, {ID: "b"}},
		},
		{
			name: "similar name at one domain",
			recs: []dedupe.Record{
				{ID: "1", FirstName: "Jon", LastName: "Smith", Domain: "acme.com"},
				{ID: "2", FirstName: "John", LastName: "Smith", Domain: "acme.com"},
				{ID: "3", FirstName: "Jane", LastName: "Doe", Domain: "acme.com"},
			},
			want: []want{{"1", "2", 0.82, name, jonJohn}},
		},
		{
			name: "higher threshold",
			recs: []dedupe.Record{
				{ID: "1", FirstName: "Jon", LastName: "Smith", Domain: "acme.com"},
				{ID: "2", FirstName: "John", LastName: "Smith", Domain: "acme.com"},
			},
			opt: dedupe.Options{MinNameSimilarity: 0.98},
		},
		{
			name: "swapped first and last name",
			recs: []dedupe.Record{
				{ID: "1", FirstName: "Smith", LastName: "John", Domain: "acme.com"},
				{ID: "2", FirstName: "John", LastName: "Smith", Domain: "acme.com"},
			},
			want: []want{{"1", "2", 0.9, name, 1}},
		},
		{
			name: "swapped the other way round",
			recs: []dedupe.Record{
				{ID: "1", FirstName: "John", LastName: "Smith", Domain: "acme.com"},
				{ID: "2", FirstName: "Smith", LastName: "Jon", Domain: "acme.com"},
			},
			// A's swapped key "smith john" against B's "smith jon": the same
			// strings as jonJohn's, in the other order and roles, but the
			// prefix is now "smit" (4): 29/30 + 0.4/30 = 0.98, score 0.84.
			want: []want{{"1", "2", 0.84, name, 29.4 / 30}},
		},
		{
			name: "same name at different domains",
			recs: []dedupe.Record{
				{ID: "1", FirstName: "John", LastName: "Smith", Domain: "acme.com"},
				{ID: "2", FirstName: "John", LastName: "Smith", Domain: "globex.com"},
				{ID: "3", FirstName: "John", LastName: "Smith"},
				{ID: "4", FirstName: "John", LastName: "Smith"},
			},
		},
		{
			name: "no name, no name match",
			recs: []dedupe.Record{
				{ID: "1", Domain: "acme.com"},
				{ID: "2", Domain: "acme.com"},
				{ID: "3", FirstName: "--", Domain: "acme.com"},
			},
		},
		{
			name: "phone and name: the higher score plus 0.05",
			recs: []dedupe.Record{
				{ID: "1", Phone: "+15550100", FirstName: "John", LastName: "Smith", Domain: "acme.com"},
				{ID: "2", Phone: "+15550100", FirstName: "JOHN", LastName: "SMITH", Domain: "acme.com"},
			},
			want: []want{{"1", "2", 0.95, []dedupe.Reason{dedupe.SamePhone, dedupe.SimilarName}, 1}},
		},
		{
			name: "three rules are capped at 1",
			recs: []dedupe.Record{
				{ID: "1", Email: "j@acme.com", Phone: "+15550100", FirstName: "Jon", LastName: "Smith", Domain: "acme.com"},
				{ID: "2", Email: "j@acme.com", Phone: "+15550100", FirstName: "John", LastName: "Smith", Domain: "acme.com"},
			},
			want: []want{{"1", "2", 1.0, []dedupe.Reason{dedupe.SameEmail, dedupe.SamePhone, dedupe.SimilarName}, jonJohn}},
		},
		{
			name: "a repeated id is one record",
			recs: []dedupe.Record{
				{ID: "a", Email: "x@y.com"},
				{ID: "a", Email: "x@y.com"},
				{ID: "a", Phone: "+15550100"},
				{ID: "b", Email: "x@y.com", Phone: "+15550100"},
			},
			want: []want{{"a", "b", 1.0, []dedupe.Reason{dedupe.SameEmail, dedupe.SamePhone}, 0}},
		},
		{
			name: "sorted by score, then A, then B",
			recs: []dedupe.Record{
				{ID: "p2", Phone: "+15550100"},
				{ID: "p1", Phone: "+15550100"},
				{ID: "e2", Email: "x@y.com"},
				{ID: "e1", Email: "x@y.com"},
				{ID: "e3", Email: "x@y.com"},
				{ID: "n1", FirstName: "Jon", LastName: "Smith", Domain: "acme.com"},
				{ID: "n2", FirstName: "John", LastName: "Smith", Domain: "acme.com"},
			},
			want: []want{
				{"e1", "e2", 1.0, email, 0},
				{"e1", "e3", 1.0, email, 0},
				{"e2", "e3", 1.0, email, 0},
				{"p1", "p2", 0.9, phone, 0},
				{"n1", "n2", 0.82, name, jonJohn},
			},
		},
		{
			// Keys are cut at 127 runes, so these compare as equal, and
			// quickly.
			name: "a pasted paragraph as a name",
			recs: []dedupe.Record{
				{ID: "1", FirstName: strings.Repeat("ab", 50000), Domain: "acme.com"},
				{ID: "2", FirstName: strings.Repeat("ab", 50000) + "x", Domain: "acme.com"},
			},
			want: []want{{"1", "2", 0.9, name, 1}},
		},
		{
			name: "nothing in, nothing out",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := dedupe.Find(c.recs, c.opt)
			checkPairs(t, got, c.want)
		})
	}
}

func checkPairs(t *testing.T, got []dedupe.Pair, want []want) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d pairs %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i, w := range want {
		g := got[i]
		if g.A != w.a || g.B != w.b || !near(g.Score, w.score) || !slices.Equal(g.Reasons, w.reasons) || !near(g.NameSimilarity, w.nameSim) {
			t.Errorf("pair %d = %+v, want %+v", i, g, w)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestFindJaneDoeIsNotJohnSmith(t *testing.T) {
	t.Parallel()
	if janeJohn >= 0.9 {
		t.Fatalf("hand-computed similarity %v should be below 0.9", janeJohn)
	}
	recs := []dedupe.Record{
		{ID: "1", Phone: "+15550100", FirstName: "Jane", LastName: "Doe", Domain: "acme.com"},
		{ID: "2", Phone: "+15550100", FirstName: "John", LastName: "Smith", Domain: "acme.com"},
	}
	// Paired by phone only, and the similarity is still reported.
	checkPairs(t, dedupe.Find(recs, dedupe.Options{}), []want{{"1", "2", 0.9, []dedupe.Reason{dedupe.SamePhone}, janeJohn}})
}

// TestFindSharedPhoneIsAStar checks the email/phone blocks: all pairs up to
// MaxBlock, a star around the lowest id beyond it.
func TestFindSharedPhoneIsAStar(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		n         int
		wantPairs int
	}{
		{"at MaxBlock: all pairs", 1000, 1000 * 999 / 2},
		{"beyond MaxBlock: a star", 1500, 1499},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs := make([]dedupe.Record, c.n)
			for i := range recs {
				recs[i] = dedupe.Record{ID: fmt.Sprintf("p%05d", c.n-i), Phone: "+4930123456"}
			}
			got := dedupe.Find(recs, dedupe.Options{})
			if len(got) != c.wantPairs {
				t.Fatalf("%d records sharing a phone: %d pairs, want %d", c.n, len(got), c.wantPairs)
			}
			if c.n > 1000 {
				for _, p := range got {
					if p.A != "p00001" {
						t.Fatalf("star pair %+v: A should be the lowest id p00001", p)
					}
				}
			}
		})
	}
}

func TestFindIsDeterministic(t *testing.T) {
	t.Parallel()
	recs, _ := synth.Generate(20000, 7)
	// A repeated id with other fields, to cover the canonical order.
	recs = append(recs, dedupe.Record{ID: recs[0].ID, Email: recs[1].Email, FirstName: "Other"})
	first := dedupe.Find(recs, dedupe.Options{})
	if len(first) == 0 {
		t.Fatal("no pairs in the synthetic data")
	}
	for seed := range uint64(3) {
		shuffled := slices.Clone(recs)
		rng := rand.New(rand.NewPCG(seed, 99))
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := dedupe.Find(shuffled, dedupe.Options{}); !reflect.DeepEqual(got, first) {
			t.Fatalf("shuffle %d: %d pairs differ from the first run's %d", seed, len(got), len(first))
		}
	}
	// Input sorted by unique ids skips Find's own sort; the result must be
	// the same as for the same records shuffled.
	sorted := slices.Clone(recs[:len(recs)-1])
	slices.SortFunc(sorted, func(a, b dedupe.Record) int { return strings.Compare(a.ID, b.ID) })
	reshuffled := slices.Clone(sorted)
	rand.New(rand.NewPCG(5, 5)).Shuffle(len(reshuffled), func(i, j int) { reshuffled[i], reshuffled[j] = reshuffled[j], reshuffled[i] })
	if a, b := dedupe.Find(sorted, dedupe.Options{}), dedupe.Find(reshuffled, dedupe.Options{}); !reflect.DeepEqual(a, b) {
		t.Fatalf("sorted input: %d pairs, shuffled: %d", len(a), len(b))
	}
}

// bigDomain returns n people at one domain with invented names, and three
// planted near-duplicates of them: a last-name typo, a first-name typo and
// swapped names.
func bigDomain(n int) ([]dedupe.Record, [][2]string) {
	rng := rand.New(rand.NewPCG(3, uint64(n)))
	word := func() string {
		const c, v = "bcdfghklmnprstvz", "aeiou"
		var b strings.Builder
		b.WriteByte(c[rng.IntN(len(c))] - 'a' + 'A')
		for range 2 + rng.IntN(3) {
			b.WriteByte(v[rng.IntN(len(v))])
			b.WriteByte(c[rng.IntN(len(c))])
		}
		return b.String()
	}
	recs := make([]dedupe.Record, n)
	for i := range recs {
		recs[i] = dedupe.Record{ID: fmt.Sprintf("r%06d", i), FirstName: word(), LastName: word(), Domain: "big.com"}
	}
	o1, o2, o3 := recs[n/5], recs[n/2], recs[4*n/5]
	recs = append(recs,
		dedupe.Record{ID: "x1", FirstName: o1.FirstName, LastName: o1.LastName + "e", Domain: "big.com"},
		dedupe.Record{ID: "x2", FirstName: o2.FirstName[:1] + o2.FirstName[2:], LastName: o2.LastName, Domain: "big.com"},
		dedupe.Record{ID: "x3", FirstName: o3.LastName, LastName: o3.FirstName, Domain: "big.com"},
	)
	return recs, [][2]string{{o1.ID, "x1"}, {o2.ID, "x2"}, {o3.ID, "x3"}}
}

// TestFindLargeDomainBlock runs a domain of 5,000 people, beyond MaxBlock,
// so the sorted neighbourhood must find the planted duplicates. It logs
// the time of a domain 8 times as large beside it (all pairs would take
// 64 times as long); the figure is for reading, not a pass condition.
func TestFindLargeDomainBlock(t *testing.T) {
	t.Parallel()
	timed := func(recs []dedupe.Record) ([]dedupe.Pair, time.Duration) {
		var pairs []dedupe.Pair
		best := time.Duration(math.MaxInt64)
		for range 3 {
			start := time.Now()
			pairs = dedupe.Find(recs, dedupe.Options{})
			best = min(best, time.Since(start))
		}
		return pairs, best
	}
	small, planted := bigDomain(5000)
	pairs, smallTime := timed(small)
	found := map[[2]string]bool{}
	for _, p := range pairs {
		found[[2]string{p.A, p.B}] = true
	}
	for _, p := range planted {
		if !found[p] {
			t.Errorf("planted pair %v not found among %d pairs", p, len(pairs))
		}
	}
	large, _ := bigDomain(40000)
	_, largeTime := timed(large)
	t.Logf("5,000 in one domain: %v; 40,000: %v", smallTime, largeTime)
}

// BenchmarkFind1M runs Find on a million synthetic contacts: about 30,000
// domains with Zipf-like sizes, 2% planted duplicates (same email, same
// phone, similar name).
func BenchmarkFind1M(b *testing.B) {
	const n = 1_000_000
	recs, _ := synth.Generate(n, 1)
	for b.Loop() {
		dedupe.Find(recs, dedupe.Options{})
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

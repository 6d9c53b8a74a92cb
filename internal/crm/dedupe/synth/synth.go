// Package synth generates synthetic CRM contacts with planted duplicates
// for dedupe's tests, benchmark and bench program. The output depends only
// on n and the seed.
package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/mopshq/mops/internal/crm/dedupe"
)

// Kind is the rule a planted duplicate is meant to be found by.
type Kind int

// The kinds of planted duplicates, one third each.
const (
	KindEmail Kind = iota // same email, name maybe shortened or upper-case
	KindPhone             // same phone, another (personal) email
	KindName              // same domain, a typo'd or swapped name, another email, no phone
)

func (k Kind) String() string {
	return [...]string{"email", "phone", "name"}[k]
}

// Planted is a known duplicate pair, A < B.
type Planted struct {
	A, B string
	Kind Kind
}

// Shares of the generated data.
const (
	dupShare     = 0.02  // records that are planted duplicates
	companyShare = 0.88  // people with a company domain (the rest use a freemail address)
	phoneShare   = 0.55  // people with a phone
	peoplePerDom = 33    // n / domains, at most 30,000 domains
	maxDomains   = 30000 //
)

// Generate returns n records in random order, of which about 2% are
// planted duplicates of another record, and the planted pairs sorted by
// (A, B). Company sizes follow a Zipf-Mandelbrot law over up to 30,000
// domains (weight 1/(k+3)): at 1M records the biggest has about 24,000
// contacts and about 100 exceed dedupe's default MaxBlock.
func Generate(n int, seed uint64) ([]dedupe.Record, []Planted) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &generator{rng: rng, lastNames: lastNames(rng)}
	g.firstZipf = rand.NewZipf(rng, 1.07, 12, uint64(len(firstNames)-1))
	g.lastZipf = rand.NewZipf(rng, 1.05, 20, uint64(len(g.lastNames)-1))
	g.domains = domainSampler(rng, max(1, min(maxDomains, n/peoplePerDom)))

	dups := int(float64(n) * dupShare)
	base := n - dups
	recs := make([]dedupe.Record, 0, n)
	for range base {
		recs = append(recs, g.person())
	}
	// Each planted duplicate copies a different base person, so the
	// planted pairs are the whole truth (no duplicate of a duplicate).
	order := rng.Perm(base)
	var planted []Planted
	for k, next := 0, 0; k < dups && next < len(order); next++ {
		orig := recs[order[next]]
		kind := Kind(k % 3)
		if (kind == KindPhone && orig.Phone == "") || (kind == KindName && orig.Domain == "") {
			continue
		}
		d := g.duplicate(orig, kind)
		recs = append(recs, d)
		a, b := orig.ID, d.ID
		if a > b {
			a, b = b, a
		}
		planted = append(planted, Planted{A: a, B: b, Kind: kind})
		k++
	}
	rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	slices.SortFunc(planted, func(p, q Planted) int {
		if c := strings.Compare(p.A, q.A); c != 0 {
			return c
		}
		return strings.Compare(p.B, q.B)
	})
	return recs, planted
}

type generator struct {
	rng       *rand.Rand
	firstZipf *rand.Zipf
	lastZipf  *rand.Zipf
	lastNames []string
	domains   func() string
	seq       int // people and duplicates made so far: ids, emails and phones derive from it
}

func (g *generator) next() int {
	g.seq++
	return g.seq
}

// id derives a unique id from s; the multiplier is odd and not a multiple
// of 5, so the map is a bijection modulo 10^9 and the ids look random.
func id(s int) string {
	return "c" + fmt.Sprintf("%09d", (uint64(s)*387420489+12345)%1_000_000_000)
}

// phone derives a unique E.164 number from s, like id.
func phone(s int) string {
	return "+1" + strconv.FormatUint(2_000_000_000+(uint64(s)*48271+7)%7_000_000_000, 10)
}

var freemail = []string{"gmail.com", "yahoo.com", "outlook.com", "icloud.com", "gmx.de", "web.de", "proton.me"}

func (g *generator) person() dedupe.Record {
	s := g.next()
	r := dedupe.Record{
		ID:        id(s),
		FirstName: firstNames[g.firstZipf.Uint64()],
		LastName:  g.lastNames[g.lastZipf.Uint64()],
	}
	mailDomain := freemail[g.rng.IntN(len(freemail))]
	if g.rng.Float64() < companyShare {
		r.Domain = g.domains()
		mailDomain = r.Domain
	}
	r.Email = emailOf(r.FirstName, r.LastName, s, mailDomain)
	if g.rng.Float64() < phoneShare {
		r.Phone = phone(s)
	}
	return r
}

func emailOf(first, last string, s int, domain string) string {
	return asciiLower(first) + "." + asciiLower(last) + strconv.Itoa(s%1000) + "." + strconv.FormatInt(int64(s), 36) + "@" + domain
}

func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (g *generator) duplicate(o dedupe.Record, kind Kind) dedupe.Record {
	s := g.next()
	d := dedupe.Record{ID: id(s), FirstName: o.FirstName, LastName: o.LastName}
	switch kind {
	case KindEmail:
		// The same address entered twice: by a form and by an import.
		d.Email, d.Domain = o.Email, o.Domain
		if g.rng.IntN(3) == 0 {
			d.Domain = ""
		}
		switch g.rng.IntN(4) {
		case 0:
			d.FirstName = string([]rune(o.FirstName)[:1])
		case 1:
			d.FirstName, d.LastName = strings.ToUpper(o.FirstName), strings.ToUpper(o.LastName)
		}
		if g.rng.IntN(2) == 0 {
			d.Phone = phone(s)
		}
	case KindPhone:
		// The same person from a personal address, maybe with a typo.
		d.Phone = o.Phone
		d.Email = emailOf(o.FirstName, o.LastName, s, freemail[g.rng.IntN(len(freemail))])
		if g.rng.IntN(2) == 0 {
			d.Domain = o.Domain
		}
		if g.rng.IntN(3) == 0 {
			d.LastName = g.typo(o.LastName)
		}
	case KindName:
		// A second address at the same company, the name typed again.
		d.Domain = o.Domain
		d.Email = emailOf(o.FirstName, o.LastName, s, o.Domain)
		switch g.rng.IntN(4) {
		case 0:
			d.FirstName, d.LastName = o.LastName, o.FirstName
		case 1:
			d.FirstName = g.typo(o.FirstName)
		default:
			d.LastName = g.typo(o.LastName)
		}
	}
	return d
}

// typo makes one keyboard slip in s: a letter replaced, dropped, doubled
// or two letters swapped, never the first letter.
func (g *generator) typo(s string) string {
	r := []rune(s)
	if len(r) < 3 {
		return s + "e"
	}
	i := 1 + g.rng.IntN(len(r)-1)
	switch g.rng.IntN(4) {
	case 0:
		r[i] = rune('a' + g.rng.IntN(26))
	case 1:
		r = slices.Delete(r, i, i+1)
	case 2:
		r = slices.Insert(r, i, r[i])
	default:
		if i == len(r)-1 {
			i--
		}
		if i > 0 {
			r[i], r[i+1] = r[i+1], r[i]
		}
	}
	return string(r)
}

// domainSampler returns a function drawing one of count company domains
// with probability proportional to 1/(k+3) for the k-th (from 1).
func domainSampler(rng *rand.Rand, count int) func() string {
	cum := make([]float64, count)
	total := 0.0
	for k := range count {
		total += 1 / float64(k+4)
		cum[k] = total
	}
	names := make([]string, count)
	for k := range names {
		names[k] = companyName(rng, k) + ".com"
	}
	return func() string {
		k, _ := slices.BinarySearch(cum, rng.Float64()*total)
		return names[min(k, count-1)]
	}
}

var companyParts = []string{"acme", "global", "north", "blue", "data", "net", "soft", "tech", "media", "bio", "green", "star", "prime", "core", "smart", "cloud", "metal", "trade", "nova", "alpha"}

func companyName(rng *rand.Rand, k int) string {
	return companyParts[rng.IntN(len(companyParts))] + companyParts[rng.IntN(len(companyParts))] + strconv.Itoa(k)
}

// lastNames returns common real surnames first (the Zipf draw makes them
// the frequent ones, as Smith and Müller are) and then about 40,000
// invented, pronounceable ones for the long tail. Invented surnames from a
// few syllables would share prefixes far more than real ones do, and make
// the name rule look worse than it is.
func lastNames(rng *rand.Rand) []string {
	out := slices.Clone(commonLastNames)
	seen := map[string]bool{}
	for _, n := range out {
		seen[n] = true
	}
	const consonants, vowels = "bcdfghjklmnprstvwzbdgklmnrst", "aeiouaeioy"
	for len(out) < 40000 {
		var b strings.Builder
		syllables := 2 + rng.IntN(2)
		for k := range syllables {
			if k > 0 || rng.IntN(4) != 0 {
				b.WriteByte(consonants[rng.IntN(len(consonants))])
			}
			b.WriteByte(vowels[rng.IntN(len(vowels))])
			if rng.IntN(3) == 0 {
				b.WriteByte(consonants[rng.IntN(len(consonants))])
			}
		}
		name := b.String()
		name = strings.ToUpper(name[:1]) + name[1:]
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	// Shuffle the tail only: the head stays the common names.
	tail := out[len(commonLastNames):]
	rng.Shuffle(len(tail), func(i, j int) { tail[i], tail[j] = tail[j], tail[i] })
	return out
}

var commonLastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger",
	"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
	"Simon", "Laurent", "Lefèvre", "Michel", "García", "Fernández", "González", "Rodríguez", "López", "Martínez",
	"Sánchez", "Pérez", "Gómez", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo",
	"Ricci", "Marino", "Greco", "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Jansen", "de Jong",
	"de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Nielsen", "Hansen", "Pedersen", "Andersen",
	"Larsen", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Olsen", "Novák", "Horváth", "Kovács", "Szabó",
	"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
	"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Kim", "Park", "Choi", "Patel", "Singh",
	"Kumar", "Sharma", "Gupta", "Khan", "Ali", "Silva", "Santos", "Oliveira", "Souza", "Costa",
	"O'Brien", "Murphy", "Kelly", "Walsh", "Byrne", "MacDonald", "Campbell", "Stewart", "Murray", "Reid",
}

var firstNames = []string{
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
	"David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
	"Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
	"Kenneth", "Dorothy", "Kevin", "Carol", "Brian", "Amanda", "George", "Melissa", "Edward", "Deborah",
	"Ronald", "Stephanie", "Timothy", "Rebecca", "Jason", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia",
	"Jacob", "Kathleen", "Gary", "Amy", "Nicholas", "Shirley", "Eric", "Angela", "Jonathan", "Helen",
	"Stephen", "Anna", "Larry", "Brenda", "Justin", "Pamela", "Scott", "Nicole", "Brandon", "Emma",
	"Benjamin", "Samantha", "Samuel", "Katherine", "Gregory", "Christine", "Frank", "Debra", "Alexander", "Rachel",
	"Raymond", "Catherine", "Patrick", "Carolyn", "Jack", "Janet", "Dennis", "Ruth", "Jerry", "Maria",
	"Lukas", "Sophie", "Leon", "Mia", "Felix", "Hannah", "Jonas", "Lea", "Paul", "Lena",
	"Lucas", "Chloé", "Hugo", "Léa", "Louis", "Manon", "Jules", "Camille", "Gabriel", "Inès",
	"José", "Lucía", "Javier", "Sofía", "Alejandro", "Martina", "Mateo", "Valentina", "Diego", "Zoë",
	"Søren", "Åsa", "Björn", "Jürgen", "Ana", "Marta", "Piotr", "Agnieszka", "Jan", "Eva",
	"Wei", "Li", "Yuki", "Hiro", "Aiko", "Ravi", "Priya", "Arjun", "Ana", "Omar",
}

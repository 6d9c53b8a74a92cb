package report

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

func buildFixtureReport(t *testing.T) *Report {
	t.Helper()
	_, svc, site := newFixture(t)
	r, err := Build(context.Background(), svc, site, "7d", fixtureNow)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// svgs returns the SVG documents embedded in page.
func svgs(page string) []string {
	return regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(page, -1)
}

func TestRenderHTMLIsSelfContained(t *testing.T) {
	r := buildFixtureReport(t)
	var b bytes.Buffer
	if err := Render(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()

	charts := svgs(page)
	if len(charts) != 2 {
		t.Fatalf("want 2 inline SVG charts (visitors, devices), found %d", len(charts))
	}
	for i, svg := range charts {
		dec := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("chart %d is not well-formed XML: %v\n%.300s", i, err, svg)
			}
		}
	}
	if !strings.Contains(charts[0], `stroke-dasharray`) || !strings.Contains(charts[0], "29 Dec 2025 – 4 Jan 2026") {
		t.Error("the visitors chart lacks the dashed previous period")
	}

	if strings.Contains(page, "ZgotmplZ") {
		t.Error("the template refused a value (ZgotmplZ in the output)")
	}
	// Nothing loads from elsewhere and nothing runs: the one URL allowed
	// is the SVG namespace, which names and fetches nothing.
	rest := strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, "")
	for _, banned := range []string{"<script", "<link", "<style", "<img", "<iframe", "src=", "url(", "@import", "http://", "https://", "//cdn", "javascript:", "on" + "load="} {
		if strings.Contains(strings.ToLower(rest), banned) {
			t.Errorf("the report contains %q", banned)
		}
	}
	// Email layout: presentation tables, balanced, 640px at most.
	for _, tag := range []string{"table", "tr", "td"} {
		if o, c := strings.Count(page, "<"+tag+" ")+strings.Count(page, "<"+tag+">"), strings.Count(page, "</"+tag+">"); o != c || o == 0 {
			t.Errorf("<%s>: %d opened, %d closed", tag, o, c)
		}
	}
	if strings.Count(page, `role="presentation"`) < 4 || !strings.Contains(page, "max-width:640px") {
		t.Error("layout tables are not marked role=presentation or the body is not limited to 640px")
	}

	// The numbers of TestBuildByHand, as people read them.
	for _, want := range []string{
		"acme.example", "5–11 Jan 2026", "compared with 29 Dec 2025 – 4 Jan 2026",
		"4 unique visitors, up 100% on the previous period.",
		">Unique visitors<", ">4<", "▲ 100%", ">7<", "▲ 133%", ">1.40<", "▼ 7%", ">60%<", "▲ 10 pts", ">1m 24s<", "▲ 180%",
		"Busiest day: Mon 5 Jan with 3 unique visitors.",
		">Google<", ">/blog<", ">Austria<", ">United States<", "Mobile 50% · Desktop 25% · Tablet 25%",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// Bounce rate going up is bad news: red. Visitors going up: green.
	if !regexp.MustCompile(`color:` + colorBad + `[^>]*>▲ 10 pts<`).MatchString(page) {
		t.Error("a higher bounce rate is not shown as bad news")
	}
	if !regexp.MustCompile(`color:` + colorGood + `[^>]*>▲ 100%<`).MatchString(page) {
		t.Error("more visitors are not shown as good news")
	}
	if strings.Contains(page, "Goals") {
		t.Error("a site without goals shows a goals section")
	}
}

func TestRenderEscapesAndLinks(t *testing.T) {
	r := buildFixtureReport(t)
	r.Sources.Rows[0].Name = `<b onclick="x()">evil</b>`
	r.DashboardURL = "https://mops.example.com/w/ws_a/sites/site_berlin/dashboard"
	r.SettingsURL = "https://mops.example.com/w/ws_a/sites/site_berlin/digest"
	var b bytes.Buffer
	if err := Render(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, `<b onclick`) || !strings.Contains(page, "&lt;b onclick=") {
		t.Error("a source name was not escaped")
	}
	for _, u := range []string{r.DashboardURL, r.SettingsURL} {
		if !strings.Contains(page, `<a href="`+u+`"`) {
			t.Errorf("no link to %s", u)
		}
	}
}

func TestRenderText(t *testing.T) {
	r := buildFixtureReport(t)
	var b bytes.Buffer
	if err := RenderText(&b, r); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"Traffic report · acme.example",
		"5–11 Jan 2026, compared with 29 Dec 2025 – 4 Jan 2026",
		"4 unique visitors, up 100% on the previous period.",
		"Unique visitors",
		"Mon 5 Jan", "(before: 0)",
		"Google", "Austria", "/blog",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	// Each key number on its line with value and change.
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  Unique visitors +4  ▲ 100%$`),
		regexp.MustCompile(`(?m)^  Bounce rate +60%  ▲ 10 pts$`),
		regexp.MustCompile(`(?m)^  Visit duration +1m 24s  ▲ 180%$`),
		regexp.MustCompile(`(?m)^  Google +2 +50% +▲ 100%$`),
		regexp.MustCompile(`(?m)^  /pricing +1 +2 +±0%$`),
	} {
		if !want.MatchString(text) {
			t.Errorf("text lacks a line matching %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, "<") {
		t.Errorf("markup in the text version:\n%s", text)
	}
}

func TestBuildWithGoals(t *testing.T) {
	d, svc, site := newFixture(t)
	// An event goal reached by V3's Signup (visitor A) and a page goal
	// reached by /pricing pageviews in V1 and V3 (A twice). Four visitors
	// in the period: each goal converts one of them, 25%.
	for _, g := range []struct{ id, page, event, name string }{
		{"goal_1", "", "Signup", "Signup"},
		{"goal_2", "/pricing", "", "Pricing page"},
	} {
		if _, err := d.Exec(`INSERT INTO goals (id, site_id, page_path, event_name, currency, display_name, created_at)
			VALUES (?, ?, ?, ?, '', ?, ?)`, g.id, site.ID, g.page, g.event, g.name, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Build(context.Background(), svc, site, "7d", fixtureNow)
	if err != nil {
		t.Fatal(err)
	}
	if r.Goals == nil {
		t.Fatal("no goals section for a site with goals")
	}
	var got []string
	for _, g := range r.Goals.Rows {
		got = append(got, g.Name+" "+fmt.Sprintf("%v/%v/%v", g.Visitors, g.Conversions, g.ConversionRate))
	}
	want := []string{"Pricing page 1/2/25", "Signup 1/1/25"}
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Errorf("goals %q, want %q", got, want)
	}
	var b bytes.Buffer
	if err := Render(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), ">Goals<") || !strings.Contains(b.String(), ">Pricing page<") ||
		strings.Contains(b.String(), "ZgotmplZ") {
		t.Error("the goals section is not rendered")
	}
}

package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mopshq/mops/internal/app"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/eventlog"
	"github.com/mopshq/mops/internal/sim"
)

// TestDashboardFiltersPeriodAndCSV drives a site's dashboard over demo
// traffic: clicking a source filters every panel, the KPIs and the chart
// (checked against the stats API asked the same questions independently),
// the period changes the chart, back undoes it, and a panel's CSV holds
// the API's numbers.
func TestDashboardFiltersPeriodAndCSV(t *testing.T) {
	base, a := startAppServer(t)
	d := loadDemo(t, base, a)
	p := newTab(t, base)
	p.expectStatus(p.logIn(d.email, d.password), http.StatusOK, "logging in as the demo user")

	dashPath := "/w/" + d.ws + "/sites/" + d.siteID + "/dashboard"
	p.expectStatus(p.open(dashPath), http.StatusOK, "the dashboard")
	p.waitDashboard()

	// Before any filter: the KPIs are the API's.
	total := d.query(t, `{"metrics":["visitors","visits","pageviews"],"date_range":"30d"}`)
	if got, want := p.kpis(), total.Results[0].Metrics; !reflect.DeepEqual(got, want) {
		t.Fatalf("KPIs visitors, visits, pageviews = %v, want the API's %v", got, want)
	}

	// Click the first source.
	source := tabEval[string](p, `document.querySelector('[data-panel=sources] tbody .prow').getAttribute('data-value')`)
	p.click(`[data-panel=sources] tbody .prow`)
	p.waitDashboard()
	if f := tabEval[[]string](p, `new URLSearchParams(location.search).getAll("f")`); !reflect.DeepEqual(f, []string{"is|visit:source|" + source}) {
		t.Fatalf("URL filters %q after clicking source %q", f, source)
	}
	if chip := p.textOf("#dash-chips .chip span"); chip != "Source is "+sourceLabel(source) {
		t.Errorf("filter chip %q", chip)
	}
	filter := fmt.Sprintf(`"filters":[["is","visit:source",[%q]]]`, source)
	filtered := d.query(t, `{"metrics":["visitors","visits","pageviews"],"date_range":"30d",`+filter+`}`)
	got, want := p.kpis(), filtered.Results[0].Metrics
	if !reflect.DeepEqual(got, want) {
		t.Errorf("filtered KPIs = %v, want the API's %v", got, want)
	}
	if got[0] >= total.Results[0].Metrics[0] {
		t.Errorf("visitors %v with the filter, %v without: the filter changed nothing", got[0], total.Results[0].Metrics[0])
	}
	for _, pc := range []struct{ panel, query string }{
		{"sources", `"dimensions":["visit:source"],"metrics":["visitors","percentage"]`},
		{"pages", `"dimensions":["event:page"],"metrics":["visitors","pageviews"]`},
		{"locations", `"dimensions":["visit:country"],"metrics":["visitors","percentage"]`},
		{"devices", `"dimensions":["visit:device"],"metrics":["visitors","percentage"]`},
		{"goals", `"dimensions":["event:goal"],"metrics":["visitors","events","conversion_rate","total_revenue"]`},
	} {
		res := d.query(t, `{`+pc.query+`,"date_range":"30d",`+filter+`,"pagination":{"limit":9}}`)
		var want []panelRow
		for _, r := range res.Results {
			want = append(want, panelRow{r.Dimensions[0], r.Metrics[0]})
		}
		if got := p.panelRows(pc.panel); !reflect.DeepEqual(got, want) {
			t.Errorf("%s panel with the filter: %v, want the API's %v", pc.panel, got, want)
		}
		if pc.panel == "goals" && len(want) == 0 {
			t.Errorf("no goal conversions from %s in the demo traffic", source)
		}
	}
	// The chart: one point a day of the last 30, the API's values.
	chart := d.query(t, `{"metrics":["visitors"],"date_range":"30d","dimensions":["time:day"],"include":{"time_labels":true},`+filter+`}`)
	p.expectChart(chart, 30)

	// Last 7 days: the chart has seven points, labelled as the API does.
	p.setPeriod("7d")
	p.waitDashboard()
	if period := tabEval[string](p, `new URLSearchParams(location.search).get("period")`); period != "7d" {
		t.Errorf("URL period %q after choosing the last 7 days", period)
	}
	week := d.query(t, `{"metrics":["visitors"],"date_range":"7d","dimensions":["time:day"],"include":{"time_labels":true},`+filter+`}`)
	p.expectChart(week, 7)
	weekKPIs := d.query(t, `{"metrics":["visitors","visits","pageviews"],"date_range":"7d",`+filter+`}`)
	if got, want := p.kpis(), weekKPIs.Results[0].Metrics; !reflect.DeepEqual(got, want) {
		t.Errorf("KPIs of the last 7 days = %v, want the API's %v", got, want)
	}

	// The pages panel's CSV holds the API's numbers for the same question.
	csvQuery := `{"metrics":["visitors","pageviews","bounce_rate","time_on_page","scroll_depth"],"date_range":"7d",` +
		`"dimensions":["event:page"],` + filter + `,"pagination":{"limit":10000}}`
	apiRows := d.queryRows(t, csvQuery)
	file := tabRun(p, "fetch the pages panel's CSV", chromedp.Evaluate[csvDownload](`(async () => {
		const a = document.querySelector('[data-panel=pages] [data-csv]');
		const r = await fetch(a.href, {credentials: "same-origin"});
		return {status: r.status, disposition: r.headers.get("Content-Disposition"), body: await r.text()};
	})()`, chromedp.EvalAwaitPromise))
	if file.Status != http.StatusOK || !strings.HasPrefix(file.Disposition, "attachment; filename=trailhead.example-event_page-") {
		t.Fatalf("CSV download: %d %q %.200s", file.Status, file.Disposition, file.Body)
	}
	records, err := csv.NewReader(strings.NewReader(file.Body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v in %.300s", err, file.Body)
	}
	if want := []string{"event:page", "visitors", "pageviews", "bounce_rate", "time_on_page", "scroll_depth"}; !reflect.DeepEqual(records[0], want) {
		t.Errorf("CSV header %q, want %q", records[0], want)
	}
	if !reflect.DeepEqual(records[1:], apiRows) || len(apiRows) == 0 {
		t.Errorf("CSV rows\n%q\nwant the API's\n%q", records[1:], apiRows)
	}

	// Back: the last 30 days again, still filtered.
	p.do("go back", chromedp.NavigateBack())
	p.waitFor("the last 30 days after going back", `(document.querySelector("#dash-chart svg") || {getAttribute: () => ""}).getAttribute("data-points") === "30"`)
	p.waitDashboard()
	if got, want := p.kpis(), filtered.Results[0].Metrics; !reflect.DeepEqual(got, want) {
		t.Errorf("after going back the KPIs are %v, want %v", got, want)
	}

	// A copied URL shows the same view in a fresh browser session.
	shared := tabEval[string](p, `location.href`)
	q := newTab(t, base)
	q.expectStatus(q.logIn(d.email, d.password), http.StatusOK, "logging in again")
	q.expectStatus(q.open(shared), http.StatusOK, "the copied URL")
	q.waitDashboard()
	if got := q.kpis(); !reflect.DeepEqual(got, want) {
		t.Errorf("the copied URL shows KPIs %v, want %v", got, want)
	}
	if chip := q.textOf("#dash-chips .chip span"); chip != "Source is "+sourceLabel(source) {
		t.Errorf("the copied URL shows the filter %q", chip)
	}
}

// TestDashboardRealtimeViewUpdatesLive keeps the realtime view open while a
// pageview arrives: it shows up within two seconds, without a reload.
func TestDashboardRealtimeViewUpdatesLive(t *testing.T) {
	base, a := startAppServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	truth, err := sim.Ensure(ctx, sim.Deps{Auth: a.Auth, Sites: a.Sites, Goals: a.Goals, DataDir: a.Config.Data})
	if err != nil {
		t.Fatal(err)
	}
	var siteID string
	for _, s := range truth.Sites {
		if s.Domain == "trailhead.example" {
			siteID = s.ID
		}
	}
	p := newTab(t, base)
	p.expectStatus(p.logIn(truth.Email, truth.Password), http.StatusOK, "logging in as the demo user")
	p.expectStatus(p.open("/w/"+truth.WorkspaceID+"/sites/"+siteID+"/realtime"), http.StatusOK, "the realtime view")
	p.waitFor("the live stream", `document.querySelector("#rt-status").classList.contains("live") && document.querySelector("#realtime").hasAttribute("data-updated")`)
	if n := p.textOf("#rt-visitors"); n != "0" {
		t.Fatalf("current visitors before any event: %q", n)
	}

	req, _ := http.NewRequest("POST", base+"/api/event", strings.NewReader(`{"n":"pageview","u":"https://trailhead.example/hello-live","d":"trailhead.example"}`))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("pageview: %d", resp.StatusCode)
	}
	accepted := time.Now()
	for !tabEval[bool](p, `document.querySelector("#rt-pages").textContent.includes("/hello-live") && document.querySelector("#rt-visitors").textContent === "1"`) {
		if time.Since(accepted) > 2*time.Second {
			t.Fatalf("the pageview is not on the realtime view 2 s after its acceptance; the view shows %q", p.textOf("#realtime"))
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Logf("accepted to shown in the browser: %v", time.Since(accepted))
	if bars := tabEval[int](p, `document.querySelectorAll("#rt-chart rect.bar").length`); bars != 30 {
		t.Errorf("the minute chart has %d bars, want 30", bars)
	}
}

// demo is the demo company with a little of its traffic loaded.
type demo struct {
	ws, siteID, email, password, readKey, base string
}

// loadDemo creates the demo company and sends it 35 days of the shop's
// traffic at a small scale, through the real Segment-compatible API.
func loadDemo(t *testing.T, base string, a *app.App) *demo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	truth, err := sim.Ensure(ctx, sim.Deps{Auth: a.Auth, Sites: a.Sites, Goals: a.Goals, DataDir: a.Config.Data})
	if err != nil {
		t.Fatal(err)
	}
	d := &demo{ws: truth.WorkspaceID, email: truth.Email, password: truth.Password, base: base}
	keys := map[string]string{}
	var specs []sim.SiteSpec
	for _, s := range truth.Sites {
		if s.Domain == "trailhead.example" {
			d.siteID = s.ID
			keys[s.Domain] = s.WriteKey
			specs = append(specs, sim.SiteSpec{Domain: s.Domain, Timezone: s.Timezone, Currency: s.Currency})
		}
	}
	actor := auth.Actor{Type: auth.ActorSystem, Name: "test"}
	ingest, _, err := a.Auth.CreateAPIKey(ctx, actor, d.ws, "ingest", []auth.Scope{auth.ScopeIngest})
	if err != nil {
		t.Fatal(err)
	}
	if d.readKey, _, err = a.Auth.CreateAPIKey(ctx, actor, d.ws, "read", []auth.Scope{auth.ScopeRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.LoadTraffic(ctx, a.Handler(), sim.TrafficConfig{Days: 35, Scale: 0.05, Seed: 11, Sites: specs}, keys, ingest, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range a.Log.Health(ctx).Streams {
		if s.Name == eventlog.StreamEvents {
			if err := a.Loader.WaitFor(ctx, s.LastSeq); err != nil {
				t.Fatalf("loader: %v", err)
			}
		}
	}
	return d
}

type queryResult struct {
	Results []struct {
		Dimensions []string  `json:"dimensions"`
		Metrics    []float64 `json:"metrics"`
	} `json:"results"`
	Meta struct {
		TimeLabels []string `json:"time_labels"`
	} `json:"meta"`
}

// rawQuery asks the stats API (with a read key, as a script would).
func (d *demo) rawQuery(t *testing.T, body string) []byte {
	t.Helper()
	body = `{"site_id":"trailhead.example",` + strings.TrimPrefix(body, "{")
	req, err := http.NewRequest("POST", d.base+"/api/v2/query", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+d.readKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("query %s: %d %s", body, resp.StatusCode, b)
	}
	return b
}

func (d *demo) query(t *testing.T, body string) *queryResult {
	t.Helper()
	var res queryResult
	if err := json.Unmarshal(d.rawQuery(t, body), &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

// queryRows is the API's answer as text rows, numbers as the JSON has them.
func (d *demo) queryRows(t *testing.T, body string) [][]string {
	t.Helper()
	var res struct {
		Results []struct {
			Dimensions []string      `json:"dimensions"`
			Metrics    []json.Number `json:"metrics"`
		} `json:"results"`
	}
	dec := json.NewDecoder(bytes.NewReader(d.rawQuery(t, body)))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, r := range res.Results {
		row := append([]string{}, r.Dimensions...)
		for _, m := range r.Metrics {
			row = append(row, m.String())
		}
		rows = append(rows, row)
	}
	return rows
}

type csvDownload struct {
	Status      int    `json:"status"`
	Disposition string `json:"disposition"`
	Body        string `json:"body"`
}

// panelRow is a row of a dashboard panel: its value and first number.
type panelRow struct {
	Value string
	N     float64
}

func sourceLabel(s string) string {
	if s == "" {
		return "Direct / None"
	}
	return s
}

// waitDashboard waits until the KPIs, the chart and every panel have
// their answers.
func (p *tab) waitDashboard() {
	p.t.Helper()
	const ready = `(() => {
		const d = document.getElementById("dash");
		if (!d) return false;
		if (d.querySelector(".kpi.loading") || d.querySelector("#dash-chart.loading") || !d.querySelector("#dash-chart svg")) return false;
		return Array.from(d.querySelectorAll(".panel-body")).every(b => b.getAttribute("aria-busy") === "false" && !b.classList.contains("loading"));
	})()`
	deadline := time.Now().Add(browserStepTimeout)
	for time.Now().Before(deadline) {
		if tabEval[bool](p, ready) {
			if msg := tabEval[string](p, `(document.getElementById("dash-error") || {}).hidden === false ? document.getElementById("dash-error").textContent : ""`); msg != "" {
				p.t.Fatalf("the dashboard shows an error: %s", msg)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("the dashboard did not finish loading within %s", browserStepTimeout)
}

// waitFor waits until the JavaScript expression cond is true.
func (p *tab) waitFor(what, cond string) {
	p.t.Helper()
	deadline := time.Now().Add(browserStepTimeout)
	for time.Now().Before(deadline) {
		if tabEval[bool](p, cond) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("%s: not within %s", what, browserStepTimeout)
}

// exactNumber reads a number the dashboard wrote in full ("1,234").
func exactNumber(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSuffix(s, "%"), ",", ""), 64)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return f
}

// kpis are the exact values of the visitors, visits and pageviews cards.
func (p *tab) kpis() []float64 {
	p.t.Helper()
	var out []float64
	for _, m := range []string{"visitors", "visits", "pageviews"} {
		out = append(out, exactNumber(p.t, tabEval[string](p, `document.querySelector('.kpi[data-metric=`+m+`] [data-value]').title`)))
	}
	return out
}

// panelRows lists a panel's rows: each row's value and its first number.
func (p *tab) panelRows(panel string) []panelRow {
	p.t.Helper()
	type cell struct {
		Value string `json:"value"`
		N     string `json:"n"`
	}
	cells := tabEval[[]cell](p, `Array.from(document.querySelectorAll('[data-panel=`+panel+`] tbody tr'), tr => ({
		value: tr.querySelector('.prow').getAttribute('data-value'), n: tr.querySelector('td.num').title}))`)
	var out []panelRow
	for _, c := range cells {
		out = append(out, panelRow{c.Value, exactNumber(p.t, c.N)})
	}
	return out
}

func (p *tab) chartPoints() int {
	p.t.Helper()
	n, err := strconv.Atoi(tabEval[string](p, `document.querySelector('#dash-chart svg').getAttribute('data-points')`))
	if err != nil {
		p.t.Fatal(err)
	}
	return n
}

// expectChart checks the chart against an API answer by day: as many
// points as buckets, the same labels and values.
func (p *tab) expectChart(res *queryResult, points int) {
	p.t.Helper()
	if got := p.chartPoints(); got != points || len(res.Meta.TimeLabels) != points {
		p.t.Fatalf("chart has %d points and the API %d buckets, want %d", got, len(res.Meta.TimeLabels), points)
	}
	type row struct {
		Label string `json:"label"`
		Value string `json:"value"`
	}
	rows := tabEval[[]row](p, `Array.from(document.querySelectorAll('#dash-chart-table tbody tr'), tr => ({label: tr.cells[0].textContent, value: tr.cells[1].textContent}))`)
	byLabel := map[string]float64{}
	for _, r := range res.Results {
		byLabel[r.Dimensions[0]] = r.Metrics[0]
	}
	if len(rows) != points {
		p.t.Fatalf("chart table has %d rows, want %d", len(rows), points)
	}
	for i, r := range rows {
		if r.Label != res.Meta.TimeLabels[i] {
			p.t.Errorf("chart bucket %d is %q, the API's %q", i, r.Label, res.Meta.TimeLabels[i])
		}
		if got := exactNumber(p.t, r.Value); got != byLabel[r.Label] {
			p.t.Errorf("chart value of %s = %v, the API's %v", r.Label, got, byLabel[r.Label])
		}
	}
}

// setPeriod chooses a period in the dashboard's picker.
func (p *tab) setPeriod(period string) {
	p.t.Helper()
	p.do("choose the period "+period, chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById("dash-period");
		s.value = `+strconv.Quote(period)+`;
		s.dispatchEvent(new Event("change", {bubbles: true}));
	})()`))
}

package dashboard_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// The traffic of the export tests: four visitors of acme.example.
//
//	.1  Google   / → /pricing, Signup (plan=pro)
//	.2  Google   /blog                      (bounce)
//	.3  direct   /pricing                   (bounce)
//	.4  Twitter  /blog → /blog/post
var exportTraffic = []visit{
	{ip: "203.0.113.1", referrer: "https://www.google.com/", events: []string{"/", "/pricing", "Signup@/pricing"}, props: map[string]string{"plan": "pro"}},
	{ip: "203.0.113.2", referrer: "https://www.google.com/", events: []string{"/blog"}},
	{ip: "203.0.113.3", events: []string{"/pricing"}},
	{ip: "203.0.113.4", referrer: "https://t.co/abc", events: []string{"/blog", "/blog/post"}},
}

// jsonRows reads an API answer keeping each number's text.
func jsonRows(t *testing.T, answer string) (dims, metrics []string, rows [][]string) {
	t.Helper()
	var res struct {
		Results []struct {
			Dimensions []string      `json:"dimensions"`
			Metrics    []json.Number `json:"metrics"`
		} `json:"results"`
		Query struct {
			Dimensions []string `json:"dimensions"`
			Metrics    []string `json:"metrics"`
		} `json:"query"`
	}
	dec := json.NewDecoder(strings.NewReader(answer))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("%v in %s", err, answer)
	}
	for _, r := range res.Results {
		row := append([]string{}, r.Dimensions...)
		for _, m := range r.Metrics {
			row = append(row, m.String())
		}
		rows = append(rows, row)
	}
	return res.Query.Dimensions, res.Query.Metrics, rows
}

func TestCSVExportEqualsTheAPI(t *testing.T) {
	w := newWorld(t)
	w.ts.send(t, "acme.example", exportTraffic...)

	for _, tc := range []struct {
		name, query string
		file        string // the start of the file name
		// want holds rows that must be in the export, counted by hand.
		want [][]string
	}{
		{"totals", `{"metrics":["visitors","visits","pageviews","events","bounce_rate","visit_duration","views_per_visit"],"date_range":"24h"}`,
			"acme.example-totals-",
			// 4 visitors, 4 visits, 6 pageviews, 7 events, 2 of 4 bounced, 6/4 = 1.5 pages a visit.
			[][]string{{"4", "4", "6", "7", "50"}}},
		{"by source", `{"metrics":["visitors","visits","bounce_rate","percentage"],"date_range":"24h","dimensions":["visit:source"]}`,
			"acme.example-visit_source-",
			[][]string{{"Google", "2", "2", "50", "50"}, {"", "1", "1", "100", "25"}}},
		{"by page with a filter", `{"metrics":["visitors","pageviews"],"date_range":"24h","dimensions":["event:page"],"filters":[["is","visit:source",["Google"]]]}`,
			"acme.example-event_page-",
			[][]string{{"/", "1", "1"}, {"/blog", "1", "1"}, {"/pricing", "1", "1"}}},
		{"by property", `{"metrics":["visitors","events"],"date_range":"24h","dimensions":["event:props:plan"],"filters":[["is","event:name",["Signup"]]]}`,
			"acme.example-event_props_plan-",
			[][]string{{"pro", "1", "1"}}},
		{"by day", `{"metrics":["visitors"],"date_range":"7d","dimensions":["time:day"],"include":{"time_labels":true}}`,
			"acme.example-time_day-", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dims, metrics, apiRows := jsonRows(t, w.apiQuery(t, tc.query))
			resp, body := w.ts.get(t, w.viewer, w.csvPath+"?q="+url.QueryEscape(tc.query))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("export: %d %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			cd := resp.Header.Get("Content-Disposition")
			if !strings.HasPrefix(cd, `attachment; filename=`+tc.file) || !strings.HasSuffix(cd, `.csv`) {
				t.Errorf("Content-Disposition %q, want an attachment named %s….csv", cd, tc.file)
			}
			records, err := csv.NewReader(bytes.NewReader([]byte(body))).ReadAll()
			if err != nil {
				t.Fatalf("%v in %s", err, body)
			}
			header := append(append([]string{}, dims...), metrics...)
			if !reflect.DeepEqual(records[0], header) {
				t.Errorf("header %q, want %q", records[0], header)
			}
			got := records[1:]
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, apiRows) {
				t.Errorf("rows\n%q\nwant the API's\n%q", got, apiRows)
			}
			for _, want := range tc.want {
				found := false
				for _, r := range got {
					found = found || reflect.DeepEqual(r[:len(want)], want)
				}
				if !found {
					t.Errorf("no row starting %q in %q", want, got)
				}
			}
		})
	}
}

func TestCSVExportRefusals(t *testing.T) {
	w := newWorld(t)
	good := url.QueryEscape(`{"metrics":["visitors"],"date_range":"day"}`)
	for _, tc := range []struct {
		name   string
		who    *member
		path   string
		status int
		want   string
	}{
		{"no query", w.owner, w.csvPath, 400, "query parameter q"},
		{"malformed JSON", w.owner, w.csvPath + "?q=" + url.QueryEscape(`{"metrics":[`), 400, "malformed JSON"},
		{"unknown metric", w.owner, w.csvPath + "?q=" + url.QueryEscape(`{"metrics":["hits"],"date_range":"day"}`), 400, `unknown metric \"hits\"`},
		{"bad date range", w.owner, w.csvPath + "?q=" + url.QueryEscape(`{"metrics":["visitors"],"date_range":"8d"}`), 400, `unknown date_range \"8d\"`},
		{"unknown field", w.owner, w.csvPath + "?q=" + url.QueryEscape(`{"metrics":["visitors"],"date_range":"day","sort":1}`), 400, `unknown field`},
		{"another site's id", w.owner, w.csvPath + "?q=" + url.QueryEscape(`{"site_id":"other.example","metrics":["visitors"],"date_range":"day"}`), 400, "is not the site of this page"},
		{"outsider", w.outsider, w.csvPath + "?q=" + good, 404, ""},
		{"outsider's own workspace path with this site", w.outsider, "/w/" + w.otherWS.ID + "/sites/" + w.site.ID + "/export.csv?q=" + good, 404, ""},
		{"another workspace's site under this workspace", w.owner, "/w/" + w.ws.ID + "/sites/" + w.otherSite.ID + "/export.csv?q=" + good, 404, ""},
		{"signed out", nil, w.csvPath + "?q=" + good, http.StatusSeeOther, ""},
		{"the site's domain as site_id", w.viewer, w.csvPath + "?q=" + url.QueryEscape(`{"site_id":"acme.example","metrics":["visitors"],"date_range":"day"}`), 200, "visitors\n0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := w.ts.get(t, tc.who, tc.path)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("GET %s: %d %.300s, want %d with %q", tc.path, resp.StatusCode, body, tc.status, tc.want)
			}
			if tc.status == 404 && strings.Contains(body, "visitors") {
				t.Errorf("a refused export shows data: %s", body)
			}
		})
	}
}

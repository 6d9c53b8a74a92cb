package dashboard

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/ui"
	"github.com/mopshq/mops/internal/sites"
)

// propertyLookback is how far back the custom properties panel looks for
// property names to offer.
const propertyLookback = 366 * 24 * time.Hour

// maxPropertyNames bounds the property names offered.
const maxPropertyNames = 100

// View is what the dashboard body ("dashboard-body" in
// templates/dashboard.html) renders. The page's script takes every
// endpoint from it, so another page (a public shared link) can show the
// same dashboard against its own endpoints.
type View struct {
	Site *sites.Site
	// Sites link the dashboards of the workspace's sites for the site
	// switcher; empty hides it.
	Sites []SiteLink
	// QueryURL answers POSTed stats queries (the body and answer of
	// POST /api/v2/query); CSRF, when set, goes in its X-CSRF-Token header.
	QueryURL string
	CSRF     string
	// CSVURL answers GET ?q=<query JSON> with the query's CSV.
	CSVURL string
	// DashboardURL and RealtimeURL link the two views ("" hides a link);
	// StreamURL is the realtime Server-Sent Events stream.
	DashboardURL, RealtimeURL, StreamURL string
	// SettingsURL links the site's settings and GoalsURL its goals ("" hides
	// them).
	SettingsURL, GoalsURL string
	// Properties are the custom property names to offer.
	Properties []string
	Panels     []Panel
}

// SiteLink is a site of the switcher.
type SiteLink struct {
	Domain, URL string
	Current     bool
}

// Panel is a card of the dashboard: tabs over dimensions.
type Panel struct {
	Key   string // its URL parameter and element ids
	Title string
	Tabs  []Tab
}

// Tab is one breakdown of a panel.
type Tab struct {
	Key    string // the panel parameter's value when this tab shows
	Label  string // the tab's name
	Column string // the heading of the dimension column
	// Dimension is the stats dimension; tabs with Options use the chosen
	// option's instead.
	Dimension string
	// Options are dimensions to choose among (UTM parameters, property
	// names), with OptionLabel naming the picker.
	Options     []Option
	OptionLabel string
	// Metrics are shown in the panel, DetailMetrics in its details view;
	// the first is the one rows are sorted and barred by.
	Metrics, DetailMetrics []string
	// HideEmpty leaves out rows without a value ("" or "(none)").
	HideEmpty bool
}

// Option is a dimension a tab can show.
type Option struct {
	Value, Label, Dimension string
}

// MetricList joins metrics for a data attribute.
func (t Tab) MetricList() string { return strings.Join(t.Metrics, ",") }

// DetailMetricList joins the details view's metrics for a data attribute.
func (t Tab) DetailMetricList() string { return strings.Join(t.DetailMetrics, ",") }

// panels are the dashboard's breakdowns, in page order; props are the
// custom property names to offer.
func panels(props []string) []Panel {
	visitMetrics := []string{"visitors", "percentage"}
	sourceDetails := []string{"visitors", "visits", "bounce_rate", "visit_duration"}
	utm := []Option{
		{"utm_source", "UTM source", "visit:utm_source"},
		{"utm_medium", "UTM medium", "visit:utm_medium"},
		{"utm_campaign", "UTM campaign", "visit:utm_campaign"},
		{"utm_term", "UTM term", "visit:utm_term"},
		{"utm_content", "UTM content", "visit:utm_content"},
	}
	var propOptions []Option
	for _, p := range props {
		propOptions = append(propOptions, Option{p, p, "event:props:" + p})
	}
	return []Panel{
		{Key: "sources", Title: "Top sources", Tabs: []Tab{
			{Key: "sources", Label: "Sources", Column: "Source", Dimension: "visit:source", Metrics: visitMetrics, DetailMetrics: sourceDetails},
			{Key: "channels", Label: "Channels", Column: "Channel", Dimension: "visit:channel", Metrics: visitMetrics, DetailMetrics: sourceDetails},
			{Key: "utm", Label: "Campaigns", Column: "Value", Options: utm, OptionLabel: "UTM parameter",
				Metrics: visitMetrics, DetailMetrics: sourceDetails, HideEmpty: true},
		}},
		{Key: "pages", Title: "Top pages", Tabs: []Tab{
			{Key: "pages", Label: "Top pages", Column: "Page", Dimension: "event:page", Metrics: []string{"visitors", "pageviews"},
				DetailMetrics: []string{"visitors", "pageviews", "bounce_rate", "time_on_page", "scroll_depth"}},
			{Key: "entry", Label: "Entry pages", Column: "Entry page", Dimension: "visit:entry_page", Metrics: []string{"visitors", "visits"},
				DetailMetrics: sourceDetails},
			{Key: "exit", Label: "Exit pages", Column: "Exit page", Dimension: "visit:exit_page", Metrics: []string{"visitors", "visits"},
				DetailMetrics: []string{"visitors", "visits", "percentage"}},
		}},
		{Key: "locations", Title: "Locations", Tabs: []Tab{
			{Key: "countries", Label: "Countries", Column: "Country", Dimension: "visit:country", Metrics: visitMetrics, DetailMetrics: sourceDetails},
			{Key: "regions", Label: "Regions", Column: "Region", Dimension: "visit:region", Metrics: visitMetrics, DetailMetrics: sourceDetails, HideEmpty: true},
			{Key: "cities", Label: "Cities", Column: "City", Dimension: "visit:city", Metrics: visitMetrics, DetailMetrics: sourceDetails, HideEmpty: true},
		}},
		{Key: "devices", Title: "Devices", Tabs: []Tab{
			{Key: "devices", Label: "Devices", Column: "Device", Dimension: "visit:device", Metrics: visitMetrics, DetailMetrics: sourceDetails},
			{Key: "browsers", Label: "Browsers", Column: "Browser", Dimension: "visit:browser", Metrics: visitMetrics, DetailMetrics: sourceDetails},
			{Key: "os", Label: "Operating systems", Column: "Operating system", Dimension: "visit:os", Metrics: visitMetrics, DetailMetrics: sourceDetails},
		}},
		{Key: "goals", Title: "Goal conversions", Tabs: []Tab{
			{Key: "goals", Label: "Goals", Column: "Goal", Dimension: "event:goal",
				Metrics:       []string{"visitors", "events", "conversion_rate", "total_revenue"},
				DetailMetrics: []string{"visitors", "events", "conversion_rate", "total_revenue", "average_revenue"}},
		}},
		{Key: "props", Title: "Custom properties", Tabs: []Tab{
			{Key: "props", Label: "Properties", Column: "Value", Options: propOptions, OptionLabel: "Property",
				Metrics: []string{"visitors", "events", "percentage"}, DetailMetrics: []string{"visitors", "events", "percentage"}, HideEmpty: true},
		}},
	}
}

// Endpoints are where a dashboard's script sends its requests.
type Endpoints struct {
	// Query answers POSTed stats queries; CSRF, when set, goes in their
	// X-CSRF-Token header.
	Query, CSRF string
	// CSV answers GET ?q=<query JSON> (see ExportCSV).
	CSV string
	// Dashboard and Realtime are the two pages ("" hides the links
	// between them); Stream is the realtime event stream (see
	// StreamRealtime).
	Dashboard, Realtime, Stream string
}

// NewView returns the View of site's dashboard against e, with the custom
// property names of the site's last year of events. Pages outside the
// workspace (a public shared link) render the view "dashboard" or
// "realtime" with it as the page's Data.
func (h *Handler) NewView(ctx context.Context, site *sites.Site, e Endpoints) (*View, error) {
	props, err := h.store.propertyNames(ctx, site.ID, time.Now(), propertyLookback, maxPropertyNames)
	if err != nil {
		return nil, err
	}
	return &View{Site: site, QueryURL: e.Query, CSRF: e.CSRF, CSVURL: e.CSV, DashboardURL: e.Dashboard,
		RealtimeURL: e.Realtime, StreamURL: e.Stream, Properties: props, Panels: panels(props)}, nil
}

// dashboardPage starts the page view ("dashboard" or "realtime") of the
// site in the path.
func (h *Handler) dashboardPage(w http.ResponseWriter, r *http.Request, view, title string) (*ui.Page, error) {
	site, err := h.site(r)
	if err != nil {
		return nil, err
	}
	a := auth.AccessFrom(r.Context())
	all, err := h.sites.List(r.Context(), a.Workspace.ID)
	if err != nil {
		return nil, err
	}
	p := h.ui.NewPage(w, r, title+" · "+site.Domain)
	// The dashboard is a site's page, so "Sites" would claim it; the
	// navigation's Dashboard entry stands for every site's dashboard.
	for i := range p.Nav {
		p.Nav[i].Active = p.Nav[i].Href == "/w/"+a.Workspace.ID+"/dashboard"
	}
	base := "/w/" + a.Workspace.ID + "/sites/" + site.ID
	v, err := h.NewView(r.Context(), site, Endpoints{Query: base + "/query", CSRF: p.CSRF, CSV: base + "/export.csv",
		Dashboard: base + "/dashboard", Realtime: base + "/realtime", Stream: base + "/realtime/stream"})
	if err != nil {
		return nil, err
	}
	if len(all) > 1 {
		for _, s := range all {
			v.Sites = append(v.Sites, SiteLink{Domain: s.Domain, URL: "/w/" + a.Workspace.ID + "/sites/" + s.ID + "/" + view,
				Current: s.ID == site.ID})
		}
	}
	if p.Can(auth.PermManageSites) {
		v.SettingsURL = base
	}
	v.GoalsURL = base + "/goals"
	p.Data = v
	return p, nil
}

func (h *Handler) showDashboardPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.dashboardPage(w, r, "dashboard", "Dashboard")
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	h.ui.Render(w, http.StatusOK, "dashboard", p)
}

func (h *Handler) showRealtimePage(w http.ResponseWriter, r *http.Request) {
	p, err := h.dashboardPage(w, r, "realtime", "Realtime")
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	h.ui.Render(w, http.StatusOK, "realtime", p)
}

// showFirstDashboard opens the dashboard of the workspace's first site,
// or the sites page when there is none yet.
func (h *Handler) showFirstDashboard(w http.ResponseWriter, r *http.Request) {
	ws := auth.AccessFrom(r.Context()).Workspace.ID
	all, err := h.sites.List(r.Context(), ws)
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	if len(all) == 0 {
		ui.Redirect(w, r, "/w/"+ws+"/sites", "Add a site first: its dashboard fills as soon as events arrive.")
		return
	}
	target := "/w/" + ws + "/sites/" + all[0].ID + "/dashboard"
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

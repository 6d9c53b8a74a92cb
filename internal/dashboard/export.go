package dashboard

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strings"

	"github.com/mopshq/mops/internal/platform/httpx"
	"github.com/mopshq/mops/internal/sites"
	"github.com/mopshq/mops/internal/stats"
)

// maxExportQuery bounds the q parameter of an export.
const maxExportQuery = 64 << 10

// exportCSV answers GET …/export.csv?q=<query JSON> for the site in the
// path.
func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request) {
	site, err := h.site(r)
	if err != nil {
		h.exportError(w, r, err)
		return
	}
	h.ExportCSV(w, r, site)
}

// ExportCSV answers a request with ?q=<query JSON> with the stats query's
// results for site as CSV: a header row of the dimension then the metric
// names and one row per result, each number written as the JSON answer
// writes it. site_id may be omitted. The caller has checked the request
// may see site.
func (h *Handler) ExportCSV(w http.ResponseWriter, r *http.Request, site *sites.Site) {
	raw := r.URL.Query().Get("q")
	if strings.TrimSpace(raw) == "" {
		h.exportError(w, r, httpx.Errorf(http.StatusBadRequest, "query parameter q (a stats query as JSON) is required"))
		return
	}
	if len(raw) > maxExportQuery {
		h.exportError(w, r, httpx.Errorf(http.StatusRequestEntityTooLarge, "the query is longer than %d bytes", maxExportQuery))
		return
	}
	q, err := stats.ParseQuery(strings.NewReader(raw))
	if err != nil {
		h.exportError(w, r, err)
		return
	}
	if q.SiteID != "" && q.SiteID != site.ID && q.SiteID != site.Domain {
		h.exportError(w, r, httpx.Errorf(http.StatusBadRequest, "site_id %q is not the site of this page", q.SiteID))
		return
	}
	res, err := h.stats.Run(r.Context(), site, q)
	if err != nil {
		h.exportError(w, r, err)
		return
	}
	body, err := resultCSV(res)
	if err != nil {
		h.exportError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": exportFileName(site, res)}))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// resultCSV writes the results of a query as CSV.
func resultCSV(res *stats.Result) ([]byte, error) {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	header := append(append([]string{}, res.Query.Dimensions...), res.Query.Metrics...)
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	for _, row := range res.Results {
		rec := make([]string, 0, len(header))
		rec = append(rec, row.Dimensions...)
		for _, m := range row.Metrics {
			n, err := jsonNumber(m)
			if err != nil {
				return nil, err
			}
			rec = append(rec, n)
		}
		if err := cw.Write(rec); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return b.Bytes(), cw.Error()
}

// jsonNumber writes v exactly as the JSON answer does.
func jsonNumber(v float64) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("csv export: %w", err)
	}
	return string(b), nil
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// exportFileName names the file after the site, what the rows are and
// the period: trailhead.example-visit_source-2026-01-01-2026-01-31.csv.
func exportFileName(site *sites.Site, res *stats.Result) string {
	parts := []string{site.Domain}
	if len(res.Query.Dimensions) == 0 {
		parts = append(parts, "totals")
	}
	for _, d := range res.Query.Dimensions {
		parts = append(parts, d)
	}
	for _, end := range res.Query.DateRange {
		if len(end) >= 10 {
			parts = append(parts, end[:10])
		}
	}
	name := unsafeFileChars.ReplaceAllString(strings.Join(parts, "-"), "_")
	return strings.Trim(name, "_") + ".csv"
}

// exportError answers a failed export as the query API would (see
// stats.PublicError), a site not in the workspace with 404.
func (h *Handler) exportError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, sites.ErrNotFound) {
		err = httpx.ErrNotFound
	}
	httpx.WriteError(w, r, h.logger, stats.PublicError(err))
}

package collect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/warehouse/event"
)

// Hit is one pageview of a server access log, as the import sends it.
type Hit struct {
	IP        string    `json:"ip"` // used for the visitor id and location, never stored
	Time      time.Time `json:"time"`
	Host      string    `json:"host,omitempty"`
	Path      string    `json:"path"`
	Query     string    `json:"query,omitempty"`
	Referrer  string    `json:"referrer,omitempty"`
	UserAgent string    `json:"user_agent"`
}

// ImportResult counts what an import call did.
type ImportResult struct {
	Kept int `json:"kept"`
	Bots int `json:"bots"`
}

// ImportHits turns access-log pageviews into events of the site (by domain
// or id) and publishes them. The same visitor and visit rules apply as for
// live traffic; the visitor id hashes salt (one per import run), the day,
// the address and the user agent, so ids rotate daily as live ones do.
// Event ids derive from the hit itself, so importing the same log twice
// within the log's de-duplication window (24 h) stores it once.
func (s *Service) ImportHits(ctx context.Context, siteKey, salt string, hits []Hit) (ImportResult, error) {
	var res ImportResult
	site, err := s.sites.find(ctx, strings.ToLower(siteKey))
	if err != nil {
		return res, fmt.Errorf("import: site %q: %w", siteKey, err)
	}
	now := s.now()
	evs := make([]*event.Event, 0, len(hits))
	for _, h := range hits {
		if h.Time.After(now.Add(FutureLimit)) {
			return res, inputErrorf("hit at %s is in the future", h.Time.Format(time.RFC3339))
		}
		ua := s.ua.Parse(h.UserAgent)
		if ua.Bot {
			res.Bots++
			continue
		}
		ip, _ := netip.ParseAddr(h.IP)
		day := h.Time.UTC().Format(time.DateOnly)
		host := firstOf(strings.ToLower(h.Host), site.Domain)
		pageURL := "https://" + host + h.Path
		if h.Query != "" {
			pageURL += "?" + h.Query
		}
		p, err := parsePageURL(pageURL, false)
		if err != nil {
			continue
		}
		loc := s.geo.Lookup(ip)
		e := &event.Event{ID: hitID(site.ID, h), SiteID: site.ID, Kind: event.KindPageview, Name: "pageview",
			Time: h.Time.UTC(), Received: now, VisitorID: visitorID(salt+day, site.ID, ip, h.UserAgent),
			Origin: event.OriginImport, Interactive: true, Hostname: p.Hostname(), Path: p.Path,
			Browser: ua.Browser, BrowserVersion: ua.BrowserVersion, OS: ua.OS, OSVersion: ua.OSVersion, Device: ua.Device,
			Country: loc.Country, Region: loc.Region, City: loc.City}
		enrichSource(e, pageURL, h.Referrer, site.Domain)
		evs = append(evs, e)
	}
	if err := s.publishAll(ctx, evs); err != nil {
		return res, err
	}
	res.Kept = len(evs)
	return res, nil
}

func hitID(siteID string, h Hit) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{siteID, h.IP, h.Time.UTC().Format(time.RFC3339Nano), h.Host, h.Path, h.Query, h.UserAgent}, "\x00")))
	return "imp_" + hex.EncodeToString(sum[:12])
}

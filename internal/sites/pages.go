package sites

import (
	"errors"
	"net/http"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/ui"
)

type sitesView struct {
	Sites     []Site
	Timezones []string
	Defaults  Settings
}

type siteView struct {
	Site      *Site
	Snippet   string
	ServerURL string
	Timezones []string
}

// commonTimezones are offered in the time zone picker; any IANA name can
// still be typed.
func commonTimezones() []string {
	return []string{"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
		"Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw", "Europe/Athens",
		"Europe/Istanbul", "Africa/Lagos", "Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore",
		"Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo",
		"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
		"America/Mexico_City"}
}

func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, p *ui.Page, view string, err error) {
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		p.Errors[ve.Field] = ve.Message
		h.ui.Render(w, http.StatusUnprocessableEntity, view, p)
	case errors.Is(err, ErrDomainTaken):
		p.Errors["domain"] = "is already used by another site"
		h.ui.Render(w, http.StatusConflict, view, p)
	case errors.Is(err, ErrNotFound):
		h.ui.Deny(w, r, http.StatusNotFound)
	default:
		h.logger.Error("site page failed", "request.path", r.URL.Path, "error", err)
		h.ui.ErrorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. The error was logged.")
	}
}

func (h *Handler) sitesPage(w http.ResponseWriter, r *http.Request) (*ui.Page, error) {
	p := h.ui.NewPage(w, r, "Sites")
	ss, err := h.svc.List(r.Context(), auth.AccessFrom(r.Context()).Workspace.ID)
	p.Data = &sitesView{Sites: ss, Timezones: commonTimezones(), Defaults: Settings{Timezone: DefaultTimezone, Currency: DefaultCurrency}}
	return p, err
}

func (h *Handler) showSitesPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.sitesPage(w, r)
	if err != nil {
		h.pageError(w, r, p, "sites", err)
		return
	}
	h.ui.Render(w, http.StatusOK, "sites", p)
}

func (h *Handler) saveSite(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, 16<<10); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	a := auth.AccessFrom(r.Context())
	s, createErr := h.svc.Create(r.Context(), a.Actor(auth.UserFrom(r.Context())), a.Workspace.ID, Settings{
		Domain: r.PostForm.Get("domain"), Timezone: r.PostForm.Get("timezone"), Currency: r.PostForm.Get("currency")})
	if createErr != nil {
		p, err := h.sitesPage(w, r)
		if err == nil {
			err = createErr
		}
		p.Form = r.PostForm
		h.pageError(w, r, p, "sites", err)
		return
	}
	ui.Redirect(w, r, "/w/"+a.Workspace.ID+"/sites/"+s.ID, "Site "+s.Domain+" added. Put the snippet below on every page.")
}

func (h *Handler) sitePage(w http.ResponseWriter, r *http.Request) (*ui.Page, error) {
	a := auth.AccessFrom(r.Context())
	s, err := h.svc.Get(r.Context(), a.Workspace.ID, r.PathValue("site"))
	if err != nil {
		return h.ui.NewPage(w, r, "Site"), err
	}
	p := h.ui.NewPage(w, r, s.Domain)
	server := h.baseURL
	if server == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		server = scheme + "://" + r.Host
	}
	p.Data = &siteView{Site: s, ServerURL: server, Timezones: commonTimezones(), Snippet: Snippet(s, server)}
	p.Form.Set("timezone", s.Timezone)
	p.Form.Set("currency", s.Currency)
	if s.CookieID {
		p.Form.Set("cookie_id", "on")
	}
	return p, nil
}

// Snippet is the tracking code for the site's pages; server is mops's
// public URL.
func Snippet(s *Site, server string) string {
	if s.CookieID {
		return `<script defer data-domain="` + s.Domain + `" src="` + server + `/js/script.cookie.js"></script>`
	}
	return `<script defer data-domain="` + s.Domain + `" src="` + server + `/js/script.js"></script>`
}

func (h *Handler) showSitePage(w http.ResponseWriter, r *http.Request) {
	p, err := h.sitePage(w, r)
	if err != nil {
		h.pageError(w, r, p, "site", err)
		return
	}
	h.ui.Render(w, http.StatusOK, "site", p)
}

func (h *Handler) saveSiteSettings(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, 16<<10); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	a := auth.AccessFrom(r.Context())
	_, updErr := h.svc.Update(r.Context(), a.Actor(auth.UserFrom(r.Context())), a.Workspace.ID, r.PathValue("site"),
		r.PostForm.Get("timezone"), r.PostForm.Get("currency"), r.PostForm.Get("cookie_id") == "on")
	if updErr != nil {
		p, err := h.sitePage(w, r)
		if err == nil {
			err = updErr
		}
		p.Form = r.PostForm
		h.pageError(w, r, p, "site", err)
		return
	}
	ui.Redirect(w, r, r.URL.Path, "Site settings saved.")
}

func (h *Handler) rotateWriteKey(w http.ResponseWriter, r *http.Request) {
	a := auth.AccessFrom(r.Context())
	s, err := h.svc.RotateWriteKey(r.Context(), a.Actor(auth.UserFrom(r.Context())), a.Workspace.ID, r.PathValue("site"))
	if err != nil {
		p, _ := h.sitePage(w, r)
		h.pageError(w, r, p, "site", err)
		return
	}
	ui.Redirect(w, r, "/w/"+a.Workspace.ID+"/sites/"+s.ID, "New write key issued at "+time.Now().UTC().Format("15:04 UTC")+"; the old one no longer works.")
}

package report

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/ui"
	"github.com/mopshq/mops/internal/sites"
)

// Templates holds the slice's views.
//
//go:embed templates
var Templates embed.FS

// previewPolicy lets the preview's inline styles apply and nothing else:
// the report has no scripts, images or forms.
const previewPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the digest settings page and the report preview.
type Handler struct {
	svc    *Service
	auth   *auth.Service
	ui     *ui.Renderer
	logger *slog.Logger
}

// NewHandler returns the handler.
func NewHandler(svc *Service, a *auth.Service, r *ui.Renderer, logger *slog.Logger) *Handler {
	return &Handler{svc: svc, auth: a, ui: r, logger: logger}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	member := func(p auth.Permission, f http.HandlerFunc) http.Handler {
		return h.auth.RequireMember(p, h.ui.Deny, f)
	}
	mux.Handle("GET /w/{ws}/sites/{site}/digest", member(auth.PermView, h.showDigestPage))
	mux.Handle("POST /w/{ws}/sites/{site}/digest", member(auth.PermManageSites, h.saveDigest))
	mux.Handle("POST /w/{ws}/sites/{site}/digest/test", member(auth.PermManageSites, h.sendTestDigest))
	mux.Handle("GET /w/{ws}/sites/{site}/digest/preview", member(auth.PermView, h.showDigestPreview))
}

type digestView struct {
	Site        *sites.Site
	Settings    *Settings
	Sending     bool
	NextWeekly  string
	NextMonthly string
	Sends       []sendView
}

type sendView struct {
	Kind, Period, Recipients, Status string
	Failed                           bool
}

// digestPage prepares the page; the form shows the saved settings.
func (h *Handler) digestPage(w http.ResponseWriter, r *http.Request) (*ui.Page, error) {
	a := auth.AccessFrom(r.Context())
	site, err := h.svc.sites.Get(r.Context(), a.Workspace.ID, r.PathValue("site"))
	if err != nil {
		return h.ui.NewPage(w, r, "Digest emails"), err
	}
	p := h.ui.NewPage(w, r, "Digest emails · "+site.Domain)
	set, err := h.svc.Settings(r.Context(), a.Workspace.ID, site.ID)
	if err != nil {
		return p, err
	}
	sends, err := h.svc.Sends(r.Context(), a.Workspace.ID, site.ID, 12)
	if err != nil {
		return p, err
	}
	v := &digestView{Site: site, Settings: set, Sending: h.svc.Sending()}
	if loc, err := time.LoadLocation(site.Timezone); err == nil {
		now := h.svc.now()
		v.NextWeekly = nextDigest(Weekly, now, loc)
		v.NextMonthly = nextDigest(Monthly, now, loc)
	}
	for _, s := range sends {
		sv := sendView{Kind: s.Kind, Recipients: strings.Join(s.Recipients, ", ")}
		sv.Period = dayPeriod(s.PeriodStart, s.PeriodEnd.AddDate(0, 0, 1)).Label()
		switch {
		case s.SentAt != nil:
			sv.Status = "Sent " + s.SentAt.Format("2 Jan 2006 15:04 UTC")
		case s.LastError != "":
			sv.Failed = true
			sv.Status = fmt.Sprintf("Not sent (%d of %d attempts): %s", s.Attempts, maxAttempts, s.LastError)
		default:
			sv.Status = "Sending since " + s.LastAttemptAt.Format("2 Jan 2006 15:04 UTC")
		}
		v.Sends = append(v.Sends, sv)
	}
	p.Data = v
	if set.Weekly {
		p.Form.Set("weekly", "on")
	}
	if set.Monthly {
		p.Form.Set("monthly", "on")
	}
	p.Form.Set("recipients", strings.Join(set.Recipients, "\n"))
	return p, nil
}

// nextDigest says when the next digest of kind goes out and what it
// covers.
func nextDigest(kind string, now time.Time, loc *time.Location) string {
	last := lastDue(kind, now, loc)
	next := time.Date(last.Year(), last.Month(), last.Day()+7, sendHour, 0, 0, 0, loc)
	if kind == Monthly {
		next = time.Date(last.Year(), last.Month()+1, 1, sendHour, 0, 0, 0, loc)
	}
	_, p := digestPeriod(kind, next, loc)
	return next.Format("Mon 2 Jan 2006 15:04") + ", covering " + p.Label()
}

func (h *Handler) showDigestPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.digestPage(w, r)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	h.ui.Render(w, http.StatusOK, "digest", p)
}

func (h *Handler) saveDigest(w http.ResponseWriter, r *http.Request) {
	if err := ui.ParseForm(w, r, 64<<10); err != nil {
		h.ui.BadForm(w, r, err)
		return
	}
	a := auth.AccessFrom(r.Context())
	_, saveErr := h.svc.SaveSettings(r.Context(), a.Actor(auth.UserFrom(r.Context())), a.Workspace.ID, r.PathValue("site"),
		SettingsInput{Weekly: r.PostForm.Get("weekly") == "on", Monthly: r.PostForm.Get("monthly") == "on",
			Recipients: r.PostForm.Get("recipients")})
	if saveErr != nil {
		p, err := h.digestPage(w, r)
		if err == nil {
			err = saveErr
		}
		p.Form = r.PostForm
		h.pageError(w, r, p, err)
		return
	}
	ui.Redirect(w, r, r.URL.Path, "Digest settings saved.")
}

func (h *Handler) sendTestDigest(w http.ResponseWriter, r *http.Request) {
	a := auth.AccessFrom(r.Context())
	to, sendErr := h.svc.SendTest(r.Context(), a.Actor(auth.UserFrom(r.Context())), a.Workspace.ID, r.PathValue("site"))
	if sendErr == nil {
		ui.Redirect(w, r, strings.TrimSuffix(r.URL.Path, "/test"), "Test digest sent to "+strings.Join(to, ", ")+".")
		return
	}
	p, err := h.digestPage(w, r)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	status := http.StatusBadGateway
	switch {
	case errors.Is(sendErr, ErrSendingOff):
		status, p.Error = http.StatusConflict, "Sending email is off on this mops: it has no SMTP server."
	case errors.Is(sendErr, ErrNoRecipients):
		status, p.Error = http.StatusUnprocessableEntity, "Save at least one recipient before sending a test."
	case errors.Is(sendErr, sites.ErrNotFound):
		h.ui.Deny(w, r, http.StatusNotFound)
		return
	default:
		h.logger.Warn("test digest not sent", "site", r.PathValue("site"), "error", sendErr)
		p.Error = "The test digest was not sent: " + smtpProblem(sendErr, h.svc.mailer)
	}
	h.ui.Render(w, status, "digest", p)
}

// smtpProblem describes a failed send for the person who asked: the mail
// server's own answer when there is one, else that it could not be
// reached. Other details stay in the log.
func smtpProblem(err error, m Mailer) string {
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return fmt.Sprintf("the mail server answered %d %s", reply.Code, reply.Msg)
	}
	if s, ok := m.(*SMTP); ok {
		return "the mail server " + s.Address() + " could not be reached or refused the connection (details are in the server log)."
	}
	return "the mail server could not be reached (details are in the server log)."
}

// showDigestPreview renders the report as the email shows it; ?period=
// takes any report period (default: the weekly digest's 7d).
func (h *Handler) showDigestPreview(w http.ResponseWriter, r *http.Request) {
	a := auth.AccessFrom(r.Context())
	site, err := h.svc.sites.Get(r.Context(), a.Workspace.ID, r.PathValue("site"))
	if err != nil {
		h.pageError(w, r, h.ui.NewPage(w, r, "Digest preview"), err)
		return
	}
	period := r.URL.Query().Get("period")
	if period == "" {
		period = "7d"
	}
	rep, err := h.svc.Build(r.Context(), site, period, h.svc.now())
	var pe *PeriodError
	if errors.As(err, &pe) {
		h.ui.ErrorPage(w, r, http.StatusBadRequest, "The preview cannot be made: "+pe.Error()+".")
		return
	}
	if err != nil {
		h.pageError(w, r, h.ui.NewPage(w, r, "Digest preview"), err)
		return
	}
	var b bytes.Buffer
	if err := Render(&b, rep); err != nil {
		h.pageError(w, r, h.ui.NewPage(w, r, "Digest preview"), err)
		return
	}
	w.Header().Set("Content-Security-Policy", previewPolicy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

// pageError answers a failed page: inline field errors, 404 for another
// workspace's site, 500 (logged) for the rest.
func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, p *ui.Page, err error) {
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		p.Errors[ve.Field] = ve.Message
		h.ui.Render(w, http.StatusUnprocessableEntity, "digest", p)
	case errors.Is(err, sites.ErrNotFound):
		h.ui.Deny(w, r, http.StatusNotFound)
	default:
		h.logger.Error("digest page failed", "request.path", r.URL.Path, "error", err)
		h.ui.ErrorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. The error was logged.")
	}
}

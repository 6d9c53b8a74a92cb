// Package ui renders the server-side HTML of mops: the shared layout and
// partials, each slice's views, flash messages, error pages and the
// embedded static assets (served under content-hash URLs).
package ui

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/httpx"
)

//go:embed templates static
var files embed.FS

// NavItem is one entry of a workspace's navigation, shown to roles that
// have Perm. Path is relative to the workspace ("/sites").
type NavItem struct {
	Label string
	Path  string
	Perm  auth.Permission
	Group string
}

// Options configure a Renderer.
type Options struct {
	Logger *slog.Logger
	// Nav lists the workspace navigation, in order; only areas that work.
	Nav []NavItem
	// CSRFToken returns the token forms of this request must carry.
	CSRFToken func(r *http.Request) string
	// Workspaces lists a user's workspaces for the switcher.
	Workspaces func(ctx context.Context, userID string) ([]auth.Membership, error)
	// Version is shown in the footer.
	Version string
}

// Renderer renders pages. It is safe for concurrent use.
type Renderer struct {
	opts   Options
	views  map[string]*template.Template
	assets *assets
}

// New parses the common templates and every view under templates/ of each
// views FS (one view per file, named by the file without .html). A view
// name used twice, or a template that does not parse, fails here.
func New(opts Options, views ...fs.FS) (*Renderer, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	a, err := newAssets(files)
	if err != nil {
		return nil, err
	}
	r := &Renderer{opts: opts, views: map[string]*template.Template{}, assets: a}
	base, err := template.New("").Funcs(r.funcs()).ParseFS(files, "templates/common/*.html")
	if err != nil {
		return nil, fmt.Errorf("ui: parse common templates: %w", err)
	}
	for _, vfs := range append([]fs.FS{files}, views...) {
		names, err := fs.Glob(vfs, "templates/*.html")
		if err != nil {
			return nil, fmt.Errorf("ui: list views: %w", err)
		}
		// templates/partials/*.html of a slice are shared by all its views.
		slice := base
		if partials, _ := fs.Glob(vfs, "templates/partials/*.html"); len(partials) > 0 {
			if slice, err = template.Must(base.Clone()).ParseFS(vfs, partials...); err != nil {
				return nil, fmt.Errorf("ui: parse partials: %w", err)
			}
		}
		for _, name := range names {
			view := strings.TrimSuffix(path.Base(name), ".html")
			if _, dup := r.views[view]; dup {
				return nil, fmt.Errorf("ui: view %q is defined twice", view)
			}
			t, err := template.Must(slice.Clone()).ParseFS(vfs, name)
			if err != nil {
				return nil, fmt.Errorf("ui: parse view %s: %w", name, err)
			}
			if t.Lookup("content") == nil {
				return nil, fmt.Errorf("ui: view %s defines no \"content\" template", name)
			}
			r.views[view] = t
		}
	}
	return r, nil
}

// Assets serves the static files under /static/.
func (r *Renderer) Assets() http.Handler { return r.assets }

// AssetPath returns the content-hash URL of a static file.
func (r *Renderer) AssetPath(name string) string { return r.assets.path(name) }

// Page is everything a view gets.
type Page struct {
	Title      string
	Bare       bool // no navigation (login, setup, invitation)
	User       *auth.User
	Access     *auth.Access
	Workspaces []auth.Membership
	Nav        []NavLink
	CSRF       string
	Nonce      string
	Flash      string
	Version    string
	Request    *http.Request

	// Form re-fills a form after a failed submission; Errors holds one
	// message per field and Error a message for the whole form.
	Form   url.Values
	Errors map[string]string
	Error  string

	Data any
}

// NavLink is a rendered navigation entry.
type NavLink struct {
	Label, Href, Group string
	Active             bool
}

// Can reports whether the current workspace access grants p.
func (p *Page) Can(perm auth.Permission) bool {
	return p.Access != nil && p.Access.Role.Can(perm)
}

// WorkspacePath returns a path inside the current workspace.
func (p *Page) WorkspacePath(rel string) string {
	if p.Access == nil {
		return rel
	}
	return "/w/" + p.Access.Workspace.ID + rel
}

// Value returns the submitted form value of a field.
func (p *Page) Value(field string) string { return p.Form.Get(field) }

// NewPage starts a page for the request: user, workspace, navigation,
// CSRF token, nonce and flash message are filled in.
func (r *Renderer) NewPage(w http.ResponseWriter, req *http.Request, title string) *Page {
	p := &Page{Title: title, Request: req, User: auth.UserFrom(req.Context()), Access: auth.AccessFrom(req.Context()),
		Nonce: httpx.Nonce(req.Context()), Version: r.opts.Version, Errors: map[string]string{}, Form: url.Values{}}
	if r.opts.CSRFToken != nil {
		p.CSRF = r.opts.CSRFToken(req)
	}
	p.Flash = takeFlash(w, req)
	if p.User != nil && r.opts.Workspaces != nil {
		ws, err := r.opts.Workspaces(req.Context(), p.User.ID)
		if err != nil {
			r.opts.Logger.Error("list workspaces for switcher", "error", err)
		}
		p.Workspaces = ws
	}
	if p.Access != nil {
		base := "/w/" + p.Access.Workspace.ID
		for _, n := range r.opts.Nav {
			if !p.Access.Role.Can(n.Perm) {
				continue
			}
			href := base + n.Path
			active := req.URL.Path == href || (n.Path != "" && strings.HasPrefix(req.URL.Path, href+"/"))
			p.Nav = append(p.Nav, NavLink{Label: n.Label, Href: href, Group: n.Group, Active: active})
		}
	}
	return p
}

// Render writes the view with status. A rendering failure is logged and
// answered with a plain 500: the view is rendered to a buffer first so a
// half page is never sent.
func (r *Renderer) Render(w http.ResponseWriter, status int, view string, p *Page) {
	t, ok := r.views[view]
	if !ok {
		r.opts.Logger.Error("render: unknown view", "view", view)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		r.opts.Logger.Error("render view", "view", view, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ErrorPage renders an error page with the status and a short message.
func (r *Renderer) ErrorPage(w http.ResponseWriter, req *http.Request, status int, message string) {
	p := r.NewPage(w, req, http.StatusText(status))
	p.Data = struct {
		Status  int
		Message string
	}{status, message}
	r.Render(w, status, "error", p)
}

// Deny answers a refused or failed page request with an error page
// (403, 404, or 5xx).
func (r *Renderer) Deny(w http.ResponseWriter, req *http.Request, status int) {
	msg := "The page you asked for does not exist, or you do not have access to it."
	switch {
	case status == http.StatusForbidden:
		msg = "Your role in this workspace does not allow this. Ask an owner or admin."
	case status >= 500:
		msg = "Something went wrong on our side. The error was logged."
	}
	r.ErrorPage(w, req, status, msg)
}

const flashCookie = "mops_flash"

// SetFlash stores a one-time message shown on the next page rendered.
func SetFlash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func takeFlash(w http.ResponseWriter, req *http.Request) string {
	c, err := req.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

// Redirect sends the browser to target after a form post, with a flash
// message when msg is not empty.
func Redirect(w http.ResponseWriter, req *http.Request, target, msg string) {
	if msg != "" {
		SetFlash(w, msg)
	}
	http.Redirect(w, req, target, http.StatusSeeOther)
}

func (r *Renderer) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": r.assets.path,
		"date": func(t time.Time) string {
			return t.UTC().Format("2 Jan 2006")
		},
		"datetime": func(t time.Time) string {
			return t.UTC().Format("2 Jan 2006 15:04 UTC")
		},
		"ago":   Ago,
		"lower": strings.ToLower,
		"join":  strings.Join,
		"num":   Number,
		"money": Money,
		"field": NewField,
	}
}

// Field is one labelled input of a form, for the common "input" template:
// {{template "input" (field . "email" "Email" "email")}}.
type Field struct {
	Name, Label, Type, Value, Error string
}

// NewField describes the form field name of page p.
func NewField(p *Page, name, label, typ string) Field {
	return Field{Name: name, Label: label, Type: typ, Value: p.Value(name), Error: p.Errors[name]}
}

// Number formats n with thousands separators: 1234567 → "1,234,567".
func Number(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Money formats an amount with two decimals, thousands separators and its
// currency: 12500.5, "EUR" → "12,500.50 EUR".
func Money(amount float64, currency string) string {
	cents := int64(math.Round(amount * 100))
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	s := sign + Number(int(cents/100)) + fmt.Sprintf(".%02d", cents%100)
	if currency != "" {
		s += " " + currency
	}
	return s
}

// Ago formats how long ago t was, relative to now ("3 minutes ago").
func Ago(t time.Time) string { return ago(t, time.Now()) }

func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return "on " + t.UTC().Format("2 Jan 2006")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// ParseForm reads a posted form of at most limit bytes.
func ParseForm(w http.ResponseWriter, req *http.Request, limit int64) error {
	req.Body = http.MaxBytesReader(w, req.Body, limit)
	return req.ParseForm()
}

// BadForm answers a form that could not be read: 413 when it was too
// large, 400 otherwise.
func (r *Renderer) BadForm(w http.ResponseWriter, req *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		r.ErrorPage(w, req, http.StatusRequestEntityTooLarge, fmt.Sprintf("The form is larger than the %d bytes allowed.", mbe.Limit))
		return
	}
	r.ErrorPage(w, req, http.StatusBadRequest, "The form could not be read.")
}

package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
	"github.com/mopshq/mops/internal/report/smtptest"
	"github.com/mopshq/mops/internal/sites"
)

// clock is a settable time for the service under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// digestEnv is a warehouse with real accounts and sites, an SMTP server
// and a digest service on them.
type digestEnv struct {
	d     *db.DB
	auth  *auth.Service
	sites *sites.Service
	ws    *auth.Workspace
	smtp  *smtptest.Server
	clock *clock
	ready bool
}

func newDigestEnv(t *testing.T, smtp smtptest.Options) *digestEnv {
	t.Helper()
	d := dbtest.Open(t)
	a, err := auth.NewService(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := sites.NewService(d, a)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := a.CreateWorkspace(context.Background(), auth.CLIActor(), "Acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &digestEnv{d: d, auth: a, sites: ss, ws: ws, smtp: smtptest.Start(t, smtp), clock: &clock{}, ready: true}
}

// service opens a digest service on the environment; a second call is a
// restarted mops.
func (e *digestEnv) service(t *testing.T) *Service {
	t.Helper()
	s, err := NewService(Options{DB: e.d, Sites: e.sites, Audit: e.auth, SMTPURL: e.smtp.URL(), From: "mops <reports@example.com>",
		BaseURL: "https://mops.example.com", Now: e.clock.now, Ready: func(context.Context) bool { return e.ready }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *digestEnv) site(t *testing.T, domain, tz string) *sites.Site {
	t.Helper()
	s, err := e.sites.Create(context.Background(), auth.CLIActor(), e.ws.ID, sites.Settings{Domain: domain, Timezone: tz})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// subscribe turns digests on at the given moment.
func (e *digestEnv) subscribe(t *testing.T, svc *Service, site *sites.Site, at time.Time, in SettingsInput) {
	t.Helper()
	e.clock.set(at)
	if _, err := svc.SaveSettings(context.Background(), auth.CLIActor(), e.ws.ID, site.ID, in); err != nil {
		t.Fatal(err)
	}
}

// runDue runs the scheduler at a moment and returns how many it sent.
func (e *digestEnv) runDue(t *testing.T, svc *Service, at time.Time) int {
	t.Helper()
	e.clock.set(at)
	n, err := svc.RunDue(context.Background(), at)
	if err != nil {
		t.Fatalf("RunDue at %v: %v", at, err)
	}
	return n
}

func utc(s string) time.Time {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLastDueAcrossTimeZones(t *testing.T) {
	zone := func(name string) *time.Location {
		l, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	for _, tc := range []struct {
		name, kind, tz, now, want string
	}{
		{"Berlin, Monday 06:59", Weekly, "Europe/Berlin", "2026-01-12 05:59:00", "2026-01-05 07:00 CET"},
		{"Berlin, Monday 07:00", Weekly, "Europe/Berlin", "2026-01-12 06:00:00", "2026-01-12 07:00 CET"},
		{"Berlin, Sunday night", Weekly, "Europe/Berlin", "2026-01-18 22:59:00", "2026-01-12 07:00 CET"},
		{"Auckland is already Monday 07:00", Weekly, "Pacific/Auckland", "2026-01-11 18:00:00", "2026-01-12 07:00 NZDT"},
		{"Los Angeles is still Sunday", Weekly, "America/Los_Angeles", "2026-01-11 18:00:00", "2026-01-05 07:00 PST"},
		{"Berlin after the clocks went forward", Weekly, "Europe/Berlin", "2026-03-30 05:00:00", "2026-03-30 07:00 CEST"},
		{"Berlin, 1 Feb 07:00", Monthly, "Europe/Berlin", "2026-02-01 06:00:00", "2026-02-01 07:00 CET"},
		{"Berlin, 1 Feb 06:59", Monthly, "Europe/Berlin", "2026-02-01 05:59:00", "2026-01-01 07:00 CET"},
		{"New York at midnight on 1 Mar", Monthly, "America/New_York", "2026-03-01 05:00:00", "2026-02-01 07:00 EST"},
		{"Tokyo on 1 Mar while UTC is 28 Feb", Monthly, "Asia/Tokyo", "2026-02-28 22:00:00", "2026-03-01 07:00 JST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lastDue(tc.kind, utc(tc.now), zone(tc.tz)).Format("2006-01-02 15:04 MST")
			if got != tc.want {
				t.Errorf("lastDue(%s, %s UTC, %s) = %s, want %s", tc.kind, tc.now, tc.tz, got, tc.want)
			}
		})
	}
}

func TestWeeklyDigestSentOnceAcrossRestarts(t *testing.T) {
	e := newDigestEnv(t, smtptest.Options{})
	svc := e.service(t)
	site := e.site(t, "acme.example", "Europe/Berlin")
	insertVisits(t, e.d, site.ID, fixture)
	// Turned on on Tuesday 6 Jan: the digest of Monday 5 Jan is not owed.
	e.subscribe(t, svc, site, utc("2026-01-06 10:00:00"), SettingsInput{Weekly: true, Recipients: "Ana@Example.com, ben@example.org"})

	if n := e.runDue(t, svc, utc("2026-01-12 05:59:00")); n != 0 || e.smtp.Pending() != 0 {
		t.Fatalf("06:59 on Monday in Berlin: %d sent, want none", n)
	}
	if n := e.runDue(t, svc, utc("2026-01-12 06:00:00")); n != 1 {
		t.Fatalf("07:00 on Monday in Berlin: %d sent, want 1", n)
	}
	got := e.smtp.Next(t, mailWait)
	if strings.Join(got.To, ",") != "ana@example.com,ben@example.org" {
		t.Errorf("recipients %v", got.To)
	}
	p, err := got.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Weekly digest · acme.example · 5–11 Jan 2026" {
		t.Errorf("subject %q", p.Subject)
	}
	// The numbers of TestBuildByHand: the digest reports 5–11 Jan.
	if !strings.Contains(p.Parts["text/plain"], "4 unique visitors, up 100% on the previous period.") ||
		!strings.Contains(p.Parts["text/html"], "<svg") || !strings.Contains(p.Parts["text/html"], "Weekly digest") {
		t.Errorf("the digest's parts lack the report:\n%s", p.Parts["text/plain"])
	}
	if !strings.Contains(p.Parts["text/html"], `href="https://mops.example.com/w/`+e.ws.ID+`/sites/`+site.ID+`/digest"`) {
		t.Error("the digest does not link to its settings")
	}

	if n := e.runDue(t, svc, utc("2026-01-12 06:10:00")); n != 0 {
		t.Errorf("second check on Monday: %d sent again", n)
	}
	restarted := e.service(t)
	if n := e.runDue(t, restarted, utc("2026-01-12 09:00:00")); n != 0 {
		t.Errorf("after a restart: %d sent again", n)
	}
	if e.smtp.Pending() != 0 {
		t.Fatalf("%d more messages arrived", e.smtp.Pending())
	}
	sends, err := restarted.Sends(context.Background(), e.ws.ID, site.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(sends) != 1 || sends[0].SentAt == nil || sends[0].PeriodStart.Format(time.DateOnly) != "2026-01-05" ||
		sends[0].PeriodEnd.Format(time.DateOnly) != "2026-01-11" || sends[0].Attempts != 1 {
		t.Errorf("send log %+v", sends)
	}

	// The next Monday sends the next week.
	if n := e.runDue(t, restarted, utc("2026-01-19 06:30:00")); n != 1 {
		t.Fatalf("next Monday: %d sent, want 1", n)
	}
	if p, _ := e.smtp.Next(t, mailWait).Parse(); p == nil || !strings.HasSuffix(p.Subject, "12–18 Jan 2026") {
		t.Errorf("next week's digest: %+v", p)
	}
}

func TestMissedMonthlyDigestCaughtUpOnce(t *testing.T) {
	e := newDigestEnv(t, smtptest.Options{})
	svc := e.service(t)
	site := e.site(t, "acme.example", "Europe/Berlin")
	insertVisits(t, e.d, site.ID, fixture)
	e.subscribe(t, svc, site, utc("2025-12-15 10:00:00"), SettingsInput{Monthly: true, Recipients: "ana@example.com"})

	// mops was down from 31 Jan to 4 Feb: January's digest goes out once
	// when it is back; December's (due 1 Jan, also missed) does not.
	if n := e.runDue(t, svc, utc("2026-02-04 10:00:00")); n != 1 {
		t.Fatalf("catch-up: %d sent, want 1", n)
	}
	p, err := e.smtp.Next(t, mailWait).Parse()
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Monthly digest · acme.example · January 2026" {
		t.Errorf("subject %q", p.Subject)
	}
	// January (Berlin) holds all eight visits: seven visitors, none in
	// December.
	if !strings.Contains(p.Parts["text/plain"], "7 unique visitors, and none in the previous period.") {
		t.Errorf("text part:\n%s", p.Parts["text/plain"])
	}
	for _, at := range []string{"2026-02-04 10:05:00", "2026-02-20 12:00:00"} {
		if n := e.runDue(t, e.service(t), utc(at)); n != 0 {
			t.Errorf("at %s: %d sent again", at, n)
		}
	}
	if e.smtp.Pending() != 0 {
		t.Errorf("%d more messages arrived", e.smtp.Pending())
	}
}

func TestDigestsFollowEachSitesTimeZone(t *testing.T) {
	e := newDigestEnv(t, smtptest.Options{})
	svc := e.service(t)
	nz := e.site(t, "kiwi.example", "Pacific/Auckland")
	la := e.site(t, "la.example", "America/Los_Angeles")
	e.subscribe(t, svc, nz, utc("2026-01-06 00:00:00"), SettingsInput{Weekly: true, Recipients: "nz@example.com"})
	e.subscribe(t, svc, la, utc("2026-01-06 00:00:00"), SettingsInput{Weekly: true, Recipients: "la@example.com"})

	// Sunday 18:00 UTC: Monday 07:00 in Auckland, Sunday 10:00 in LA.
	if n := e.runDue(t, svc, utc("2026-01-11 18:00:00")); n != 1 {
		t.Fatalf("%d sent, want Auckland's only", n)
	}
	if got := e.smtp.Next(t, mailWait); strings.Join(got.To, ",") != "nz@example.com" {
		t.Errorf("sent to %v, want nz@example.com", got.To)
	}
	// Monday 15:00 UTC: 07:00 in LA.
	if n := e.runDue(t, svc, utc("2026-01-12 15:00:00")); n != 1 {
		t.Fatalf("%d sent, want LA's only", n)
	}
	got := e.smtp.Next(t, mailWait)
	p, _ := got.Parse()
	if strings.Join(got.To, ",") != "la@example.com" || p == nil || p.Subject != "Weekly digest · la.example · 5–11 Jan 2026" {
		t.Errorf("sent to %v: %+v", got.To, p)
	}
	if e.smtp.Pending() != 0 {
		t.Errorf("%d more messages arrived", e.smtp.Pending())
	}
}

func TestFailedDigestIsRetriedThenGivenUp(t *testing.T) {
	e := newDigestEnv(t, smtptest.Options{RejectData: "554 5.7.1 message refused"})
	svc := e.service(t)
	site := e.site(t, "acme.example", "UTC")
	e.subscribe(t, svc, site, utc("2026-01-01 00:00:00"), SettingsInput{Weekly: true, Recipients: "ana@example.com"})
	ctx := context.Background()

	monday := utc("2026-01-12 07:00:00")
	if n, err := svc.RunDue(ctx, monday); n != 0 || err == nil || !strings.Contains(err.Error(), "554") {
		t.Fatalf("refused send: %d, %v", n, err)
	}
	sends, _ := svc.Sends(ctx, e.ws.ID, site.ID, 10)
	if len(sends) != 1 || sends[0].Attempts != 1 || sends[0].SentAt != nil || !strings.Contains(sends[0].LastError, "554") {
		t.Fatalf("send log after a refusal: %+v", sends)
	}
	// Too soon for a retry: no attempt at all.
	if _, err := svc.RunDue(ctx, monday.Add(10*time.Minute)); err != nil {
		t.Fatalf("a retry was attempted too soon: %v", err)
	}
	// Retries up to maxAttempts, then it gives up.
	at := monday
	for i := 2; i <= maxAttempts+2; i++ {
		at = at.Add(retryAfter)
		_, err := svc.RunDue(ctx, at)
		if (i <= maxAttempts) != (err != nil) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	sends, _ = svc.Sends(ctx, e.ws.ID, site.ID, 10)
	if sends[0].Attempts != maxAttempts {
		t.Errorf("attempts %d, want %d", sends[0].Attempts, maxAttempts)
	}

	// The next period meets a temporary failure, then a working server:
	// the retry goes out, once.
	flaky := smtptest.Start(t, smtptest.Options{RejectData: "451 4.3.0 try later"})
	svc.mailer, _ = NewSMTP(flaky.URL(), "reports@example.com")
	next := utc("2026-01-19 07:00:00")
	if _, err := svc.RunDue(ctx, next); err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("temporary failure: %v", err)
	}
	good := smtptest.Start(t, smtptest.Options{})
	svc.mailer, _ = NewSMTP(good.URL(), "reports@example.com")
	if n, err := svc.RunDue(ctx, next.Add(retryAfter)); n != 1 || err != nil {
		t.Fatalf("retry: %d, %v", n, err)
	}
	good.Next(t, mailWait)
	if n, _ := svc.RunDue(ctx, next.Add(3*retryAfter)); n != 0 {
		t.Errorf("sent again after success: %d", n)
	}
	sends, _ = svc.Sends(ctx, e.ws.ID, site.ID, 10)
	if len(sends) != 2 || sends[0].SentAt == nil || sends[0].Attempts != 2 || sends[0].LastError != "" {
		t.Errorf("send log: %+v", sends)
	}
}

func TestDigestsWaitForTheWarehouse(t *testing.T) {
	e := newDigestEnv(t, smtptest.Options{})
	svc := e.service(t)
	site := e.site(t, "acme.example", "UTC")
	e.subscribe(t, svc, site, utc("2026-01-01 00:00:00"), SettingsInput{Weekly: true, Recipients: "ana@example.com"})
	e.ready = false
	if n := e.runDue(t, svc, utc("2026-01-12 08:00:00")); n != 0 {
		t.Fatalf("%d sent while the warehouse was behind", n)
	}
	if sends, _ := svc.Sends(context.Background(), e.ws.ID, site.ID, 10); len(sends) != 0 {
		t.Fatalf("a send was logged while waiting: %+v", sends)
	}
	e.ready = true
	if n := e.runDue(t, svc, utc("2026-01-12 08:05:00")); n != 1 {
		t.Fatalf("%d sent once the warehouse caught up, want 1", n)
	}
	e.smtp.Next(t, mailWait)
}

func TestSaveSettings(t *testing.T) {
	e := newDigestEnv(t, smtptest.Options{})
	svc := e.service(t)
	site := e.site(t, "acme.example", "UTC")
	ctx := context.Background()
	actor := auth.Actor{Type: auth.ActorUser, ID: "user_1", Name: "olive@example.com"}

	for _, tc := range []struct {
		name string
		in   SettingsInput
		want string
	}{
		{"bad address", SettingsInput{Weekly: true, Recipients: "ana@example.com, not-an-email"}, `"not-an-email" is not a valid email address`},
		{"missing domain", SettingsInput{Weekly: true, Recipients: "ana@"}, `"ana@" is not a valid email address`},
		{"display name", SettingsInput{Weekly: true, Recipients: "Ana <ana@example.com>"}, "is not a valid email address"},
		{"no recipients", SettingsInput{Monthly: true, Recipients: " \n "}, "need at least one address"},
		{"too many", SettingsInput{Weekly: true, Recipients: strings.Repeat("a@example.com,", 1) + manyAddresses(maxRecipients)}, "at most 50"},
	} {
		_, err := svc.SaveSettings(ctx, actor, e.ws.ID, site.ID, tc.in)
		var ve *auth.ValidationError
		if !errors.As(err, &ve) || ve.Field != "recipients" || !strings.Contains(ve.Message, tc.want) {
			t.Errorf("%s: %v, want a recipients error with %q", tc.name, err, tc.want)
		}
	}

	e.clock.set(utc("2026-01-06 10:00:00"))
	set, err := svc.SaveSettings(ctx, actor, e.ws.ID, site.ID, SettingsInput{Weekly: true,
		Recipients: "Ana@Example.com\nben@example.org; ana@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(set.Recipients, ",") != "ana@example.com,ben@example.org" || !set.Weekly || set.Monthly ||
		set.WeeklySince == nil || !set.WeeklySince.Equal(utc("2026-01-06 10:00:00")) {
		t.Errorf("saved %+v", set)
	}
	// Staying on keeps the start; turning on the other kind starts it now.
	e.clock.set(utc("2026-01-20 10:00:00"))
	set, err = svc.SaveSettings(ctx, actor, e.ws.ID, site.ID, SettingsInput{Weekly: true, Monthly: true, Recipients: "ana@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if !set.WeeklySince.Equal(utc("2026-01-06 10:00:00")) || set.MonthlySince == nil || !set.MonthlySince.Equal(utc("2026-01-20 10:00:00")) {
		t.Errorf("since: weekly %v monthly %v", set.WeeklySince, set.MonthlySince)
	}
	got, err := svc.Settings(ctx, e.ws.ID, site.ID)
	if err != nil || !got.Weekly || !got.Monthly || strings.Join(got.Recipients, ",") != "ana@example.com" {
		t.Errorf("read back %+v, %v", got, err)
	}

	entries, err := e.auth.Audit(ctx, e.ws.ID, auth.AuditFilter{Action: "site.digest_update"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Actor.ID != "user_1" || entries[0].TargetID != site.ID ||
		!strings.Contains(string(entries[0].After), `"monthly":true`) || !strings.Contains(string(entries[0].Before), `"monthly":false`) {
		t.Errorf("audit %+v", entries)
	}

	other, err := e.auth.CreateWorkspace(ctx, auth.CLIActor(), "Other", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveSettings(ctx, actor, other.ID, site.ID, SettingsInput{}); !errors.Is(err, sites.ErrNotFound) {
		t.Errorf("another workspace's site: %v, want not found", err)
	}
	if _, err := svc.Settings(ctx, other.ID, site.ID); !errors.Is(err, sites.ErrNotFound) {
		t.Errorf("reading another workspace's site: %v, want not found", err)
	}
}

func manyAddresses(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "person%d@example.com,", i)
	}
	return b.String()
}

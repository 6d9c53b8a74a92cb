package report

import (
	"context"
	"net"
	"net/mail"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/report/smtptest"
)

const mailWait = 10 * time.Second

// testMessage has non-ASCII text, a line longer than SMTP allows and a
// line starting with a dot, which the encoding must all carry intact.
func testMessage() *Message {
	return &Message{
		To:      []string{"ana@example.com", "ben@example.org"},
		Subject: "Weekly digest · acme.example · 5–11 Jan 2026",
		Text:    "Unique visitors   1,234  ▲ 12%\n.leading dot\nDevices: Mobile 50% · Desktop 25%\n",
		HTML:    "<!doctype html><p>" + strings.Repeat("Visitors per day ", 40) + "</p>\n<p>Größe · ✓</p>\n",
	}
}

// normalize turns CRLF line ends into LF.
func normalize(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestSMTPDeliversMultipartAlternative(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: "digests", Password: "p4ss word"})
	m, err := NewSMTP(srv.URL(), "mops <reports@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage()
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := srv.Next(t, mailWait)
	if got.From != "reports@example.com" || !reflect.DeepEqual(got.To, msg.To) || got.AuthUser != "digests" {
		t.Errorf("envelope from %q to %q as %q, want reports@example.com to %q as digests", got.From, got.To, got.AuthUser, msg.To)
	}
	p, err := got.Parse()
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, got.Data)
	}
	if p.Subject != msg.Subject {
		t.Errorf("subject %q, want %q", p.Subject, msg.Subject)
	}
	if p.ContentType != "multipart/alternative" || !reflect.DeepEqual(p.PartOrder, []string{"text/plain", "text/html"}) {
		t.Errorf("content type %s with parts %v, want multipart/alternative with text/plain, then text/html", p.ContentType, p.PartOrder)
	}
	if normalize(p.Parts["text/plain"]) != msg.Text || normalize(p.Parts["text/html"]) != msg.HTML {
		t.Errorf("parts changed in transit:\ntext %q\nhtml %q", p.Parts["text/plain"], p.Parts["text/html"])
	}
	to, err := p.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Address != "ana@example.com" || to[1].Address != "ben@example.org" {
		t.Errorf("To header %q: %v", p.Header.Get("To"), err)
	}
	from, err := mail.ParseAddress(p.Header.Get("From"))
	if err != nil || from.Name != "mops" || from.Address != "reports@example.com" {
		t.Errorf("From header %q", p.Header.Get("From"))
	}
	if _, err := p.Header.Date(); err != nil {
		t.Errorf("Date header %q: %v", p.Header.Get("Date"), err)
	}
	if id := p.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID %q", id)
	}
	if p.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Error("no Auto-Submitted header")
	}
	for i, line := range strings.Split(normalize(string(got.Data)), "\n") { // the server reads CRLF as LF
		if len(line) > 998 {
			t.Errorf("line %d is %d bytes, over SMTP's 998", i+1, len(line))
		}
	}
}

func TestSMTPStartTLSAndImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := smtptest.SelfSigned(t)
	for _, implicit := range []bool{false, true} {
		srv := smtptest.Start(t, smtptest.Options{User: "u", Password: "secret", TLS: serverTLS, ImplicitTLS: implicit})
		m, err := NewSMTP(srv.URL(), "reports@example.com")
		if err != nil {
			t.Fatal(err)
		}
		m.tlsConfig = clientTLS
		if err := m.Send(context.Background(), testMessage()); err != nil {
			t.Fatalf("implicit TLS %v: %v", implicit, err)
		}
		if got := srv.Next(t, mailWait); !got.TLS || got.AuthUser != "u" {
			t.Errorf("implicit TLS %v: delivered over TLS %v as %q", implicit, got.TLS, got.AuthUser)
		}
	}
	// Without trusting the certificate, nothing is sent.
	srv := smtptest.Start(t, smtptest.Options{TLS: serverTLS})
	m, _ := NewSMTP(srv.URL(), "reports@example.com")
	if err := m.Send(context.Background(), testMessage()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("an untrusted certificate: %v, want a STARTTLS error", err)
	}
}

func TestSMTPFailures(t *testing.T) {
	ctx := context.Background()
	wrong := smtptest.Start(t, smtptest.Options{User: "u", Password: "right"})
	m, _ := NewSMTP("smtp://u:wrong-secret@"+wrong.Addr(), "reports@example.com")
	err := m.Send(ctx, testMessage())
	if err == nil || !strings.Contains(err.Error(), "535") || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("wrong password: %v, want the server's 535 and no password", err)
	}

	rejecting := smtptest.Start(t, smtptest.Options{RejectData: "554 5.7.1 spam"})
	m, _ = NewSMTP(rejecting.URL(), "reports@example.com")
	if err := m.Send(ctx, testMessage()); err == nil || !strings.Contains(err.Error(), "554") {
		t.Errorf("rejected message: %v, want the server's 554", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	m, _ = NewSMTP("smtp://"+closed, "reports@example.com")
	if err := m.Send(ctx, testMessage()); err == nil || !strings.Contains(err.Error(), "connect to "+closed) {
		t.Errorf("no server: %v", err)
	}
}

func TestNewSMTP(t *testing.T) {
	for _, tc := range []struct {
		url, from, addr, err string
	}{
		{"smtp://mail.example.com", "a@example.com", "mail.example.com:587", ""},
		{"smtps://mail.example.com", "a@example.com", "mail.example.com:465", ""},
		{"smtp://u:p@mail.example.com:2525", "mops <a@example.com>", "mail.example.com:2525", ""},
		{"http://mail.example.com", "a@example.com", "", "must look like smtp://"},
		{"smtp://", "a@example.com", "", "must look like smtp://"},
		{"smtp://mail.example.com/inbox", "a@example.com", "", "must look like smtp://"},
		{"smtp://user:s3cret@bad host:587", "a@example.com", "", "must look like smtp://"},
		{"smtp://mail.example.com", "", "", "MOPS_SMTP_FROM"},
		{"smtp://mail.example.com", "not an address", "", "is not an email address"},
	} {
		m, err := NewSMTP(tc.url, tc.from)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("NewSMTP(%q, %q): %v", tc.url, tc.from, err)
		case tc.err == "" && m.Address() != tc.addr:
			t.Errorf("NewSMTP(%q): address %s, want %s", tc.url, m.Address(), tc.addr)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("NewSMTP(%q, %q) = %v, want an error with %q", tc.url, tc.from, err, tc.err)
		case err != nil && strings.Contains(err.Error(), "s3cret"):
			t.Errorf("NewSMTP(%q): the error shows the password: %v", tc.url, err)
		}
	}
}

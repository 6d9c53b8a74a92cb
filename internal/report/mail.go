package report

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"
)

// Message is one email: a text and an HTML version of the same content.
type Message struct {
	To      []string
	Subject string
	Text    string
	HTML    string
}

// Mailer sends messages.
type Mailer interface {
	Send(ctx context.Context, m *Message) error
}

// SMTP sends mail through an SMTP server. It dials for every message:
// digests are few, and a long-lived connection would only time out.
type SMTP struct {
	host, port  string
	user, pass  string // no AUTH when user is ""
	implicitTLS bool   // smtps://: TLS from the first byte; else STARTTLS when offered
	from        *mail.Address
	// tlsConfig overrides the TLS settings (tests trust their own CA).
	tlsConfig *tls.Config
	timeout   time.Duration
}

// smtpTimeout bounds one message's conversation with the server.
const smtpTimeout = 2 * time.Minute

// NewSMTP reads an SMTP URL — smtp://user:password@host:587 (STARTTLS
// when the server offers it; port 587 when none is given) or
// smtps://user:password@host:465 (TLS from the start; port 465) — and the
// sender address. Credentials are optional; when given, they are only
// sent over TLS (or to a server on localhost). Error messages never
// repeat the password.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("the SMTP URL must look like smtp://user:password@host:587 or smtps://user:password@host:465")
	}
	s := &SMTP{host: u.Hostname(), port: u.Port(), implicitTLS: u.Scheme == "smtps", timeout: smtpTimeout}
	if s.port == "" {
		s.port = "587"
		if s.implicitTLS {
			s.port = "465"
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	if strings.TrimSpace(from) == "" {
		return nil, fmt.Errorf("a sender address is required with an SMTP server (MOPS_SMTP_FROM, e.g. mops@example.com)")
	}
	if s.from, err = mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("the sender address %q is not an email address like mops@example.com or \"mops <mops@example.com>\"", from)
	}
	return s, nil
}

// Address is the server's host:port, for messages.
func (s *SMTP) Address() string { return net.JoinHostPort(s.host, s.port) }

// Send delivers m: one SMTP transaction to all recipients.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	if len(m.To) == 0 {
		return errors.New("send mail: no recipients")
	}
	body, err := s.compose(m, time.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Address())
	if err != nil {
		return fmt.Errorf("send mail: connect to %s: %w", s.Address(), err)
	}
	// The SMTP client has no context: a deadline and closing on
	// cancellation stand in for it.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	tlsConfig := s.tlsConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	if s.implicitTLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("send mail: TLS with %s: %w", s.Address(), err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("send mail: %s: %w", s.Address(), err)
	}
	defer c.Close()
	if err := s.converse(c, tlsConfig, m.To, body); err != nil {
		return fmt.Errorf("send mail via %s: %w", s.Address(), err)
	}
	return nil
}

// converse runs one SMTP transaction on an open client.
func (s *SMTP) converse(c *smtp.Client, tlsConfig *tls.Config, to []string, body []byte) error {
	if err := c.Hello(helloName()); err != nil {
		return err
	}
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		}
	}
	if s.user != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server offers no authentication, but the SMTP URL has a user name")
		}
		// PlainAuth refuses to send the password without TLS, except to
		// localhost.
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("authentication: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("recipient %s: %w", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// helloName is the name mops greets the server with.
func helloName() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}

// compose writes m as a MIME multipart/alternative message: the text part
// first, then the HTML part (mail clients show the last one they can), both
// UTF-8 in quoted-printable.
func (s *SMTP) compose(m *Message, date time.Time) ([]byte, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	header := func(k, v string) {
		// Values come from validated addresses and report labels; line
		// breaks are removed all the same so none can start a header.
		v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	header("From", s.from.String())
	header("To", strings.Join(m.To, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", "<"+messageID()+"@"+domainOf(s.from.Address)+">")
	header("MIME-Version", "1.0")
	header("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("compose mail: %w", err)
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, fmt.Errorf("compose mail: %w", err)
		}
		if err := qp.Close(); err != nil {
			return nil, fmt.Errorf("compose mail: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("compose mail: %w", err)
	}
	return b.Bytes(), nil
}

func messageID() string {
	var r [16]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails on supported platforms.
	return hex.EncodeToString(r[:])
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "localhost"
}

// Package smtptest runs a small SMTP server in the test process: enough of
// RFC 5321 for a real client (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA,
// RSET, NOOP, QUIT) to deliver mail, which the test then reads back.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options shape a Server.
type Options struct {
	// User and Password, when set, are required: AUTH PLAIN is offered and
	// MAIL is refused before it.
	User, Password string
	// TLS, when set, makes the server offer STARTTLS with this config.
	TLS *tls.Config
	// ImplicitTLS speaks TLS from the first byte instead (smtps://), with
	// the TLS config.
	ImplicitTLS bool
	// RejectData, when set, is the reply to every message's content
	// (e.g. "554 5.7.1 rejected"), so nothing is delivered.
	RejectData string
}

// Mail is one delivered message, as the server saw it.
type Mail struct {
	From     string
	To       []string
	AuthUser string // who authenticated; "" without AUTH
	TLS      bool   // the message came over TLS
	Data     []byte // the message as sent, headers and body
}

// Server is a running SMTP server on 127.0.0.1.
type Server struct {
	opts Options
	ln   net.Listener
	mail chan *Mail
	wg   sync.WaitGroup
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.ImplicitTLS {
		ln = tls.NewListener(ln, opts.TLS)
	}
	s := &Server{opts: opts, ln: ln, mail: make(chan *Mail, 64)}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the smtp:// URL of the server, with the credentials it requires.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr()}
	if s.opts.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if s.opts.User != "" {
		u.User = url.UserPassword(s.opts.User, s.opts.Password)
	}
	return u.String()
}

// Next waits up to timeout for the next delivered message.
func (s *Server) Next(t testing.TB, timeout time.Duration) *Mail {
	t.Helper()
	select {
	case m := <-s.mail:
		return m
	case <-time.After(timeout):
		t.Fatalf("no mail arrived within %v", timeout)
		return nil
	}
}

// Pending is how many delivered messages were not read with Next yet.
func (s *Server) Pending() int { return len(s.mail) }

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(time.Minute))
			s.session(conn)
		}()
	}
}

// session speaks SMTP on one connection until QUIT or an error.
func (s *Server) session(conn net.Conn) {
	tp := textproto.NewConn(conn)
	reply := func(lines ...string) {
		for i, l := range lines {
			sep := " "
			if i < len(lines)-1 {
				sep = "-"
			}
			_ = tp.PrintfLine("%s%s%s", l[:3], sep, l[4:])
		}
	}
	reply("220 smtptest ESMTP ready")
	var (
		secure  = s.opts.ImplicitTLS
		user    string
		current *Mail
	)
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"250 smtptest"}
			if s.opts.TLS != nil && !secure {
				lines = append(lines, "250 STARTTLS")
			}
			if s.opts.User != "" {
				lines = append(lines, "250 AUTH PLAIN")
			}
			reply(append(lines, "250 8BITMIME")...)
		case "HELO", "NOOP":
			reply("250 OK")
		case "STARTTLS":
			if s.opts.TLS == nil || secure {
				reply("502 5.5.1 no STARTTLS here")
				continue
			}
			reply("220 2.0.0 go ahead")
			tc := tls.Server(conn, s.opts.TLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, secure = tc, true
			tp = textproto.NewConn(tc)
			user, current = "", nil
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") || initial == "" {
				reply("504 5.5.4 only AUTH PLAIN with an initial response")
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(initial)
			parts := strings.Split(string(raw), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != s.opts.User || parts[2] != s.opts.Password || s.opts.User == "" {
				reply("535 5.7.8 authentication failed")
				continue
			}
			user = parts[1]
			reply("235 2.7.0 authenticated")
		case "MAIL":
			if s.opts.User != "" && user == "" {
				reply("530 5.7.0 authentication required")
				continue
			}
			current = &Mail{From: address(arg, "FROM:"), AuthUser: user, TLS: secure}
			reply("250 2.1.0 OK")
		case "RCPT":
			if current == nil {
				reply("503 5.5.1 MAIL first")
				continue
			}
			current.To = append(current.To, address(arg, "TO:"))
			reply("250 2.1.5 OK")
		case "DATA":
			if current == nil || len(current.To) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			reply("354 end with <CRLF>.<CRLF>")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			if s.opts.RejectData != "" {
				reply(s.opts.RejectData)
				current = nil
				continue
			}
			current.Data = data
			s.mail <- current
			current = nil
			reply("250 2.0.0 queued")
		case "RSET":
			current = nil
			reply("250 2.0.0 OK")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 unknown command")
		}
	}
}

// address reads "FROM:<a@b> SIZE=…" as "a@b".
func address(arg, prefix string) string {
	arg = strings.TrimSpace(arg)
	if len(arg) >= len(prefix) && strings.EqualFold(arg[:len(prefix)], prefix) {
		arg = arg[len(prefix):]
	}
	arg, _, _ = strings.Cut(strings.TrimSpace(arg), " ")
	return strings.Trim(arg, "<>")
}

// Parsed is a delivered message read back: its headers (encoded words
// decoded) and the decoded body of each MIME part by content type.
type Parsed struct {
	Header      mail.Header
	Subject     string
	ContentType string // media type of the whole message
	Parts       map[string]string
	PartOrder   []string
}

// Parse reads m's data as a MIME message.
func (m *Mail) Parse() (*Parsed, error) {
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		return nil, err
	}
	p := &Parsed{Header: msg.Header, Parts: map[string]string{}}
	dec := new(mime.WordDecoder)
	if p.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	media, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("content type: %w", err)
	}
	p.ContentType = media
	if !strings.HasPrefix(media, "multipart/") {
		b, err := io.ReadAll(msg.Body)
		p.Parts[media] = string(b)
		return p, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return p, nil
		}
		if err != nil {
			return nil, err
		}
		// NextPart decodes quoted-printable bodies itself.
		b, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		typ, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		p.Parts[typ] = string(b)
		p.PartOrder = append(p.PartOrder, typ)
	}
}

// SelfSigned returns a server TLS config with a fresh certificate for
// 127.0.0.1 and a client config that trusts it.
func SelfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}

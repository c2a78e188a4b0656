package outbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"ticketgate/domain/mailauth"
)

// Default timeouts of the SMTP client: every step of a session is bounded,
// so a relay that hangs costs one attempt, never the worker.
const (
	DefaultStepTimeout = 30 * time.Second // connect, TLS, each command
	DefaultDataTimeout = 2 * time.Minute  // writing a message and its final reply
)

// SMTPConfig says how to reach the relay.
type SMTPConfig struct {
	// URL is SMTP_URL: smtp://[user:pass@]host[:587][?tls=none] (STARTTLS
	// required and verified, unless tls=none) or smtps://…[:465] (implicit
	// TLS).
	URL string
	// CAFile is TLS_CA_FILE: a PEM file of certificates trusted besides the
	// system roots.
	CAFile string
	// LocalName is the name given in EHLO; "" means localhost.
	LocalName   string
	StepTimeout time.Duration // 0: DefaultStepTimeout
	DataTimeout time.Duration // 0: DefaultDataTimeout
	// SASL, when set, authenticates with OAuth2 (XOAUTH2 or OAUTHBEARER,
	// a fresh token per session) instead of the URL's user and password.
	SASL mailauth.ClientFactory
}

// SMTP is a Transport over go-smtp.
type SMTP struct {
	addr     string
	host     string
	implicit bool // smtps://
	plain    bool // smtp://…?tls=none
	user     string
	pass     string
	auth     bool
	sasl     mailauth.ClientFactory
	tls      *tls.Config
	local    string
	step     time.Duration
	data     time.Duration
}

// NewSMTP checks cfg and loads the CA file. The password stays inside:
// String and errors show the URL without it.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, errors.New("SMTP_URL: not a URL")
	}
	s := &SMTP{host: u.Hostname(), local: cfg.LocalName, step: cfg.StepTimeout, data: cfg.DataTimeout, sasl: cfg.SASL}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
		switch tlsOpt := u.Query().Get("tls"); tlsOpt {
		case "":
		case "none":
			s.plain = true
		default:
			return nil, fmt.Errorf("SMTP_URL: tls=%s: the only option is tls=none", tlsOpt)
		}
	case "smtps":
		if port == "" {
			port = "465"
		}
		s.implicit = true
	default:
		return nil, fmt.Errorf("SMTP_URL: scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("SMTP_URL: no host")
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.auth = true
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	if s.local == "" {
		s.local = "localhost"
	}
	if s.step <= 0 {
		s.step = DefaultStepTimeout
	}
	if s.data <= 0 {
		s.data = DefaultDataTimeout
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("TLS_CA_FILE: %w", err)
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS_CA_FILE: %s holds no PEM certificate", cfg.CAFile)
		}
	}
	s.tls = &tls.Config{ServerName: s.host, RootCAs: roots, MinVersion: tls.VersionTLS12}
	return s, nil
}

// String names the relay for logs, without credentials.
func (s *SMTP) String() string {
	switch {
	case s.implicit:
		return "smtps://" + s.addr
	case s.plain:
		return "smtp://" + s.addr + "?tls=none"
	}
	return "smtp://" + s.addr
}

// Dial opens a session with the relay: connect, TLS (implicit or
// STARTTLS, verified), EHLO and AUTH, each step within the step timeout.
func (s *SMTP) Dial(ctx context.Context) (Conn, error) {
	d := &net.Dialer{Timeout: s.step}
	var conn net.Conn
	var err error
	if s.implicit {
		conn, err = (&tls.Dialer{NetDialer: d, Config: s.tls}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	// Bounds the greeting and the TLS handshake, which go-smtp leaves open.
	conn.SetDeadline(time.Now().Add(s.step))
	var c *smtp.Client
	if s.implicit || s.plain {
		c = smtp.NewClient(conn)
		if err := setClient(c, s).Hello(s.local); err != nil {
			c.Close()
			return nil, fmt.Errorf("EHLO at %s: %w", s, err)
		}
	} else {
		c, err = smtp.NewClientStartTLS(conn, s.tls)
		if err != nil {
			conn.Close()
			if strings.Contains(err.Error(), "support STARTTLS") {
				return nil, fmt.Errorf("%s offers no STARTTLS: refusing to send in plaintext (add ?tls=none to SMTP_URL to allow it): %w", s, errNoSTARTTLS)
			}
			return nil, fmt.Errorf("STARTTLS with %s: %w", s, err)
		}
		setClient(c, s)
		if err := c.Hello(s.local); err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS and EHLO at %s: %w", s, err)
		}
	}
	conn.SetDeadline(time.Time{})
	if s.sasl != nil {
		if err := s.oauth(ctx, c); err != nil {
			c.Close()
			return nil, err
		}
	} else if s.auth {
		var mech sasl.Client
		switch {
		case c.SupportsAuth("PLAIN"):
			mech = sasl.NewPlainClient("", s.user, s.pass)
		case c.SupportsAuth("LOGIN"):
			mech = sasl.NewLoginClient(s.user, s.pass)
		default:
			c.Close()
			return nil, fmt.Errorf("%s offers neither AUTH PLAIN nor AUTH LOGIN", s)
		}
		if err := c.Auth(mech); err != nil {
			c.Close()
			return nil, fmt.Errorf("AUTH as %s at %s: %w", s.user, s, err)
		}
	}
	return &smtpConn{c: c, raw: conn, relay: s}, nil
}

// oauth authenticates with a fresh OAuth2 token. A refused token is a
// temporary error (the next session gets a new token), not the 535 it
// came as: the mail waits; so does a grant that needs reauthorization.
func (s *SMTP) oauth(ctx context.Context, c *smtp.Client) error {
	mech, _, err := s.sasl(ctx, c.SupportsAuth)
	if err != nil {
		return fmt.Errorf("OAuth2 AUTH at %s: %w", s, err)
	}
	if err := c.Auth(mech); err != nil {
		return fmt.Errorf("OAuth2 AUTH at %s: %v", s, err)
	}
	return nil
}

// errNoSTARTTLS marks a relay that cannot encrypt; it is a configuration
// error, kept temporary so the mail waits for a fixed SMTP_URL.
var errNoSTARTTLS = errors.New("no STARTTLS")

func setClient(c *smtp.Client, s *SMTP) *smtp.Client {
	c.CommandTimeout = s.step
	c.SubmissionTimeout = s.data
	return c
}

// smtpConn is one session; it sends messages one after the other.
type smtpConn struct {
	c      *smtp.Client
	raw    net.Conn
	relay  *SMTP
	mu     sync.Mutex
	broken bool
}

// Send delivers raw from → to. After an SMTP reply error the session is
// reset and stays usable; after any other error it is broken.
func (sc *smtpConn) Send(ctx context.Context, from, to string, raw []byte) error {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.broken {
		return errors.New("SMTP session is closed")
	}
	stop := context.AfterFunc(ctx, func() { sc.raw.Close() })
	defer stop()
	err := sc.send(from, to, raw)
	if err == nil {
		return nil
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code != 421 && ctx.Err() == nil {
		if rerr := sc.c.Reset(); rerr == nil {
			return err
		}
	}
	sc.broken = true
	sc.c.Close()
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

func (sc *smtpConn) send(from, to string, raw []byte) error {
	if err := sc.c.Mail(from, nil); err != nil {
		return fmt.Errorf("MAIL FROM:<%s>: %w", from, err)
	}
	if err := sc.c.Rcpt(to, nil); err != nil {
		return fmt.Errorf("RCPT TO:<%s>: %w", to, err)
	}
	w, err := sc.c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	// go-smtp bounds commands and the final reply, not the writing.
	sc.raw.SetDeadline(time.Now().Add(sc.relay.data))
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("DATA: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	sc.raw.SetDeadline(time.Time{})
	return nil
}

// Usable reports whether the session can send another message.
func (sc *smtpConn) Usable() bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return !sc.broken
}

// Close ends the session politely (QUIT) when it still can.
func (sc *smtpConn) Close() error {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.broken {
		return nil
	}
	sc.broken = true
	sc.raw.SetDeadline(time.Now().Add(sc.relay.step))
	if err := sc.c.Quit(); err != nil {
		sc.c.Close()
		return fmt.Errorf("QUIT: %w", err)
	}
	return nil
}

// Permanent reports whether err means the mail can never be delivered as
// it is: an SMTP reply of class 5 (550 no such user, 552 too big, 554…).
// Everything else is temporary: 4xx replies, network errors, timeouts, TLS
// and configuration problems, and errors of unknown kind.
func Permanent(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500 && se.Code <= 599
}

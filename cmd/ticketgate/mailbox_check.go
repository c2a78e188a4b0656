package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/inbox"
	"ticketgate/outbox"
	"ticketgate/storage"
)

// This file tests a mailbox's connection: `ticketgate mailbox test` and
// the admin page's "Test connection" (mailboxTester.Test is its hook).
// Each step has its own deadline and says in words what worked and what
// failed (mailbox_words.go); no step changes the mailbox: the folder is
// opened read-only and nothing is sent.

// Steps of a mailbox test, as domain.MailboxCheck.Step.
const (
	stepToken = "OAuth2 token"
	stepIMAP  = "IMAP login"
	stepSMTP  = "SMTP login"
)

// defaultCheckTimeout bounds each step of a test.
const defaultCheckTimeout = 20 * time.Second

// mailboxTester tests the mailboxes of the table, and IMAP_URL's and
// SMTP_URL's mailbox (HELPDESK_ADDRESS) when the table has no row of that
// address.
type mailboxTester struct {
	st      *storage.Store
	c       *Config
	secrets mailboxSecrets
	// tls holds the trusted roots (system roots plus TLS_CA_FILE); nil when
	// TLS_CA_FILE cannot be read, which the IMAP step then reports.
	tls     *tls.Config
	tlsErr  error
	timeout time.Duration // each step's; 0: defaultCheckTimeout
}

// newMailboxTester returns the tester of serve or a command: secrets read
// through lookupEnv, delegated grants' tokens opened with SECRET_KEY.
func newMailboxTester(c *Config, lookupEnv func(string) (string, bool), st *storage.Store) (*mailboxTester, error) {
	t := &mailboxTester{st: st, c: c, secrets: mailboxSecrets{lookupEnv: lookupEnv, baseURL: c.BaseURL, microsoftLogin: c.MicrosoftLoginURL}}
	if c.SecretKey != "" {
		var err error
		if t.secrets.sealer, err = mailauth.NewSealer([]byte(c.SecretKey)); err != nil {
			return nil, fmt.Errorf("SECRET_KEY: %v", err)
		}
	}
	t.tls, t.tlsErr = mailTLS(c)
	return t, nil
}

// Test tests the mailbox of address: the hook of the admin page's "Test
// connection" (func(ctx, address) ([]domain.MailboxCheck, error)). An
// unknown address is domain.ErrNotFound; a failing step is a check with
// OK false, not an error.
func (t *mailboxTester) Test(ctx context.Context, address string) ([]domain.MailboxCheck, error) {
	addr, err := domain.NormalizeEmail(address)
	if err != nil {
		return nil, fmt.Errorf("test mailbox %q: %w", address, domain.ErrInvalid)
	}
	m, err := t.st.GetMailboxByAddress(ctx, addr)
	switch {
	case err == nil:
		return testMailbox(ctx, t.probeOf(m), t.timeout), nil
	case errors.Is(err, domain.ErrNotFound) && strings.EqualFold(addr, t.c.HelpdeskAddress) && (t.c.IMAPURL != "" || t.c.SMTPURL != ""):
		return testMailbox(ctx, t.envProbe(), t.timeout), nil
	}
	return nil, fmt.Errorf("test mailbox %s: %w", addr, err)
}

// mailboxProbe is what a test tries: the token source (OAuth2 only), the
// IMAP poller's settings and the SMTP relay's, each or the reason it
// could not be built (a secret missing). A nil config with a nil error
// means the mailbox has no such part.
type mailboxProbe struct {
	oauth    bool
	tokens   mailauth.TokenSource
	tokenErr error
	imap     *inbox.IMAPConfig
	imapErr  error
	smtp     *outbox.SMTPConfig
	smtpErr  error
	// smtpVia says whose SMTP settings the SMTP step uses.
	smtpVia string
}

// probeOf builds the probe of a mailbox of the table, with its stored
// settings and the secrets it names.
func (t *mailboxTester) probeOf(m *domain.Mailbox) mailboxProbe {
	p := mailboxProbe{oauth: m.Auth == domain.AuthOAuth2}
	var login mailauth.Login
	if p.oauth {
		// The login is built for the IMAP host when there is one, else
		// the SMTP host; host and port only go into OAUTHBEARER.
		host, port := serverOf(m.IMAPURL)
		if m.IMAPURL == "" {
			host, port = serverOf(m.SMTPURL)
		}
		login, p.tokenErr = t.secrets.login(m, loginUser(m, m.IMAPURL), host, port, t.st)
		if p.tokenErr == nil {
			p.tokens = login.Tokens
		}
	}
	if m.IMAPURL != "" {
		p.imap, p.imapErr = t.imapOf(m, login, p.tokenErr)
	}
	switch {
	case m.SMTPURL != "":
		p.smtpVia = "the mailbox's smtp_url"
		p.smtp, p.smtpErr = t.smtpOf(m, login, p.tokenErr)
	case t.c.SMTPURL != "":
		p.smtpVia = "SMTP_URL's relay"
		p.smtp = &outbox.SMTPConfig{URL: t.c.SMTPURL}
	default:
		p.smtpErr = errors.New("no smtp_url and no SMTP_URL: mail from this mailbox has no relay to go out through (it waits as held)")
	}
	t.complete(&p)
	return p
}

// envProbe is the probe of IMAP_URL's and SMTP_URL's mailbox.
func (t *mailboxTester) envProbe() mailboxProbe {
	var p mailboxProbe
	if t.c.IMAPURL != "" {
		p.imap = &inbox.IMAPConfig{URL: t.c.IMAPURL, Name: t.c.HelpdeskAddress}
	}
	if t.c.SMTPURL != "" {
		p.smtpVia = "SMTP_URL"
		p.smtp = &outbox.SMTPConfig{URL: t.c.SMTPURL}
	} else {
		p.smtpErr = errors.New("SMTP_URL is not set: outgoing mail has no relay (it waits as held)")
	}
	t.complete(&p)
	return p
}

// complete adds what every probe shares: trusted roots, EHLO name.
func (t *mailboxTester) complete(p *mailboxProbe) {
	if p.imap != nil {
		if t.tlsErr != nil {
			p.imap, p.imapErr = nil, t.tlsErr
		} else {
			p.imap.TLS = t.tls
		}
	}
	if p.smtp != nil {
		p.smtp.CAFile = t.c.TLSCAFile
		p.smtp.LocalName = domain.EmailDomain(t.c.HelpdeskAddress)
	}
}

// serverOf is the host and port of a mail server's URL (port 0 when the
// URL names none).
func serverOf(raw string) (string, int) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0
	}
	port, _ := strconv.Atoi(u.Port())
	return u.Hostname(), port
}

// loginUser is who logs in at raw's server: the URL's user, else the
// mailbox's address (as the poller does).
func loginUser(m *domain.Mailbox, raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil && u.User.Username() != "" {
		return u.User.Username()
	}
	return m.Address
}

func (t *mailboxTester) imapOf(m *domain.Mailbox, login mailauth.Login, loginErr error) (*inbox.IMAPConfig, error) {
	u, err := url.Parse(m.IMAPURL)
	if err != nil {
		return nil, errors.New("imap_url: not a URL")
	}
	user := loginUser(m, m.IMAPURL)
	cfg := &inbox.IMAPConfig{Name: m.Address}
	if m.Auth == domain.AuthOAuth2 {
		if loginErr != nil {
			return nil, errors.New("not tried: no OAuth2 login (see the OAuth2 token step)")
		}
		u.User = url.User(user)
		cfg.SASL = login.Factory()
	} else {
		pw, err := t.secrets.read(m.IMAPPassword, "imap_password")
		if err != nil {
			return nil, err
		}
		u.User = url.UserPassword(user, pw)
	}
	cfg.URL = u.String()
	return cfg, nil
}

func (t *mailboxTester) smtpOf(m *domain.Mailbox, login mailauth.Login, loginErr error) (*outbox.SMTPConfig, error) {
	u, err := url.Parse(m.SMTPURL)
	if err != nil {
		return nil, errors.New("smtp_url: not a URL")
	}
	user := loginUser(m, m.SMTPURL)
	cfg := &outbox.SMTPConfig{}
	if m.Auth == domain.AuthOAuth2 {
		if loginErr != nil {
			return nil, errors.New("not tried: no OAuth2 login (see the OAuth2 token step)")
		}
		u.User = url.User(user)
		login.User = user
		login.Host, login.Port = serverOf(m.SMTPURL)
		cfg.SASL = login.Factory()
	} else {
		pw, err := t.secrets.read(m.SMTPPassword, "smtp_password")
		switch {
		case err != nil:
			return nil, err
		case pw != "":
			u.User = url.UserPassword(user, pw)
		case u.User != nil:
			// A user without a password would make the relay ask for one.
			u.User = nil
		}
	}
	cfg.URL = u.String()
	return cfg, nil
}

// testMailbox runs p's steps, each within timeout (0:
// defaultCheckTimeout): the OAuth2 token, the IMAP login and folder, the
// SMTP login; a part the mailbox does not have is left out. The checks
// say what worked and what failed; none holds a secret.
func testMailbox(ctx context.Context, p mailboxProbe, timeout time.Duration) []domain.MailboxCheck {
	if timeout <= 0 {
		timeout = defaultCheckTimeout
	}
	var out []domain.MailboxCheck
	fail := func(step string, err error) {
		out = append(out, domain.MailboxCheck{Step: step, Detail: mailboxWords(err, p.oauth)})
	}
	step := func(f func(ctx context.Context) error) error {
		sctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return f(sctx)
	}
	// A login that needs the token is not tried without one.
	var noToken error
	if p.oauth {
		var tok mailauth.Token
		err := p.tokenErr
		if err == nil {
			err = step(func(ctx context.Context) (err error) {
				tok, err = p.tokens.Token(ctx)
				return err
			})
		}
		if err != nil {
			fail(stepToken, err)
			noToken = errors.New("not tried: no OAuth2 token (see the OAuth2 token step)")
		} else {
			detail := "the provider gave an access token"
			if !tok.Expiry.IsZero() {
				detail += ", valid until " + tok.Expiry.UTC().Format("2006-01-02 15:04 UTC")
			}
			out = append(out, domain.MailboxCheck{Step: stepToken, OK: true, Detail: detail})
		}
	}
	if p.imap != nil || p.imapErr != nil {
		var info string
		err := p.imapErr
		if err == nil && p.imap.SASL != nil {
			err = noToken
		}
		if err == nil {
			err = step(func(ctx context.Context) (err error) {
				info, err = inbox.CheckIMAP(ctx, *p.imap)
				return err
			})
		}
		if err != nil {
			fail(stepIMAP, err)
		} else {
			out = append(out, domain.MailboxCheck{Step: stepIMAP, OK: true,
				Detail: fmt.Sprintf("logged in at %s and opened the folder %s (read-only: nothing changed)", redactedURL(p.imap.URL), info)})
		}
	}
	var relay string
	err := p.smtpErr
	if err == nil && p.smtp.SASL != nil {
		err = noToken
	}
	if err == nil {
		err = step(func(ctx context.Context) error {
			cfg := *p.smtp
			cfg.StepTimeout = timeout
			s, err := outbox.NewSMTP(cfg)
			if err != nil {
				return err
			}
			relay = s.String()
			conn, err := s.Dial(ctx)
			if err != nil {
				return err
			}
			return conn.Close() // QUIT: nothing is sent
		})
	}
	if err != nil {
		fail(stepSMTP, err)
	} else {
		out = append(out, domain.MailboxCheck{Step: stepSMTP, OK: true,
			Detail: fmt.Sprintf("%s at %s (%s) worked; nothing was sent", smtpSteps(*p.smtp), relay, p.smtpVia)})
	}
	return out
}

// redactedURL is a mail server's URL without its password.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the server"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// smtpSteps says what an SMTP session of cfg goes through: "EHLO,
// STARTTLS, AUTH".
func smtpSteps(cfg outbox.SMTPConfig) string {
	steps := []string{"EHLO"}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return steps[0]
	}
	switch {
	case u.Scheme == "smtps":
		steps = []string{"TLS", "EHLO"}
	case u.Query().Get("tls") != "none":
		steps = append(steps, "STARTTLS")
	}
	switch {
	case cfg.SASL != nil:
		steps = append(steps, "AUTH (OAuth2)")
	case u.User != nil:
		steps = append(steps, "AUTH")
	default:
		steps = append(steps, "no AUTH (the relay takes mail without a login)")
	}
	return strings.Join(steps, ", ")
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"ticketgate/adminui"
	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/inbox"
	"ticketgate/storage"
)

// This file turns the rows of the mailboxes table into IMAP pollers for
// serve: the URL of the row with the password read from where the row says
// it is, or the OAuth2 login of its provider and grant. Secrets are read
// when a poller starts (mailin_reload.go).

// mailboxSecrets reads the secrets a mailbox names.
type mailboxSecrets struct {
	lookupEnv func(string) (string, bool)
	// sealer seals delegated grants' tokens; nil without SECRET_KEY.
	sealer  *mailauth.Sealer
	baseURL string
	// microsoftLogin is MICROSOFT_LOGIN_URL ("": the global endpoint).
	microsoftLogin string
}

// read returns the secret ref names; what names it in errors
// ("imap_password"). The error never holds the secret.
func (s mailboxSecrets) read(ref domain.SecretRef, what string) (string, error) {
	switch {
	case ref.Env != "":
		v, ok := s.lookupEnv(ref.Env)
		if !ok || v == "" {
			return "", fmt.Errorf("%s: the environment variable %s is not set", what, ref.Env)
		}
		return v, nil
	case ref.File != "":
		v, err := readSecretFile(ref.File)
		if err != nil {
			return "", fmt.Errorf("%s: %v", what, err)
		}
		if v == "" {
			return "", fmt.Errorf("%s: the file %s is empty", what, ref.File)
		}
		return v, nil
	}
	return "", nil
}

// imapConfig completes base (the settings every poller shares) with m's
// URL and login.
func (s mailboxSecrets) imapConfig(m *domain.Mailbox, st *storage.Store, base inbox.IMAPConfig) (inbox.IMAPConfig, error) {
	cfg := base
	cfg.Name = m.Address
	u, err := url.Parse(m.IMAPURL)
	if err != nil {
		return cfg, errors.New("imap_url: not a URL")
	}
	user := loginUser(m, m.IMAPURL)
	switch m.Auth {
	case domain.AuthOAuth2:
		u.User = url.User(user)
		port, _ := strconv.Atoi(u.Port())
		login, err := s.login(m, user, u.Hostname(), port, st)
		if err != nil {
			return cfg, err
		}
		cfg.SASL = login.Factory()
	default:
		pw, err := s.read(m.IMAPPassword, "imap_password")
		if err != nil {
			return cfg, err
		}
		u.User = url.UserPassword(user, pw)
	}
	cfg.URL = u.String()
	return cfg, nil
}

// callbackPath is where a provider sends the admin back after "Connect".
const callbackPath = adminui.MailboxCallbackPath

// login is m's OAuth2 login: the token source of its provider and grant
// (a delegated grant's tokens kept sealed in its row) and its mechanism.
func (s mailboxSecrets) login(m *domain.Mailbox, user, host string, port int, st *storage.Store) (mailauth.Login, error) {
	mech, err := mailauth.ParseMechanism(m.OAuth2.Mechanism)
	if err != nil {
		return mailauth.Login{}, fmt.Errorf("oauth2: %w", err)
	}
	var opt mailauth.SourceOptions
	src, delegated, err := s.grant(m, opt)
	if err != nil {
		return mailauth.Login{}, err
	}
	if delegated != nil {
		if s.sealer == nil {
			return mailauth.Login{}, errNoSecretKey
		}
		src = connectFirst{delegated.Source(st.MailboxTokens(m, s.sealer), opt)}
	}
	return mailauth.Login{User: user, Tokens: src, Mechanism: mech, Host: host, Port: port}, nil
}

// errNoSecretKey: a delegated grant cannot be kept without SECRET_KEY.
var errNoSecretKey = errors.New("SECRET_KEY is not set: a delegated OAuth2 grant's tokens are kept sealed with it; set SECRET_KEY")

// grant builds m's OAuth2 provider with its secrets read: the token
// source of an app-only grant, or the authorization-code flow of a
// delegated one (with m's scopes, when given; its redirect URI is
// BASE_URL + callbackPath). Shared by the pollers and by Connect
// (mailbox_connect.go).
func (s mailboxSecrets) grant(m *domain.Mailbox, opt mailauth.SourceOptions) (mailauth.TokenSource, *mailauth.Delegated, error) {
	o := m.OAuth2
	secret, err := s.read(o.ClientSecret, "client_secret")
	if err != nil {
		return nil, nil, err
	}
	readFile := func(path, what string) ([]byte, error) {
		if path == "" {
			return nil, nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", what, err)
		}
		return b, nil
	}
	redirect := strings.TrimSuffix(s.baseURL, "/") + callbackPath
	var src mailauth.TokenSource
	var delegated *mailauth.Delegated
	appOnly := o.Grant == domain.GrantAppOnly
	switch o.Provider {
	case domain.ProviderGeneric:
		g := mailauth.Generic{AuthURL: o.AuthURL, TokenURL: o.TokenURL, ClientID: o.ClientID, ClientSecret: secret, Scopes: o.Scopes}
		if appOnly {
			src = g.ClientCredentials(opt)
		} else {
			delegated = g.Delegated(redirect)
		}
	case domain.ProviderMicrosoft365:
		pem, err := readFile(o.CertificateFile, "certificate_file")
		if err != nil {
			return nil, nil, err
		}
		ms := mailauth.Microsoft365{Tenant: o.Tenant, ClientID: o.ClientID, ClientSecret: secret, CertificatePEM: pem, LoginURL: s.microsoftLogin}
		switch {
		case !appOnly:
			delegated = ms.Delegated(redirect)
		case len(o.Scopes) > 0: // the preset's endpoints with the scopes given
			g := ms.Generic()
			g.Scopes = o.Scopes
			if pem != nil {
				g.ClientSecret = ""
				src, err = g.ClientCertificate(pem, opt)
			} else {
				src = g.ClientCredentials(opt)
			}
		default:
			src, err = ms.AppOnly(opt)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("certificate_file: %w", err)
		}
	case domain.ProviderGoogle:
		if appOnly {
			key, err := readFile(o.ServiceAccountFile, "service_account_file")
			if err != nil {
				return nil, nil, err
			}
			if src, err = (mailauth.Google{ServiceAccountJSON: key}).ServiceAccount(m.Address, opt); err != nil {
				return nil, nil, fmt.Errorf("service_account_file: %w", err)
			}
		} else {
			delegated = mailauth.Google{ClientID: o.ClientID, ClientSecret: secret}.Delegated(redirect)
		}
	default:
		return nil, nil, fmt.Errorf("oauth2: provider %q: want generic, microsoft365 or google", o.Provider)
	}
	if delegated != nil && len(o.Scopes) > 0 {
		delegated.Config.Scopes = o.Scopes
	}
	return src, delegated, nil
}

// connectFirst makes "never connected" a reason to wait for an admin, as
// a refused grant is: the poller then tries only once a minute, and the
// mailbox's state says needs_reauthorization.
type connectFirst struct{ mailauth.TokenSource }

func (c connectFirst) Token(ctx context.Context) (mailauth.Token, error) {
	t, err := c.TokenSource.Token(ctx)
	if errors.Is(err, mailauth.ErrNoToken) {
		err = notConnected{err}
	}
	return t, err
}

// notConnected is ErrNoToken that also matches ErrNeedsReauthorization.
type notConnected struct{ err error }

func (e notConnected) Error() string        { return e.err.Error() }
func (e notConnected) Unwrap() error        { return e.err }
func (e notConnected) Is(target error) bool { return target == mailauth.ErrNeedsReauthorization }

// mailboxStatus is the mailbox state of a poller's report (nil: ok).
func mailboxStatus(err error) (domain.MailboxStatus, string) {
	switch {
	case err == nil:
		return domain.MailboxOK, ""
	case errors.Is(err, mailauth.ErrNeedsReauthorization):
		return domain.MailboxNeedsReauthorization, err.Error()
	}
	return domain.MailboxError, err.Error()
}

// stateWriter returns the inbox.IMAPConfig.Report of mailbox id: it writes
// each change of state to the row (a repeat is not written again). Called
// from one poller's goroutine only.
func stateWriter(st domain.MailboxStore, id int64, address string, log *slog.Logger) func(error) {
	var last domain.MailboxStatus
	var lastMsg string
	return func(err error) {
		status, msg := mailboxStatus(err)
		if status == last && msg == lastMsg {
			return
		}
		if writeMailboxState(st, id, status, msg) != nil {
			log.Warn("mailbox state not saved", slog.String("mailbox", address), slog.String("state", string(status)))
			return
		}
		last, lastMsg = status, msg
	}
}

// writeMailboxState saves a mailbox's state, on its own deadline (serve's
// context may be over).
func writeMailboxState(st domain.MailboxStore, id int64, status domain.MailboxStatus, msg string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return st.SetMailboxState(ctx, id, status, msg, time.Now().UTC())
}

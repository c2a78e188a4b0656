package domain

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Mailbox is one address the helpdesk reads and sends through (issue 14):
// help@, hr@, facilities@ each with their own IMAP and SMTP settings and
// login. It holds settings and references to secrets, never a secret: a
// password or client secret is named by the environment variable or the
// file that holds it, and an OAuth2 refresh token lives sealed beside the
// row (the storage's token store), never in this struct.
type Mailbox struct {
	ID      int64
	Address string // normalized (lower case)
	Name    string // display name of the From header; "" uses the address alone
	// IMAPURL is where mail to the mailbox is read:
	// imaps://user@host[:993]/INBOX or imap://…[?tls=none]; without a
	// password. "" when the mailbox's mail arrives through the built-in
	// SMTP/LMTP receiver only.
	IMAPURL string
	// SMTPURL is the relay its mail goes out through:
	// smtp://user@host[:587][?tls=none] or smtps://…[:465]; without a
	// password. "" sends through SMTP_URL's relay.
	SMTPURL string
	Auth    MailboxAuth
	// IMAPPassword and SMTPPassword say where the passwords are (Auth
	// password only).
	IMAPPassword SecretRef
	SMTPPassword SecretRef
	OAuth2       MailboxOAuth2 // Auth oauth2 only
	// DefaultCategoryID, when set, sends mail to this address to that
	// category without classification.
	DefaultCategoryID *int64
	Enabled           bool

	// The poller's view of the mailbox, written by SetMailboxState.
	State     MailboxStatus
	LastError string    // "" when State is ok
	StateAt   time.Time // when State last changed; zero before the first poll

	CreatedAt time.Time
	UpdatedAt time.Time
}

// MailboxAuth is how a mailbox logs in to its IMAP and SMTP servers.
type MailboxAuth string

// Mailbox logins.
const (
	AuthPassword MailboxAuth = "password" // user and password (SASL PLAIN or LOGIN)
	AuthOAuth2   MailboxAuth = "oauth2"   // a bearer token (SASL XOAUTH2 or OAUTHBEARER)
)

// MailboxStatus is the poller's view of a mailbox, its Mailbox.State
// (MailboxState is the IMAP bookkeeping of the inbox).
type MailboxStatus string

// Mailbox states.
const (
	// MailboxNew: not polled yet.
	MailboxNew MailboxStatus = "new"
	// MailboxOK: the last login and poll worked.
	MailboxOK MailboxStatus = "ok"
	// MailboxNeedsReauthorization: the OAuth2 provider refused the grant
	// for good; polling waits until an admin connects the mailbox again.
	MailboxNeedsReauthorization MailboxStatus = "needs_reauthorization"
	// MailboxError: the last attempt failed (network, login, TLS); the
	// poller retries with backoff.
	MailboxError MailboxStatus = "error"
)

// ParseMailboxStatus reads a state name.
func ParseMailboxStatus(s string) (MailboxStatus, error) {
	switch st := MailboxStatus(s); st {
	case MailboxNew, MailboxOK, MailboxNeedsReauthorization, MailboxError:
		return st, nil
	}
	return "", fmt.Errorf("%w: mailbox state %q: want new, ok, needs_reauthorization or error", ErrInvalid, s)
}

// SecretRef names where a secret is: an environment variable or a file.
// At most one is set; the zero value means no secret.
type SecretRef struct {
	Env  string // an environment variable's name
	File string // a file's path; its content, less a final newline, is the secret
}

// IsZero reports whether r names nothing.
func (r SecretRef) IsZero() bool { return r.Env == "" && r.File == "" }

// String says where the secret is, never what it is.
func (r SecretRef) String() string {
	switch {
	case r.Env != "":
		return "env " + r.Env
	case r.File != "":
		return "file " + r.File
	}
	return "none"
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// check validates r; what names the secret in errors ("client_secret").
func (r *SecretRef) check(what string) error {
	r.Env, r.File = strings.TrimSpace(r.Env), strings.TrimSpace(r.File)
	switch {
	case r.Env != "" && r.File != "":
		return fmt.Errorf("%w: %s: give %s_env or %s_file, not both", ErrInvalid, what, what, what)
	case r.Env != "" && !envName.MatchString(r.Env):
		return fmt.Errorf("%w: %s_env: %q is not an environment variable's name (letters, digits and _)", ErrInvalid, what, r.Env)
	case strings.ContainsAny(r.File, "\r\n\x00"):
		return fmt.Errorf("%w: %s_file: not a file path", ErrInvalid, what)
	}
	return nil
}

// OAuth2Provider names the kind of OAuth2 server a mailbox logs in with.
type OAuth2Provider string

// OAuth2 providers (domain/mailauth has their endpoints and grants).
const (
	ProviderGeneric      OAuth2Provider = "generic"      // any server: token and authorization URLs given
	ProviderMicrosoft365 OAuth2Provider = "microsoft365" // Exchange Online; endpoints from the tenant
	ProviderGoogle       OAuth2Provider = "google"       // Google Workspace
)

// OAuth2Grant is how the mailbox gets its tokens.
type OAuth2Grant string

// OAuth2 grants.
const (
	// GrantAppOnly: the app's own credentials (client credentials with a
	// secret or certificate; Google: a service account with domain-wide
	// delegation). Nothing to connect, no refresh token to keep.
	GrantAppOnly OAuth2Grant = "app_only"
	// GrantDelegated: an admin signs in once ("Connect", authorization code
	// with PKCE); the refresh token is kept sealed and shared by every
	// instance.
	GrantDelegated OAuth2Grant = "delegated"
)

// MailboxOAuth2 is a mailbox's OAuth2 settings.
type MailboxOAuth2 struct {
	Provider OAuth2Provider
	Grant    OAuth2Grant
	Tenant   string // Microsoft 365: the directory (tenant) id or domain
	ClientID string
	// AuthURL and TokenURL are the generic provider's endpoints (the
	// others know theirs).
	AuthURL  string
	TokenURL string
	// Scopes override the provider's defaults (generic: required for most
	// servers).
	Scopes []string
	// Mechanism pins the SASL mechanism: "XOAUTH2" or "OAUTHBEARER"; ""
	// takes OAUTHBEARER when offered, else XOAUTH2.
	Mechanism    string
	ClientSecret SecretRef
	// CertificateFile is a PEM file with the certificate uploaded to a
	// Microsoft 365 app registration and its private key, in place of a
	// client secret.
	CertificateFile string
	// ServiceAccountFile is a Google service account's JSON key file
	// (app-only access with domain-wide delegation).
	ServiceAccountFile string
}

// IsZero reports whether o holds no setting at all.
func (o MailboxOAuth2) IsZero() bool {
	return o.Provider == "" && o.Grant == "" && o.Tenant == "" && o.ClientID == "" && o.AuthURL == "" &&
		o.TokenURL == "" && len(o.Scopes) == 0 && o.Mechanism == "" && o.ClientSecret.IsZero() &&
		o.CertificateFile == "" && o.ServiceAccountFile == ""
}

// Normalize checks m's settings and puts them in their canonical form
// (lower-case address, trimmed names, upper-case mechanism, password auth
// when none is named, state new when none is set). Errors match ErrInvalid
// and name the setting as the setup file spells it.
func (m *Mailbox) Normalize() error {
	addr, err := NormalizeEmail(m.Address)
	if err != nil {
		return within("address", err)
	}
	m.Address = addr
	m.Name = strings.Join(strings.Fields(m.Name), " ")
	m.IMAPURL, m.SMTPURL = strings.TrimSpace(m.IMAPURL), strings.TrimSpace(m.SMTPURL)
	if err := checkServerURL("imap_url", m.IMAPURL, "imap", "imaps"); err != nil {
		return err
	}
	if err := checkServerURL("smtp_url", m.SMTPURL, "smtp", "smtps"); err != nil {
		return err
	}
	if m.State == "" {
		m.State = MailboxNew
	}
	if _, err := ParseMailboxStatus(string(m.State)); err != nil {
		return err
	}
	switch m.Auth {
	case "", AuthPassword:
		m.Auth = AuthPassword
		if !m.OAuth2.IsZero() {
			return fmt.Errorf("%w: oauth2: settings given but auth is password (set auth to oauth2, or remove them)", ErrInvalid)
		}
		if err := m.IMAPPassword.check("imap_password"); err != nil {
			return err
		}
		if err := m.SMTPPassword.check("smtp_password"); err != nil {
			return err
		}
		if m.IMAPURL != "" && m.IMAPPassword.IsZero() {
			return fmt.Errorf("%w: imap_password: the IMAP login needs a password: give imap_password_env or imap_password_file", ErrInvalid)
		}
		return nil
	case AuthOAuth2:
		if !m.IMAPPassword.IsZero() || !m.SMTPPassword.IsZero() {
			return fmt.Errorf("%w: imap_password/smtp_password: not used with auth oauth2 (remove them)", ErrInvalid)
		}
		if err := m.OAuth2.normalize(); err != nil {
			return within("oauth2", err)
		}
		return nil
	}
	return fmt.Errorf("%w: auth %q: want password or oauth2", ErrInvalid, m.Auth)
}

// within puts the setting's name in front of an ErrInvalid error's
// message ("invalid: oauth2: grant: missing").
func within(key string, err error) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, key, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
}

// checkServerURL validates an IMAP or SMTP URL: a known scheme, a host,
// no password (secrets go by reference), tls=none as the only option.
func checkServerURL(key, v, plain, implicitTLS string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("%w: %s: not a URL", ErrInvalid, key)
	}
	if u.Scheme != plain && u.Scheme != implicitTLS {
		return fmt.Errorf("%w: %s: scheme %q: want %s:// or %s://", ErrInvalid, key, u.Scheme, plain, implicitTLS)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: %s: no host", ErrInvalid, key)
	}
	if _, has := u.User.Password(); has {
		// Not quoted back: the value holds a secret.
		return fmt.Errorf("%w: %s: holds a password; name it with %s_password_env or %s_password_file instead", ErrInvalid, key, plain, plain)
	}
	if tls := u.Query().Get("tls"); tls != "" && tls != "none" {
		return fmt.Errorf("%w: %s: tls=%s: the only option is tls=none (plaintext)", ErrInvalid, key, tls)
	}
	return nil
}

func checkEndpoint(key, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: %s: %q is not an http(s) URL", ErrInvalid, key, v)
	}
	return nil
}

func (o *MailboxOAuth2) normalize() error {
	o.Tenant, o.ClientID = strings.TrimSpace(o.Tenant), strings.TrimSpace(o.ClientID)
	o.AuthURL, o.TokenURL = strings.TrimSpace(o.AuthURL), strings.TrimSpace(o.TokenURL)
	o.CertificateFile, o.ServiceAccountFile = strings.TrimSpace(o.CertificateFile), strings.TrimSpace(o.ServiceAccountFile)
	var scopes []string
	for _, s := range o.Scopes {
		if s = strings.TrimSpace(s); s != "" {
			scopes = append(scopes, s)
		}
	}
	o.Scopes = scopes
	switch m := strings.ToUpper(strings.TrimSpace(o.Mechanism)); m {
	case "", "AUTO":
		o.Mechanism = ""
	case "XOAUTH2", "OAUTHBEARER":
		o.Mechanism = m
	default:
		return fmt.Errorf("%w: mechanism %q: want xoauth2, oauthbearer or leave it out", ErrInvalid, o.Mechanism)
	}
	if err := o.ClientSecret.check("client_secret"); err != nil {
		return err
	}
	switch o.Grant {
	case GrantAppOnly, GrantDelegated:
	case "":
		return fmt.Errorf("%w: grant: missing: app_only (the app's own credentials) or delegated (an admin connects the mailbox)", ErrInvalid)
	default:
		return fmt.Errorf("%w: grant %q: want app_only or delegated", ErrInvalid, o.Grant)
	}
	needClientID := func() error {
		if o.ClientID == "" {
			return fmt.Errorf("%w: client_id: missing (the app registration's application/client id)", ErrInvalid)
		}
		return nil
	}
	switch o.Provider {
	case ProviderGeneric:
		if err := needClientID(); err != nil {
			return err
		}
		if o.TokenURL == "" {
			return fmt.Errorf("%w: token_url: missing (the provider's token endpoint)", ErrInvalid)
		}
		if err := checkEndpoint("token_url", o.TokenURL); err != nil {
			return err
		}
		if o.Grant == GrantDelegated {
			if o.AuthURL == "" {
				return fmt.Errorf("%w: auth_url: missing (the provider's authorization endpoint, for connecting the mailbox)", ErrInvalid)
			}
			if err := checkEndpoint("auth_url", o.AuthURL); err != nil {
				return err
			}
		}
		if o.Grant == GrantAppOnly && o.ClientSecret.IsZero() {
			return fmt.Errorf("%w: client_secret: app-only access needs the client secret: give client_secret_env or client_secret_file", ErrInvalid)
		}
		if o.Tenant != "" || o.CertificateFile != "" || o.ServiceAccountFile != "" {
			return fmt.Errorf("%w: tenant, certificate_file and service_account_file belong to microsoft365 and google, not generic", ErrInvalid)
		}
	case ProviderMicrosoft365:
		if err := needClientID(); err != nil {
			return err
		}
		if o.Tenant == "" {
			return fmt.Errorf("%w: tenant: missing (the directory (tenant) id of the app registration, or the organization's domain)", ErrInvalid)
		}
		if o.AuthURL != "" || o.TokenURL != "" {
			return fmt.Errorf("%w: auth_url/token_url: microsoft365 takes its endpoints from the tenant; leave them out", ErrInvalid)
		}
		if o.ServiceAccountFile != "" {
			return fmt.Errorf("%w: service_account_file belongs to google", ErrInvalid)
		}
		if o.Grant == GrantAppOnly && o.ClientSecret.IsZero() == (o.CertificateFile == "") {
			return fmt.Errorf("%w: app-only access proves the app with a client secret (client_secret_env or client_secret_file) or a certificate (certificate_file): give one", ErrInvalid)
		}
		if o.Grant == GrantDelegated && o.CertificateFile != "" {
			return fmt.Errorf("%w: certificate_file: only for app-only access", ErrInvalid)
		}
	case ProviderGoogle:
		if o.AuthURL != "" || o.TokenURL != "" || o.Tenant != "" || o.CertificateFile != "" {
			return fmt.Errorf("%w: auth_url, token_url, tenant and certificate_file are not google settings; leave them out", ErrInvalid)
		}
		if o.Grant == GrantAppOnly {
			if o.ServiceAccountFile == "" {
				return fmt.Errorf("%w: service_account_file: app-only access needs the service account's JSON key file", ErrInvalid)
			}
			if !o.ClientSecret.IsZero() {
				return fmt.Errorf("%w: client_secret: not used with a service account (remove it)", ErrInvalid)
			}
			return nil
		}
		if o.ServiceAccountFile != "" {
			return fmt.Errorf("%w: service_account_file: only for app-only access", ErrInvalid)
		}
		if err := needClientID(); err != nil {
			return err
		}
		if o.ClientSecret.IsZero() {
			return fmt.Errorf("%w: client_secret: Google's OAuth client needs its secret: give client_secret_env or client_secret_file", ErrInvalid)
		}
	case "":
		return fmt.Errorf("%w: provider: missing: generic, microsoft365 or google", ErrInvalid)
	default:
		return fmt.Errorf("%w: provider %q: want generic, microsoft365 or google", ErrInvalid, o.Provider)
	}
	return nil
}

// MailboxCheck is one step of testing a mailbox's connection (`ticketgate
// mailbox test`, the admin page's "Test connection"): getting a token,
// logging in over IMAP, logging in over SMTP.
type MailboxCheck struct {
	Step string // what was tried: "OAuth2 token", "IMAP login", "SMTP login"
	OK   bool
	// Detail says what happened in words an admin understands ("the
	// tenant does not exist: check oauth2.tenant"); never a secret.
	Detail string
}

package mailauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/oauth2/jwt"
)

// Generic is any OAuth2 provider, given by its endpoints.
type Generic struct {
	AuthURL      string // authorization endpoint (authorization-code flow)
	TokenURL     string // token endpoint
	ClientID     string
	ClientSecret string
	Scopes       []string
}

func (g Generic) config(redirectURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: g.ClientID, ClientSecret: g.ClientSecret, RedirectURL: redirectURL, Scopes: g.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: g.AuthURL, TokenURL: g.TokenURL}}
}

// ClientCredentials is the source of app-only tokens (RFC 6749 section
// 4.4: client id and secret, no user).
func (g Generic) ClientCredentials(opt SourceOptions) *FetchSource {
	cc := &clientcredentials.Config{ClientID: g.ClientID, ClientSecret: g.ClientSecret, TokenURL: g.TokenURL, Scopes: g.Scopes}
	return NewFetchSource("client credentials", cc.Token, opt)
}

// Delegated is the authorization-code flow with PKCE; redirectURL is where
// the provider sends the admin's browser back
// (BASE_URL/admin/mailboxes/oauth/callback).
func (g Generic) Delegated(redirectURL string) *Delegated {
	return &Delegated{Config: g.config(redirectURL)}
}

// Microsoft 365 (Exchange Online), through the Microsoft identity platform
// v2.0 endpoints of the tenant:
//
//	authorize  https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize
//	token      https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token
//
// App-only (client credentials) asks for the one scope
// https://outlook.office365.com/.default, which grants what the app
// registration holds of "Office 365 Exchange Online": IMAP.AccessAsApp
// and SMTP.SendAsApp (application permissions, with admin consent); the
// mailbox itself must be granted to the app's service principal in
// Exchange (Add-MailboxPermission). Delegated (authorization code + PKCE)
// asks for offline_access (to get a refresh token) and
// https://outlook.office.com/IMAP.AccessAsUser.All and
// https://outlook.office.com/SMTP.Send. Microsoft rotates the refresh token
// on every refresh.
type Microsoft365 struct {
	// Tenant is the directory (tenant) id or a verified domain; "common"
	// or "organizations" only for delegated access.
	Tenant       string
	ClientID     string
	ClientSecret string
	// CertificatePEM, for app-only access, replaces the client secret: the
	// certificate uploaded to the app registration and its RSA private key,
	// in one PEM file.
	CertificatePEM []byte
	// LoginURL is the identity platform's base (default
	// MicrosoftLoginURL; a national cloud's, or a test's).
	LoginURL string
}

// MicrosoftLoginURL is the Microsoft identity platform's global endpoint.
const MicrosoftLoginURL = "https://login.microsoftonline.com"

// Microsoft 365's scopes.
const (
	MicrosoftAppOnlyScope = "https://outlook.office365.com/.default"
	MicrosoftIMAPScope    = "https://outlook.office.com/IMAP.AccessAsUser.All"
	MicrosoftSMTPScope    = "https://outlook.office.com/SMTP.Send"
)

func (m Microsoft365) endpoint() oauth2.Endpoint {
	login := strings.TrimSuffix(m.LoginURL, "/")
	if login == "" {
		login = MicrosoftLoginURL
	}
	base := login + "/" + url.PathEscape(m.Tenant) + "/oauth2/v2.0/"
	return oauth2.Endpoint{AuthURL: base + "authorize", TokenURL: base + "token", AuthStyle: oauth2.AuthStyleInParams}
}

// Generic returns the preset as a Generic provider with its delegated
// scopes (a test can then point it elsewhere).
func (m Microsoft365) Generic() Generic {
	e := m.endpoint()
	return Generic{AuthURL: e.AuthURL, TokenURL: e.TokenURL, ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		Scopes: []string{"offline_access", MicrosoftIMAPScope, MicrosoftSMTPScope}}
}

// AppOnly is the source of app-only tokens (client credentials, with the
// certificate when there is one, else the secret).
func (m Microsoft365) AppOnly(opt SourceOptions) (*FetchSource, error) {
	return m.AppOnlyFor([]string{MicrosoftAppOnlyScope}, opt)
}

// MicrosoftGraphScope is the app-only scope of Microsoft Graph: it grants
// the application permissions the app registration holds of Graph
// (MailboxSettings.Read, Presence.Read.All).
const MicrosoftGraphScope = "https://graph.microsoft.com/.default"

// AppOnlyFor is AppOnly for another resource's scopes (Microsoft Graph's,
// to read leave status).
func (m Microsoft365) AppOnlyFor(scopes []string, opt SourceOptions) (*FetchSource, error) {
	g := m.Generic()
	g.Scopes = scopes
	if m.CertificatePEM != nil {
		g.ClientSecret = ""
		return g.ClientCertificate(m.CertificatePEM, opt)
	}
	return g.ClientCredentials(opt), nil
}

// Delegated is the authorization-code flow with PKCE for a user's mailbox
// (or a shared mailbox the user may open).
func (m Microsoft365) Delegated(redirectURL string) *Delegated {
	cfg := m.Generic().config(redirectURL)
	cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	return &Delegated{Config: cfg}
}

// Google Workspace (Gmail):
//
//	authorize  https://accounts.google.com/o/oauth2/v2/auth
//	token      https://oauth2.googleapis.com/token
//	scope      https://mail.google.com/ (the only scope Gmail's IMAP and
//	           SMTP accept)
//
// App-only access is a service account with domain-wide delegation: the
// Workspace admin allows the service account's client id the scope
// https://mail.google.com/ (Security → API controls → Domain-wide
// delegation), and ticketgate signs a JWT with the account's key whose
// subject is the mailbox address (RFC 7523 JWT bearer grant), exchanged at
// the token_uri of the key file. Delegated access is the
// authorization-code flow with PKCE, with access_type=offline and
// prompt=consent so that Google returns a refresh token every time.
type Google struct {
	// ServiceAccountJSON is the key file of the service account (app-only).
	ServiceAccountJSON []byte
	// ClientID and ClientSecret are the OAuth client's (delegated).
	ClientID     string
	ClientSecret string
}

// Google's endpoints and its one mail scope.
const (
	GoogleAuthURL  = "https://accounts.google.com/o/oauth2/v2/auth"
	GoogleTokenURL = "https://oauth2.googleapis.com/token"
	GoogleScope    = "https://mail.google.com/"
)

// serviceAccount is the part of a service account's key file we use.
type serviceAccount struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
	TokenURI     string `json:"token_uri"`
}

// ServiceAccount is the source of tokens for the mailbox subject (its
// address), through domain-wide delegation.
func (g Google) ServiceAccount(subject string, opt SourceOptions) (*FetchSource, error) {
	return g.ServiceAccountFor(subject, []string{GoogleScope}, opt)
}

// Google's scopes to read leave status: the Gmail vacation responder and
// the calendar's out-of-office events.
const (
	GoogleGmailSettingsScope = "https://www.googleapis.com/auth/gmail.settings.basic"
	GoogleCalendarScope      = "https://www.googleapis.com/auth/calendar.readonly"
)

// ServiceAccountFor is ServiceAccount with other scopes (those the
// Workspace admin allowed the service account's client id).
func (g Google) ServiceAccountFor(subject string, scopes []string, opt SourceOptions) (*FetchSource, error) {
	var sa serviceAccount
	if err := json.Unmarshal(g.ServiceAccountJSON, &sa); err != nil {
		// json's errors may quote the input, which holds the key.
		return nil, errors.New("the Google service account key is not JSON")
	}
	if sa.Type != "service_account" || sa.ClientEmail == "" || sa.PrivateKey == "" {
		return nil, errors.New(`the Google key file is not a service account's (want "type": "service_account" with client_email and private_key)`)
	}
	if sa.TokenURI == "" {
		sa.TokenURI = GoogleTokenURL
	}
	cfg := &jwt.Config{Email: sa.ClientEmail, PrivateKey: []byte(sa.PrivateKey), PrivateKeyID: sa.PrivateKeyID,
		Subject: subject, Scopes: scopes, TokenURL: sa.TokenURI}
	return NewFetchSource("service account", func(ctx context.Context) (*oauth2.Token, error) {
		return cfg.TokenSource(ctx).Token()
	}, opt), nil
}

// Delegated is the authorization-code flow with PKCE for a user's mailbox.
func (g Google) Delegated(redirectURL string) *Delegated {
	return &Delegated{
		Config: &oauth2.Config{ClientID: g.ClientID, ClientSecret: g.ClientSecret, RedirectURL: redirectURL, Scopes: []string{GoogleScope},
			Endpoint: oauth2.Endpoint{AuthURL: GoogleAuthURL, TokenURL: GoogleTokenURL, AuthStyle: oauth2.AuthStyleInParams}},
		AuthParams: []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.SetAuthURLParam("prompt", "consent")},
	}
}

// Delegated is a provider's authorization-code flow and the refreshing of
// the tokens it gives.
type Delegated struct {
	Config *oauth2.Config
	// AuthParams are added to the authorization URL.
	AuthParams []oauth2.AuthCodeOption
}

// Source returns the source of the grant's access tokens, kept in store.
func (d *Delegated) Source(store TokenStore, opt SourceOptions) *RefreshSource {
	return NewRefreshSource(d.Config, store, opt)
}

// String names the provider for logs, without the secret.
func (d *Delegated) String() string {
	return fmt.Sprintf("OAuth2 client %s at %s", d.Config.ClientID, d.Config.Endpoint.TokenURL)
}

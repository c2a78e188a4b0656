package mailauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
)

// Mechanism names a SASL mechanism for bearer tokens.
type Mechanism string

// The bearer-token mechanisms. Auto picks one from what the server offers.
const (
	Auto        Mechanism = ""
	OAuthBearer Mechanism = sasl.OAuthBearer // RFC 7628
	XOAuth2     Mechanism = "XOAUTH2"        // Google's and Microsoft's
)

// ErrNoMechanism means the server offers neither XOAUTH2 nor OAUTHBEARER
// (or not the one configured).
var ErrNoMechanism = errors.New("the server offers no OAuth2 login (SASL XOAUTH2 or OAUTHBEARER)")

// ChooseMechanism picks the mechanism to log in with: want when the server
// offers it, or with Auto OAUTHBEARER, being the standard, else XOAUTH2.
// offers reports whether the server announced a mechanism (go-smtp's
// Client.SupportsAuth; for go-imap, Caps().Has(imap.AuthCap(mech))).
func ChooseMechanism(want Mechanism, offers func(mech string) bool) (Mechanism, error) {
	switch want {
	case Auto:
		for _, m := range []Mechanism{OAuthBearer, XOAuth2} {
			if offers(string(m)) {
				return m, nil
			}
		}
		return "", ErrNoMechanism
	case OAuthBearer, XOAuth2:
		if offers(string(want)) {
			return want, nil
		}
		return "", fmt.Errorf("%w: %s was configured", ErrNoMechanism, want)
	}
	return "", fmt.Errorf("unknown SASL mechanism %q: want XOAUTH2 or OAUTHBEARER", string(want))
}

// ParseMechanism reads a configured mechanism: "xoauth2", "oauthbearer" or
// "" / "auto" (any case).
func ParseMechanism(s string) (Mechanism, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "AUTO":
		return Auto, nil
	case string(OAuthBearer):
		return OAuthBearer, nil
	case string(XOAuth2):
		return XOAuth2, nil
	}
	return "", fmt.Errorf("unknown SASL mechanism %q: want xoauth2, oauthbearer or auto", s)
}

// AuthError is the error a server sent as a SASL challenge when it refused
// a bearer token (the JSON of RFC 7628 section 3.2.2, which XOAUTH2 uses
// too). It names the status only: it never holds the token.
type AuthError struct {
	Mechanism Mechanism
	Status    string `json:"status"`
	Scope     string `json:"scope"`
}

func (e *AuthError) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("%s login refused", e.Mechanism)
	}
	return fmt.Sprintf("%s login refused: %s", e.Mechanism, e.Status)
}

// xoauth2Client is SASL XOAUTH2 as Google and Microsoft document it:
// the initial response is "user=" user ^A "auth=Bearer " token ^A ^A. A
// refusal comes as a challenge holding a JSON error, which the client must
// answer with an empty response; the server then ends the exchange with
// its failure reply.
type xoauth2Client struct {
	user, token string
	failed      *AuthError
}

// NewXOAuth2Client returns a SASL XOAUTH2 client logging in as user with
// the bearer token.
func NewXOAuth2Client(user, token string) sasl.Client {
	return &xoauth2Client{user: user, token: token}
}

func (c *xoauth2Client) Start() (string, []byte, error) {
	return string(XOAuth2), []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	if c.failed != nil {
		// The server should have ended the exchange after the empty
		// response: end it here.
		return nil, c.failed
	}
	c.failed = parseAuthError(XOAuth2, challenge)
	return []byte{}, nil
}

// oauthBearerClient wraps go-sasl's OAUTHBEARER client for its error
// challenge: RFC 7628 (section 3.2.3) wants the client to answer it with a
// single ^A, after which the server sends its failure reply. go-sasl
// returns the error at once instead, which leaves an IMAP AUTHENTICATE
// waiting for a response that never comes.
type oauthBearerClient struct {
	sasl.Client
	failed *AuthError
}

// NewOAuthBearerClient returns a SASL OAUTHBEARER (RFC 7628) client logging
// in as user with the bearer token. host and port, when given, go into the
// initial response as the RFC suggests.
func NewOAuthBearerClient(user, token, host string, port int) sasl.Client {
	return &oauthBearerClient{Client: sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token, Host: host, Port: port})}
}

func (c *oauthBearerClient) Next(challenge []byte) ([]byte, error) {
	if c.failed != nil {
		return nil, c.failed
	}
	c.failed = parseAuthError(OAuthBearer, challenge)
	return []byte{0x01}, nil
}

func parseAuthError(m Mechanism, challenge []byte) *AuthError {
	e := &AuthError{}
	if json.Unmarshal(challenge, e) != nil {
		e = &AuthError{Status: "unreadable error challenge"}
	}
	e.Mechanism = m
	return e
}

// NewClient returns a client of mechanism m (OAuthBearer or XOAuth2).
func NewClient(m Mechanism, user, token, host string, port int) (sasl.Client, error) {
	switch m {
	case OAuthBearer:
		return NewOAuthBearerClient(user, token, host, port), nil
	case XOAuth2:
		return NewXOAuth2Client(user, token), nil
	}
	return nil, fmt.Errorf("unknown SASL mechanism %q", string(m))
}

// ClientFactory makes the SASL client of one login: it picks a mechanism
// from those the server offers, gets an access token (refreshing it when
// needed) and returns the client with the time that token expires (zero:
// unknown), after which a long session should log in again. It is called
// once per login, so every login carries a token that is good now.
type ClientFactory func(ctx context.Context, offers func(mech string) bool) (sasl.Client, time.Time, error)

// Login is what a mailbox logs in with over OAuth2.
type Login struct {
	// User is the mailbox's address, as the server knows it.
	User string
	// Tokens gives the access tokens.
	Tokens TokenSource
	// Mechanism is the one to use; Auto chooses (see ChooseMechanism).
	Mechanism Mechanism
	// Host and Port go into OAUTHBEARER's initial response; optional.
	Host string
	Port int
}

// Factory returns the ClientFactory of l.
func (l Login) Factory() ClientFactory {
	return func(ctx context.Context, offers func(string) bool) (sasl.Client, time.Time, error) {
		m, err := ChooseMechanism(l.Mechanism, offers)
		if err != nil {
			return nil, time.Time{}, err
		}
		tok, err := l.Tokens.Token(ctx)
		if err != nil {
			return nil, time.Time{}, err
		}
		c, err := NewClient(m, l.User, tok.AccessToken, l.Host, l.Port)
		if err != nil {
			return nil, time.Time{}, err
		}
		return c, tok.Expiry, nil
	}
}

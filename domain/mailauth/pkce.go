package mailauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"

	"golang.org/x/oauth2"
)

// ErrStateMismatch means the callback's state is not the one this
// authorization sent: a forged or stale callback, refused.
var ErrStateMismatch = errors.New("the OAuth2 callback's state does not match: start connecting the mailbox again")

// Authorization is one run of the authorization-code flow with PKCE
// (RFC 7636, S256). State and Verifier are secrets of the admin's session:
// keep them server-side until the callback.
type Authorization struct {
	URL      string // where to send the admin's browser
	State    string
	Verifier string
}

// Start begins an authorization: a random state, a random PKCE verifier,
// and the authorization URL carrying the state and the verifier's S256
// challenge. loginHint, when given, pre-fills the account to sign in with.
func (d *Delegated) Start(loginHint string) (Authorization, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Authorization{}, err
	}
	a := Authorization{State: base64.RawURLEncoding.EncodeToString(b), Verifier: oauth2.GenerateVerifier()}
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.Verifier)}, d.AuthParams...)
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	a.URL = d.Config.AuthCodeURL(a.State, opts...)
	return a, nil
}

// Exchange finishes a: it checks the callback's state (in constant time)
// and trades its code, with a's verifier, for tokens. Keep them with
// Connect.
func (d *Delegated) Exchange(ctx context.Context, a Authorization, state, code string, opt SourceOptions) (*oauth2.Token, error) {
	if a.State == "" || subtle.ConstantTimeCompare([]byte(a.State), []byte(state)) != 1 {
		return nil, ErrStateMismatch
	}
	if code == "" {
		return nil, errors.New("the OAuth2 callback carries no code")
	}
	t, err := d.Config.Exchange(opt.httpContext(ctx), code, oauth2.VerifierOption(a.Verifier))
	if err != nil {
		return nil, providerError("authorization code", err)
	}
	return t, nil
}

package mailauthtest

import (
	"errors"
	"strings"

	"github.com/emersion/go-sasl"
)

// ErrTokenRefused is Verify's answer for a token that is unknown, expired
// or another account's.
var ErrTokenRefused = errors.New("mailauthtest: token refused")

// Verify reports whether token is a live access token of user, as the
// introspection endpoint would.
func (p *Provider) Verify(user, token string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Introspections++
	g, ok := p.access[token]
	if !ok || !p.now().Before(g.expiry) || g.email != user {
		return ErrTokenRefused
	}
	return nil
}

// NewXOAuth2Server is the server side of SASL XOAUTH2 as Gmail answers it,
// for test servers (go-smtp, go-imap): a refused token gets a JSON error
// challenge, which the client must answer with an empty response, and then
// the failure.
func NewXOAuth2Server(check func(user, token string) error) sasl.Server {
	return &xoauth2Server{check: check}
}

type xoauth2Server struct {
	check  func(user, token string) error
	failed error
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed != nil {
		if len(resp) != 0 {
			return nil, true, errors.New("XOAUTH2: want an empty response to the error challenge")
		}
		return nil, true, x.failed
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	user, rest, ok1 := strings.Cut(string(resp), "\x01auth=Bearer ")
	token, end, ok2 := strings.Cut(rest, "\x01")
	if !ok1 || !ok2 || !strings.HasPrefix(user, "user=") || end != "\x01" {
		return nil, true, errors.New("XOAUTH2: malformed initial response")
	}
	if err := x.check(strings.TrimPrefix(user, "user="), token); err != nil {
		x.failed = err
		return []byte(`{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	return nil, true, nil
}

// NewOAuthBearerServer is go-sasl's OAUTHBEARER server checking tokens
// with check.
func NewOAuthBearerServer(check func(user, token string) error) sasl.Server {
	return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
		if check(o.Username, o.Token) != nil {
			return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
		}
		return nil
	})
}

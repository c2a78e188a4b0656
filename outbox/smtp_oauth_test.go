package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"ticketgate/domain/mailauth"
	"ticketgate/domain/mailauth/mailauthtest"
)

// oauthRelay is a recording SMTP server that accepts a bearer token when
// the test provider's introspection says it is live and for that user.
func oauthRelay(t *testing.T, p *mailauthtest.Provider, mechs ...string) (*recordingServer, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	check := func(user, token string) error {
		mu.Lock()
		got = append(got, token)
		mu.Unlock()
		resp, err := http.PostForm(p.IntrospectURL(), url.Values{"token": {token}})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var r struct {
			Active bool
			Email  string
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return err
		}
		if !r.Active || r.Email != user {
			return errors.New("token refused")
		}
		return nil
	}
	rs := startServer(t, serverOpts{oauth: check, authMechs: mechs})
	return rs, &got
}

// recordingTokens remembers the tokens handed out.
type recordingTokens struct {
	mailauth.TokenSource
	seen []string
}

func (r *recordingTokens) Token(ctx context.Context) (mailauth.Token, error) {
	tok, err := r.TokenSource.Token(ctx)
	if err == nil {
		r.seen = append(r.seen, tok.AccessToken)
	}
	return tok, err
}

// TestSMTPOAuth2: the sender logs in with XOAUTH2 or OAUTHBEARER,
// whichever the relay offers (OAUTHBEARER when both), with the token the
// provider issued for the mailbox; the relay checks that very token.
func TestSMTPOAuth2(t *testing.T) {
	p := mailauthtest.New("help@company.test", mailauthtest.Client{ID: "tg", Secret: "tg-secret", Email: "help@company.test"})
	if err := p.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, tt := range []struct {
		name    string
		offered []string
		want    string
	}{
		{"XOAUTH2", []string{"XOAUTH2"}, "XOAUTH2"},
		{"OAUTHBEARER", []string{"OAUTHBEARER"}, "OAUTHBEARER"},
		{"both", []string{"PLAIN", "XOAUTH2", "OAUTHBEARER"}, "OAUTHBEARER"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rs, got := oauthRelay(t, p, tt.offered...)
			tokens := &recordingTokens{TokenSource: mailauth.Generic{TokenURL: p.TokenURL(), ClientID: "tg", ClientSecret: "tg-secret"}.ClientCredentials(mailauth.SourceOptions{})}
			login := mailauth.Login{User: "help@company.test", Tokens: tokens}
			err := dialSend(t, SMTPConfig{URL: "smtp://" + rs.addr + "?tls=none", SASL: login.Factory()}, "ann@company.test")
			if err != nil {
				t.Fatalf("send with OAuth2: %v", err)
			}
			if len(rs.messages()) != 1 || rs.authUser != "help@company.test "+tt.want {
				t.Errorf("relay: %d messages, authenticated %q; want 1 by help@company.test %s", len(rs.messages()), rs.authUser, tt.want)
			}
			if len(*got) != 1 || len(tokens.seen) != 1 || (*got)[0] != tokens.seen[0] {
				t.Errorf("the relay received another token than the source gave")
			}
		})
	}
}

// TestSMTPOAuth2Refused: a token the relay refuses, or a grant the provider
// refuses, is a temporary error that shows no token; the password path is
// untouched.
func TestSMTPOAuth2Refused(t *testing.T) {
	p := mailauthtest.New("help@company.test", mailauthtest.Client{ID: "tg", Secret: "tg-secret", Email: "help@company.test"})
	if err := p.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, mech := range []string{"XOAUTH2", "OAUTHBEARER"} {
		rs, _ := oauthRelay(t, p, mech)
		tokens := &recordingTokens{TokenSource: mailauth.Generic{TokenURL: p.TokenURL(), ClientID: "tg", ClientSecret: "tg-secret"}.ClientCredentials(mailauth.SourceOptions{})}
		// The token is for help@, the login says bob@: refused.
		login := mailauth.Login{User: "bob@company.test", Tokens: tokens}
		err := dialSend(t, SMTPConfig{URL: "smtp://" + rs.addr + "?tls=none", SASL: login.Factory()}, "ann@company.test")
		if err == nil || Permanent(err) {
			t.Fatalf("%s: refused token: %v (permanent %v); want a temporary error", mech, err, Permanent(err))
		}
		t.Logf("%s: %v", mech, err)
		if strings.Contains(err.Error(), tokens.seen[0]) {
			t.Errorf("%s: the error shows the token: %v", mech, err)
		}
		if len(rs.messages()) != 0 {
			t.Errorf("%s: a mail went out unauthenticated", mech)
		}
	}
	// invalid_grant: no login attempted, a temporary error that says the
	// mailbox must be connected again.
	rs, got := oauthRelay(t, p, "XOAUTH2")
	bad := mailauth.Generic{TokenURL: p.TokenURL(), ClientID: "tg", ClientSecret: "tg-secret-expired"}.ClientCredentials(mailauth.SourceOptions{})
	err := dialSend(t, SMTPConfig{URL: "smtp://" + rs.addr + "?tls=none", SASL: mailauth.Login{User: "help@company.test", Tokens: bad}.Factory()}, "ann@company.test")
	if !errors.Is(err, mailauth.ErrNeedsReauthorization) || Permanent(err) || len(*got) != 0 {
		t.Errorf("expired client secret: %v; want ErrNeedsReauthorization, temporary, no AUTH", err)
	}
	if strings.Contains(err.Error(), "tg-secret-expired") {
		t.Errorf("the error shows the client secret: %v", err)
	}
	// A relay without OAuth2 mechanisms is a clear error.
	plain := startServer(t, serverOpts{users: map[string]string{"x": "y"}})
	err = dialSend(t, SMTPConfig{URL: "smtp://" + plain.addr + "?tls=none", SASL: mailauth.Login{User: "help@company.test", Tokens: bad}.Factory()}, "ann@company.test")
	if !errors.Is(err, mailauth.ErrNoMechanism) {
		t.Errorf("relay with PLAIN and LOGIN only: %v", err)
	}
}

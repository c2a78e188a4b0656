package mailauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"testing"
)

func TestAuthorizationURLCarriesStateAndS256(t *testing.T) {
	p := provider(t)
	d := delegated(p)
	a, err := d.Start(testUser)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	sum := sha256.Sum256([]byte(a.Verifier))
	want := map[string]string{
		"response_type": "code", "client_id": testClientID, "state": a.State, "login_hint": testUser,
		"redirect_uri": "http://portal.test/admin/mailboxes/oauth/callback", "scope": "mail",
		"code_challenge_method": "S256", "code_challenge": base64.RawURLEncoding.EncodeToString(sum[:]),
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if q.Has("client_secret") || q.Has("code_verifier") {
		t.Errorf("the URL carries a secret: %s", a.URL)
	}
	if len(a.Verifier) < 43 || len(a.State) < 32 {
		t.Errorf("verifier %d and state %d characters: too short", len(a.Verifier), len(a.State))
	}
	b, _ := d.Start("")
	if b.State == a.State || b.Verifier == a.Verifier {
		t.Error("two authorizations share their state or verifier")
	}
}

func TestExchangeChecksStateAndVerifier(t *testing.T) {
	p := provider(t)
	d := delegated(p)
	ctx := context.Background()

	// A callback whose state is not ours is refused before any request.
	a, _ := d.Start(testUser)
	_, code := authorize(t, a)
	if _, err := d.Exchange(ctx, a, "forged-state", code, SourceOptions{}); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("forged state: %v", err)
	}
	if _, err := d.Exchange(ctx, Authorization{}, "", code, SourceOptions{}); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("no authorization in the session: %v", err)
	}
	if p.Stats().Codes != 0 || p.Stats().InvalidGrants != 0 {
		t.Fatalf("the provider was asked: %+v", p.Stats())
	}

	// A code taken with another verifier (an intercepted code) fails at
	// the provider.
	b, _ := d.Start(testUser)
	state, code := authorize(t, b)
	stolen := b
	stolen.Verifier = a.Verifier
	if _, err := d.Exchange(ctx, stolen, state, code, SourceOptions{}); err == nil {
		t.Error("a code was exchanged with the wrong verifier")
	}

	// The real thing.
	c, _ := d.Start(testUser)
	state, code = authorize(t, c)
	tok, err := d.Exchange(ctx, c, state, code, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || introspect(t, p, tok.AccessToken) != testUser {
		t.Errorf("exchange gave no refresh token or a token not for %s", testUser)
	}
	// A code works once.
	if _, err := d.Exchange(ctx, c, state, code, SourceOptions{}); !errors.Is(err, ErrNeedsReauthorization) {
		t.Errorf("code used twice: %v", err)
	}
}

package mailauth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"ticketgate/domain/mailauth/mailauthtest"
)

const (
	testClientID     = "ticketgate-test"
	testClientSecret = "s3cret-client-secret"
	testUser         = "alice@company.test"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// provider starts a test provider on a loopback port.
func provider(t *testing.T) *mailauthtest.Provider {
	t.Helper()
	p := mailauthtest.New(testUser, mailauthtest.Client{ID: testClientID, Secret: testClientSecret, Email: "app@company.test"})
	if err := p.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func delegated(p *mailauthtest.Provider) *Delegated {
	return Generic{AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), ClientID: testClientID, ClientSecret: testClientSecret,
		Scopes: []string{"mail"}}.Delegated("http://portal.test/admin/mailboxes/oauth/callback")
}

// authorize plays the admin's browser: it follows the authorization URL
// to the provider and returns the state and code of the redirect back.
func authorize(t *testing.T, a Authorization) (state, code string) {
	t.Helper()
	return mailauthtest.SignIn(t, a.URL)
}

// connected runs the authorization-code flow and keeps the grant in a new
// memory store.
func connected(t *testing.T, d *Delegated) *MemoryStore {
	t.Helper()
	a, err := d.Start(testUser)
	if err != nil {
		t.Fatal(err)
	}
	state, code := authorize(t, a)
	tok, err := d.Exchange(context.Background(), a, state, code, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := NewMemoryStore(StoredToken{})
	if err := Connect(context.Background(), st, tok); err != nil {
		t.Fatal(err)
	}
	return st
}

// introspect asks the provider whom token is for ("" when inactive).
func introspect(t *testing.T, p *mailauthtest.Provider, token string) string {
	t.Helper()
	resp, err := http.PostForm(p.IntrospectURL(), url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Active bool
		Email  string
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if !r.Active {
		return ""
	}
	return r.Email
}

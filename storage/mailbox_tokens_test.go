package storage_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/domain/mailauth/mailauthtest"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

const (
	tokClientID     = "ticketgate-test"
	tokClientSecret = "s3cret-client-secret"
	tokUser         = "help@company.test"
)

func tokenProvider(t *testing.T) (*mailauthtest.Provider, *mailauth.Delegated) {
	t.Helper()
	p := mailauthtest.New(tokUser, mailauthtest.Client{ID: tokClientID, Secret: tokClientSecret})
	if err := p.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	d := mailauth.Generic{AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), ClientID: tokClientID, ClientSecret: tokClientSecret,
		Scopes: []string{"mail"}}.Delegated("http://portal.test/admin/mailboxes/oauth/callback")
	return p, d
}

func testSealer(t *testing.T, key string) *mailauth.Sealer {
	t.Helper()
	s, err := mailauth.NewSealer([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// connectMailbox plays the admin's "Connect": the authorization-code flow
// against the provider, its grant kept in st.
func connectMailbox(t *testing.T, d *mailauth.Delegated, st mailauth.TokenStore) {
	t.Helper()
	a, err := d.Start(tokUser)
	if err != nil {
		t.Fatal(err)
	}
	state, code := mailauthtest.SignIn(t, a.URL)
	tok, err := d.Exchange(context.Background(), a, state, code, mailauth.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := mailauth.Connect(context.Background(), st, tok); err != nil {
		t.Fatal(err)
	}
}

func createMailbox(t *testing.T, s *storage.Store, addr string) *domain.Mailbox {
	t.Helper()
	m := oauthMailbox(addr)
	m.CreatedAt, m.UpdatedAt = time.Now(), time.Now()
	if err := s.CreateMailbox(context.Background(), &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// expire makes the stored access token one that has run out, with no
// lease on it.
func expire(t *testing.T, st mailauth.TokenStore) {
	t.Helper()
	ctx := context.Background()
	cur, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := cur
	next.Expiry, next.LeaseUntil = time.Now().Add(-time.Second), time.Time{}
	if err := st.Save(ctx, cur, next); err != nil {
		t.Fatal(err)
	}
}

func TestMailboxTokensSealedCompareAndSwap(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		p, d := tokenProvider(t)
		m := createMailbox(t, s, tokUser)
		other := createMailbox(t, s, "hr@company.test")
		sealer := testSealer(t, "0123456789abcdef-the-secret-key")
		st := s.MailboxTokens(m, sealer)

		if _, err := st.Load(ctx); !errors.Is(err, mailauth.ErrNoToken) {
			t.Fatalf("Load before Connect = %v, want ErrNoToken", err)
		}
		connectMailbox(t, d, st)
		tok, err := st.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tok.RefreshToken == "" || tok.AccessToken == "" || tok.Version != 1 || !tok.LeaseUntil.IsZero() || tok.Expiry.Before(time.Now()) {
			t.Fatalf("after Connect: %v (refresh %v, access %v)", tok, tok.RefreshToken != "", tok.AccessToken != "")
		}
		access, refresh, err := s.MailboxTokenColumns(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(refresh) == 0 || bytes.Contains(refresh, []byte(tok.RefreshToken)) || bytes.Contains(access, []byte(tok.AccessToken)) {
			t.Errorf("the tokens are stored in clear (or not at all)")
		}
		if _, err := s.MailboxTokens(m, testSealer(t, "another-secret-key-entirely")).Load(ctx); !errors.Is(err, mailauth.ErrUnsealable) {
			t.Errorf("Load under another SECRET_KEY = %v, want ErrUnsealable", err)
		}
		// The row of another mailbox holding these sealed tokens does not
		// open them: they are sealed for help@.
		if err := s.RawExec(ctx, "UPDATE mailboxes SET refresh_token = ?, access_token = ? WHERE id = ?", refresh, access, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MailboxTokens(other, sealer).Load(ctx); !errors.Is(err, mailauth.ErrUnsealable) {
			t.Errorf("Load of tokens copied to hr@ = %v, want ErrUnsealable", err)
		}

		// Compare-and-swap on the version.
		next := tok
		next.LeaseUntil = time.Now().Add(time.Minute)
		if err := st.Save(ctx, tok, next); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx, tok, next); !errors.Is(err, mailauth.ErrStale) {
			t.Errorf("second Save from the same old token = %v, want ErrStale", err)
		}
		got, err := st.Load(ctx)
		if err != nil || got.Version != 2 || got.LeaseUntil.IsZero() || got.RefreshToken != tok.RefreshToken {
			t.Errorf("after the claim: %v, %v; want version 2 with a lease and the same refresh token", got, err)
		}

		// Rotation: the new refresh token is kept, and a restart (a new
		// Store on the same database) refreshes with it.
		p.SetRotate(true)
		expire(t, st)
		if _, err := d.Source(st, mailauth.SourceOptions{}).Token(ctx); err != nil {
			t.Fatal(err)
		}
		rotated, _ := st.Load(ctx)
		if rotated.RefreshToken == tok.RefreshToken {
			t.Fatal("the rotated refresh token was not kept")
		}
		expire(t, st)
		if _, err := d.Source(s.MailboxTokens(m, sealer), mailauth.SourceOptions{}).Token(ctx); err != nil {
			t.Fatalf("a new source over the row: %v", err)
		}
		if ps := p.Stats(); ps.Refreshes != 2 || ps.RefreshReuses != 0 || ps.InvalidGrants != 0 {
			t.Errorf("provider stats %+v; want 2 refreshes, none reused", ps)
		}

		// A mailbox deleted meanwhile is not a stale token.
		cur, _ := st.Load(ctx)
		if err := s.DeleteMailbox(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx, cur, cur); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Save after the mailbox was deleted = %v, want ErrNotFound", err)
		}
	})
}

// heldStore holds the first Load of each of n instances until all n have
// loaded, so that they all read the same expired token and race for it.
type heldStore struct {
	mailauth.TokenStore
	gate *loadGate
}

type loadGate struct {
	mu      sync.Mutex
	waiting int
	n       int
	release chan struct{}
	stale   int
}

func (g *loadGate) reset(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.waiting, g.n, g.release = 0, n, make(chan struct{})
}

func (h heldStore) Load(ctx context.Context) (mailauth.StoredToken, error) {
	tok, err := h.TokenStore.Load(ctx)
	g := h.gate
	g.mu.Lock()
	if g.waiting < g.n {
		g.waiting++
		if g.waiting == g.n {
			close(g.release)
		}
		release := g.release
		g.mu.Unlock()
		<-release
		return tok, err
	}
	g.mu.Unlock()
	return tok, err
}

func (h heldStore) Save(ctx context.Context, old, new mailauth.StoredToken) error {
	err := h.TokenStore.Save(ctx, old, new)
	if errors.Is(err, mailauth.ErrStale) {
		h.gate.mu.Lock()
		h.gate.stale++
		h.gate.mu.Unlock()
	}
	return err
}

// TestMailboxTokensTwoInstances: two Stores on one database (two
// connection pools, as two ticketgate processes), each with a refresh
// source and many callers, in rounds that start with an expired access
// token, against a provider that rotates refresh tokens and counts a
// second use of one. Each round refreshes exactly once, every caller gets
// that refresh's token, and no refresh token is used twice.
func TestMailboxTokensTwoInstances(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		p, d := tokenProvider(t)
		p.SetRotate(true)
		one, two := storagetest.Open(t, db.URL), storagetest.Open(t, db.URL)
		m := createMailbox(t, one, tokUser)
		sealer := testSealer(t, "0123456789abcdef-the-secret-key")
		connectMailbox(t, d, one.MailboxTokens(m, sealer))
		gate := &loadGate{}
		stores := []mailauth.TokenStore{heldStore{one.MailboxTokens(m, sealer), gate}, heldStore{two.MailboxTokens(m, sealer), gate}}
		const rounds, callers = 4, 6
		for round := 1; round <= rounds; round++ {
			expire(t, one.MailboxTokens(m, sealer))
			gate.reset(2)
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := map[string]int{}
			var errs []error
			for _, st := range stores {
				src := d.Source(st, mailauth.SourceOptions{})
				for range callers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						tok, err := src.Token(ctx)
						mu.Lock()
						defer mu.Unlock()
						if err != nil {
							errs = append(errs, err)
							return
						}
						got[tok.AccessToken]++
					}()
				}
			}
			wg.Wait()
			if len(errs) > 0 {
				t.Fatalf("round %d: %v", round, errs)
			}
			if len(got) != 1 {
				t.Errorf("round %d: callers got %d different access tokens, want the one refresh's", round, len(got))
			}
			if ps := p.Stats(); ps.Refreshes != round {
				t.Errorf("round %d: %d refreshes so far, want %d", round, ps.Refreshes, round)
			}
		}
		if ps := p.Stats(); ps.RefreshReuses != 0 || ps.InvalidGrants != 0 {
			t.Errorf("a refresh token was used twice: %+v", ps)
		}
		if gate.stale < rounds {
			t.Errorf("%d stale claims in %d rounds: the instances did not race", gate.stale, rounds)
		}
	})
}

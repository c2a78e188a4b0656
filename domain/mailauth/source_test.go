package mailauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRefreshSourceRefreshesBeforeExpiry(t *testing.T) {
	p := provider(t)
	d := delegated(p)
	st := connected(t, d)
	clk := newClock()
	s := d.Source(st, SourceOptions{Skew: time.Minute, Now: clk.Now})

	first, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Stats().Refreshes; n != 0 {
		t.Errorf("a fresh grant was refreshed %d times", n)
	}
	clk.Set(first.Expiry.Add(-2 * time.Minute))
	if again, _ := s.Token(context.Background()); again.AccessToken != first.AccessToken || p.Stats().Refreshes != 0 {
		t.Errorf("refreshed with two minutes left (skew one)")
	}
	clk.Set(first.Expiry.Add(-30 * time.Second))
	next, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if next.AccessToken == first.AccessToken || p.Stats().Refreshes != 1 {
		t.Errorf("within the skew: same token %v, %d refreshes; want a new token from one refresh", next.AccessToken == first.AccessToken, p.Stats().Refreshes)
	}
	stored, _ := st.Load(context.Background())
	if stored.AccessToken != next.AccessToken || !stored.LeaseUntil.IsZero() {
		t.Errorf("store holds %v, want the new access token and no lease", stored)
	}
}

func TestRefreshSourcePersistsRotation(t *testing.T) {
	p := provider(t)
	p.SetRotate(true)
	d := delegated(p)
	st := connected(t, d)
	before, _ := st.Load(context.Background())
	clk := newClock()
	clk.Set(before.Expiry.Add(time.Second))
	if _, err := d.Source(st, SourceOptions{Now: clk.Now}).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	after, _ := st.Load(context.Background())
	if after.RefreshToken == before.RefreshToken || after.RefreshToken == "" {
		t.Fatal("the rotated refresh token was not kept")
	}
	// A restart (a new source over the same store) uses the rotated one:
	// with the old one the provider would answer invalid_grant.
	clk.Set(after.Expiry.Add(time.Second))
	if _, err := d.Source(st, SourceOptions{Now: clk.Now}).Token(context.Background()); err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	if s := p.Stats(); s.Refreshes != 2 || s.RefreshReuses != 0 || s.InvalidGrants != 0 {
		t.Errorf("provider stats %+v", s)
	}
}

// racyStore counts stale saves and holds the first loads until n callers
// have loaded, so that they all see the same expired token and race.
type racyStore struct {
	TokenStore
	mu      sync.Mutex
	stale   int
	waiting int
	n       int
	release chan struct{}
}

func (r *racyStore) Load(ctx context.Context) (StoredToken, error) {
	t, err := r.TokenStore.Load(ctx)
	r.mu.Lock()
	if r.waiting < r.n {
		r.waiting++
		if r.waiting == r.n {
			close(r.release)
		}
		r.mu.Unlock()
		<-r.release
		return t, err
	}
	r.mu.Unlock()
	return t, err
}

func (r *racyStore) Save(ctx context.Context, old, new StoredToken) error {
	err := r.TokenStore.Save(ctx, old, new)
	if errors.Is(err, ErrStale) {
		r.mu.Lock()
		r.stale++
		r.mu.Unlock()
	}
	return err
}

// TestRefreshSourceRace: two instances (two sources over one store), each
// with many callers, in rounds that start with an expired access token,
// against a provider that rotates refresh tokens and refuses a second use
// of one. The first load of each instance is held until both loaded, so
// both try to claim the same refresh token. Each round refreshes exactly
// once; no refresh token is ever used twice.
func TestRefreshSourceRace(t *testing.T) {
	p := provider(t)
	p.SetRotate(true)
	d := delegated(p)
	mem := connected(t, d)
	st := &racyStore{TokenStore: mem}
	ctx := context.Background()
	const rounds, callers = 5, 8
	for round := 1; round <= rounds; round++ {
		// The access token expired; both instances start afresh.
		cur, _ := mem.Load(ctx)
		expired := cur
		expired.Expiry = time.Now().Add(-time.Second)
		if err := mem.Save(ctx, cur, expired); err != nil {
			t.Fatal(err)
		}
		st.mu.Lock()
		st.waiting, st.n, st.release = 0, 2, make(chan struct{})
		st.mu.Unlock()
		a, b := d.Source(st, SourceOptions{}), d.Source(st, SourceOptions{})
		var wg sync.WaitGroup
		errs := make(chan error, 2*callers)
		got := make(chan string, 2*callers)
		for i := 0; i < callers; i++ {
			for _, s := range []*RefreshSource{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tok, err := s.Token(ctx)
					errs <- err
					got <- tok.AccessToken
				}()
			}
		}
		wg.Wait()
		close(errs)
		close(got)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		tokens := map[string]bool{}
		for tok := range got {
			tokens[tok] = true
		}
		if len(tokens) != 1 {
			t.Errorf("round %d: callers got %d different access tokens, want the one refresh's", round, len(tokens))
		}
		if s := p.Stats(); s.Refreshes != round {
			t.Errorf("round %d: %d refreshes so far, want %d", round, s.Refreshes, round)
		}
	}
	if s := p.Stats(); s.RefreshReuses != 0 || s.InvalidGrants != 0 {
		t.Errorf("a refresh token was used twice: %+v", s)
	}
	if st.stale < rounds {
		t.Errorf("%d stale claims in %d rounds: the instances did not race", st.stale, rounds)
	}
}

// TestRefreshSourceWaitsForLease: an instance that finds another's lease
// waits for its token instead of refreshing.
func TestRefreshSourceWaitsForLease(t *testing.T) {
	p := provider(t)
	p.SetRotate(true)
	d := delegated(p)
	st := connected(t, d)
	cur, _ := st.Load(context.Background())
	claim := cur
	claim.LeaseUntil = time.Now().Add(time.Minute)
	if err := st.Save(context.Background(), cur, claim); err != nil {
		t.Fatal(err)
	}
	claim.Version = cur.Version + 1
	clk := newClock()
	clk.Set(cur.Expiry.Add(time.Second))
	done := make(chan Token, 1)
	go func() {
		tok, err := d.Source(st, SourceOptions{Now: clk.Now}).Token(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- tok
	}()
	// The "other instance" finishes its refresh.
	winner := StoredToken{AccessToken: "at-winner", RefreshToken: "rt-winner", Expiry: clk.Now().Add(time.Hour)}
	if err := st.Save(context.Background(), claim, winner); err != nil {
		t.Fatal(err)
	}
	if tok := <-done; tok.AccessToken != "at-winner" {
		t.Errorf("got %v, want the winner's token", tok)
	}
	if n := p.Stats().Refreshes; n != 0 {
		t.Errorf("%d refreshes while another instance held the lease", n)
	}
}

func TestRefreshSourceInvalidGrant(t *testing.T) {
	p := provider(t)
	d := delegated(p)
	st := connected(t, d)
	secretRT, _ := st.Load(context.Background())
	p.SetInvalidGrant(true)
	clk := newClock()
	clk.Set(secretRT.Expiry.Add(time.Second))
	_, err := d.Source(st, SourceOptions{Now: clk.Now}).Token(context.Background())
	if !errors.Is(err, ErrNeedsReauthorization) {
		t.Fatalf("Token() = %v, want ErrNeedsReauthorization", err)
	}
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_grant" || pe.HTTPStatus != 400 {
		t.Errorf("error %#v", err)
	}
	noSecrets(t, err.Error(), secretRT.RefreshToken, secretRT.AccessToken, testClientSecret)
	if after, _ := st.Load(context.Background()); !after.LeaseUntil.IsZero() || after.RefreshToken != secretRT.RefreshToken {
		t.Errorf("after invalid_grant the store holds %v; want the grant kept, no lease", after)
	}
	// A grant with no refresh token at all is the same case.
	empty := NewMemoryStore(StoredToken{})
	empty.Save(context.Background(), StoredToken{}, StoredToken{AccessToken: "x", Expiry: time.Now().Add(-time.Hour)})
	if _, err := d.Source(empty, SourceOptions{}).Token(context.Background()); !errors.Is(err, ErrNeedsReauthorization) {
		t.Errorf("no refresh token: %v", err)
	}
}

func TestSecretsStayOutOfErrorsAndLogs(t *testing.T) {
	p := provider(t)
	d := delegated(p)
	st := connected(t, d)
	stored, _ := st.Load(context.Background())
	// A wrong client secret: invalid_client, which an admin must fix.
	bad := Generic{TokenURL: p.TokenURL(), ClientID: testClientID, ClientSecret: "wrong-secret-value"}
	_, err := bad.ClientCredentials(SourceOptions{}).Token(context.Background())
	if !errors.Is(err, ErrNeedsReauthorization) {
		t.Errorf("wrong client secret: %v", err)
	}
	noSecrets(t, err.Error(), "wrong-secret-value")
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	tok := Token{AccessToken: stored.AccessToken, Expiry: stored.Expiry}
	log.Info("tokens", slog.Any("stored", stored), slog.Any("token", tok))
	out := buf.String() + fmt.Sprintf("%v %+v %#v %s %v %+v %#v", stored, stored, stored, tok, tok, tok, tok)
	noSecrets(t, out, stored.AccessToken, stored.RefreshToken)
	if !strings.Contains(out, "redacted") {
		t.Errorf("log: %s", out)
	}
}

func noSecrets(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%q shows a secret", s)
		}
	}
}

func TestFetchSourceClientCredentials(t *testing.T) {
	p := provider(t)
	clk := newClock()
	src := Generic{TokenURL: p.TokenURL(), ClientID: testClientID, ClientSecret: testClientSecret, Scopes: []string{"x"}}.
		ClientCredentials(SourceOptions{Now: clk.Now})
	first, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := src.Token(context.Background()); again != first || p.Stats().ClientCredentials != 1 {
		t.Errorf("a fresh token was fetched again")
	}
	clk.Set(first.Expiry.Add(-30 * time.Second))
	next, err := src.Token(context.Background())
	if err != nil || next == first || p.Stats().ClientCredentials != 2 {
		t.Errorf("within the skew: %v, %d fetches", err, p.Stats().ClientCredentials)
	}
	if email := introspect(t, p, next.AccessToken); email != "app@company.test" {
		t.Errorf("introspection says %q", email)
	}
}

package mailauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Defaults of SourceOptions.
const (
	DefaultSkew  = time.Minute
	DefaultLease = time.Minute
)

// SourceOptions tune a token source; the zero value is fine.
type SourceOptions struct {
	// Skew: an access token with less than this left is refreshed
	// (default DefaultSkew). Keep it well under the tokens' lifetime.
	Skew time.Duration
	// Lease bounds one refresh; others wait for it at most this long
	// (default DefaultLease). The request itself gets half of it.
	Lease time.Duration
	// HTTPClient talks to the token endpoint (default http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o SourceOptions) withDefaults() SourceOptions {
	if o.Skew <= 0 {
		o.Skew = DefaultSkew
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func (o SourceOptions) httpContext(ctx context.Context) context.Context {
	if o.HTTPClient == nil {
		return ctx
	}
	return context.WithValue(ctx, oauth2.HTTPClient, o.HTTPClient)
}

// ProviderError is a token endpoint's refusal. It holds the OAuth2 error
// code and description (RFC 6749 section 5.2), never the response body,
// which could echo what was sent.
type ProviderError struct {
	Op          string // "refresh", "client credentials", …
	HTTPStatus  int
	Code        string // invalid_grant, invalid_client, …
	Description string
}

func (e *ProviderError) Error() string {
	s := "OAuth2 " + e.Op + ": the provider answered"
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf(" HTTP %d", e.HTTPStatus)
	}
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Is makes invalid_grant (and invalid_client: an expired or deleted client
// secret) match ErrNeedsReauthorization.
func (e *ProviderError) Is(target error) bool {
	return target == ErrNeedsReauthorization && (e.Code == "invalid_grant" || e.Code == "invalid_client")
}

// providerError turns what golang.org/x/oauth2 returned into an error that
// holds no token and no response body.
func providerError(op string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		pe := &ProviderError{Op: op, Code: re.ErrorCode, Description: re.ErrorDescription}
		if re.Response != nil {
			pe.HTTPStatus = re.Response.StatusCode
		}
		return pe
	}
	return fmt.Errorf("OAuth2 %s: %w", op, err)
}

// fromOAuth2 converts a token that golang.org/x/oauth2 got.
func fromOAuth2(t *oauth2.Token) StoredToken {
	return StoredToken{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry}
}

// RefreshSource gives the access tokens of a delegated grant, refreshing
// them through the token store shared by every instance (see the package
// comment for the algorithm).
type RefreshSource struct {
	cfg   *oauth2.Config
	store TokenStore
	opt   SourceOptions

	mu     sync.Mutex // one refresh at a time in this process
	cached StoredToken
}

// NewRefreshSource returns the source of cfg's tokens kept in store.
func NewRefreshSource(cfg *oauth2.Config, store TokenStore, opt SourceOptions) *RefreshSource {
	return &RefreshSource{cfg: cfg, store: store, opt: opt.withDefaults()}
}

func (s *RefreshSource) fresh(t StoredToken) bool {
	return t.AccessToken != "" && (t.Expiry.IsZero() || s.opt.Now().Add(s.opt.Skew).Before(t.Expiry))
}

// Token implements TokenSource.
func (s *RefreshSource) Token(ctx context.Context) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fresh(s.cached) {
		return Token{AccessToken: s.cached.AccessToken, Expiry: s.cached.Expiry}, nil
	}
	for {
		cur, err := s.store.Load(ctx)
		if err != nil {
			return Token{}, fmt.Errorf("load the OAuth2 token: %w", err)
		}
		if s.fresh(cur) {
			s.cached = cur
			return Token{AccessToken: cur.AccessToken, Expiry: cur.Expiry}, nil
		}
		if cur.RefreshToken == "" {
			return Token{}, fmt.Errorf("the stored OAuth2 grant has no refresh token: %w", ErrNeedsReauthorization)
		}
		now := s.opt.Now()
		if cur.LeaseUntil.After(now) {
			// Another instance refreshes: wait for its token.
			if err := pause(ctx, min(cur.LeaseUntil.Sub(now), 100*time.Millisecond)); err != nil {
				return Token{}, err
			}
			continue
		}
		claim := cur
		claim.LeaseUntil = now.Add(s.opt.Lease)
		if err := s.store.Save(ctx, cur, claim); errors.Is(err, ErrStale) {
			continue
		} else if err != nil {
			return Token{}, fmt.Errorf("claim the OAuth2 refresh: %w", err)
		}
		claim.Version = cur.Version + 1
		next, rerr := s.refresh(ctx, cur.RefreshToken)
		// The result is saved even when ctx ended meanwhile: a rotated
		// refresh token must not be lost.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if rerr != nil {
			release := claim
			release.LeaseUntil = time.Time{}
			s.store.Save(sctx, claim, release) // the lease runs out anyway
			return Token{}, rerr
		}
		if err := s.store.Save(sctx, claim, next); err != nil {
			return Token{}, fmt.Errorf("keep the refreshed OAuth2 token (the refresh outlasted its lease?): %w", err)
		}
		next.Version = claim.Version + 1
		s.cached = next
		return Token{AccessToken: next.AccessToken, Expiry: next.Expiry}, nil
	}
}

// refresh uses rt once.
func (s *RefreshSource) refresh(ctx context.Context, rt string) (StoredToken, error) {
	ctx, cancel := context.WithTimeout(s.opt.httpContext(ctx), s.opt.Lease/2)
	defer cancel()
	t, err := s.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		return StoredToken{}, providerError("refresh", err)
	}
	next := fromOAuth2(t)
	if next.RefreshToken == "" { // not rotated
		next.RefreshToken = rt
	}
	return next, nil
}

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Connect keeps the token of a new grant (what Authorization.Exchange got)
// in store, replacing whatever was there: the mailbox is connected again.
func Connect(ctx context.Context, store TokenStore, t *oauth2.Token) error {
	if t.RefreshToken == "" {
		return errors.New("the provider gave no refresh token (Microsoft: add the offline_access scope; Google: access_type=offline and prompt=consent)")
	}
	for {
		cur, err := store.Load(ctx)
		if err != nil && !errors.Is(err, ErrNoToken) {
			return fmt.Errorf("load the OAuth2 token: %w", err)
		}
		err = store.Save(ctx, cur, fromOAuth2(t))
		if !errors.Is(err, ErrStale) {
			return err
		}
	}
}

// FetchSource gives tokens of a grant that needs no refresh token (client
// credentials, a service account's signed JWT): each instance fetches its
// own when the last one is about to expire.
type FetchSource struct {
	op    string
	fetch func(ctx context.Context) (*oauth2.Token, error)
	opt   SourceOptions

	mu     sync.Mutex
	cached Token
}

// NewFetchSource returns a source that calls fetch for each new token; op
// names the grant in errors.
func NewFetchSource(op string, fetch func(ctx context.Context) (*oauth2.Token, error), opt SourceOptions) *FetchSource {
	return &FetchSource{op: op, fetch: fetch, opt: opt.withDefaults()}
}

// Token implements TokenSource.
func (s *FetchSource) Token(ctx context.Context) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached.AccessToken != "" && (s.cached.Expiry.IsZero() || s.opt.Now().Add(s.opt.Skew).Before(s.cached.Expiry)) {
		return s.cached, nil
	}
	ctx, cancel := context.WithTimeout(s.opt.httpContext(ctx), s.opt.Lease/2)
	defer cancel()
	t, err := s.fetch(ctx)
	if err != nil {
		return Token{}, providerError(s.op, err)
	}
	s.cached = Token{AccessToken: t.AccessToken, Expiry: t.Expiry}
	return s.cached, nil
}

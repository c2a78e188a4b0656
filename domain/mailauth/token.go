package mailauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrNeedsReauthorization means the provider refused the grant for good
// (OAuth2 invalid_grant: consent revoked, client secret expired, refresh
// token revoked, too old or already used): retrying cannot help, an admin
// must connect the mailbox again.
var ErrNeedsReauthorization = errors.New("the mailbox must be connected again (the provider refused the grant)")

// ErrStale is TokenStore.Save's answer when the stored token is no longer
// the one the caller read: another instance changed it meanwhile.
var ErrStale = errors.New("the stored token changed meanwhile")

// ErrNoToken is TokenStore.Load's answer when the mailbox was never
// connected.
var ErrNoToken = errors.New("the mailbox has no OAuth2 token yet: connect it first")

// Token is an access token and when it expires (zero: the provider did not
// say). It prints redacted, so it can go into logs and errors safely.
type Token struct {
	AccessToken string
	Expiry      time.Time
}

// String hides the token itself.
func (t Token) String() string { return "access token (redacted), expires " + stamp(t.Expiry) }

// GoString hides the token from %#v.
func (t Token) GoString() string { return t.String() }

// LogValue hides the token from slog.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// TokenSource gives access tokens that are good now.
type TokenSource interface {
	// Token returns an access token valid for a while yet, refreshing or
	// fetching one when needed. An error that errors.Is
	// ErrNeedsReauthorization is final.
	Token(ctx context.Context) (Token, error)
}

// StoredToken is what a TokenStore keeps of one delegated mailbox: the
// refresh token, the last access token (so a restart or another instance
// need not refresh at once) and the refresh lease. Like Token it prints
// redacted.
type StoredToken struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time
	// LeaseUntil, while in the future, says an instance is refreshing with
	// RefreshToken: the others wait for its result instead of using it too.
	LeaseUntil time.Time
	// Version counts the saves; stores may use it for their compare.
	Version int64
}

// String hides the tokens.
func (t StoredToken) String() string {
	return fmt.Sprintf("stored token v%d (redacted), expires %s, lease until %s", t.Version, stamp(t.Expiry), stamp(t.LeaseUntil))
}

// GoString hides the tokens from %#v.
func (t StoredToken) GoString() string { return t.String() }

// LogValue hides the tokens from slog.
func (t StoredToken) LogValue() slog.Value { return slog.StringValue(t.String()) }

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// TokenStore keeps one mailbox's StoredToken, shared by every instance.
// Implementations seal the tokens at rest (see Sealer).
type TokenStore interface {
	// Load returns the stored token, or ErrNoToken.
	Load(ctx context.Context) (StoredToken, error)
	// Save replaces old by new (with new.Version = old.Version+1) if and
	// only if the store still holds old (same Version and RefreshToken);
	// otherwise it changes nothing and returns ErrStale. It is atomic
	// across instances (e.g. UPDATE … WHERE version = old.Version).
	Save(ctx context.Context, old, new StoredToken) error
}

// MemoryStore is a TokenStore in memory, for one process and for tests.
type MemoryStore struct {
	mu    sync.Mutex
	tok   StoredToken
	saved bool
	saves int
}

// NewMemoryStore returns a store holding tok (nothing when tok has no
// refresh token).
func NewMemoryStore(tok StoredToken) *MemoryStore {
	return &MemoryStore{tok: tok, saved: tok.RefreshToken != ""}
}

// Load implements TokenStore.
func (m *MemoryStore) Load(context.Context) (StoredToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.saved {
		return StoredToken{}, ErrNoToken
	}
	return m.tok, nil
}

// Save implements TokenStore.
func (m *MemoryStore) Save(_ context.Context, old, new StoredToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.saved && (m.tok.Version != old.Version || m.tok.RefreshToken != old.RefreshToken) {
		return ErrStale
	}
	new.Version = old.Version + 1
	m.tok, m.saved = new, true
	m.saves++
	return nil
}

// Saves counts the successful saves.
func (m *MemoryStore) Saves() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saves
}

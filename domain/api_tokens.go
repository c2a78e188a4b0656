package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// APIScope is what an API token may do: read only, or read and write.
type APIScope string

// The scopes of an API token.
const (
	ScopeRead  APIScope = "read"
	ScopeWrite APIScope = "write"
)

// ParseAPIScope reads "read" or "write"; "" is read.
func ParseAPIScope(s string) (APIScope, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "read":
		return ScopeRead, nil
	case "write":
		return ScopeWrite, nil
	}
	return "", fmt.Errorf("%w: scope %q: want read or write", ErrInvalid, s)
}

// APIToken is a bearer token for the REST API. It acts for UserID with that
// user's role and never more; Scope read refuses writes. The token itself
// ("tg_" and 32 random bytes in base64url) is shown once when it is made;
// only Hash, its hex SHA-256, is stored.
type APIToken struct {
	ID         int64
	Name       string
	UserID     int64
	UserEmail  string // filled on reads
	Scope      APIScope
	Hash       string
	CreatedAt  time.Time
	LastUsedAt *time.Time // updated at most once a minute
	RevokedAt  *time.Time
}

// APITokenPrefix starts every API token, so that a leaked one is easy to
// recognize (secret scanners, logs).
const APITokenPrefix = "tg_"

// MaxAPITokenName is the longest token name, in characters.
const MaxAPITokenName = 100

// ErrBadToken is returned for an API token that is malformed, unknown,
// revoked, or whose user is disabled.
var ErrBadToken = errors.New("invalid API token")

// CreateAPIToken makes a token named name for the user with address email
// and returns it with the token, which is never shown again.
func (d *Desk) CreateAPIToken(ctx context.Context, email, name string, scope APIScope) (*APIToken, string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return nil, "", fmt.Errorf("%w: a token needs a name", ErrInvalid)
	case utf8.RuneCountInString(name) > MaxAPITokenName:
		return nil, "", fmt.Errorf("%w: the name is longer than %d characters", ErrInvalid, MaxAPITokenName)
	case scope != ScopeRead && scope != ScopeWrite:
		return nil, "", fmt.Errorf("%w: scope %q: want read or write", ErrInvalid, scope)
	}
	addr, err := NormalizeEmail(email)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s", ErrInvalid, stripMailPrefix(err))
	}
	u, err := d.store.GetUserByEmail(ctx, addr)
	if isNotFound(err) {
		return nil, "", fmt.Errorf("%w: no user %s", ErrInvalid, addr)
	}
	if err != nil {
		return nil, "", fmt.Errorf("create API token: %w", err)
	}
	if u.Disabled {
		return nil, "", fmt.Errorf("%w: user %s is disabled", ErrInvalid, addr)
	}
	secret, err := randomToken(32)
	if err != nil {
		return nil, "", err
	}
	token := APITokenPrefix + secret
	t := &APIToken{Name: name, UserID: u.ID, UserEmail: u.Email, Scope: scope, Hash: hashSecret(token), CreatedAt: d.clock.Now()}
	if err := d.store.CreateAPIToken(ctx, t); err != nil {
		return nil, "", fmt.Errorf("create API token: %w", err)
	}
	d.log.InfoContext(ctx, "API token created", slog.Int64("token", t.ID), slog.String("user", u.Email), slog.String("scope", string(scope)))
	return t, token, nil
}

// APITokens lists every token, revoked ones too.
func (d *Desk) APITokens(ctx context.Context) ([]APIToken, error) {
	ts, err := d.store.ListAPITokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	return ts, nil
}

// RevokeAPIToken ends token id at once; revoking it twice is no error.
func (d *Desk) RevokeAPIToken(ctx context.Context, id int64) error {
	if err := d.store.RevokeAPIToken(ctx, id, d.clock.Now()); err != nil {
		return fmt.Errorf("revoke API token %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "API token revoked", slog.Int64("token", id))
	return nil
}

// AuthenticateAPIToken returns the token and its user for a bearer token.
// It returns an error wrapping ErrBadToken when the token is malformed,
// unknown or revoked, or its user is disabled. The token's secret has 256
// bits, so looking it up by its hash leaks nothing a timing could use.
func (d *Desk) AuthenticateAPIToken(ctx context.Context, token string) (*APIToken, *User, error) {
	if !strings.HasPrefix(token, APITokenPrefix) || len(token) > 200 {
		return nil, nil, ErrBadToken
	}
	t, err := d.store.GetAPITokenByHash(ctx, hashSecret(token))
	if isNotFound(err) {
		return nil, nil, ErrBadToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authenticate API token: %w", err)
	}
	if t.RevokedAt != nil {
		return nil, nil, fmt.Errorf("%w: revoked", ErrBadToken)
	}
	u, err := d.store.GetUser(ctx, t.UserID)
	if isNotFound(err) {
		return nil, nil, ErrBadToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authenticate API token: %w", err)
	}
	if u.Disabled {
		return nil, nil, fmt.Errorf("%w: user disabled", ErrBadToken)
	}
	now := d.clock.Now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchEvery {
		if err := d.store.TouchAPIToken(ctx, t.ID, now); err != nil && !isNotFound(err) {
			return nil, nil, fmt.Errorf("touch API token: %w", err)
		}
		t.LastUsedAt = &now
	}
	return t, u, nil
}

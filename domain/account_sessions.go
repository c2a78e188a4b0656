package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Session is one signed-in browser. Its token, given to the browser once,
// is "ID.secret"; the database keeps only SecretHash, so reading it does not
// let anyone sign in.
type Session struct {
	ID         string
	UserID     int64
	SecretHash string // hex SHA-256 of the secret
	// CSRFToken is sent back with every form of this session; it is random
	// and tied to the session, so another site cannot know it.
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ClientAddr string // where it signed in from, for people
}

// How long sessions live: a working day without signing in twice, and a
// stolen cookie dies within the week.
const (
	// SessionIdleTimeout ends a session nobody used for this long.
	SessionIdleTimeout = 12 * time.Hour
	// SessionMaxAge ends every session this long after sign-in, used or not.
	SessionMaxAge = 7 * 24 * time.Hour
)

// touchEvery limits writes: LastSeenAt is updated at most this often.
const touchEvery = time.Minute

// ErrSignedOut is returned for a session token that is unknown, wrong,
// expired, or whose user was disabled.
var ErrSignedOut = errors.New("not signed in")

// randomToken returns n random bytes in unpadded base64url.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// splitToken cuts "id.secret"; both parts must be there.
func splitToken(token string) (id, secret string, ok bool) {
	id, secret, ok = strings.Cut(token, ".")
	return id, secret, ok && id != "" && secret != "" && len(token) <= 200
}

// newSession creates a session for user u inside tx and returns it with its
// token.
func (d *Desk) newSession(ctx context.Context, tx Store, u *User, clientAddr string) (*Session, string, error) {
	id, err := randomToken(16)
	if err != nil {
		return nil, "", err
	}
	secret, err := randomToken(32)
	if err != nil {
		return nil, "", err
	}
	csrf, err := randomToken(32)
	if err != nil {
		return nil, "", err
	}
	now := d.clock.Now()
	// Sweep sessions nobody will use again: expired ones are otherwise
	// deleted only when their cookie comes back.
	if err := tx.DeleteExpiredSessions(ctx, now.Add(-SessionIdleTimeout), now.Add(-SessionMaxAge)); err != nil {
		return nil, "", err
	}
	s := &Session{ID: id, UserID: u.ID, SecretHash: hashSecret(secret), CSRFToken: csrf,
		CreatedAt: now, LastSeenAt: now, ClientAddr: clientAddr}
	if err := tx.CreateSession(ctx, s); err != nil {
		return nil, "", fmt.Errorf("create session: %w", err)
	}
	return s, id + "." + secret, nil
}

// Authenticate returns the session and user that token names, and renews
// the session's idle time. It returns an error wrapping ErrSignedOut when
// the token is unknown or wrong, the session expired (it is then deleted),
// or the user is disabled.
func (d *Desk) Authenticate(ctx context.Context, token string) (*Session, *User, error) {
	id, secret, ok := splitToken(token)
	if !ok {
		return nil, nil, ErrSignedOut
	}
	s, err := d.store.GetSession(ctx, id)
	if isNotFound(err) {
		return nil, nil, ErrSignedOut
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authenticate: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(s.SecretHash)) != 1 {
		return nil, nil, ErrSignedOut
	}
	now := d.clock.Now()
	if now.Sub(s.LastSeenAt) >= SessionIdleTimeout || now.Sub(s.CreatedAt) >= SessionMaxAge {
		if err := d.store.DeleteSession(ctx, s.ID); err != nil {
			return nil, nil, fmt.Errorf("delete expired session: %w", err)
		}
		return nil, nil, fmt.Errorf("%w: session expired", ErrSignedOut)
	}
	u, err := d.store.GetUser(ctx, s.UserID)
	if isNotFound(err) {
		return nil, nil, ErrSignedOut
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authenticate: %w", err)
	}
	if u.Disabled {
		return nil, nil, fmt.Errorf("%w: user disabled", ErrSignedOut)
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := d.store.TouchSession(ctx, s.ID, now); err != nil && !isNotFound(err) {
			return nil, nil, fmt.Errorf("touch session: %w", err)
		}
		s.LastSeenAt = now
	}
	return s, u, nil
}

// SignOut ends the session that token names; an unknown token is no error.
func (d *Desk) SignOut(ctx context.Context, token string) error {
	id, _, ok := splitToken(token)
	if !ok {
		return nil
	}
	if err := d.store.DeleteSession(ctx, id); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// saveUser writes u and, when u is disabled, ends its sessions in the same
// transaction: a disabled user never keeps a way in.
func (d *Desk) saveUser(ctx context.Context, tx Store, u *User) error {
	if err := tx.UpdateUser(ctx, u); err != nil {
		return err
	}
	if u.Disabled {
		return d.revokeSessions(ctx, tx, u.ID)
	}
	return nil
}

// revokeSessions ends every session of user userID inside tx; it runs
// whenever the user's password changes or they are disabled.
func (d *Desk) revokeSessions(ctx context.Context, tx Store, userID int64) error {
	if err := tx.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("revoke sessions of user %d: %w", userID, err)
	}
	d.log.InfoContext(ctx, "sessions revoked", slog.Int64("user", userID))
	return nil
}

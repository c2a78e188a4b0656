package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Sign-in throttling (docs/design.md "Security"; see throttle.go): after
// SignInAccountLimit failures for one account, or SignInAddressLimit from
// one client address, within SignInWindow, further tries are refused until
// the oldest failure leaves the window. Each try is counted before its
// password is checked, and given back when the password was right. A
// success clears the account's count (not the address's: one good password
// must not unlock guessing at others). Wrong current passwords on the
// change-password page count as failed sign-ins.
const (
	SignInAccountLimit = 5
	SignInAddressLimit = 20
	SignInWindow       = 15 * time.Minute
)

// Throttle scopes in the attempts table.
const (
	scopeSignInAccount = "signin_account"
	scopeSignInAddress = "signin_address"
	scopeLinkAccount   = "link_account"
	scopeLinkAddress   = "link_address"
)

// ErrBadCredentials is the one answer to a wrong email, a wrong password, a
// user without a password and a disabled user alike, so that sign-in does
// not tell which addresses exist.
var ErrBadCredentials = errors.New("wrong email or password")

// ThrottledError says that too many attempts were made and when to try
// again.
type ThrottledError struct {
	RetryAfter time.Duration
}

// Error says how long to wait.
func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many attempts; try again in %s", e.RetryAfter.Round(time.Second))
}

// dummyHash is a bcrypt hash (cost 10, as HashPassword's) of a password
// nobody knows. Sign-in checks the password against it when the user does
// not exist, so an unknown address takes as long as a known one.
const dummyHash = "$2a$10$mdb3u.zSFO54ayQkUdnod.1eV5At2hc/hk6oQhsnj3q5KMZGk1yny"

// SignInRequest is what a sign-in form sends.
type SignInRequest struct {
	Email      string
	Password   string
	ClientAddr string // the client's IP address, for throttling and logs
	// OldToken is the session the browser had before, if any: it is ended,
	// so that a session id is never carried across a sign-in.
	OldToken string
}

// SignIn checks an email and password and opens a session. It returns the
// session, its token for the cookie and the user; ErrBadCredentials when
// the pair is wrong for any reason; a *ThrottledError when too many tries
// failed lately. Failures are logged with the address, never the password.
func (d *Desk) SignIn(ctx context.Context, in SignInRequest) (*Session, string, *User, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		email = strings.ToLower(strings.TrimSpace(in.Email))
	}
	ids, wait, err := d.reserve(ctx, d.clock.Now(), SignInWindow, []attemptLimit{
		{scopeSignInAccount, email, SignInAccountLimit},
		{scopeSignInAddress, in.ClientAddr, SignInAddressLimit},
	})
	if err != nil {
		return nil, "", nil, fmt.Errorf("sign in: %w", err)
	}
	if wait > 0 {
		d.log.WarnContext(ctx, "sign-in throttled", slog.String("email", email), slog.String("client", in.ClientAddr))
		return nil, "", nil, &ThrottledError{RetryAfter: wait}
	}

	// The attempt is counted already: from here on, a failure of any kind
	// leaves it counted.
	u, err := d.store.GetUserByEmail(ctx, email)
	if err != nil && !isNotFound(err) {
		return nil, "", nil, fmt.Errorf("sign in: %w", err)
	}
	ok := false
	if u == nil || u.PasswordHash == "" {
		CheckPassword(dummyHash, in.Password) // same time as a real check
	} else {
		ok = CheckPassword(u.PasswordHash, in.Password) && !u.Disabled
	}
	if !ok {
		d.log.WarnContext(ctx, "sign-in failed", slog.String("email", email), slog.String("client", in.ClientAddr),
			slog.Bool("known", u != nil))
		return nil, "", nil, ErrBadCredentials
	}

	var s *Session
	var token string
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if id, _, ok := splitToken(in.OldToken); ok {
			if err := tx.DeleteSession(ctx, id); err != nil {
				return err
			}
		}
		// A success is no failure: the account's count starts over, and
		// the address's loses this attempt only.
		if err := tx.ClearAttempts(ctx, scopeSignInAccount, email); err != nil {
			return err
		}
		if err := releaseAttempts(ctx, tx, ids); err != nil {
			return err
		}
		var err error
		s, token, err = d.newSession(ctx, tx, u, in.ClientAddr)
		return err
	})
	if err != nil {
		return nil, "", nil, fmt.Errorf("sign in %s: %w", email, err)
	}
	d.log.InfoContext(ctx, "signed in", slog.String("email", email), slog.String("client", in.ClientAddr))
	return s, token, u, nil
}

// ChangePassword sets a new password for user userID after checking the
// current one and the password rules (see CheckNewPassword). It clears the
// must-change flag, ends every session of the user, and opens a new one
// for the browser that asked, returned with its token. Wrong current
// password: ErrBadCredentials; a rule broken: an ErrInvalid error. A wrong
// current password is a guess at the account's password like a failed
// sign-in, and counts against the same limits (SignInAccountLimit,
// SignInAddressLimit): past them the answer is a *ThrottledError and the
// password is not checked.
func (d *Desk) ChangePassword(ctx context.Context, userID int64, current, password, clientAddr string) (*Session, string, error) {
	u, err := d.store.GetUser(ctx, userID)
	if err != nil {
		return nil, "", fmt.Errorf("change password: %w", err)
	}
	ids, wait, err := d.reserve(ctx, d.clock.Now(), SignInWindow, []attemptLimit{
		{scopeSignInAccount, u.Email, SignInAccountLimit},
		{scopeSignInAddress, clientAddr, SignInAddressLimit},
	})
	if err != nil {
		return nil, "", fmt.Errorf("change password of %s: %w", u.Email, err)
	}
	if wait > 0 {
		d.log.WarnContext(ctx, "password change throttled", slog.String("email", u.Email), slog.String("client", clientAddr))
		return nil, "", &ThrottledError{RetryAfter: wait}
	}
	if !CheckPassword(u.PasswordHash, current) {
		d.log.WarnContext(ctx, "password change: wrong current password", slog.String("email", u.Email),
			slog.String("client", clientAddr))
		return nil, "", ErrBadCredentials
	}
	// The current password is right: this attempt was no guess.
	if err := releaseAttempts(ctx, d.store, ids); err != nil {
		return nil, "", fmt.Errorf("change password of %s: %w", u.Email, err)
	}
	if err := CheckNewPassword(u.Email, u.PasswordHash, password); err != nil {
		return nil, "", err
	}
	s, token, err := d.setPassword(ctx, u.ID, password, clientAddr, "")
	if err != nil {
		return nil, "", fmt.Errorf("change password of %s: %w", u.Email, err)
	}
	d.log.InfoContext(ctx, "password changed", slog.String("email", u.Email))
	return s, token, nil
}

// setPassword hashes password and stores it for user userID with the
// must-change flag cleared, ends the user's sessions and password links,
// and opens a new session, in one transaction. A linkID names the password
// link that allowed it: it is spent first, so that two requests with one
// link cannot both succeed (ErrLinkInvalid for the second).
func (d *Desk) setPassword(ctx context.Context, userID int64, password, clientAddr, linkID string) (*Session, string, error) {
	hash, err := HashPassword(password)
	if err != nil {
		return nil, "", err
	}
	var s *Session
	var token string
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		u, err := tx.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		now := d.clock.Now()
		if linkID != "" {
			if err := tx.SpendPasswordLink(ctx, linkID, now); isNotFound(err) {
				return ErrLinkInvalid
			} else if err != nil {
				return err
			}
		}
		u.PasswordHash, u.MustChangePassword, u.UpdatedAt = hash, false, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := d.revokeSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := tx.UsePasswordLinks(ctx, u.ID, now); err != nil {
			return err
		}
		if err := tx.ClearAttempts(ctx, scopeSignInAccount, u.Email); err != nil {
			return err
		}
		s, token, err = d.newSession(ctx, tx, u, clientAddr)
		return err
	})
	return s, token, err
}

// SetUserDisabled disables or enables the user with address email. Disabling
// ends all their sessions at once.
func (d *Desk) SetUserDisabled(ctx context.Context, email string, disabled bool) error {
	addr, err := NormalizeEmail(email)
	if err != nil {
		return fmt.Errorf("disable user: %w", err)
	}
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		u, err := tx.GetUserByEmail(ctx, addr)
		if err != nil {
			return err
		}
		u.Disabled, u.UpdatedAt = disabled, d.clock.Now()
		return d.saveUser(ctx, tx, u)
	})
	if err != nil {
		return fmt.Errorf("disable user %s: %w", addr, err)
	}
	return nil
}

package domain

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// PasswordLink is a single-use link that sets a user's password: the
// "forgot password" mail and the invitation of a new user are the same
// link. The URL carries "ID.secret"; the database keeps only SecretHash.
type PasswordLink struct {
	ID         string
	UserID     int64
	SecretHash string
	Purpose    string // LinkReset or LinkInvite
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     *time.Time
}

// Password link purposes, the "purpose" var of the MailPasswordLink mail.
const (
	LinkReset  = "reset"
	LinkInvite = "invite"
)

// PasswordLinkTTL is how long a password link works.
const PasswordLinkTTL = time.Hour

// PasswordLinkPath is the portal's path of a password link; the token
// follows it. The portal routes it, and the mail carries BASE_URL + it.
const PasswordLinkPath = "/reset/"

// Throttling of password link requests: at most LinkAccountLimit requests
// per address asked for and LinkAddressLimit per client address within
// LinkWindow. More are silently not recorded, so that the answer stays the
// same.
const (
	LinkAccountLimit = 3
	LinkAddressLimit = 10
	LinkWindow       = time.Hour
)

// ErrLinkInvalid is returned for a password link that is unknown, wrong,
// used or expired.
var ErrLinkInvalid = errors.New("this link is invalid, used or expired")

// Invite mails the user with address email a link to set their first
// password: for users an admin adds, and employees created from mail.
func (d *Desk) Invite(ctx context.Context, email, baseURL string) error {
	addr, err := NormalizeEmail(email)
	if err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		u, err := tx.GetUserByEmail(ctx, addr)
		if err != nil {
			return err
		}
		if u.Disabled {
			return fmt.Errorf("%w: %s is disabled", ErrInvalid, addr)
		}
		return d.sendPasswordLink(ctx, tx, u, LinkInvite, baseURL)
	})
	if err != nil {
		return fmt.Errorf("invite %s: %w", addr, err)
	}
	d.log.InfoContext(ctx, "invitation sent", slog.String("email", addr))
	return nil
}

// sendPasswordLink creates a link for u inside tx and mails it with
// MailPasswordLink. The mail's Vars are:
//
//	link     the whole URL to open (BASE_URL + PasswordLinkPath + token)
//	purpose  LinkReset ("reset") or LinkInvite ("invite")
//	expires  how long the link works, for people ("1 hour")
//	name     the user's name, or "" when unknown
func (d *Desk) sendPasswordLink(ctx context.Context, tx Store, u *User, purpose, baseURL string) error {
	id, err := randomToken(16)
	if err != nil {
		return err
	}
	secret, err := randomToken(32)
	if err != nil {
		return err
	}
	now := d.clock.Now()
	l := &PasswordLink{ID: id, UserID: u.ID, SecretHash: hashSecret(secret), Purpose: purpose,
		CreatedAt: now, ExpiresAt: now.Add(PasswordLinkTTL)}
	if err := tx.CreatePasswordLink(ctx, l); err != nil {
		return err
	}
	return d.sendMail(ctx, tx, Mail{
		Kind: MailPasswordLink, To: u.Email, ToName: u.Name,
		Vars: map[string]string{
			"link":    strings.TrimRight(baseURL, "/") + PasswordLinkPath + id + "." + secret,
			"purpose": purpose,
			"expires": "1 hour",
			"name":    u.Name,
		},
	})
}

// CheckPasswordLink returns the user a password link is for and its purpose
// without using it up (a mail scanner opening the link must not spend it).
// An unknown, wrong, used or expired link is ErrLinkInvalid.
func (d *Desk) CheckPasswordLink(ctx context.Context, token string) (*User, string, error) {
	l, u, err := d.passwordLink(ctx, d.store, token)
	if err != nil {
		return nil, "", err
	}
	return u, l.Purpose, nil
}

func (d *Desk) passwordLink(ctx context.Context, st Store, token string) (*PasswordLink, *User, error) {
	id, secret, ok := splitToken(token)
	if !ok {
		return nil, nil, ErrLinkInvalid
	}
	l, err := st.GetPasswordLink(ctx, id)
	if isNotFound(err) {
		return nil, nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, nil, fmt.Errorf("password link: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(l.SecretHash)) != 1 ||
		l.UsedAt != nil || !d.clock.Now().Before(l.ExpiresAt) {
		return nil, nil, ErrLinkInvalid
	}
	u, err := st.GetUser(ctx, l.UserID)
	if isNotFound(err) {
		return nil, nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, nil, fmt.Errorf("password link: %w", err)
	}
	if u.Disabled {
		return nil, nil, ErrLinkInvalid
	}
	return l, u, nil
}

// SetPasswordWithLink uses a password link: it checks the new password
// against the rules, sets it, spends this and every other link of the user,
// ends their sessions and signs them in, returning the new session and its
// token. ErrLinkInvalid for a bad link; an ErrInvalid error for a broken rule
// (the link is then not spent).
func (d *Desk) SetPasswordWithLink(ctx context.Context, token, password, clientAddr string) (*Session, string, *User, error) {
	l, u, err := d.passwordLink(ctx, d.store, token)
	if err != nil {
		return nil, "", nil, err
	}
	if err := CheckNewPassword(u.Email, u.PasswordHash, password); err != nil {
		return nil, "", nil, err
	}
	s, tok, err := d.setPassword(ctx, u.ID, password, clientAddr, l.ID)
	if err != nil {
		if errors.Is(err, ErrLinkInvalid) {
			return nil, "", nil, err
		}
		return nil, "", nil, fmt.Errorf("set password with link: %w", err)
	}
	d.log.InfoContext(ctx, "password set with link", slog.String("email", u.Email))
	return s, tok, u, nil
}

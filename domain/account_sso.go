package domain

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// Single sign-on (OpenID Connect, docs/sso.md). The web side runs the
// code flow with the identity provider and checks the ID token; what it
// learnt comes here as an SSOIdentity, and SignInSSO decides who that is
// in ticketgate and opens a session like a password sign-in.

// SSOIdentity is what a checked ID token says about the person.
type SSOIdentity struct {
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string // the groups claim, when the provider sends one
}

// SSOPolicy is how identities become users (OIDC_ALLOWED_DOMAINS,
// OIDC_ADMIN_GROUP, OIDC_AGENT_GROUP).
type SSOPolicy struct {
	// AllowedDomains are the email domains whose people get an employee
	// account at their first sign-in; others must exist already.
	AllowedDomains []string
	// AdminGroup and AgentGroup, when set, map the groups claim to roles
	// at every sign-in: a member of AdminGroup becomes admin, else a
	// member of AgentGroup becomes agent (an admin stays admin), else the
	// role stays as it is. Groups never lower a role.
	AdminGroup string
	AgentGroup string
}

// SSORefusedError says why a single sign-on was refused, in words for
// the person who tried.
type SSORefusedError struct{ Reason string }

func (e *SSORefusedError) Error() string { return "single sign-on refused: " + e.Reason }

// ErrSSORefused matches every *SSORefusedError.
var ErrSSORefused = errors.New("single sign-on refused")

// Is makes errors.Is(err, ErrSSORefused) true.
func (e *SSORefusedError) Is(target error) bool { return target == ErrSSORefused }

// SSOSignInRequest is one finished single sign-on.
type SSOSignInRequest struct {
	Identity   SSOIdentity
	Policy     SSOPolicy
	ClientAddr string
	OldToken   string // the browser's session before, ended as in SignIn
}

// SignInSSO opens a session for the user whose verified email the
// identity carries. An unknown address in an allowed domain becomes an
// employee with no password; any other unknown address, an unverified
// email and a disabled user are refused with an *SSORefusedError, and
// nothing is written then. Group mapping (see SSOPolicy) is applied in the
// same transaction as the session.
func (d *Desk) SignInSSO(ctx context.Context, in SSOSignInRequest) (*Session, string, *User, error) {
	id := in.Identity
	if !id.EmailVerified {
		d.log.WarnContext(ctx, "single sign-on refused: email not verified", slog.String("email", id.Email), slog.String("client", in.ClientAddr))
		return nil, "", nil, &SSORefusedError{"your identity provider does not say your email address is verified."}
	}
	email, err := NormalizeEmail(id.Email)
	if err != nil {
		return nil, "", nil, &SSORefusedError{"your identity provider sent no usable email address."}
	}
	role := mappedRole(in.Policy, id.Groups)
	var s *Session
	var token string
	var u *User
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		u, err = tx.GetUserByEmail(ctx, email)
		switch {
		case isNotFound(err):
			if !slices.Contains(in.Policy.AllowedDomains, EmailDomain(email)) {
				return &SSORefusedError{"there is no account for " + email + ", and its domain may not sign up by itself. Ask the helpdesk's admins for an account."}
			}
			now := d.clock.Now()
			u = &User{Email: email, Name: strings.TrimSpace(oneLine(id.Name, 200)), Role: RoleEmployee, CreatedAt: now, UpdatedAt: now}
			if role != "" {
				u.Role = role
			}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			d.log.InfoContext(ctx, "user created by single sign-on", slog.String("email", email), slog.String("role", string(u.Role)))
		case err != nil:
			return err
		case u.Disabled:
			return &SSORefusedError{"the account " + email + " is disabled."}
		case raises(role, u.Role):
			d.log.InfoContext(ctx, "role set by single sign-on groups", slog.String("email", email),
				slog.String("from", string(u.Role)), slog.String("to", string(role)))
			u.Role, u.UpdatedAt = role, d.clock.Now()
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		if id, _, ok := splitToken(in.OldToken); ok {
			if err := tx.DeleteSession(ctx, id); err != nil {
				return err
			}
		}
		s, token, err = d.newSession(ctx, tx, u, in.ClientAddr)
		return err
	})
	var refused *SSORefusedError
	if errors.As(err, &refused) {
		d.log.WarnContext(ctx, "single sign-on refused", slog.String("email", email), slog.String("client", in.ClientAddr),
			slog.String("reason", refused.Reason))
		return nil, "", nil, err
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("single sign-on of %s: %w", email, err)
	}
	d.log.InfoContext(ctx, "signed in by single sign-on", slog.String("email", email), slog.String("client", in.ClientAddr))
	return s, token, u, nil
}

// mappedRole is the role the groups give under p, or "" to leave it.
func mappedRole(p SSOPolicy, groups []string) Role {
	switch {
	case p.AdminGroup != "" && slices.Contains(groups, p.AdminGroup):
		return RoleAdmin
	case p.AgentGroup != "" && slices.Contains(groups, p.AgentGroup):
		return RoleAgent
	}
	return ""
}

// raises reports whether the mapped role is above the user's: groups
// never lower a role (an admin in the agent group stays admin).
func raises(mapped, current Role) bool {
	rank := map[Role]int{RoleEmployee: 1, RoleAgent: 2, RoleAdmin: 3}
	return mapped != "" && rank[mapped] > rank[current]
}

// oneLine cuts s at its first line break and to at most n bytes (on a
// rune boundary).
func oneLine(s string, n int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "")
	}
	return s
}

// SignSSO returns an HMAC-SHA256 of data with the server secret, for the
// web side's pending sign-on cookie: it accepts only what it made.
func (d *Desk) SignSSO(ctx context.Context, data []byte) (string, error) {
	key, err := d.secretKey(ctx, d.store)
	if err != nil {
		return "", fmt.Errorf("sign single sign-on state: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("sso-pending\x00"))
	m.Write(data)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// CheckSSO reports, in constant time, whether mac is SignSSO's of data.
func (d *Desk) CheckSSO(ctx context.Context, data []byte, mac string) (bool, error) {
	want, err := d.SignSSO(ctx, data)
	if err != nil {
		return false, err
	}
	return hmac.Equal([]byte(want), []byte(mac)), nil
}

package domain

import (
	"crypto/rand"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do in the portal.
type Role string

// The roles of docs/design.md "Who uses it".
const (
	RoleEmployee Role = "employee"
	RoleAgent    Role = "agent"
	RoleAdmin    Role = "admin"
)

// Roles lists every role, lowest first.
var Roles = []Role{RoleEmployee, RoleAgent, RoleAdmin}

// ParseRole returns the role named s, or an ErrInvalid error.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Roles {
		if r == known {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w: role %q (want employee, agent or admin)", ErrInvalid, s)
}

// User is a person known to the helpdesk: a requester, an agent or an admin.
// Approvers need no account.
type User struct {
	ID    int64
	Email string // normalized, see NormalizeEmail
	Name  string
	Role  Role
	// PasswordHash is a bcrypt hash, or "" when the user has no password yet
	// (created from mail or by setup apply): such a user cannot sign in until
	// they set one through a password link.
	PasswordHash string
	// MustChangePassword is set when the password was made by the system or
	// an admin; the portal then allows nothing but changing it.
	MustChangePassword bool
	Disabled           bool
	// Language is the code of the language the portal and mails speak to
	// the user in (en, de, fr, es); "" follows the browser and
	// DEFAULT_LANGUAGE. TimeZone is the name of their time zone
	// (Europe/Berlin); "" is DEFAULT_TIMEZONE.
	Language  string
	TimeZone  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// IsAdmin reports whether u has the admin role.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// NormalizeEmail checks that s is one bare address (a display name such as
// "Ann <ann@x>" is accepted and dropped) and returns it in lower case.
// Lower-casing the local part is a deliberate simplification: no mail system a
// helpdesk meets treats Ann@x and ann@x as two people.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%w: empty email address", ErrInvalid)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("%w: email address %q: %v", ErrInvalid, s, stripMailPrefix(err))
	}
	addr := strings.ToLower(a.Address)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", fmt.Errorf("%w: email address %q has no domain", ErrInvalid, s)
	}
	return addr, nil
}

func stripMailPrefix(err error) string {
	return strings.TrimPrefix(err.Error(), "mail: ")
}

// EmailDomain returns the part after the last @ of a normalized address.
func EmailDomain(addr string) string {
	return addr[strings.LastIndexByte(addr, '@')+1:]
}

// passwordAlphabet avoids look-alike characters (0/O, 1/l/I) so a password
// printed once on a terminal can be typed without doubt.
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// NewOneTimePassword returns a random 20-character password (about 115 bits).
func NewOneTimePassword() (string, error) {
	const n = 20
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	// 256 is not a multiple of the alphabet's size; reject the biased tail.
	out := make([]byte, 0, n)
	limit := byte(256 - 256%len(passwordAlphabet))
	for len(out) < n {
		for _, b := range buf {
			if b < limit && len(out) < n {
				out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
			}
		}
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("random password: %w", err)
		}
	}
	return string(out), nil
}

// HashPassword returns the bcrypt hash of password.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash. An empty hash never
// matches.
func CheckPassword(hash, password string) bool {
	if hash == "" {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

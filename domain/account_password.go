package domain

import (
	_ "embed" // the common password list
	"fmt"
	"strings"
	"unicode/utf8"
)

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 10

// MaxPasswordLength is the longest accepted: bcrypt reads only 72 bytes,
// and a longer limit would only invite denial of service.
const MaxPasswordLength = 72

//go:embed commonpasswords.txt
var commonPasswordsText string

// isCommonPassword reports whether p, lower-cased, is in the embedded list.
// The list is scanned line by line: it is read only when a password is set,
// and keeping no parsed copy means no package state.
func isCommonPassword(p string) bool {
	p = strings.ToLower(p)
	for line := range strings.Lines(commonPasswordsText) {
		if strings.TrimRight(line, "\r\n") == p {
			return true
		}
	}
	return false
}

// CheckNewPassword applies the password rules to a new password for the
// user with address email whose current hash is oldHash ("" when none): at
// least MinPasswordLength characters, not the address (nor its local part),
// not one of the most common passwords, and not the current one. The error
// wraps ErrInvalid and says, for people, what is wrong.
func CheckNewPassword(email, oldHash, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return fmt.Errorf("%w: the new password must have at least %d characters", ErrInvalid, MinPasswordLength)
	case len(password) > MaxPasswordLength:
		return fmt.Errorf("%w: the new password must have at most %d bytes", ErrInvalid, MaxPasswordLength)
	}
	lower := strings.ToLower(strings.TrimSpace(password))
	local, _, _ := strings.Cut(email, "@")
	if lower == strings.ToLower(email) || lower == strings.ToLower(local) {
		return fmt.Errorf("%w: the new password must not be your email address", ErrInvalid)
	}
	if isCommonPassword(password) {
		return fmt.Errorf("%w: this password is one of the most common ones; choose another", ErrInvalid)
	}
	if CheckPassword(oldHash, password) {
		return fmt.Errorf("%w: the new password must differ from the current one", ErrInvalid)
	}
	return nil
}

package domain

import (
	"slices"
	"strings"
)

// FieldErrors says what is wrong with each field of a form a use case was
// given, keyed by the field's name ("name", "email", "levels.2.approvers"),
// in sentences for people. It wraps ErrInvalid, so errors.Is(err,
// ErrInvalid) holds; adapters show each message next to its field.
type FieldErrors map[string]string

// Error lists the problems in field order.
func (e FieldErrors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e[k]
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Unwrap makes FieldErrors an ErrInvalid.
func (e FieldErrors) Unwrap() error { return ErrInvalid }

// add records msg for field unless the field has a message already.
func (e FieldErrors) add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// orNil returns e, or nil when there is nothing wrong.
func (e FieldErrors) orNil() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

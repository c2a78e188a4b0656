package domain

import "errors"

// Sentinel errors returned by the Store and by Desk. Callers test them with
// errors.Is; adapters map them to status codes and exit codes.
var (
	// ErrNotFound: the thing asked for does not exist (or the caller may not know it does).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule or a concurrent change stood in the way.
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the actor may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrIllegalTransition: the status table does not allow this move.
	ErrIllegalTransition = errors.New("illegal status transition")
	// ErrInvalid: an input value breaks a rule; the wrapping error says which.
	ErrInvalid = errors.New("invalid")
)

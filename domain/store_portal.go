package domain

import (
	"context"
	"io"
	"time"
)

// PortalStore is what the web portal's use cases need beyond the ticket
// store: sessions, password links, sign-in throttling, paged ticket lists
// and attachment contents.
type PortalStore interface {
	SessionStore
	PasswordLinkStore
	ThrottleStore
	PortalTicketStore
}

// SessionStore keeps signed-in sessions. Only a hash of a session's secret
// is stored, so a copy of the database signs nobody in.
type SessionStore interface {
	// CreateSession inserts s; ErrConflict if its ID is taken.
	CreateSession(ctx context.Context, s *Session) error
	// GetSession returns session id, or ErrNotFound.
	GetSession(ctx context.Context, id string) (*Session, error)
	// TouchSession sets the session's LastSeenAt; ErrNotFound if it is gone.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// DeleteSession removes session id; a missing one is no error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions removes every session of user userID.
	DeleteUserSessions(ctx context.Context, userID int64) error
	// DeleteExpiredSessions removes every session last used before
	// idleBefore or created before createdBefore.
	DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) error
}

// PasswordLinkStore keeps the single-use links that set a password.
type PasswordLinkStore interface {
	// CreatePasswordLink inserts l; ErrConflict if its ID is taken.
	CreatePasswordLink(ctx context.Context, l *PasswordLink) error
	// GetPasswordLink returns link id, used or not, or ErrNotFound.
	GetPasswordLink(ctx context.Context, id string) (*PasswordLink, error)
	// SpendPasswordLink marks link id used at at if it is unused, in one
	// statement; ErrNotFound if it is unknown or was used already.
	SpendPasswordLink(ctx context.Context, id string, at time.Time) error
	// UsePasswordLinks marks every unused link of user userID used at at,
	// so that one link set the password and no other still can.
	UsePasswordLinks(ctx context.Context, userID int64, at time.Time) error
	// QueuePasswordLinkRequest records a "forgot password" ask and sets
	// its ID.
	QueuePasswordLinkRequest(ctx context.Context, r *PasswordLinkRequest) error
	// ClaimPasswordLinkRequest returns the oldest recorded ask that no
	// other transaction holds, and holds it until this transaction ends
	// (several instances may run the job); ErrNotFound when there is none.
	// It must be called inside InTx.
	ClaimPasswordLinkRequest(ctx context.Context) (*PasswordLinkRequest, error)
	// DeletePasswordLinkRequest removes ask id; a missing one is no error.
	DeletePasswordLinkRequest(ctx context.Context, id int64) error
}

// ThrottleStore counts attempts (sign-in failures, wrong current
// passwords, password link requests) per scope and key, in the database so
// that every instance sees the same counts. A use case reserves an attempt
// before the work it throttles: inside one transaction it takes
// LockAttempts on every key, counts with CountAttempts, and records with
// ReserveAttempt, so that concurrent requests are counted one after the
// other and never all see room for one more.
type ThrottleStore interface {
	// LockAttempts holds the lock of key in scope until the transaction
	// ends (PostgreSQL: a transaction-scoped advisory lock; SQLite, whose
	// write transactions are serialized already: nothing). It must be
	// called inside InTx.
	LockAttempts(ctx context.Context, scope, key string) error
	// ReserveAttempt records one attempt of key in scope at at, forgets the
	// attempts of that key made before olderThan, and returns the new
	// attempt's id, for ReleaseAttempt.
	ReserveAttempt(ctx context.Context, scope, key string, at, olderThan time.Time) (int64, error)
	// ReleaseAttempt forgets attempt id, one that turned out not to count
	// (the password was right); a missing one is no error.
	ReleaseAttempt(ctx context.Context, id int64) error
	// CountAttempts returns how many attempts of key in scope were made
	// after since, and the time of the oldest of them (zero when none).
	CountAttempts(ctx context.Context, scope, key string, since time.Time) (int, time.Time, error)
	// ClearAttempts forgets every attempt of key in scope.
	ClearAttempts(ctx context.Context, scope, key string) error
}

// PortalTicketStore reads attachments.
type PortalTicketStore interface {
	// OpenAttachment returns attachment id, its Content left nil, and a
	// reader of its bytes that holds a bounded amount in memory whatever
	// the size. The caller closes it.
	OpenAttachment(ctx context.Context, id int64) (*Attachment, io.ReadCloser, error)
}

package domain

import (
	"context"
	"time"
)

// MailboxStore keeps the mailboxes (their settings and the poller's state;
// an OAuth2 mailbox's tokens are kept beside the row by the storage's
// token store, not through this interface).
type MailboxStore interface {
	// CreateMailbox inserts m and sets its ID; ErrConflict if the address
	// is taken.
	CreateMailbox(ctx context.Context, m *Mailbox) error
	// UpdateMailbox writes m's settings (not its state, not its tokens).
	UpdateMailbox(ctx context.Context, m *Mailbox) error
	// DeleteMailbox removes it with its tokens.
	DeleteMailbox(ctx context.Context, id int64) error
	// GetMailboxByAddress takes a normalized address.
	GetMailboxByAddress(ctx context.Context, address string) (*Mailbox, error)
	// ListMailboxes returns every mailbox in address order.
	ListMailboxes(ctx context.Context) ([]Mailbox, error)
	// SetMailboxState records the poller's view: state, the last error
	// ("" when ok) and when. StateAt changes only with the state or the
	// error, so it says since when the mailbox is in it. State ok also
	// forgets that admins were told the mailbox needs reauthorization
	// (ClaimMailboxReauthNotice may claim again).
	SetMailboxState(ctx context.Context, id int64, state MailboxStatus, lastError string, at time.Time) error
	// ClaimMailboxReauthNotice records at as when admins were told that
	// mailbox id must be connected again, if nobody was told since it last
	// worked: a compare-and-set, so of several instances (or a restart)
	// one claims it. It reports whether this call claimed it; ErrNotFound
	// when there is no such mailbox.
	ClaimMailboxReauthNotice(ctx context.Context, id int64, at time.Time) (bool, error)
}

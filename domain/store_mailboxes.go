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
	// MailboxesVersion is a cheap summary of the table, for a running
	// serve to ask every few seconds whether the mailboxes changed: one
	// small query, no row read. Any create, update (settings or enabled)
	// or delete changes it, provided updated_at moves forward; the poller's
	// state and the tokens do not.
	MailboxesVersion(ctx context.Context) (MailboxesVersion, error)
}

// MailboxesVersion summarizes the mailboxes table: a create changes Count
// and MaxID, a delete Count, an update LastUpdate. Two versions are equal
// when nothing was added, removed or changed in between (barring a writer
// whose clock goes back, which the reloader covers by reading the table
// in full now and then).
type MailboxesVersion struct {
	Count      int
	MaxID      int64
	LastUpdate time.Time // the greatest updated_at; zero when Count is 0
}

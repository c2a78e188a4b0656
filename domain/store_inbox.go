package domain

import (
	"context"
	"time"
)

// MailboxState is how far the IMAP poller got in one mailbox.
type MailboxState struct {
	Mailbox     string
	UIDValidity uint32
	// LastUID is the highest UID whose mail is committed (as a ticket, an
	// event, a log entry or a quarantine row).
	LastUID   uint32
	UpdatedAt time.Time
}

// Quarantined is a mail that could not be read or processed, kept whole so
// nothing is lost, with the reason.
type Quarantined struct {
	ID          int64
	At          time.Time
	Channel     string
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	MessageID   string
	From        string
	Subject     string
	Reason      string
	Raw         []byte // nil in lists
	Size        int64
}

// InboxStore keeps what mail intake needs besides tickets.
type InboxStore interface {
	// GetMailboxState returns ErrNotFound for a mailbox never polled.
	GetMailboxState(ctx context.Context, mailbox string) (*MailboxState, error)
	// SaveMailboxState writes s, replacing what was there.
	SaveMailboxState(ctx context.Context, s *MailboxState) error

	// AddQuarantine inserts q and sets its ID.
	AddQuarantine(ctx context.Context, q *Quarantined) error
	// ListQuarantine returns entries newest first, without their bytes.
	ListQuarantine(ctx context.Context, limit int) ([]Quarantined, error)
	GetQuarantine(ctx context.Context, id int64) (*Quarantined, error)
	DeleteQuarantine(ctx context.Context, id int64) error
	CountQuarantine(ctx context.Context) (int, error)

	// RecordProcessedBatch is RecordProcessed for many mails in one
	// statement: inserted[i] is false when ps[i] was seen before (or earlier
	// in ps).
	RecordProcessedBatch(ctx context.Context, ps []*ProcessedMail) (inserted []bool, err error)
	// UsersByEmail returns the users with these normalized addresses.
	UsersByEmail(ctx context.Context, emails []string) ([]User, error)

	// DeleteProcessed forgets that the mail with this Message-ID was handled
	// (for a quarantined mail that is retried).
	DeleteProcessed(ctx context.Context, messageID string) error
	InFlightStore

	// TicketByMessageID returns the ticket whose thread holds a mail with
	// this Message-ID: the mail that opened it, or one that we sent about it.
	// Approval mails are excluded: they are threads of their own.
	TicketByMessageID(ctx context.Context, messageID string) (int64, error)
}

// InFlight is a mail being taken in: its identity is committed before the
// mail is parsed, and the row goes in the transaction that commits the
// mail. See Desk.Intake.
type InFlight struct {
	Key string // InFlightKey of the mail
	// Instance is the process life that holds the mail now.
	Instance string
	// Crashes counts the lives that held the mail and died before
	// committing it.
	Crashes int
	At      time.Time
}

// InFlightStore keeps the mails in flight. Rows are written and removed
// by Desk.Intake and Desk.Receive, in the transactions they run, and the
// rows whose mail is not coming back by Desk.PruneInFlight.
type InFlightStore interface {
	// ClaimInFlight records keys as held by instance (no crashes yet), in
	// one statement, and returns the rows that were there already (a mail
	// taken in before and never committed), read in one more statement
	// only when there are any. Existing rows are left as they are.
	ClaimInFlight(ctx context.Context, keys []string, instance string, at time.Time) ([]InFlight, error)
	// TakeInFlight makes instance the holder of key's row. When another
	// instance held it, that process life died with the mail in flight, and
	// Crashes grows by one. It returns the row as it is now, or ErrNotFound.
	TakeInFlight(ctx context.Context, key, instance string, at time.Time) (*InFlight, error)
	// DeleteInFlight removes the rows of keys; missing rows are no error.
	DeleteInFlight(ctx context.Context, keys []string) error
	// ReleaseInFlight removes every row instance holds: a process that stops
	// gracefully did not crash on them.
	ReleaseInFlight(ctx context.Context, instance string) error
	// PruneInFlight removes every row claimed or last taken before before,
	// whoever holds it, and returns how many it removed.
	PruneInFlight(ctx context.Context, before time.Time) (int, error)
}

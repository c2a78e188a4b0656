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
	// TicketByMessageID returns the ticket whose thread holds a mail with
	// this Message-ID: the mail that opened it, or one that we sent about it.
	// Approval mails are excluded: they are threads of their own.
	TicketByMessageID(ctx context.Context, messageID string) (int64, error)
}

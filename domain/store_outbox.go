package domain

import (
	"context"
	"time"
)

// OutboxStore is what sending mail needs beyond MailStore: claiming due
// rows, recording each attempt, the admin's retry and discard, the mails of
// a ticket's thread.
type OutboxStore interface {
	// ClaimOutbox returns up to limit queued rows due at now (oldest first)
	// and pushes their next attempt to leaseUntil in the same transaction,
	// so no other worker claims them while they are being sent. On
	// PostgreSQL the rows are selected FOR UPDATE SKIP LOCKED: several
	// instances never claim one row twice. Raw is included.
	ClaimOutbox(ctx context.Context, now, leaseUntil time.Time, limit int) ([]OutboxMessage, error)
	// GetOutbox returns one row with its raw bytes.
	GetOutbox(ctx context.Context, id int64) (*OutboxMessage, error)
	// UpdateOutbox writes m's status, attempts, next attempt, last error
	// and sent time; ErrNotFound if the row is gone (discarded meanwhile).
	// When m goes dead (from another status) and belongs to a ticket, the
	// ticket's MailFailedEvent, dated m.NextAttemptAt, is written in the
	// same transaction: the history never misses a failure the outbox
	// shows.
	UpdateOutbox(ctx context.Context, m *OutboxMessage) error
	// DeleteOutbox removes a row that is not sent; ErrNotFound if there is
	// none, ErrConflict if it was sent.
	DeleteOutbox(ctx context.Context, id int64) error
	// RequeueOutbox moves rows in status from ("" for any status but
	// sent) to status to, due at now, with their attempts reset and their
	// last error kept; it returns how many. id 0 means every such row. A
	// sent row is never moved, whatever from says.
	RequeueOutbox(ctx context.Context, id int64, from, to OutboxStatus, now time.Time) (int, error)
	// CountOutbox returns how many rows are in each status.
	CountOutbox(ctx context.Context) (map[OutboxStatus]int, error)
	// TicketMail returns the mails of a ticket, oldest first, without raw
	// bytes.
	TicketMail(ctx context.Context, ticketID int64) ([]OutboxMessage, error)
}

// RefusalStore remembers the refusals sent to senders outside
// ALLOWED_SENDER_DOMAINS: one record per address, with the time of its last
// refusal. Since an address is refused at most once per RefusalInterval,
// longer than RefusalWindow, the addresses whose last refusal is within the
// window are exactly the refusals sent in it.
type RefusalStore interface {
	// MarkRefused records that addr was sent a refusal at now, unless one
	// was recorded after since; it reports whether it recorded one. It is
	// atomic: two instances racing for one address refuse it once.
	MarkRefused(ctx context.Context, addr string, now, since time.Time) (bool, error)
	// LockRefusals holds the refusals lock until the transaction ends, so
	// that counting the refusals and recording one happen in one piece
	// across instances. On PostgreSQL it is a transaction-scoped advisory
	// lock; on SQLite, whose write transactions are serialized already, it
	// does nothing. It must be called inside InTx.
	LockRefusals(ctx context.Context) error
	// CountRefusalsSince returns how many addresses were refused after
	// since.
	CountRefusalsSince(ctx context.Context, since time.Time) (int, error)
}

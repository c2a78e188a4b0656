package domain

import (
	"context"
	"time"
)

// MailVolumeStore is what keeps the mail volume and the outbox's size
// bounded: the triage digest's bookkeeping, the count of a sender's
// acknowledgements, and dropping the bodies of old sent mail.
type MailVolumeStore interface {
	// TriageWaiting returns the tickets the classifier left in triage
	// for an admin (status triage, classified), oldest first, at most
	// limit; how many there are in all; and the newest of their last
	// changes (zero when there are none).
	TriageWaiting(ctx context.Context, limit int) (ts []Ticket, total int, latest time.Time, err error)
	// ClaimTriageDigest records that user userID gets a triage digest at
	// now, unless their last digest was sent after before or at or after
	// latest (they were told of everything since); it reports whether it
	// recorded one. It is one conditional upsert: two instances racing
	// for one admin claim the digest once.
	ClaimTriageDigest(ctx context.Context, userID int64, now, before, latest time.Time) (bool, error)
	// CountMailSince returns how many outbox rows of kind to addr were
	// created after since.
	CountMailSince(ctx context.Context, kind MailKind, to string, since time.Time) (int, error)
	// CountMailSinceTo is CountMailSince for several addresses in one
	// query; an address with none is left out of the map.
	CountMailSinceTo(ctx context.Context, kind MailKind, tos []string, since time.Time) (map[string]int, error)
	// SentWithBody returns up to limit sent rows sent before before whose
	// body is still kept, oldest first, with their raw bytes. On
	// PostgreSQL they are locked FOR UPDATE SKIP LOCKED.
	SentWithBody(ctx context.Context, before time.Time, limit int) ([]OutboxMessage, error)
	// DropOutboxBody replaces the raw bytes of sent row id with headers
	// and records at as the time its body was dropped. A row that is not
	// sent is left alone (ErrConflict).
	DropOutboxBody(ctx context.Context, id int64, headers []byte, at time.Time) error
}

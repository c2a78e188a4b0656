package domain

import (
	"context"
	"time"
)

// TrainingExample is a ticket whose category was confirmed, as the local
// classifier learns from it.
type TrainingExample struct {
	TicketID int64
	Subject  string
	Body     string
	Category string // the category's current name
}

// AdminPick is a ticket whose category an admin picked (in triage, or a
// change later), with the examples version its pick bumped.
type AdminPick struct {
	Seq int64
	TrainingExample
}

// MaxAdminPicks is how many admin picks the store keeps, newest first.
const MaxAdminPicks = 10000

// ClassifyStore is what classification needs beyond the base stores: the
// confirmed tickets to learn from, the tickets still to classify, and a
// read that keeps two instances from classifying one ticket twice.
type ClassifyStore interface {
	// TrainingExamples returns up to limit tickets (newest first) whose
	// category was confirmed: set by an admin (method admin), approved at
	// some level, or resolved (or closed after being resolved).
	TrainingExamples(ctx context.Context, limit int) ([]TrainingExample, error)
	// CountTrainingExamples counts the tickets TrainingExamples would
	// return without a limit.
	CountTrainingExamples(ctx context.Context) (int64, error)
	// CountTrainingExamplesSince counts those of them last changed at or
	// after since: the tickets confirmed since then (and confirmed ones
	// changed again). It reads the tickets changed since, not all of them.
	CountTrainingExamplesSince(ctx context.Context, since time.Time) (int64, error)
	// RecordAdminPick notes, inside the transaction that sets it, that an
	// admin picked ticket id's category: it bumps the examples version and
	// gives the pick that number (a ticket keeps its latest pick only; the
	// oldest picks beyond MaxAdminPicks are dropped).
	RecordAdminPick(ctx context.Context, ticketID int64) error
	// ExamplesVersion is the number of the latest admin pick (0: none). It
	// is bumped by the transactions that record picks, in their commit
	// order: a reader that sees version N sees every pick up to N.
	ExamplesVersion(ctx context.Context) (int64, error)
	// AdminPicks returns up to limit picks numbered above after, newest
	// first, of tickets whose category is still the admin's (method admin),
	// with their current category name.
	AdminPicks(ctx context.Context, after int64, limit int) ([]AdminPick, error)
	// UnclassifiedTickets returns up to limit tickets in triage that no
	// classifier has looked at yet (no method), oldest first.
	UnclassifiedTickets(ctx context.Context, limit int) ([]Ticket, error)
	// GetTicketForUpdate is GetTicket that, inside a transaction on
	// PostgreSQL, locks the ticket's row until the transaction ends (SQLite
	// serializes writers anyway).
	GetTicketForUpdate(ctx context.Context, id int64) (*Ticket, error)
}

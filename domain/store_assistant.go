package domain

import (
	"context"
	"time"
)

// AssistantStore keeps what the "New ticket" assistant writes and reads:
// a ticket's fields and sharing marks, its candidates for similar
// tickets, and the deflections.
type AssistantStore interface {
	// SetTicketFields replaces ticket id's fields.
	SetTicketFields(ctx context.Context, id int64, fields []TicketField) error
	// SetTicketSharing writes ticket id's PublicAnswer and ShareOK.
	SetTicketSharing(ctx context.Context, id int64, publicAnswer, shareOK bool) error
	// ShareableTickets returns at most limit tickets of category
	// categoryID that are resolved or closed and marked PublicAnswer or
	// ShareOK, newest first, each with the detail of its last resolved
	// event. Its cost is bounded by limit, whatever the number of tickets
	// (a partial index of the marked tickets).
	ShareableTickets(ctx context.Context, categoryID int64, limit int) ([]SharedTicket, error)
	// RecordDeflection writes one "This solved it".
	RecordDeflection(ctx context.Context, d Deflection) error
	// CountDeflections counts the deflections at or after since.
	CountDeflections(ctx context.Context, since time.Time) (int, error)
}

// SharedTicket is a candidate for the assistant's similar tickets.
type SharedTicket struct {
	ID      int64
	Subject string
	Body    string
	// Resolved is the detail of its last resolved event ("resolved by
	// bob@example.com: the note").
	Resolved string
	// RequesterID is whose ticket it is.
	RequesterID int64
}

// Deflection is an employee's "This solved it": the similar ticket that
// answered them, and no ticket opened.
type Deflection struct {
	UserID     int64
	CategoryID int64
	TicketID   int64
	At         time.Time
}

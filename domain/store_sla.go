package domain

import (
	"context"
	"time"
)

// SLAStore is what the SLA's escalation job and reports read (issue 18).
type SLAStore interface {
	// SLATicketsDue returns up to limit tickets whose sla_next_at is at
	// or before now, soonest first, locked for the caller's transaction
	// (on PostgreSQL, rows another transaction holds are skipped: each is
	// handled by one instance).
	SLATicketsDue(ctx context.Context, now time.Time, limit int) ([]Ticket, error)
}

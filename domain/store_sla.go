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

// SLACompliance is how many tickets of a category met or breached their
// targets (their clock stopped in the window asked for).
type SLACompliance struct {
	CategoryID    int64
	Category      string
	Met, Breached int
}

// Percent is the share met, rounded down; 0 with no ticket.
func (c SLACompliance) Percent() int {
	if c.Met+c.Breached == 0 {
		return 0
	}
	return c.Met * 100 / (c.Met + c.Breached)
}

// SLAReportStore reads the dashboard's SLA figures with indexed queries.
type SLAReportStore interface {
	// SLACompliance counts the tickets met and breached per category among
	// those whose clock stopped at or after since, by category name.
	SLACompliance(ctx context.Context, since time.Time) ([]SLACompliance, error)
	// SLAAtRisk counts the tickets at risk now and returns the limit whose
	// resolution is due soonest.
	SLAAtRisk(ctx context.Context, limit int) (int, []Ticket, error)
}

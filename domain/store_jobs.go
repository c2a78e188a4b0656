package domain

import (
	"context"
	"time"
)

// JobStore finds the rows the scheduled jobs work on. Each method is meant
// to run inside a transaction; on PostgreSQL it locks the rows it returns
// and skips rows another instance has locked (FOR UPDATE SKIP LOCKED), so
// several instances never do one job twice.
type JobStore interface {
	// ApprovalsToRemind returns pending approvals of the ticket's current
	// level created before before and never reminded.
	ApprovalsToRemind(ctx context.Context, before time.Time, limit int) ([]Approval, error)
	// MarkReminded records that approval id was reminded at.
	MarkReminded(ctx context.Context, id int64, at time.Time) error
	// ApprovalsToEscalate returns pending approvals of the ticket's current
	// level created before before and never escalated.
	ApprovalsToEscalate(ctx context.Context, before time.Time, limit int) ([]Approval, error)
	// MarkEscalated records that approval id was escalated at.
	MarkEscalated(ctx context.Context, id int64, at time.Time) error
	// TicketsToClose returns resolved tickets last changed before before.
	TicketsToClose(ctx context.Context, before time.Time, limit int) ([]Ticket, error)
}

package domain

import (
	"context"
	"time"
)

// AdminTicketStore is what the admin pages read beyond the base stores: the
// team's loads and the approval replies that went wrong (the list of all
// tickets is TicketStore.ListTickets; the dashboard has its own store,
// store_dashboard.go).
type AdminTicketStore interface {
	// AgentLoads returns every team member with their open (assigned)
	// tickets, in member id order; CategoryIDs are left nil.
	AgentLoads(ctx context.Context) ([]MemberLoad, error)
	// ApprovalProblems returns, newest first, at most limit events of kind
	// approval_refused, and of kind auto_reply on tickets awaiting approval,
	// with their tickets.
	ApprovalProblems(ctx context.Context, limit int) ([]ApprovalProblem, error)
}

// CategoryCount is how many open tickets a category has.
type CategoryCount struct {
	CategoryID int64
	Category   string // "" for tickets without a category
	Count      int
}

// DayCount is one UTC day of the ticket flow.
type DayCount struct {
	Day      time.Time // midnight UTC
	Created  int
	Resolved int
}

// WaitingApproval is an approval that waits for its approver.
type WaitingApproval struct {
	Approval
	Ticket  string // ref
	Subject string
}

// ApprovalProblem is a reply to an approval mail that decided nothing: a
// refused attempt (a valid token from another sender) or an approver's
// automatic reply.
type ApprovalProblem struct {
	Event
	Ticket  string // ref
	Subject string
	Status  Status // the ticket's status now
}

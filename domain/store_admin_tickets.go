package domain

import (
	"context"
	"time"
)

// AdminTicketStore is what the admin pages read beyond the base stores: the
// dashboard's figures and the approval replies that went wrong (the list
// of all tickets is TicketStore.ListTickets). Every figure is computed by the database.
type AdminTicketStore interface {
	// CountTicketsByStatus returns how many tickets are in each status
	// (statuses with none are absent).
	CountTicketsByStatus(ctx context.Context) (map[Status]int, error)
	// CountOpenByCategory returns how many open tickets (see Status.IsOpen)
	// each category has, most first, then by name; tickets without a
	// category count under CategoryID 0 and Category "".
	CountOpenByCategory(ctx context.Context) ([]CategoryCount, error)
	// DailyCounts returns, for each UTC day from since's day on that has
	// any, how many tickets were created and how many resolved events were
	// written, oldest day first.
	DailyCounts(ctx context.Context, since time.Time) ([]DayCount, error)
	// WaitingApprovals returns how many approvals wait for a decision (pending,
	// of the level their ticket is awaiting), and the oldest limit of them.
	WaitingApprovals(ctx context.Context, limit int) (int, []WaitingApproval, error)
	// MedianTime returns the median time from a ticket's creation to its
	// first event of kind, over the tickets created at or after since that
	// have one, and how many there are (0: no median).
	MedianTime(ctx context.Context, kind EventKind, since time.Time) (time.Duration, int, error)
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

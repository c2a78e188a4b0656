package domain

import (
	"context"
	"time"
)

// MemberLoad is a team member as assignment sees it: the member, whether
// their account is disabled, and how many tickets they have open.
type MemberLoad struct {
	// Member has its user's Email and Name; CategoryIDs is left nil.
	Member   TeamMember
	Disabled bool // the member's user account is disabled
	// Open counts the tickets in status assigned whose assignee is the
	// member's user, in every category: an agent's load is all their work.
	Open int
}

// AssignStore is what assignment needs beyond the base stores.
type AssignStore interface {
	// LockAssignment holds the assignment lock until the transaction ends:
	// every transaction that chooses an assignee, or changes what the
	// choice reads (availability, open tickets, last assignment time), takes
	// it first, so two instances never choose on the same state. On
	// PostgreSQL it is a transaction-scoped advisory lock; on SQLite, whose
	// write transactions are serialized already, it does nothing. It must be
	// called inside InTx.
	LockAssignment(ctx context.Context) error
	// TeamLoad returns the members of category categoryID with their open
	// tickets, in member id order, in one query.
	TeamLoad(ctx context.Context, categoryID int64) ([]MemberLoad, error)
	// MarkAssigned sets member memberID's LastAssignedAt to at;
	// ErrNotFound if there is no such member.
	MarkAssigned(ctx context.Context, memberID int64, at time.Time) error
	// SaveAvailability writes member memberID's availability and away
	// date, and nothing else (their categories stay as they are);
	// ErrNotFound if there is no such member.
	SaveAvailability(ctx context.Context, memberID int64, available bool, awayUntil *time.Time) error
}

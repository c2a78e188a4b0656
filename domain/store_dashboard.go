package domain

import (
	"context"
	"time"
)

// DashboardStore reads the admins' dashboard. The database keeps its
// counts in the transaction of every write (docs/portal.md "How the
// dashboard's figures are kept"), so a read costs a few rows whatever the
// number of tickets; the two medians, which are not sums, are a snapshot
// that RefreshDashboard recomputes on one instance at a time.
type DashboardStore interface {
	// DashboardFigures returns the maintained figures as committed now:
	// Days of the DashboardDays UTC days from since's (days with any), the oldest limit
	// waiting approvals, and the last medians snapshot.
	DashboardFigures(ctx context.Context, since time.Time, limit int) (*DashboardFigures, error)
	// FoldDashboard folds the changes the writes appended since the last
	// fold into the counts, and returns how many it folded. Readers see
	// the same figures before and after. One instance folds at a time; the
	// others return 0 at once.
	FoldDashboard(ctx context.Context) (int, error)
	// ClaimDashboardMedians claims the recomputation of the medians until
	// until, if no claim holds at now (the last run's next time has come,
	// or its instance died): true means this caller recomputes them.
	ClaimDashboardMedians(ctx context.Context, now, until time.Time) (bool, error)
	// SaveDashboardMedians stores m as the medians snapshot and holds the
	// claim until next.
	SaveDashboardMedians(ctx context.Context, m DashboardMedians, next time.Time) error
	// MedianTime returns the median time from a ticket's creation to its
	// first event of kind, over the tickets created at or after since that
	// have one, and how many there are (0: no median). It reads every such
	// ticket: only the medians job calls it.
	MedianTime(ctx context.Context, kind EventKind, since time.Time) (time.Duration, int, error)
	// RecountDashboard rebuilds every maintained figure from the rows (an
	// operator's repair; the migration did it once). On PostgreSQL it
	// holds writers off the counted tables while it runs.
	RecountDashboard(ctx context.Context) error
}

// DashboardFigures is what DashboardStore keeps for the dashboard.
type DashboardFigures struct {
	// ByStatus counts tickets per status (statuses with none are absent).
	ByStatus map[Status]int
	// ByCategory counts open tickets (see Status.IsOpen) per category,
	// most first, then by name; tickets without a category count under
	// CategoryID 0 and Category "".
	ByCategory []CategoryCount
	// Days has the tickets created and the resolved events written per
	// UTC day, oldest first, for the days that have any.
	Days             []DayCount
	ApprovalsWaiting int
	OldestApprovals  []WaitingApproval
	// Agents is every team member with their assigned tickets, in member
	// id order; CategoryIDs are left nil.
	Agents     []MemberLoad
	Outbox     map[OutboxStatus]int
	Quarantine int
	Medians    DashboardMedians
}

// DashboardMedians is the snapshot of the median times from a ticket's
// arrival to its first assignment and its first resolution, over the
// tickets received since Since, computed at At (zero: never yet).
type DashboardMedians struct {
	Since, At              time.Time
	ToAssigned, ToResolved time.Duration
	AssignedN, ResolvedN   int
}

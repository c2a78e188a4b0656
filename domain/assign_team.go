package domain

import "time"

// TeamMember is an agent (or admin) who works the tickets of some categories.
type TeamMember struct {
	ID     int64
	UserID int64
	Email  string // of the user; filled on read
	Name   string // of the user; filled on read
	// CategoryIDs are the categories this member serves, ascending.
	CategoryIDs []int64
	// Available false means away: until AwayUntil when set, else until changed.
	Available      bool
	AwayUntil      *time.Time
	LastAssignedAt *time.Time
	// LeaveSource is where the member's leave is read (none: nowhere).
	LeaveSource LeaveSource
	// AwaySource is what set Available and AwayUntil last.
	AwaySource AwaySource
	// ManualUntil: someone made the member available by hand while a
	// provider had them on leave; the provider does not mark them away
	// before this time (see manualAvailability).
	ManualUntil *time.Time
	CreatedAt   time.Time
}

// IsAvailable reports whether m can take tickets at now: not marked away, or
// away with an AwayUntil that has passed.
func (m *TeamMember) IsAvailable(now time.Time) bool {
	if m.Available {
		return true
	}
	return m.AwayUntil != nil && !now.Before(*m.AwayUntil)
}

package domain

import (
	"context"
	"time"
)

// AdminStore is what the portal's administration pages need beyond the
// base stores: users searched and paged, how many tickets each category
// has, moving a category's tickets, and every member's load at once.
type AdminStore interface {
	// SearchUsers returns at most limit users that match q after skipping
	// offset, in id order, and how many match in all.
	SearchUsers(ctx context.Context, q UserQuery, offset, limit int) ([]User, int, error)
	// CategoryTicketCounts returns, per category id, how many tickets (of
	// any status) it has; categories without tickets are absent.
	CategoryTicketCounts(ctx context.Context) (map[int64]int, error)
	// MoveCategoryTickets sets the category of every ticket of category
	// from to category to, with classification method and confidence, and
	// updated_at at; it returns the ids of the tickets it moved, ascending.
	MoveCategoryTickets(ctx context.Context, from, to int64, method string, confidence float64, at time.Time) ([]int64, error)
	// TeamLoads returns every team member (categories included) with their
	// open tickets and whether their account is disabled, in member id
	// order.
	TeamLoads(ctx context.Context) ([]MemberLoad, error)
}

// UserQuery narrows SearchUsers; zero fields match all.
type UserQuery struct {
	Role Role
	// Text matches a part of the address or the name, ignoring case.
	Text string
}

package domain

import "context"

// CalendarStore keeps the business-hours calendars (issue 18). At most one
// calendar is the default: saving one with Default set takes the mark from
// the others in the same transaction.
type CalendarStore interface {
	// CreateCalendar inserts c and sets its ID; ErrConflict if the name is
	// taken (case-insensitively).
	CreateCalendar(ctx context.Context, c *Calendar) error
	// UpdateCalendar writes every field of c; ErrNotFound when there is
	// no calendar c.ID, ErrConflict as Create.
	UpdateCalendar(ctx context.Context, c *Calendar) error
	// DeleteCalendar removes calendar id and clears it from the
	// categories that named it (they fall back to the default).
	DeleteCalendar(ctx context.Context, id int64) error
	GetCalendar(ctx context.Context, id int64) (*Calendar, error)
	// GetCalendarByName matches case-insensitively.
	GetCalendarByName(ctx context.Context, name string) (*Calendar, error)
	// DefaultCalendar returns the default calendar; ErrNotFound if none.
	DefaultCalendar(ctx context.Context) (*Calendar, error)
	// ListCalendars returns every calendar by name.
	ListCalendars(ctx context.Context) ([]Calendar, error)
}

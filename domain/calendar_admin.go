package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// AdminCalendars returns every business-hours calendar, by name.
func (d *Desk) AdminCalendars(ctx context.Context, actor Actor) ([]Calendar, error) {
	if err := mustBeAdmin(actor, "list calendars"); err != nil {
		return nil, err
	}
	cs, err := d.store.ListCalendars(ctx)
	if err != nil {
		return nil, fmt.Errorf("list calendars: %w", err)
	}
	return cs, nil
}

// AdminCalendar returns calendar id.
func (d *Desk) AdminCalendar(ctx context.Context, actor Actor, id int64) (*Calendar, error) {
	if err := mustBeAdmin(actor, "show calendar"); err != nil {
		return nil, err
	}
	c, err := d.store.GetCalendar(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get calendar %d: %w", id, err)
	}
	return c, nil
}

// SaveCalendar creates c (ID 0) or updates calendar c.ID. What is wrong
// with the fields (see Calendar.Normalize, a name another calendar has) is
// a FieldErrors and nothing is saved then. The first calendar saved is the
// default whatever c says, and the default calendar stays the default
// until another one takes the mark: there is always one once there is
// any.
func (d *Desk) SaveCalendar(ctx context.Context, actor Actor, c Calendar) (*Calendar, error) {
	if err := mustBeAdmin(actor, "save calendar"); err != nil {
		return nil, err
	}
	if err := c.Normalize(); err != nil {
		return nil, err
	}
	taken := FieldErrors{"name": "Another calendar has this name."}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		return d.saveCalendar(ctx, tx, &c, taken)
	})
	switch {
	case errors.Is(err, ErrConflict):
		return nil, taken
	case err != nil:
		return nil, fmt.Errorf("save calendar %q: %w", c.Name, err)
	}
	d.log.InfoContext(ctx, "calendar saved", slog.String("calendar", c.Name), slog.String("by", actor.String()))
	return &c, nil
}

// saveCalendar writes a normalized c in tx.
func (d *Desk) saveCalendar(ctx context.Context, tx Store, c *Calendar, taken error) error {
	other, err := tx.GetCalendarByName(ctx, c.Name)
	switch {
	case err == nil && other.ID != c.ID:
		return taken
	case err != nil && !isNotFound(err):
		return err
	}
	def, err := tx.DefaultCalendar(ctx)
	switch {
	case isNotFound(err):
		c.Default = true
	case err != nil:
		return err
	case def.ID == c.ID:
		c.Default = true
	}
	now := d.clock.Now()
	c.UpdatedAt = now
	if c.ID == 0 {
		c.CreatedAt = now
		return tx.CreateCalendar(ctx, c)
	}
	cur, err := tx.GetCalendar(ctx, c.ID)
	if err != nil {
		return err
	}
	c.CreatedAt = cur.CreatedAt
	return tx.UpdateCalendar(ctx, c)
}

// ErrDefaultCalendar refuses to delete the default calendar while others
// exist: make another one the default first.
var ErrDefaultCalendar = fmt.Errorf("%w: the default calendar cannot be deleted while there are others; make another one the default first", ErrConflict)

// DeleteCalendar deletes calendar id; the categories that named it count
// their targets over the default calendar from then on (tickets keep the
// due times they have until their clock moves again).
func (d *Desk) DeleteCalendar(ctx context.Context, actor Actor, id int64) error {
	if err := mustBeAdmin(actor, "delete calendar"); err != nil {
		return err
	}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		c, err := tx.GetCalendar(ctx, id)
		if err != nil {
			return err
		}
		if c.Default {
			all, err := tx.ListCalendars(ctx)
			if err != nil {
				return err
			}
			if len(all) > 1 {
				return ErrDefaultCalendar
			}
		}
		return tx.DeleteCalendar(ctx, id)
	})
	if err != nil {
		return fmt.Errorf("delete calendar %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "calendar deleted", slog.Int64("id", id), slog.String("by", actor.String()))
	return nil
}

// calendarOf returns the calendar category c counts business time over:
// its own, else the default. ErrNotFound when there is neither.
func calendarOf(ctx context.Context, tx Store, c *Category) (*Calendar, error) {
	if c.CalendarID != nil {
		cal, err := tx.GetCalendar(ctx, *c.CalendarID)
		if err == nil || !isNotFound(err) {
			return cal, err
		}
	}
	return tx.DefaultCalendar(ctx)
}

// SetCategoryServiceLevel sets category id's calendar (nil: the default
// one) and SLA policy (nil or without targets and contacts: none), from
// the admin's category page. A bad policy or a calendar that does not
// exist wraps ErrInvalid. The tickets' clocks take the new policy at
// their next change, as after the setup file.
func (d *Desk) SetCategoryServiceLevel(ctx context.Context, actor Actor, id int64, calendarID *int64, p *SLAPolicy) error {
	if err := mustBeAdmin(actor, "set service level"); err != nil {
		return err
	}
	if p != nil {
		if err := p.Normalize(); err != nil {
			return err
		}
		if p.Empty() && len(p.EscalationContacts) == 0 {
			p = nil
		}
	}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if _, err := tx.GetCategory(ctx, id); err != nil {
			return err
		}
		if calendarID != nil {
			if _, err := tx.GetCalendar(ctx, *calendarID); isNotFound(err) {
				return FieldErrors{"calendar": "There is no such calendar."}
			} else if err != nil {
				return err
			}
		}
		return tx.SetCategorySLA(ctx, id, calendarID, p)
	})
	if errors.Is(err, ErrInvalid) {
		return err // speaks to the admin as it is
	}
	if err != nil {
		return fmt.Errorf("set service level of category %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "category service level set", slog.Int64("id", id), slog.String("by", actor.String()))
	return nil
}

package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.CalendarStore = (*Store)(nil)

// calendarRow is a business-hours calendar; hours and holidays are JSON,
// read and written as a whole with it.
type calendarRow struct {
	bun.BaseModel `bun:"table:calendars,alias:cal"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name"`
	TimeZone  string    `bun:"time_zone"`
	IsDefault bool      `bun:"is_default"`
	Hours     string    `bun:"hours"`    // JSON domain.WeekHours
	Holidays  string    `bun:"holidays"` // JSON []domain.Holiday
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

func toCalendarRow(c *domain.Calendar) (*calendarRow, error) {
	h, err := json.Marshal(c.Hours)
	if err != nil {
		return nil, err
	}
	hs := c.Holidays
	if hs == nil {
		hs = []domain.Holiday{}
	}
	hol, err := json.Marshal(hs)
	if err != nil {
		return nil, err
	}
	return &calendarRow{ID: c.ID, Name: c.Name, TimeZone: c.TimeZone, IsDefault: c.Default, Hours: string(h),
		Holidays: string(hol), CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt)}, nil
}

func (r *calendarRow) domain() (domain.Calendar, error) {
	c := domain.Calendar{ID: r.ID, Name: r.Name, TimeZone: r.TimeZone, Default: r.IsDefault,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Hours), &c.Hours); err != nil {
		return c, fmt.Errorf("calendar %d hours: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Holidays), &c.Holidays); err != nil {
		return c, fmt.Errorf("calendar %d holidays: %w", r.ID, err)
	}
	return c, nil
}

// clearDefault takes the default mark from every calendar but keep.
func (s *Store) clearDefault(ctx context.Context, keep int64) error {
	_, err := s.idb.NewUpdate().Model((*calendarRow)(nil)).Set("is_default = ?", false).
		Where("is_default").Where("id <> ?", keep).Exec(ctx)
	return mapErr(err, "clear default calendar")
}

// CreateCalendar inserts c; see domain.CalendarStore.
func (s *Store) CreateCalendar(ctx context.Context, c *domain.Calendar) error {
	row, err := toCalendarRow(c)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		if c.Default {
			if err := tx.clearDefault(ctx, 0); err != nil {
				return err
			}
		}
		if _, err := tx.idb.NewInsert().Model(row).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return mapErr(err, "create calendar %q", c.Name)
		}
		c.ID = row.ID
		return nil
	})
}

// UpdateCalendar writes c; see domain.CalendarStore.
func (s *Store) UpdateCalendar(ctx context.Context, c *domain.Calendar) error {
	row, err := toCalendarRow(c)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		if c.Default {
			if err := tx.clearDefault(ctx, c.ID); err != nil {
				return err
			}
		}
		res, err := tx.idb.NewUpdate().Model(row).ExcludeColumn("created_at").WherePK().Exec(ctx)
		return mapErr(mustAffect(res, err), "update calendar %d", c.ID)
	})
}

// DeleteCalendar removes calendar id; its categories fall back to the
// default calendar.
func (s *Store) DeleteCalendar(ctx context.Context, id int64) error {
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		if _, err := tx.idb.NewUpdate().Model((*categoryRow)(nil)).Set("calendar_id = NULL").
			Where("calendar_id = ?", id).Exec(ctx); err != nil {
			return mapErr(err, "clear calendar %d from categories", id)
		}
		res, err := tx.idb.NewDelete().Model((*calendarRow)(nil)).Where("id = ?", id).Exec(ctx)
		if err := mustAffect(res, err); err != nil {
			return mapErr(err, "delete calendar %d", id)
		}
		return tx.bumpCategoriesVersion(ctx)
	})
}

// GetCalendar returns calendar id.
func (s *Store) GetCalendar(ctx context.Context, id int64) (*domain.Calendar, error) {
	return s.getCalendar(ctx, "id = ?", id)
}

// GetCalendarByName returns the calendar named name, ignoring case.
func (s *Store) GetCalendarByName(ctx context.Context, name string) (*domain.Calendar, error) {
	return s.getCalendar(ctx, "lower(name) = lower(?)", name)
}

// DefaultCalendar returns the default calendar.
func (s *Store) DefaultCalendar(ctx context.Context) (*domain.Calendar, error) {
	return s.getCalendar(ctx, "is_default = ?", true)
}

func (s *Store) getCalendar(ctx context.Context, where string, arg any) (*domain.Calendar, error) {
	var row calendarRow
	if err := s.idb.NewSelect().Model(&row).Where(where, arg).Limit(1).Scan(ctx); err != nil {
		return nil, mapErr(err, "get calendar %v", arg)
	}
	return decodeOne[domain.Calendar](&row)
}

// ListCalendars returns every calendar by name.
func (s *Store) ListCalendars(ctx context.Context) ([]domain.Calendar, error) {
	var rows []calendarRow
	if err := s.idb.NewSelect().Model(&rows).OrderExpr("lower(name), id").Scan(ctx); err != nil {
		return nil, mapErr(err, "list calendars")
	}
	return decodeRows[domain.Calendar](rows)
}

package domain

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// SetupCalendar is a business-hours calendar in a setup file, named by its
// name (case-insensitively). Hours maps a weekday ("mon".."sun") to its
// ranges, "09:00-12:00, 13:00-17:00"; a day left out is closed.
type SetupCalendar struct {
	Name     string            `json:"name"`
	TimeZone string            `json:"time_zone"`
	Default  bool              `json:"default,omitempty"`
	Hours    map[string]string `json:"hours"`
	Holidays []Holiday         `json:"holidays,omitempty"`
	line     int
}

func calendarWhere(i int, name string) string {
	if name == "" {
		return fmt.Sprintf("calendars[%d]", i)
	}
	return fmt.Sprintf("calendars[%d] (%q)", i, name)
}

// calendar is sc as a normalized Calendar.
func (sc SetupCalendar) calendar(i int) (Calendar, error) {
	c := Calendar{Name: sc.Name, TimeZone: sc.TimeZone, Default: sc.Default, Holidays: slices.Clone(sc.Holidays)}
	where := calendarWhere(i, strings.Join(strings.Fields(sc.Name), " "))
	for k, v := range sc.Hours {
		d := slices.Index(WeekdayKeys[:], strings.ToLower(strings.TrimSpace(k)))
		if d < 0 {
			return c, &SetupError{Line: sc.line, Where: where, Err: fmt.Errorf("%w: hours: %q is not a weekday (want mon, tue, wed, thu, fri, sat, sun)", ErrInvalid, k)}
		}
		rs, err := ParseRanges(v)
		if err != nil {
			return c, &SetupError{Line: sc.line, Where: where + ".hours." + WeekdayKeys[d], Err: err}
		}
		c.Hours[d] = rs
	}
	if err := c.Normalize(); err != nil {
		return c, &SetupError{Line: sc.line, Where: where, Err: err}
	}
	return c, nil
}

// fromCalendar is c as the setup file writes it.
func fromCalendar(c *Calendar) SetupCalendar {
	sc := SetupCalendar{Name: c.Name, TimeZone: c.TimeZone, Default: c.Default, Hours: map[string]string{}, Holidays: c.Holidays}
	for d, rs := range c.Hours {
		if len(rs) > 0 {
			sc.Hours[WeekdayKeys[d]] = FormatRanges(rs)
		}
	}
	return sc
}

// validateCalendars checks f's calendars: valid, no name twice, at most
// one default; and that the calendar each category names is in the file
// or left to the database (checked by ApplySetup).
func (f *SetupFile) validateCalendars() error {
	seen := map[string]int{}
	defaults := 0
	for i := range f.Calendars {
		sc := &f.Calendars[i]
		c, err := sc.calendar(i)
		if err != nil {
			return err
		}
		key := strings.ToLower(c.Name)
		if prev, dup := seen[key]; dup {
			return &SetupError{Line: sc.line, Where: calendarWhere(i, c.Name), Err: fmt.Errorf("%w: calendar %q is named twice (first at line %d)", ErrInvalid, c.Name, prev)}
		}
		seen[key] = sc.line
		if c.Default {
			defaults++
			if defaults > 1 {
				return &SetupError{Line: sc.line, Where: calendarWhere(i, c.Name), Err: fmt.Errorf("%w: more than one calendar is the default", ErrInvalid)}
			}
		}
		*sc = fromCalendar(&c)
		sc.line = seen[key]
	}
	return nil
}

func sameCalendar(a, b *Calendar) bool {
	if a.Name != b.Name || a.TimeZone != b.TimeZone || a.Default != b.Default || !slices.Equal(a.Holidays, b.Holidays) {
		return false
	}
	for d := range a.Hours {
		if !slices.Equal(a.Hours[d], b.Hours[d]) {
			return false
		}
	}
	return true
}

// applyCalendars creates or updates the file's calendars by name and,
// with prune, deletes the others. A file that names no default keeps the
// database's default (or makes its first calendar the default when there
// is none).
func (d *Desk) applyCalendars(ctx context.Context, tx Store, f *SetupFile, prune bool, rep *SetupReport) error {
	keep := map[int64]bool{}
	for i, sc := range f.Calendars {
		want, err := sc.calendar(i)
		if err != nil {
			return err
		}
		cur, err := tx.GetCalendarByName(ctx, want.Name)
		switch {
		case isNotFound(err):
		case err != nil:
			return err
		default:
			want.ID = cur.ID
			if !want.Default {
				want.Default = cur.Default
			}
		}
		if cur != nil && sameCalendar(cur, &want) {
			keep[cur.ID] = true
			rep.add(&rep.Unchanged, "calendar %q: unchanged", cur.Name)
			continue
		}
		want.Default = sc.Default // saveCalendar keeps the database's default
		if err := d.saveCalendar(ctx, tx, &want, ErrConflict); err != nil {
			return &SetupError{Line: sc.line, Where: calendarWhere(i, want.Name), Err: fmt.Errorf("save calendar: %w", err)}
		}
		keep[want.ID] = true
		if cur == nil {
			rep.add(&rep.Created, "calendar %q: created", want.Name)
		} else {
			rep.add(&rep.Changed, "calendar %q: changed", want.Name)
		}
	}
	if !prune {
		return nil
	}
	all, err := tx.ListCalendars(ctx)
	if err != nil {
		return err
	}
	for _, c := range all {
		if keep[c.ID] {
			continue
		}
		if err := tx.DeleteCalendar(ctx, c.ID); err != nil {
			return fmt.Errorf("delete calendar %q: %w", c.Name, err)
		}
		rep.add(&rep.Pruned, "calendar %q: removed", c.Name)
	}
	if len(keep) > 0 {
		if _, err := tx.DefaultCalendar(ctx); isNotFound(err) { // the default was pruned
			first, err := tx.GetCalendarByName(ctx, f.Calendars[0].Name)
			if err != nil {
				return err
			}
			first.Default = true
			return tx.UpdateCalendar(ctx, first)
		}
	}
	return nil
}

// applyCategorySLA writes the calendar and SLA policy of the file's
// categories (after the categories and calendars are applied). A category
// without "calendar" and "sla" keeps what the database has only when the
// file says nothing about SLA at all (no calendars, no policy anywhere):
// a file that writes SLA settings writes them for every category it
// names.
func (d *Desk) applyCategorySLA(ctx context.Context, tx Store, f *SetupFile, rep *SetupReport) error {
	if !f.mentionsSLA() {
		return nil
	}
	for i, sc := range f.Categories {
		where := fmt.Sprintf("categories[%d]", i)
		c, err := tx.GetCategoryByName(ctx, sc.Name)
		if err != nil {
			return err
		}
		var calID *int64
		if sc.Calendar != "" {
			cal, err := tx.GetCalendarByName(ctx, sc.Calendar)
			if isNotFound(err) {
				return &SetupError{Line: sc.line, Where: where, Err: fmt.Errorf("%w: calendar: no calendar named %q", ErrInvalid, sc.Calendar)}
			}
			if err != nil {
				return err
			}
			calID = &cal.ID
		}
		if sameInt64(c.CalendarID, calID) && sameSLA(c.SLA, sc.SLA) {
			continue
		}
		if err := tx.SetCategorySLA(ctx, c.ID, calID, sc.SLA); err != nil {
			return fmt.Errorf("set sla of category %q: %w", c.Name, err)
		}
		rep.add(&rep.Changed, "category %q: service level changed", c.Name)
	}
	return nil
}

// mentionsSLA reports whether the file says anything about SLA.
func (f *SetupFile) mentionsSLA() bool {
	if len(f.Calendars) > 0 {
		return true
	}
	for _, c := range f.Categories {
		if c.Calendar != "" || c.SLA != nil {
			return true
		}
	}
	return false
}

// exportCalendars adds the database's calendars to f, by name, and each
// category's calendar name.
func (d *Desk) exportCalendars(ctx context.Context, f *SetupFile, cats []Category) error {
	cs, err := d.store.ListCalendars(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for i := range cs {
		names[cs[i].ID] = cs[i].Name
		f.Calendars = append(f.Calendars, fromCalendar(&cs[i]))
	}
	for i := range f.Categories {
		for _, c := range cats {
			if c.Name == f.Categories[i].Name && c.CalendarID != nil {
				f.Categories[i].Calendar = names[*c.CalendarID]
			}
		}
	}
	return nil
}

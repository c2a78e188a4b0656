package domain

import (
	"errors"
	"fmt"
	"time"
)

// Business time: the arithmetic of SLA targets over a calendar.
//
// Both functions walk the calendar's local days one by one: each day's
// opening ranges are turned into instants with time.Date in the calendar's
// zone, so a range is always read on the wall clock of that day, and the
// time counted is real elapsed time between those instants. On the night a
// clock springs forward, a range 01:00-04:00 is two hours long; on the
// night it falls back, three (ranges that keep clear of the night, like
// 09:00-17:00, are eight hours every day). A range starting in the hour
// that does not exist starts when the wall clock resumes.
//
// The walk is bounded: AddBusiness gives up after MaxBusinessDays local
// days (a calendar whose every day is a holiday, or hostile settings,
// give ErrNoBusinessTime rather than a loop), and BusinessBetween counts
// at most MaxBusinessDays days (a span longer than that is past any
// target anyway).

// MaxBusinessDays bounds the days AddBusiness and BusinessBetween walk:
// a little over three years.
const MaxBusinessDays = 3*366 + 7

// ErrNoBusinessTime: the calendar is not open long enough within
// MaxBusinessDays days to reach a target.
var ErrNoBusinessTime = errors.New("calendar has no business time in reach")

// calendarWalk is a calendar prepared for the walk: its zone and its
// holidays as lookup keys.
type calendarWalk struct {
	c        *Calendar
	loc      *time.Location
	holidays map[string]bool
}

func (c *Calendar) walk() (*calendarWalk, error) {
	loc, err := c.Location()
	if err != nil {
		return nil, fmt.Errorf("calendar %q: %w", c.Name, err)
	}
	w := &calendarWalk{c: c, loc: loc, holidays: make(map[string]bool, len(c.Holidays))}
	for _, h := range c.Holidays {
		t, err := time.Parse("2006-01-02", h.Date)
		if err != nil {
			return nil, fmt.Errorf("calendar %q: %w: holiday %q", c.Name, ErrInvalid, h.Date)
		}
		w.holidays[h.key(t)] = true
	}
	return w, nil
}

// day is the local day i days after the one t falls on: its date, and
// whether the calendar is open at all that day.
func (w *calendarWalk) day(t time.Time, i int) (y int, m time.Month, d int, open bool) {
	y, m, d = t.In(w.loc).Date()
	// Noon is never skipped nor doubled by a DST change.
	day := time.Date(y, m, d+i, 12, 0, 0, 0, w.loc)
	y, m, d = day.Date()
	if len(w.c.Hours[day.Weekday()]) == 0 {
		return y, m, d, false
	}
	if w.holidays[day.Format("2006-01-02")] || w.holidays[day.Format("01-02")] {
		return y, m, d, false
	}
	return y, m, d, true
}

// span is range r of a local day as instants.
func (w *calendarWalk) span(y int, m time.Month, d int, r TimeRange) (time.Time, time.Time) {
	return time.Date(y, m, d, 0, r.From, 0, 0, w.loc), time.Date(y, m, d, 0, r.To, 0, 0, w.loc)
}

// AddBusiness returns the instant at which d of business time has passed
// after start, counting only c's opening hours. With d <= 0 it returns
// start. The result is in UTC. A target that ends exactly at closing time
// is due at closing time, not at the next opening.
func (c *Calendar) AddBusiness(start time.Time, d time.Duration) (time.Time, error) {
	if d <= 0 {
		return start.UTC(), nil
	}
	w, err := c.walk()
	if err != nil {
		return time.Time{}, err
	}
	left := d
	for i := range MaxBusinessDays {
		y, m, dd, open := w.day(start, i)
		if !open {
			continue
		}
		for _, r := range c.Hours[time.Date(y, m, dd, 12, 0, 0, 0, w.loc).Weekday()] {
			from, to := w.span(y, m, dd, r)
			if !to.After(start) || !to.After(from) {
				continue
			}
			if from.Before(start) {
				from = start
			}
			if avail := to.Sub(from); avail >= left {
				return from.Add(left).UTC(), nil
			} else {
				left -= avail
			}
		}
	}
	return time.Time{}, fmt.Errorf("calendar %q: %w (%s after %s)", c.Name, ErrNoBusinessTime, d, start.UTC().Format(time.RFC3339))
}

// BusinessBetween returns the business time between from and to: how much
// of [from, to) falls in c's opening hours (0 when to is not after from).
// It counts at most MaxBusinessDays local days from from.
func (c *Calendar) BusinessBetween(from, to time.Time) (time.Duration, error) {
	if !to.After(from) {
		return 0, nil
	}
	w, err := c.walk()
	if err != nil {
		return 0, err
	}
	var sum time.Duration
	for i := range MaxBusinessDays {
		y, m, dd, open := w.day(from, i)
		if time.Date(y, m, dd, 0, 0, 0, 0, w.loc).After(to) {
			break
		}
		if !open {
			continue
		}
		for _, r := range c.Hours[time.Date(y, m, dd, 12, 0, 0, 0, w.loc).Weekday()] {
			a, b := w.span(y, m, dd, r)
			if a.Before(from) {
				a = from
			}
			if b.After(to) {
				b = to
			}
			if b.After(a) {
				sum += b.Sub(a)
			}
		}
	}
	return sum, nil
}

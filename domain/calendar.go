package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Business-hours calendars (issue 18). A calendar says when the team works:
// a time zone, the opening hours of each weekday (several ranges a day, a
// lunch break is the gap between two) and holidays (a date, or a day and
// month every year). SLA targets count only the time a calendar is open
// (business_time.go). One calendar is the default; a category may name
// another.

// TimeRange is one opening range of a day, in minutes after the local
// midnight: From is included, To excluded; 0 <= From < To <= 1440 (24:00).
type TimeRange struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// WeekHours are the opening ranges of each weekday, indexed by
// time.Weekday (0 is Sunday), each day's ranges sorted and apart.
type WeekHours [7][]TimeRange

// Holiday is a day the calendar is closed: Date is YYYY-MM-DD; with Yearly
// its month and day are closed every year.
type Holiday struct {
	Date   string `json:"date"`
	Yearly bool   `json:"yearly,omitempty"`
	Name   string `json:"name,omitempty"`
}

// Calendar is a business-hours calendar.
type Calendar struct {
	ID       int64
	Name     string // unique, case-insensitively
	TimeZone string // an IANA zone name, "Europe/Berlin"
	// Default marks the calendar of the categories that name none; at
	// most one calendar has it.
	Default   bool
	Hours     WeekHours
	Holidays  []Holiday
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Limits of a calendar: what a hostile or mistyped setup file may ask.
const (
	MaxCalendarName     = 100
	MaxRangesPerDay     = 8
	MaxCalendarHolidays = 500
)

// WeekdayKeys are the names of the weekdays in the setup file and forms,
// indexed by time.Weekday.
var WeekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseClock reads "HH:MM" (00:00 to 24:00) as minutes after midnight.
func ParseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, fmt.Errorf("%w: %q is not a time of day (HH:MM)", ErrInvalid, s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%w: %q is not a time of day (HH:MM)", ErrInvalid, s)
	}
	return hh*60 + mm, nil
}

// FormatClock writes minutes after midnight as "HH:MM".
func FormatClock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// ParseRanges reads a day's opening hours: "09:00-12:00, 13:00-17:00";
// "" or "closed" is a closed day. The ranges come back sorted; an empty,
// reversed or overlapping range is an error.
func ParseRanges(s string) ([]TimeRange, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "closed") {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxRangesPerDay {
		return nil, fmt.Errorf("%w: more than %d ranges in a day", ErrInvalid, MaxRangesPerDay)
	}
	rs := make([]TimeRange, 0, len(parts))
	for _, p := range parts {
		a, b, ok := strings.Cut(p, "-")
		if !ok {
			return nil, fmt.Errorf("%w: %q is not a range (HH:MM-HH:MM)", ErrInvalid, strings.TrimSpace(p))
		}
		from, err := ParseClock(a)
		if err != nil {
			return nil, err
		}
		to, err := ParseClock(b)
		if err != nil {
			return nil, err
		}
		rs = append(rs, TimeRange{From: from, To: to})
	}
	if err := checkRanges(rs); err != nil {
		return nil, err
	}
	return rs, nil
}

// checkRanges sorts rs in place and checks each is within the day, not
// empty and apart from the next.
func checkRanges(rs []TimeRange) error {
	if len(rs) > MaxRangesPerDay {
		return fmt.Errorf("%w: more than %d ranges in a day", ErrInvalid, MaxRangesPerDay)
	}
	slices.SortFunc(rs, func(a, b TimeRange) int { return a.From - b.From })
	for i, r := range rs {
		if r.From < 0 || r.To > 1440 || r.From >= r.To {
			return fmt.Errorf("%w: %s-%s is not a range of one day (the end must come after the start)", ErrInvalid, FormatClock(max(r.From, 0)), FormatClock(min(max(r.To, 0), 1440)))
		}
		if i > 0 && rs[i-1].To > r.From {
			return fmt.Errorf("%w: %s-%s overlaps %s-%s", ErrInvalid, FormatClock(rs[i-1].From), FormatClock(rs[i-1].To), FormatClock(r.From), FormatClock(r.To))
		}
	}
	return nil
}

// FormatRanges writes a day's ranges as ParseRanges reads them; "closed"
// for none.
func FormatRanges(rs []TimeRange) string {
	if len(rs) == 0 {
		return "closed"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = FormatClock(r.From) + "-" + FormatClock(r.To)
	}
	return strings.Join(parts, ", ")
}

// Location loads the calendar's time zone.
func (c *Calendar) Location() (*time.Location, error) {
	if c.TimeZone == "" || strings.EqualFold(c.TimeZone, "local") {
		return nil, fmt.Errorf("%w: time zone: required (an IANA name like Europe/Berlin)", ErrInvalid)
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("%w: time zone: %q is not a known IANA time zone", ErrInvalid, c.TimeZone)
	}
	return loc, nil
}

// Normalize trims and checks c in place: a name, a known time zone, valid
// ranges with at least one open range in the week, valid holiday dates
// (sorted, no date twice). What is wrong is a FieldErrors keyed "name",
// "time_zone", "hours.mon".., "holidays".
func (c *Calendar) Normalize() error {
	errs := FieldErrors{}
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	switch {
	case c.Name == "":
		errs.add("name", "A name is required.")
	case len([]rune(c.Name)) > MaxCalendarName:
		errs.add("name", fmt.Sprintf("The name is longer than %d characters.", MaxCalendarName))
	}
	c.TimeZone = strings.TrimSpace(c.TimeZone)
	if _, err := c.Location(); err != nil {
		errs.add("time_zone", "Give a known IANA time zone, like Europe/Berlin or America/New_York.")
	}
	open := false
	for d := range c.Hours {
		if err := checkRanges(c.Hours[d]); err != nil {
			errs.add("hours."+WeekdayKeys[d], sentence(err))
			continue
		}
		if len(c.Hours[d]) > 0 {
			open = true
		} else {
			c.Hours[d] = nil
		}
	}
	if !open && len(errs) == 0 {
		errs.add("hours.mon", "The calendar has no opening hours on any day: SLA targets could never be reached.")
	}
	if len(c.Holidays) > MaxCalendarHolidays {
		errs.add("holidays", fmt.Sprintf("More than %d holidays.", MaxCalendarHolidays))
	} else if err := normalizeHolidays(c.Holidays); err != nil {
		errs.add("holidays", sentence(err))
	}
	return errs.orNil()
}

// sentence turns a wrapped ErrInvalid into a message for a form.
func sentence(err error) string {
	s := strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// normalizeHolidays checks and sorts hs in place.
func normalizeHolidays(hs []Holiday) error {
	seen := map[string]bool{}
	for i := range hs {
		h := &hs[i]
		h.Date = strings.TrimSpace(h.Date)
		h.Name = strings.Join(strings.Fields(h.Name), " ")
		if len([]rune(h.Name)) > MaxCalendarName {
			return fmt.Errorf("%w: holiday %s: name longer than %d characters", ErrInvalid, h.Date, MaxCalendarName)
		}
		t, err := time.Parse("2006-01-02", h.Date)
		if err != nil {
			return fmt.Errorf("%w: holiday %q is not a date (YYYY-MM-DD)", ErrInvalid, h.Date)
		}
		key := h.key(t)
		if seen[key] {
			return fmt.Errorf("%w: holiday %s is listed twice", ErrInvalid, h.Date)
		}
		seen[key] = true
	}
	slices.SortFunc(hs, func(a, b Holiday) int { return strings.Compare(a.Date, b.Date) })
	return nil
}

// key is the holiday's lookup key: "MM-DD" when yearly, else the date.
func (h Holiday) key(t time.Time) string {
	if h.Yearly {
		return t.Format("01-02")
	}
	return t.Format("2006-01-02")
}

// ParseHolidays reads holidays one a line: "2026-12-25 yearly Christmas",
// "2027-04-02 Good Friday" (the word yearly after the date makes it
// yearly; the rest is the name).
func ParseHolidays(text string) ([]Holiday, error) {
	var hs []Holiday
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(hs) == MaxCalendarHolidays {
			return nil, fmt.Errorf("%w: more than %d holidays", ErrInvalid, MaxCalendarHolidays)
		}
		h := Holiday{Date: f[0]}
		rest := f[1:]
		if len(rest) > 0 && strings.EqualFold(rest[0], "yearly") {
			h.Yearly, rest = true, rest[1:]
		}
		h.Name = strings.Join(rest, " ")
		if _, err := time.Parse("2006-01-02", h.Date); err != nil {
			return nil, fmt.Errorf("%w: line %d: %q is not a date (YYYY-MM-DD)", ErrInvalid, n+1, h.Date)
		}
		hs = append(hs, h)
	}
	return hs, nil
}

// FormatHolidays writes hs as ParseHolidays reads them.
func FormatHolidays(hs []Holiday) string {
	var b strings.Builder
	for _, h := range hs {
		b.WriteString(h.Date)
		if h.Yearly {
			b.WriteString(" yearly")
		}
		if h.Name != "" {
			b.WriteString(" " + h.Name)
		}
		b.WriteString("\n")
	}
	return b.String()
}

package domain

import (
	"errors"
	"testing"
	"time"
)

// officeHours is Mon–Fri with the given ranges, closed at weekends.
func officeHours(t *testing.T, day string) WeekHours {
	t.Helper()
	rs, err := ParseRanges(day)
	if err != nil {
		t.Fatalf("ParseRanges(%q): %v", day, err)
	}
	var w WeekHours
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = rs
	}
	return w
}

// at reads "2006-01-02 15:04" in zone.
func at(t *testing.T, zone, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAddBusiness(t *testing.T) {
	nineToFive := officeHours(t, "09:00-17:00")
	lunch := officeHours(t, "09:00-12:00, 13:00-17:00")
	var sundays WeekHours // open all Sunday only: shows the length of a DST day
	sundays[time.Sunday] = []TimeRange{{From: 0, To: 1440}}
	var nightSunday WeekHours // 01:00-04:00 on Sundays: across the change itself
	nightSunday[time.Sunday] = []TimeRange{{From: 60, To: 240}}
	holidays := []Holiday{{Date: "2026-12-24"}, {Date: "2020-12-25", Yearly: true}, {Date: "2020-12-28", Yearly: true}}

	tests := []struct {
		name     string
		zone     string
		hours    WeekHours
		holidays []Holiday
		start    string
		d        time.Duration
		want     string // in zone
	}{
		{"friday 16:30 plus 4h is monday 12:30", "Europe/Berlin", nineToFive, nil, "2026-12-04 16:30", 4 * time.Hour, "2026-12-07 12:30"},
		{"ends exactly at closing", "Europe/Berlin", nineToFive, nil, "2026-12-04 13:00", 4 * time.Hour, "2026-12-04 17:00"},
		{"starts before opening", "Europe/Berlin", nineToFive, nil, "2026-12-07 07:00", time.Hour, "2026-12-07 10:00"},
		{"starts on a saturday", "Europe/Berlin", nineToFive, nil, "2026-12-05 10:00", time.Hour, "2026-12-07 10:00"},
		{"starts after closing", "Europe/Berlin", nineToFive, nil, "2026-12-07 18:00", 30 * time.Minute, "2026-12-08 09:30"},
		{"several days", "Europe/Berlin", nineToFive, nil, "2026-12-07 09:00", 24 * time.Hour, "2026-12-09 17:00"},
		{"zero is the start", "Europe/Berlin", nineToFive, nil, "2026-12-05 10:00", 0, "2026-12-05 10:00"},
		{"lunch break skipped", "Europe/Berlin", lunch, nil, "2026-12-07 11:30", time.Hour, "2026-12-07 13:30"},
		{"starts during lunch", "Europe/Berlin", lunch, nil, "2026-12-07 12:15", time.Hour, "2026-12-07 14:00"},
		{"a day with lunch is 7h", "Europe/Berlin", lunch, nil, "2026-12-07 09:00", 8 * time.Hour, "2026-12-08 10:00"},
		{"holidays: one-off 24th, yearly 25th and 28th", "Europe/Berlin", nineToFive, holidays, "2026-12-23 16:00", 2 * time.Hour, "2026-12-29 10:00"},
		{"yearly holiday in another year; one-off one not", "Europe/Berlin", nineToFive, holidays, "2027-12-24 16:00", 2 * time.Hour, "2027-12-27 10:00"},
		{"Berlin spring forward: Sunday is 23h", "Europe/Berlin", sundays, nil, "2027-03-28 00:00", 24 * time.Hour, "2027-04-04 01:00"},
		{"Berlin fall back: Sunday is 25h", "Europe/Berlin", sundays, nil, "2026-10-25 00:00", 25 * time.Hour, "2026-10-26 00:00"},
		{"Berlin office hours across spring forward", "Europe/Berlin", nineToFive, nil, "2027-03-26 16:30", 4 * time.Hour, "2027-03-29 12:30"},
		{"Berlin office hours across fall back", "Europe/Berlin", nineToFive, nil, "2026-10-23 16:30", 4 * time.Hour, "2026-10-26 12:30"},
		{"New York office hours across fall back", "America/New_York", nineToFive, nil, "2026-10-30 16:30", 4 * time.Hour, "2026-11-02 12:30"},
		{"New York office hours across spring forward", "America/New_York", nineToFive, nil, "2027-03-12 16:30", 4 * time.Hour, "2027-03-15 12:30"},
		{"New York night range on spring forward is 2h", "America/New_York", nightSunday, nil, "2027-03-14 00:00", 2*time.Hour + 30*time.Minute, "2027-03-21 01:30"},
		{"New York night range on fall back is 4h", "America/New_York", nightSunday, nil, "2026-11-01 00:00", 4 * time.Hour, "2026-11-01 04:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Calendar{Name: "t", TimeZone: tt.zone, Hours: tt.hours, Holidays: tt.holidays}
			start := at(t, tt.zone, tt.start)
			got, err := c.AddBusiness(start, tt.d)
			if err != nil {
				t.Fatalf("AddBusiness(%s, %s): %v", tt.start, tt.d, err)
			}
			want := at(t, tt.zone, tt.want)
			if !got.Equal(want) {
				t.Errorf("AddBusiness(%s, %s) = %s, want %s", tt.start, tt.d, got.In(want.Location()), want)
			}
			if got.Location() != time.UTC {
				t.Errorf("AddBusiness returned zone %s, want UTC", got.Location())
			}
			back, err := c.BusinessBetween(start, got)
			if err != nil || back != tt.d {
				t.Errorf("BusinessBetween(%s, %s) = %s, %v; want %s", tt.start, got, back, err, tt.d)
			}
		})
	}
}

func TestAddBusinessRealInstantsAcrossDST(t *testing.T) {
	// Friday 16:30 CET is 15:30 UTC; Monday 12:30 CEST is 10:30 UTC.
	c := Calendar{Name: "t", TimeZone: "Europe/Berlin", Hours: officeHours(t, "09:00-17:00")}
	got, err := c.AddBusiness(time.Date(2027, 3, 26, 15, 30, 0, 0, time.UTC), 4*time.Hour)
	if want := time.Date(2027, 3, 29, 10, 30, 0, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("AddBusiness = %s, %v; want %s", got, err, want)
	}
}

func TestBusinessBetween(t *testing.T) {
	c := Calendar{Name: "t", TimeZone: "Europe/Berlin", Hours: officeHours(t, "09:00-12:00, 13:00-17:00"),
		Holidays: []Holiday{{Date: "2026-12-25", Yearly: true}}}
	tests := []struct {
		from, to string
		want     time.Duration
	}{
		{"2026-12-07 09:00", "2026-12-07 17:00", 7 * time.Hour},
		{"2026-12-07 11:00", "2026-12-07 14:00", 2 * time.Hour},
		{"2026-12-05 00:00", "2026-12-06 23:59", 0},
		{"2026-12-07 17:00", "2026-12-07 09:00", 0},
		{"2026-12-24 16:00", "2026-12-28 10:00", 2 * time.Hour},
		{"2026-12-07 09:00", "2026-12-14 09:00", 35 * time.Hour},
	}
	for _, tt := range tests {
		got, err := c.BusinessBetween(at(t, "Europe/Berlin", tt.from), at(t, "Europe/Berlin", tt.to))
		if err != nil || got != tt.want {
			t.Errorf("BusinessBetween(%s, %s) = %s, %v; want %s", tt.from, tt.to, got, err, tt.want)
		}
	}
	// A span far longer than MaxBusinessDays ends; it counts what it walked.
	long, err := c.BusinessBetween(at(t, "Europe/Berlin", "2026-12-07 09:00"), at(t, "Europe/Berlin", "2526-12-07 09:00"))
	if err != nil || long <= 0 || long > MaxBusinessDays*24*time.Hour {
		t.Errorf("BusinessBetween over 500 years = %s, %v; want a bounded positive sum", long, err)
	}
}

func TestAddBusinessHostileCalendars(t *testing.T) {
	everyDay := make([]Holiday, 0, 366)
	for d := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 2024; d = d.AddDate(0, 0, 1) {
		everyDay = append(everyDay, Holiday{Date: d.Format("2006-01-02"), Yearly: true})
	}
	tests := []struct {
		name string
		c    Calendar
		want error
	}{
		{"no hours", Calendar{Name: "none", TimeZone: "UTC"}, ErrNoBusinessTime},
		{"every day a holiday", Calendar{Name: "holidays", TimeZone: "UTC", Hours: officeHours(t, "09:00-17:00"), Holidays: everyDay}, ErrNoBusinessTime},
		{"unknown zone", Calendar{Name: "zone", TimeZone: "Mars/Olympus", Hours: officeHours(t, "09:00-17:00")}, ErrInvalid},
		{"empty zone", Calendar{Name: "zone", Hours: officeHours(t, "09:00-17:00")}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.AddBusiness(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), time.Hour)
			if !errors.Is(err, tt.want) {
				t.Errorf("AddBusiness = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCalendarNormalize(t *testing.T) {
	ok := Calendar{Name: "  Office  Berlin ", TimeZone: "Europe/Berlin", Hours: officeHours(t, "09:00-17:00"),
		Holidays: []Holiday{{Date: "2026-12-26", Yearly: true}, {Date: "2026-12-25", Yearly: true, Name: " Christmas "}}}
	if err := ok.Normalize(); err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if ok.Name != "Office Berlin" || ok.Holidays[0].Date != "2026-12-25" || ok.Holidays[0].Name != "Christmas" {
		t.Errorf("Normalize gave %+v", ok)
	}
	bad := []struct {
		name  string
		c     Calendar
		field string
	}{
		{"no name", Calendar{TimeZone: "UTC", Hours: officeHours(t, "09:00-17:00")}, "name"},
		{"bad zone", Calendar{Name: "x", TimeZone: "Nowhere/City", Hours: officeHours(t, "09:00-17:00")}, "time_zone"},
		{"no hours", Calendar{Name: "x", TimeZone: "UTC"}, "hours.mon"},
		{"reversed range", Calendar{Name: "x", TimeZone: "UTC", Hours: WeekHours{time.Tuesday: {{From: 600, To: 540}}}}, "hours.tue"},
		{"overlap", Calendar{Name: "x", TimeZone: "UTC", Hours: WeekHours{time.Wednesday: {{From: 540, To: 720}, {From: 700, To: 800}}}}, "hours.wed"},
		{"bad holiday", Calendar{Name: "x", TimeZone: "UTC", Hours: officeHours(t, "09:00-17:00"), Holidays: []Holiday{{Date: "2026-02-30"}}}, "holidays"},
		{"holiday twice", Calendar{Name: "x", TimeZone: "UTC", Hours: officeHours(t, "09:00-17:00"), Holidays: []Holiday{{Date: "2026-12-25", Yearly: true}, {Date: "2027-12-25", Yearly: true}}}, "holidays"},
	}
	for _, tt := range bad {
		err := tt.c.Normalize()
		var fe FieldErrors
		if !errors.As(err, &fe) || fe[tt.field] == "" {
			t.Errorf("%s: Normalize = %v, want a message for %q", tt.name, err, tt.field)
		}
	}
}

func TestParseRanges(t *testing.T) {
	good := map[string]string{
		"09:00-17:00":               "09:00-17:00",
		" 13:00-17:00 , 9:00-12:00": "09:00-12:00, 13:00-17:00",
		"00:00-24:00":               "00:00-24:00",
		"closed":                    "closed",
		"":                          "closed",
	}
	for in, want := range good {
		rs, err := ParseRanges(in)
		if err != nil || FormatRanges(rs) != want {
			t.Errorf("ParseRanges(%q) = %v, %v; want %s", in, rs, err, want)
		}
	}
	for _, in := range []string{"9-17", "09:00", "17:00-09:00", "09:00-09:00", "25:00-26:00", "09:00-24:30", "09:00-12:00,11:00-13:00", "a:bc-d:ef",
		"01:00-02:00,02:00-03:00,03:00-04:00,04:00-05:00,05:00-06:00,06:00-07:00,07:00-08:00,08:00-09:00,09:00-10:00"} {
		if rs, err := ParseRanges(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseRanges(%q) = %v, %v; want ErrInvalid", in, rs, err)
		}
	}
	hs, err := ParseHolidays("2026-12-25 yearly Christmas Day\n\n2027-04-02 Good Friday\r\n")
	if err != nil || len(hs) != 2 || !hs[0].Yearly || hs[0].Name != "Christmas Day" || hs[1].Yearly || FormatHolidays(hs) != "2026-12-25 yearly Christmas Day\n2027-04-02 Good Friday\n" {
		t.Errorf("ParseHolidays = %+v, %v", hs, err)
	}
	if _, err := ParseHolidays("25.12.2026"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseHolidays(25.12.2026) = %v, want ErrInvalid", err)
	}
}

// TestWorkedExample is docs/sla.md's worked example.
func TestWorkedExample(t *testing.T) {
	c := Calendar{Name: "Berlin office", TimeZone: "Europe/Berlin", Hours: officeHours(t, "09:00-12:00, 13:00-17:00")}
	received := at(t, "Europe/Berlin", "2026-12-04 16:00") // a Friday
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{2 * time.Hour, "2026-12-07 10:00"},                // first response due
		{96 * time.Minute, "2026-12-07 09:36"},             // its 80 %
		{8 * time.Hour, "2026-12-07 17:00"},                // resolution due
		{10 * time.Hour, "2026-12-08 11:00"},               // with 2 h paused
		{8*time.Hour + 24*time.Minute, "2026-12-08 09:24"}, // its 80 %, 2 h paused
	} {
		got, err := c.AddBusiness(received, tt.d)
		if want := at(t, "Europe/Berlin", tt.want); err != nil || !got.Equal(want) {
			t.Errorf("received + %s = %s, %v; want %s", tt.d, got, err, want)
		}
	}
	paused, _ := c.BusinessBetween(at(t, "Europe/Berlin", "2026-12-07 11:00"), at(t, "Europe/Berlin", "2026-12-07 14:00"))
	if paused != 2*time.Hour {
		t.Errorf("paused 11:00-14:00 = %s, want 2h", paused)
	}
}

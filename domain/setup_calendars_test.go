package domain_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// calendarFile is a setup file with two calendars and a category with a
// calendar and an SLA policy, in export's order.
const calendarFile = `{
  "categories": [
    {"name": "VPN", "description": "", "keywords": [], "approval_levels": [], "calendar": "New York",
     "sla": {"first_response_minutes": 60, "resolution_minutes": 480, "at_risk_percent": 75,
             "priorities": {"urgent": {"first_response_minutes": 15, "resolution_minutes": 120}},
             "escalation_contacts": ["lead@example.com"]}},
    {"name": "Hardware", "description": "", "keywords": [], "approval_levels": []}
  ],
  "users": [],
  "team_members": [],
  "calendars": [
    {"name": "Berlin office", "time_zone": "Europe/Berlin", "default": true,
     "hours": {"mon": "09:00-12:00, 13:00-17:00", "tue": "09:00-17:00", "wed": "09:00-17:00", "thu": "09:00-17:00", "fri": "09:00-15:00"},
     "holidays": [{"date": "2026-12-24"}, {"date": "2026-12-25", "yearly": true, "name": "Christmas"}]},
    {"name": "New York", "time_zone": "America/New_York", "hours": {"mon": "08:00-18:00", "sat": "10:00-14:00"}}
  ]
}`

func TestSetupCalendarsRoundTrip(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		f, err := domain.ParseSetup([]byte(calendarFile))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ApplySetup(ctx, f, false); err != nil {
			t.Fatal(err)
		}
		def, err := s.DefaultCalendar(ctx)
		if err != nil || def.Name != "Berlin office" || len(def.Hours[time.Monday]) != 2 || def.Hours[time.Saturday] != nil {
			t.Fatalf("default calendar = %+v, %v", def, err)
		}
		vpn, _ := s.GetCategoryByName(ctx, "VPN")
		ny, _ := s.GetCalendarByName(ctx, "new york")
		if vpn.CalendarID == nil || *vpn.CalendarID != ny.ID || vpn.SLA == nil || vpn.SLA.Targets(domain.PriorityUrgent).FirstResponseMinutes != 15 ||
			vpn.SLA.Targets(domain.PriorityNormal).ResolutionMinutes != 480 || vpn.SLA.RiskPercent() != 75 {
			t.Errorf("VPN = %+v (sla %+v)", vpn, vpn.SLA)
		}
		out, err := d.ExportSetup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		json.Unmarshal([]byte(calendarFile), &want)
		if got := storagetest.JSONValue(t, out); !reflect.DeepEqual(got, want) {
			t.Errorf("export = %v\nwant %v", got, want)
		}
		text, _ := json.Marshal(out)
		again, err := domain.ParseSetup(text)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := d.ApplySetup(ctx, again, false)
		if err != nil || rep.Created+rep.Changed+rep.Pruned != 0 {
			t.Errorf("apply of the export: %+v, %v", rep, err)
		}

		// New York becomes the default; prune removes Berlin, VPN loses its
		// policy and calendar.
		next := `{"categories": [{"name": "VPN"}, {"name": "Hardware"}], "calendars": [
  {"name": "New York", "time_zone": "America/New_York", "default": true, "hours": {"mon": "08:00-18:00"}}]}`
		if f, err = domain.ParseSetup([]byte(next)); err != nil {
			t.Fatal(err)
		}
		if rep, err = d.ApplySetup(ctx, f, true); err != nil {
			t.Fatal(err)
		}
		lines := strings.Join(rep.Lines, "\n")
		if !strings.Contains(lines, `calendar "New York": changed`) || !strings.Contains(lines, `calendar "Berlin office": removed`) ||
			!strings.Contains(lines, `category "VPN": service level changed`) {
			t.Errorf("prune apply:\n%s", lines)
		}
		all, _ := s.ListCalendars(ctx)
		if len(all) != 1 || !all[0].Default || all[0].Hours[time.Saturday] != nil {
			t.Errorf("after prune: %+v", all)
		}
		vpn, _ = s.GetCategoryByName(ctx, "VPN")
		if vpn.CalendarID != nil || vpn.SLA != nil {
			t.Errorf("VPN after prune = %+v", vpn)
		}
	})
}

func TestSetupCalendarsRefused(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{`{"calendars": [
  {"name": "Closed", "time_zone": "UTC", "hours": {}}]}`, `line 2: calendars[0] ("Closed"): hours.mon: The calendar has no opening hours`},
		{`{"calendars": [{"name": "X", "time_zone": "Mars/Base", "hours": {"mon": "09:00-17:00"}}]}`, `time_zone: Give a known IANA time zone`},
		{`{"calendars": [{"name": "X", "time_zone": "UTC", "hours": {"monday": "09:00-17:00"}}]}`, `hours: "monday" is not a weekday`},
		{`{"calendars": [{"name": "X", "time_zone": "UTC", "hours": {"mon": "17:00-09:00"}}]}`, `calendars[0] ("X").hours.mon: 17:00-09:00 is not a range of one day`},
		{`{"calendars": [{"name": "X", "time_zone": "UTC", "default": true, "hours": {"mon": "09:00-17:00"}},
 {"name": "Y", "time_zone": "UTC", "default": true, "hours": {"mon": "09:00-17:00"}}]}`, `line 2: calendars[1] ("Y"): more than one calendar is the default`},
		{`{"calendars": [{"name": "X", "time_zone": "UTC", "hours": {"mon": "09:00-17:00"}},
 {"name": "x", "time_zone": "UTC", "hours": {"mon": "09:00-17:00"}}]}`, `calendar "x" is named twice`},
		{`{"categories": [{"name": "A", "sla": {"at_risk_percent": 120}}]}`, `at_risk_percent: from 1 to 99`},
		{`{"categories": [{"name": "A", "sla": {"priorities": {"critical": {"resolution_minutes": 5}}}}]}`, `"critical" is not a priority`},
		{`{"categories": [{"name": "A", "sla": {"resolution_minutes": -5}}]}`, `targets are minutes`},
	} {
		_, err := domain.ParseSetup([]byte(c.file))
		if err == nil || !errors.Is(err, domain.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSetup(%s) = %v\nwant %q", c.file, err, c.want)
		}
	}
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		f, err := domain.ParseSetup([]byte(`{"categories": [
  {"name": "VPN", "calendar": "Nowhere"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ApplySetup(ctx, f, false); err == nil || !strings.Contains(err.Error(), `line 2: categories[0]: calendar: no calendar named "Nowhere"`) {
			t.Errorf("apply = %v", err)
		}
	})
}

func TestAdminCalendars(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		admin := domain.Actor{Email: "root@example.com", Admin: true}
		hours := domain.WeekHours{time.Monday: {{From: 540, To: 1020}}}
		if _, err := d.SaveCalendar(ctx, domain.Actor{Email: "a@example.com"}, domain.Calendar{Name: "A", TimeZone: "UTC", Hours: hours}); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("SaveCalendar by a non-admin = %v", err)
		}
		a, err := d.SaveCalendar(ctx, admin, domain.Calendar{Name: "A", TimeZone: "UTC", Hours: hours})
		if err != nil || !a.Default {
			t.Fatalf("first calendar = %+v, %v; want the default", a, err)
		}
		b, err := d.SaveCalendar(ctx, admin, domain.Calendar{Name: "B", TimeZone: "Europe/Berlin", Hours: hours})
		if err != nil || b.Default {
			t.Fatalf("second calendar = %+v, %v", b, err)
		}
		if _, err := d.SaveCalendar(ctx, admin, domain.Calendar{Name: "a", TimeZone: "UTC", Hours: hours}); err == nil || !strings.Contains(err.Error(), "Another calendar has this name") {
			t.Errorf("name taken = %v", err)
		}
		// A keeps the mark when saved without it; B takes it when asked.
		a.Default = false
		if a, err = d.SaveCalendar(ctx, admin, *a); err != nil || !a.Default {
			t.Errorf("A saved without default = %+v, %v", a, err)
		}
		if err := d.DeleteCalendar(ctx, admin, a.ID); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("delete the default = %v, want ErrConflict", err)
		}
		b.Default = true
		if _, err := d.SaveCalendar(ctx, admin, *b); err != nil {
			t.Fatal(err)
		}
		if def, _ := s.DefaultCalendar(ctx); def.ID != b.ID {
			t.Errorf("default = %s, want B", def.Name)
		}
		cat := &domain.Category{Name: "VPN", Keywords: []string{}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := s.CreateCategory(ctx, cat); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCategorySLA(ctx, cat.ID, &a.ID, &domain.SLAPolicy{SLATargets: domain.SLATargets{ResolutionMinutes: 60}}); err != nil {
			t.Fatal(err)
		}
		// A plain category save leaves the SLA settings alone.
		cat.Description = "remote access"
		if err := s.UpdateCategory(ctx, cat); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetCategory(ctx, cat.ID)
		if got.CalendarID == nil || *got.CalendarID != a.ID || got.SLA == nil || got.SLA.ResolutionMinutes != 60 {
			t.Errorf("category after UpdateCategory = %+v", got)
		}
		if err := d.DeleteCalendar(ctx, admin, a.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetCategory(ctx, cat.ID); got.CalendarID != nil || got.SLA == nil {
			t.Errorf("category after its calendar's deletion = %+v", got)
		}
	})
}

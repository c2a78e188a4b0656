package adminui

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

// calendarForm is a full calendar form: Mon–Fri with a lunch break.
func calendarValues(name, zone string) url.Values {
	v := url.Values{"name": {name}, "time_zone": {zone}, "holidays": {"2026-12-25 yearly Christmas\n2027-04-02 Good Friday"}}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		v.Set("hours_"+d, "09:00-12:00, 13:00-17:00")
	}
	return v
}

func TestCalendarsAdminPages(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		root := f.signedIn("root")
		resp, body := root.get("/admin/calendars")
		if resp.StatusCode != 200 || !strings.Contains(body, "No calendar yet") {
			t.Fatalf("empty list = %d\n%s", resp.StatusCode, body)
		}
		if !strings.Contains(body, `href="/admin/calendars">Business hours</a>`) {
			t.Error("the admin navigation has no link to the calendars")
		}
		// Not for agents or employees; a form without the CSRF token is refused.
		for _, who := range []string{"bob", "ann"} {
			c := f.signedIn(who)
			if resp, _ := c.get("/admin/calendars"); resp.StatusCode != 404 {
				t.Errorf("%s: GET /admin/calendars = %d, want 404", who, resp.StatusCode)
			}
			if resp, _ := c.post("/admin/calendars/new", calendarValues("Mine", "UTC")); resp.StatusCode != 404 {
				t.Errorf("%s: POST /admin/calendars/new = %d, want 404", who, resp.StatusCode)
			}
		}
		noCSRF := calendarValues("NoCSRF", "UTC")
		noCSRF.Set("csrf", "")
		if resp, _ := root.post("/admin/calendars/new", noCSRF); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST without CSRF = %d, want 403", resp.StatusCode)
		}

		// Refused: the message on the page, the input kept, nothing saved.
		for _, tc := range []struct {
			field, value, msg string
		}{
			{"time_zone", "Mars/Olympus", "Give a known IANA time zone"},
			{"hours_tue", "17:00-09:00", "17:00-09:00 is not a range of one day"},
			{"hours_wed", "9 to 5", "is not a range"},
			{"holidays", "25.12.2026", "is not a date"},
			{"name", "", "A name is required."},
		} {
			v := calendarValues("Berlin office", "Europe/Berlin")
			v.Set(tc.field, tc.value)
			resp, body := root.post("/admin/calendars/new", v)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), tc.msg) || !strings.Contains(body, "Nothing was saved") {
				t.Errorf("POST %s=%q = %d, want 422 with %q\n%s", tc.field, tc.value, resp.StatusCode, tc.msg, body)
			}
			if tc.value != "" && !strings.Contains(html.UnescapeString(body), `value="`+tc.value+`"`) && !strings.Contains(body, html.EscapeString(tc.value)) {
				t.Errorf("POST %s=%q: the input is not kept", tc.field, tc.value)
			}
		}
		closed := url.Values{"name": {"Closed"}, "time_zone": {"UTC"}}
		if resp, body := root.post("/admin/calendars/new", closed); resp.StatusCode != 422 || !strings.Contains(body, "no opening hours on any day") {
			t.Errorf("a calendar with no hours = %d", resp.StatusCode)
		}
		if cs, _ := f.st.ListCalendars(ctx); len(cs) != 0 {
			t.Fatalf("refused forms saved: %+v", cs)
		}

		// Saved (the first is the default), listed, edited, deleted.
		resp, _ = root.post("/admin/calendars/new", calendarValues("Berlin office", "Europe/Berlin"))
		if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "?ok=calendarsaved") {
			t.Fatalf("create = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		loc := resp.Header.Get("Location")
		_, body = root.get(loc)
		if !strings.Contains(body, "The calendar is saved.") || !strings.Contains(body, `value="09:00-12:00, 13:00-17:00"`) ||
			!strings.Contains(body, "2026-12-25 yearly Christmas\n2027-04-02 Good Friday\n</textarea>") || !strings.Contains(body, `name="default" checked`) {
			t.Errorf("the saved calendar's page:\n%s", body)
		}
		def, err := f.st.DefaultCalendar(ctx)
		if err != nil || def.Name != "Berlin office" || def.Hours[time.Monday][1].From != 13*60 || def.Hours[time.Saturday] != nil {
			t.Fatalf("stored = %+v, %v", def, err)
		}
		resp, _ = root.post("/admin/calendars/new", calendarValues("New York", "America/New_York"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("second create = %d", resp.StatusCode)
		}
		_, body = root.get("/admin/calendars")
		if !strings.Contains(body, ">Berlin office</a> <span class=\"badge text-bg-secondary\">default</span>") || !strings.Contains(body, ">New York</a>") ||
			!strings.Contains(body, "Monday: 09:00-12:00, 13:00-17:00") {
			t.Errorf("the list:\n%s", body)
		}
		if resp, body := root.post("/admin/calendars/new", calendarValues("new YORK", "UTC")); resp.StatusCode != 422 || !strings.Contains(body, "Another calendar has this name.") {
			t.Errorf("a second calendar with the name = %d", resp.StatusCode)
		}
		path, _, _ := strings.Cut(loc, "?")
		if resp, body := root.post(path+"/delete", nil); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "make another calendar the default") {
			t.Errorf("delete the default = %d\n%s", resp.StatusCode, body)
		}
		ny, _ := f.st.GetCalendarByName(ctx, "New York")
		v := calendarValues("New York", "America/New_York")
		v.Set("default", "on")
		v.Set("hours_sat", "10:00-14:00")
		if resp, _ := root.post("/admin/calendars/"+strconv.FormatInt(ny.ID, 10), v); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("update = %d", resp.StatusCode)
		}
		if def, _ := f.st.DefaultCalendar(ctx); def.ID != ny.ID || len(def.Hours[time.Saturday]) != 1 {
			t.Errorf("default after update = %+v", def)
		}
		resp, _ = root.post(path+"/delete", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/calendars?ok=calendardeleted" {
			t.Fatalf("delete = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := root.get(path); resp.StatusCode != 404 {
			t.Errorf("a deleted calendar's page = %d, want 404", resp.StatusCode)
		}
		if resp, _ := root.get("/admin/calendars/x"); resp.StatusCode != 404 {
			t.Errorf("/admin/calendars/x = %d, want 404", resp.StatusCode)
		}
	})
}

func TestTicketPageServiceLevel(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.alwaysCalendar()
		if err := f.st.SetCategorySLA(ctx, f.t1.CategoryID, nil, &domain.SLAPolicy{
			SLATargets: domain.SLATargets{FirstResponseMinutes: 60, ResolutionMinutes: 480},
			Priorities: map[domain.Priority]domain.SLATargets{domain.PriorityUrgent: {FirstResponseMinutes: 10, ResolutionMinutes: 60}}}); err != nil {
			t.Fatal(err)
		}
		bob, ann := f.signedIn("bob"), f.signedIn("ann")
		ref := f.t1.Ref()
		_, body := bob.get("/tickets/" + ref)
		for _, w := range []string{`id="priority">normal</dd>`, `id="set-priority"`, `id="wait-on-requester"`, `<option value="normal" selected>normal</option>`} {
			if !strings.Contains(body, w) {
				t.Errorf("bob's ticket page lacks %q", w)
			}
		}
		if _, body := ann.get("/tickets/" + ref); strings.Contains(body, `id="set-priority"`) || strings.Contains(body, `id="wait-on-requester"`) {
			t.Error("the requester's page offers the agent's service-level actions")
		}
		if resp, _ := ann.post("/tickets/"+ref+"/priority", url.Values{"priority": {"urgent"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("requester sets the priority = %d, want 403", resp.StatusCode)
		}
		if resp, body := bob.post("/tickets/"+ref+"/priority", url.Values{"priority": {"critical"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "low, normal, high or urgent") {
			t.Errorf("an unknown priority = %d", resp.StatusCode)
		}
		resp, _ := bob.post("/tickets/"+ref+"/priority", url.Values{"priority": {"urgent"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("set priority = %d", resp.StatusCode)
		}
		got, _ := f.st.GetTicket(ctx, f.t1.ID)
		if got.Priority != domain.PriorityUrgent || got.SLA.ResolutionDueAt == nil || !got.SLA.ResolutionDueAt.Equal(got.CreatedAt.Add(time.Hour)) {
			t.Errorf("after urgent: %s, %+v", got.Priority, got.SLA)
		}
		_, body = bob.get("/tickets/" + ref)
		if !strings.Contains(body, `id="priority">urgent</dd>`) || !strings.Contains(body, `id="sla-state"`) || !strings.Contains(body, `id="sla-resolution"><time`) {
			t.Errorf("the page after urgent:\n%s", body)
		}
		if _, body := bob.get("/queue"); !strings.Contains(body, "Resolution due") || !strings.Contains(body, "sla-") {
			t.Errorf("the queue shows no due time:\n%s", body)
		}
		if resp, _ := bob.post("/tickets/"+ref+"/wait", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("wait = %d", resp.StatusCode)
		}
		got, _ = f.st.GetTicket(ctx, f.t1.ID)
		if got.Status != domain.StatusWaitingOnRequester || got.SLA.State != domain.SLAPaused {
			t.Errorf("after wait: %s, %s", got.Status, got.SLA.State)
		}
		if _, body := bob.get("/tickets/" + ref); !strings.Contains(body, "Waiting on the requester") || !strings.Contains(body, ">Paused</span>") {
			t.Errorf("the page while waiting:\n%s", body)
		}
		if resp, _ := bob.post("/tickets/"+ref+"/wait", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("wait twice = %d, want 403", resp.StatusCode)
		}
		if _, body := f.signedIn("root").get("/admin"); !strings.Contains(body, "Service levels, last 30 days") || !strings.Contains(body, `id="sla-at-risk-count">0 ticket(s) at risk`) {
			t.Errorf("the dashboard's SLA part:\n%s", body)
		}
	})
}

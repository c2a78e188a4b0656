package adminui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ticketgate/domain"
)

// TestCategoryServiceLevel: an admin sets a category's calendar and SLA
// policy on its page (targets in business hours, per priority, at-risk
// share, contacts, the assignment mail as first response) and reads them
// back; hostile values are messages on the form (422) with nothing saved;
// no CSRF token is 403; anyone but an admin gets 404.
func TestCategoryServiceLevel(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		cal := f.alwaysCalendar()
		hw := f.t1.CategoryID
		path := "/admin/categories/" + strconv.FormatInt(hw, 10)
		root := f.signedIn("root")
		if _, body := root.get(path); !strings.Contains(body, `id="sla-form"`) || !strings.Contains(body, ">Always (UTC)</option>") {
			t.Fatalf("the category page has no service-level form:\n%s", body)
		}
		good := func() url.Values {
			return url.Values{"sla_calendar": {strconv.FormatInt(cal.ID, 10)}, "sla_first_response": {"1"}, "sla_resolution": {"8"},
				"sla_resolution.urgent": {"0.5"}, "sla_first_response.urgent": {"0,25"}, "sla_at_risk_percent": {"75"},
				"sla_contacts": {"Boss@Company.test\nboss@company.test, lead@company.test"}, "sla_by_assignment": {"1"}}
		}
		resp, body := root.post(path+"/sla", good())
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "ok=slasaved") {
			t.Fatalf("save = %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		saved, err := f.st.GetCategory(ctx, hw)
		if err != nil {
			t.Fatal(err)
		}
		p := saved.SLA
		if saved.CalendarID == nil || *saved.CalendarID != cal.ID || p == nil || p.FirstResponseMinutes != 60 || p.ResolutionMinutes != 480 ||
			p.Priorities[domain.PriorityUrgent] != (domain.SLATargets{FirstResponseMinutes: 15, ResolutionMinutes: 30}) || len(p.Priorities) != 1 ||
			p.AtRiskPercent != 75 || !p.FirstResponseByAssignment || !slices.Equal(p.EscalationContacts, []string{"boss@company.test", "lead@company.test"}) {
			t.Errorf("saved %v %+v", saved.CalendarID, p)
		}
		_, body = root.get(path)
		for _, w := range []string{`name="sla_resolution" id="sla_resolution" value="8"`, `id="sla_resolution-urgent" value="0.5"`,
			`id="sla_first_response-urgent" value="0.25"`, `value="75"`, `id="sla_by_assignment" name="sla_by_assignment" value="1" checked`,
			`selected>Always (UTC)`, "boss@company.test\nlead@company.test"} {
			if !strings.Contains(body, w) {
				t.Errorf("the page after saving lacks %q", w)
			}
		}

		// Hostile values: a message on the form, nothing saved.
		for _, tc := range []struct{ field, value, msg string }{
			{"sla_resolution", "NaN", "Business hours from 0"},
			{"sla_first_response", "1e309", "Business hours from 0"},
			{"sla_resolution.high", "-3", "Business hours from 0"},
			{"sla_resolution", "999999", "Business hours from 0"},
			{"sla_resolution", strings.Repeat("9", 5000), "Business hours from 0"},
			{"sla_at_risk_percent", "<script>alert(1)</script>", "A percentage from 1 to 99"},
			{"sla_at_risk_percent", "100", "A percentage from 1 to 99"},
			{"sla_contacts", "not an address", "Not an email address"},
			{"sla_calendar", "abc", "Choose a calendar"},
			{"sla_calendar", "987654", "No such calendar"},
		} {
			v := good()
			v.Set(tc.field, tc.value)
			resp, body := root.post(path+"/sla", v)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(strings.ToLower(body), strings.ToLower(tc.msg)) ||
				strings.Contains(body, "<script>alert") {
				t.Errorf("%s=%.40q = %d, want 422 with %q", tc.field, tc.value, resp.StatusCode, tc.msg)
			}
		}
		if again, _ := f.st.GetCategory(ctx, hw); again.SLA == nil || again.SLA.ResolutionMinutes != 480 || again.SLA.AtRiskPercent != 75 {
			t.Errorf("a refused form changed the policy: %+v", again.SLA)
		}

		// Clearing every field removes the policy, back to the default calendar.
		if resp, _ := root.post(path+"/sla", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("clear = %d", resp.StatusCode)
		}
		if c, _ := f.st.GetCategory(ctx, hw); c.SLA != nil || c.CalendarID != nil {
			t.Errorf("after clearing: %v %+v", c.CalendarID, c.SLA)
		}

		noCSRF := good()
		noCSRF.Set("csrf", "")
		if resp, _ := root.post(path+"/sla", noCSRF); resp.StatusCode != http.StatusForbidden {
			t.Errorf("without CSRF = %d, want 403", resp.StatusCode)
		}
		for _, who := range []string{"bob", "ann"} {
			if resp, _ := f.signedIn(who).post(path+"/sla", good()); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: POST = %d, want 404", who, resp.StatusCode)
			}
		}
		if resp, _ := root.post("/admin/categories/987654/sla", good()); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown category = %d, want 404", resp.StatusCode)
		}
		if c, _ := f.st.GetCategory(ctx, hw); c.SLA != nil {
			t.Errorf("a refused post saved %+v", c.SLA)
		}
	})
}

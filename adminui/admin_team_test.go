package adminui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

func TestAdminTeam(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		root := f.signedIn("root")
		hw := fmt.Sprint(f.t1.CategoryID)
		resp, body := root.get("/admin/team")
		main := body[strings.Index(body, "<main"):]
		for _, w := range []string{"<title>Team members · IT Helpdesk</title>", "bob@company.test", "carl@company.test", "Hardware", "available"} {
			if !strings.Contains(body, w) {
				t.Errorf("team page lacks %q", w)
			}
		}
		if resp.StatusCode != 200 || !strings.Contains(main, `<td class="text-end">1</td>`) {
			t.Errorf("team page = %d, or without bob's load of 1", resp.StatusCode)
		}

		// Each kind of invalid input; nothing changes.
		before := f.snapshot()
		past := time.Now().UTC().Add(-time.Hour).Format(datetimeLocal)
		for _, tt := range []struct {
			form      url.Values
			field     string
			msg, keep string
		}{
			{url.Values{"email": {""}, "category": {hw}}, "email", "Enter the address of an agent.", `value="` + hw + `" checked`},
			{url.Values{"email": {"nobody@company.test"}, "category": {hw}}, "email", "There is no user with this address", `value="nobody@company.test"`},
			{url.Values{"email": {"ann@company.test"}, "availability": {"away"}, "away_until": {"soon"}}, "away_until", "Give a date and time", `value="soon"`},
			{url.Values{"email": {"ann@company.test"}, "availability": {"away"}, "away_until": {past}}, "away_until", "Give a time in the future", `value="` + past + `"`},
			{url.Values{"email": {"ann@company.test"}, "category": {"999999"}}, "categories", "no longer exists", `value="ann@company.test"`},
		} {
			resp, body := root.post("/admin/team", tt.form)
			if resp.StatusCode != 422 || !strings.Contains(body, tt.msg) || !strings.Contains(body, tt.keep) || !strings.Contains(body, `id="`+tt.field+`-error"`) {
				t.Errorf("POST /admin/team %v = %d, want 422 with %q next to %s and %q kept", tt.form, resp.StatusCode, tt.msg, tt.field, tt.keep)
			}
		}
		if after := f.snapshot(); after != before {
			t.Errorf("invalid forms changed something:\n%s\n%s", before, after)
		}

		// Add ann (an employee) to Hardware, available: she becomes an agent
		// and gets the waiting ticket t3 at once (she has the fewest).
		resp, _ = root.post("/admin/team", url.Values{"email": {"ann@company.test"}, "category": {hw}, "availability": {"available"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin/team?ok=membersaved" {
			t.Fatalf("add = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if u, _ := f.st.GetUser(ctx, f.users["ann"].ID); u.Role != domain.RoleAgent {
			t.Errorf("ann is %s, want agent", u.Role)
		}
		if tk, _ := f.st.GetTicket(ctx, f.t3.ID); tk.Status != domain.StatusAssigned || tk.AssigneeID != f.users["ann"].ID {
			t.Errorf("t3 = %s to %d, want assigned to ann", tk.Status, tk.AssigneeID)
		}

		// Edit bob: away until a date, and both categories.
		path := fmt.Sprintf("/admin/team/%d", f.memberID("bob"))
		until := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)
		resp, _ = root.post(path, url.Values{"category": {hw, fmt.Sprint(f.t2.CategoryID)}, "availability": {"away"},
			"away_until": {until.Format(datetimeLocal)}, "email": {"carl@company.test"}})
		if resp.StatusCode != 303 {
			t.Fatalf("edit = %d", resp.StatusCode)
		}
		m, _ := f.st.GetTeamMemberByUser(ctx, f.users["bob"].ID)
		if m.Available || m.AwayUntil == nil || !m.AwayUntil.Equal(until) || len(m.CategoryIDs) != 2 {
			t.Errorf("bob = %+v, want away until %v in 2 categories", m, until)
		}
		if c, _ := f.st.GetTeamMemberByUser(ctx, f.users["carl"].ID); len(c.CategoryIDs) != 1 || !c.Available {
			t.Errorf("carl changed through bob's form: %+v", c)
		}
		_, body = root.get(path)
		if !strings.Contains(body, `value="`+until.Format(datetimeLocal)+`"`) || !strings.Contains(body, `id="away" value="away" checked`) {
			t.Error("bob's page does not show him away until the date")
		}
		if resp, body := root.post(path, url.Values{"availability": {"away"}, "away_until": {"tomorrow"}}); resp.StatusCode != 422 || !strings.Contains(body, `value="tomorrow"`) {
			t.Errorf("edit with a bad date = %d", resp.StatusCode)
		}
		// Back: available again.
		if resp, _ := root.post(path, url.Values{"category": {hw}, "availability": {"available"}}); resp.StatusCode != 303 {
			t.Fatalf("back = %d", resp.StatusCode)
		}
		if m, _ := f.st.GetTeamMemberByUser(ctx, f.users["bob"].ID); !m.Available || m.AwayUntil != nil {
			t.Errorf("bob after coming back = %+v", m)
		}
		// Remove: off the team, his ticket stays his.
		if resp, _ := root.post(path+"/remove", nil); resp.StatusCode != 303 {
			t.Fatalf("remove = %d", resp.StatusCode)
		}
		if _, err := f.st.GetTeamMemberByUser(ctx, f.users["bob"].ID); err == nil {
			t.Error("bob is still on the team")
		}
		if tk, _ := f.st.GetTicket(ctx, f.t1.ID); tk.AssigneeID != f.users["bob"].ID {
			t.Error("bob's ticket left him")
		}
		if resp, _ := root.get(path); resp.StatusCode != 404 {
			t.Errorf("a removed member's page = %d, want 404", resp.StatusCode)
		}
	})
}

package adminui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ticketgate/domain"
)

// TestMergeAuthorization extends the authorization matrix to the merge
// route: who may merge which ticket into which, the refusals as messages
// on the page, and that nobody learns anything of a ticket they may not
// see.
func TestMergeAuthorization(t *testing.T) {
	for _, role := range []string{"anonymous", "employee", "agent", "admin"} {
		t.Run(role, func(t *testing.T) { eachFixture(t, func(t *testing.T, f *fixture) { mergeMatrix(t, f, role) }) })
	}
}

func mergeMatrix(t *testing.T, f *fixture, role string) {
	ctx := context.Background()
	// m1: ben's, in bob's category, unassigned, the same as t3.
	m1, err := f.desk.OpenTicket(ctx, domain.NewTicket{Subject: "Same as t3", Body: "Again.", From: f.users["ben"].Email, Channel: "test"})
	if err != nil {
		t.Fatal(err)
	}
	m1.CategoryID = f.t3.CategoryID
	if err := f.st.UpdateTicket(ctx, m1, m1.Status); err != nil {
		t.Fatal(err)
	}
	path := func(tk *domain.Ticket) string { return "/tickets/" + tk.Ref() + "/merge" }
	into := func(tk *domain.Ticket) url.Values { return url.Values{"into": {tk.Ref()}} }
	// by[role] is the status of each step for the role, in order.
	type mstep struct {
		path string
		form url.Values
		want map[string]int
	}
	steps := []mstep{
		// t2 (carl's category) into t1: only the admin sees t2.
		{path(f.t2), into(f.t1), map[string]int{"anonymous": 303, "employee": 404, "agent": 404, "admin": 303}},
		// The requester of t1 may not merge it; staff get a message.
		{path(f.t1), url.Values{"into": {""}}, map[string]int{"anonymous": 303, "employee": 403, "agent": 422, "admin": 422}},
		{path(f.t1), url.Values{"into": {"nonsense"}}, map[string]int{"anonymous": 303, "employee": 403, "agent": 422, "admin": 422}},
		{path(f.t1), into(f.t3), map[string]int{"anonymous": 303, "employee": 403, "agent": 303, "admin": 303}},
		// Into itself; into a ticket bob cannot see (or, for the admin,
		// one that is merged already).
		{path(f.t3), into(f.t3), map[string]int{"anonymous": 303, "employee": 404, "agent": 422, "admin": 422}},
		{path(m1), into(f.t2), map[string]int{"anonymous": 303, "employee": 404, "agent": 422, "admin": 422}},
		// Into a merged ticket: t1 was merged into t3 above.
		{path(m1), into(f.t1), map[string]int{"anonymous": 303, "employee": 404, "agent": 422, "admin": 422}},
		{path(m1), into(f.t3), map[string]int{"anonymous": 303, "employee": 404, "agent": 303, "admin": 303}},
		{"/tickets/nonsense/merge", into(f.t3), map[string]int{"anonymous": 303, "employee": 404, "agent": 404, "admin": 404}},
	}
	c := f.client()
	if role != "anonymous" {
		c.signIn(map[string]string{"employee": "ann", "agent": "bob", "admin": "root"}[role], fixturePassword)
	} else {
		c.get("/signin")
	}
	forbidden := map[string][]string{
		"anonymous": append(append(append([]string{}, ticketMarkers["t1"]...), ticketMarkers["t2"]...), ticketMarkers["t3"]...),
		"employee":  append(append([]string{}, ticketMarkers["t2"]...), ticketMarkers["t3"]...),
		"agent":     ticketMarkers["t2"],
	}[role]
	for _, s := range steps {
		resp, body := c.post(s.path, s.form)
		if resp.StatusCode != s.want[role] {
			t.Errorf("POST %s %v as %s = %d, want %d", s.path, s.form, role, resp.StatusCode, s.want[role])
		}
		if resp.StatusCode == http.StatusUnprocessableEntity && !strings.Contains(body, `class="alert`) {
			t.Errorf("POST %s %v as %s: no message on the page", s.path, s.form, role)
		}
		for _, m := range forbidden {
			if strings.Contains(body, m) {
				t.Errorf("POST %s as %s shows %q of a ticket they may not see", s.path, role, m)
			}
		}
	}
	// What was allowed happened, and nothing else.
	merged := func(tk *domain.Ticket) int64 {
		got, err := f.st.GetTicket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.MergedInto
	}
	staff := role == "agent" || role == "admin"
	for _, tc := range []struct {
		name string
		tk   *domain.Ticket
		want int64
	}{
		// t2 went into t1, and with t1 into t3: one hop.
		{"t2", f.t2, map[bool]int64{true: f.t3.ID}[role == "admin"]},
		{"t1", f.t1, map[bool]int64{true: f.t3.ID}[staff]},
		{"m1", m1, map[bool]int64{true: f.t3.ID}[staff]},
		{"t3", f.t3, 0},
	} {
		if got := merged(tc.tk); got != tc.want {
			t.Errorf("%s as %s: merged into %d, want %d", tc.name, role, got, tc.want)
		}
	}
}

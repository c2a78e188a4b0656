package adminui

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// step is one request of the authorization matrix and the status it must
// get; the steps of a role run in order, so that the state changes they
// make (resolve, then reopen) are part of the table.
type step struct {
	method, path string
	form         url.Values
	want         int
}

// TestAuthorizationMatrix sends every portal route, for each ticket, as
// each kind of user, and checks the status code and that no page shows
// anything of a ticket the user may not see.
func TestAuthorizationMatrix(t *testing.T) {
	for _, role := range []string{"anonymous", "employee", "agent", "admin"} {
		t.Run(role, func(t *testing.T) { eachFixture(t, func(t *testing.T, f *fixture) { authzMatrix(t, f, role) }) })
	}
}

func authzMatrix(t *testing.T, f *fixture, role string) {
	refs := map[string]string{"t1": f.t1.Ref(), "t2": f.t2.Ref(), "t3": f.t3.Ref()}
	atts := map[string]int64{"t1": f.attachmentID(f.t1), "t2": f.attachmentID(f.t2), "t3": f.attachmentID(f.t3)}
	// expect[role][ticket] is what the role may do with the ticket:
	// "-" not see it, "r" see it, "c" see and comment, "x" comment and
	// resolve (assigned to them, or admin).
	expect := map[string]map[string]string{
		"anonymous": {"t1": "-", "t2": "-", "t3": "-"},
		"employee":  {"t1": "c", "t2": "-", "t3": "-"}, // ann
		"agent":     {"t1": "x", "t2": "-", "t3": "r"}, // bob: t1 assigned, t3 his category
		"admin":     {"t1": "x", "t2": "x", "t3": "c"}, // root; t3 is unassigned: nothing to resolve
	}
	who := map[string]string{"employee": "ann", "agent": "bob", "admin": "root"}
	// The pages that are no ticket's, for everyone signed in.
	common := func(role string) []step {
		if role == "anonymous" {
			return []step{
				{"GET", "/tickets", nil, 303}, {"GET", "/new", nil, 303}, {"GET", "/queue", nil, 303},
				{"GET", "/profile", nil, 303}, {"GET", "/password", nil, 303},
				{"POST", "/new", url.Values{"subject": {"s"}, "body": {"b"}}, 303},
				{"POST", "/away", url.Values{"until": {"2099-12-24T09:00"}}, 303},
				{"POST", "/password", url.Values{"current": {"x"}}, 303},
				{"GET", "/signin", nil, 200}, {"GET", "/forgot", nil, 200}, {"GET", "/", nil, 303},
				{"GET", "/reset/not.alink", nil, 410}, {"GET", "/profile?x=1", nil, 303},
			}
		}
		queue := 200
		away := 303
		if role == "employee" {
			queue, away = 403, 403
		}
		if role == "admin" {
			away = 422 // not on the team: a message, not a change
		}
		return []step{
			{"GET", "/tickets", nil, 200}, {"GET", "/new", nil, 200}, {"GET", "/queue", nil, queue},
			{"GET", "/profile", nil, 200}, {"GET", "/password", nil, 200}, {"GET", "/", nil, 303},
			{"GET", "/tickets?status=assigned", nil, 200}, {"GET", "/queue?page=2", nil, queue},
			{"POST", "/away", url.Values{"until": {"2099-12-24T09:00"}}, away}, // not "back": that would assign waiting tickets
			{"GET", "/signin", nil, 303}, {"GET", "/forgot", nil, 200}, {"GET", "/reset/not.alink", nil, 410},
		}
	}
	ticketSteps := func(role, key string) []step {
		ref, can := refs[key], expect[role][key]
		base := "/tickets/" + ref
		if can == "-" {
			want := 404
			if role == "anonymous" {
				want = 303
			}
			return []step{
				{"GET", base, nil, want},
				{"GET", fmt.Sprintf("%s/attachments/%d", base, atts[key]), nil, want},
				{"POST", base + "/comment", url.Values{"text": {"hello"}}, want},
				{"POST", base + "/comment", url.Values{"text": {""}}, want},
				{"POST", base + "/resolve", url.Values{"note": {"done"}}, want},
				{"POST", base + "/reopen", nil, want},
			}
		}
		comment, resolve, reopen := 403, 403, 403
		if can == "c" || can == "x" {
			comment = 303
		}
		if can == "x" {
			resolve, reopen = 303, 403 // reopen is for the requester or an admin
			if role == "admin" {
				reopen = 303
			}
		}
		steps := []step{
			{"GET", base, nil, 200},
			{"GET", fmt.Sprintf("%s/attachments/%d", base, atts[key]), nil, 200},
			{"POST", base + "/comment", url.Values{"text": {"hello from " + role}}, comment},
			{"POST", base + "/reopen", nil, 403}, // not resolved yet
			{"POST", base + "/resolve", url.Values{"note": {"fixed by " + role}}, resolve},
			{"POST", base + "/reopen", nil, reopen},
		}
		if can == "c" || can == "x" {
			steps = append(steps, step{"POST", base + "/comment", url.Values{"text": {""}}, 422})
		}
		return steps
	}
	// Another ticket's attachment through this ticket's URL.
	crossAttachment := func(role string) step {
		want := 404
		if role == "anonymous" {
			want = 303
		}
		return step{"GET", fmt.Sprintf("/tickets/%s/attachments/%d", refs["t1"], atts["t2"]), nil, want}
	}

	c := f.client()
	if role != "anonymous" {
		c.signIn(who[role], fixturePassword)
	} else {
		c.get("/signin")
	}
	steps := common(role)
	for _, key := range []string{"t1", "t2", "t3"} {
		steps = append(steps, ticketSteps(role, key)...)
	}
	steps = append(steps, adminSteps(f, role)...)   // admin_users_test.go
	steps = append(steps, cannedSteps(f, role)...)  // admin_canned_test.go
	steps = append(steps, webhookSteps(f, role)...) // admin_webhooks_test.go
	steps = append(steps, crossAttachment(role), step{"GET", "/tickets/TKT-999999", nil, 0}, step{"GET", "/tickets/nonsense", nil, 0})
	var forbidden []string
	for key, can := range expect[role] {
		if can == "-" {
			forbidden = append(forbidden, ticketMarkers[key]...)
		}
	}
	for _, s := range steps {
		var resp *http.Response
		var body string
		if s.method == "GET" {
			resp, body = c.get(s.path)
		} else {
			resp, body = c.post(s.path, s.form)
		}
		want := s.want
		if want == 0 { // no such ticket
			want = 404
			if role == "anonymous" {
				want = 303
			}
		}
		if resp.StatusCode != want {
			t.Errorf("%s %s %v as %s = %d, want %d", s.method, s.path, s.form, role, resp.StatusCode, want)
		}
		if want == 303 && role == "anonymous" && !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("%s %s as anonymous redirects to %q, want /signin", s.method, s.path, resp.Header.Get("Location"))
		}
		for _, m := range forbidden {
			if strings.Contains(body, m) || strings.Contains(resp.Header.Get("Content-Disposition"), m) {
				t.Errorf("%s %s as %s shows %q of a ticket they may not see", s.method, s.path, role, m)
			}
		}
	}
	// What they may see, they do see.
	for key, can := range expect[role] {
		if can == "-" {
			continue
		}
		_, body := c.get("/tickets/" + refs[key])
		for _, m := range ticketMarkers[key] {
			if !strings.Contains(body, m) {
				t.Errorf("ticket %s as %s lacks %q", key, role, m)
			}
		}
	}
	// Sign-out, last: afterwards nothing is reachable.
	if resp, _ := c.post("/signout", nil); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Errorf("POST /signout as %s = %d to %q", role, resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := c.get("/tickets/" + refs["t1"]); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a ticket after sign-out as %s = %d, want 303", role, resp.StatusCode)
	}
}

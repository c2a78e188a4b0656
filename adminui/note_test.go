package adminui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ticketgate/domain"
)

// TestNoteAuthorization is the authorization matrix of the internal note
// action (POST /tickets/:ref/note and /admin/tickets/:ref/note), for each
// kind of user and ticket: agents and admins who see a ticket may write
// notes, whatever they may do besides (bob serves t3's category but has
// no comment form there); its requester may not (403), nor anyone who
// may not see it (404); a form without its CSRF token changes nothing.
// Then who sees the notes: agents and admins on the ticket page, styled
// apart; never the requester, on the page or by mail.
func TestNoteAuthorization(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		refs := map[string]string{"t1": f.t1.Ref(), "t2": f.t2.Ref(), "t3": f.t3.Ref()}
		// expect[role][ticket]: the status of a note with text.
		expect := map[string]map[string]int{
			"anonymous": {"t1": 303, "t2": 303, "t3": 303},
			"employee":  {"t1": 403, "t2": 404, "t3": 404}, // ann requested t1
			"agent":     {"t1": 303, "t2": 404, "t3": 303}, // bob: t1 assigned, t3 his category
			"admin":     {"t1": 303, "t2": 303, "t3": 303},
		}
		who := map[string]string{"employee": "ann", "agent": "bob", "admin": "root"}
		for _, role := range []string{"anonymous", "employee", "agent", "admin"} {
			c := f.client()
			if role == "anonymous" {
				c.get("/signin")
			} else {
				c.signIn(who[role], fixturePassword)
			}
			for _, key := range []string{"t1", "t2", "t3"} {
				base := "/tickets/" + refs[key]
				want := expect[role][key]
				empty := want
				if want == 303 && role != "anonymous" {
					empty = 422
				}
				adminWant, adminEmpty := map[string]int{"anonymous": 303, "employee": 404, "agent": 404, "admin": 303}[role], 0
				if adminEmpty = adminWant; role == "admin" {
					adminEmpty = 422
				}
				for _, s := range []step{
					{"POST", base + "/note", url.Values{"text": {""}}, empty},
					{"POST", base + "/note", url.Values{"text": {"NOTEMARK " + role + " " + key}, "csrf": {""}}, http.StatusForbidden},
					{"POST", base + "/note", url.Values{"text": {"NOTEMARK " + role + " " + key}}, want},
					{"POST", "/admin" + base + "/note", url.Values{"text": {"ADMINNOTE " + role + " " + key}, "csrf": {""}}, http.StatusForbidden},
					{"POST", "/admin" + base + "/note", url.Values{"text": {"   "}}, adminEmpty},
					{"POST", "/admin" + base + "/note", url.Values{"text": {"ADMINNOTE " + role + " " + key}}, adminWant},
				} {
					resp, body := c.post(s.path, s.form)
					if resp.StatusCode != s.want {
						t.Errorf("%s %s %v as %s = %d, want %d", s.method, s.path, s.form, role, resp.StatusCode, s.want)
					}
					if s.want == 303 && role == "anonymous" && !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
						t.Errorf("POST %s as anonymous redirects to %q", s.path, resp.Header.Get("Location"))
					}
					if s.want == 422 && !strings.Contains(body, "Write the note first.") {
						t.Errorf("POST %s %v as %s: no message on the page", s.path, s.form, role)
					}
				}
			}
		}

		// What was written: the notes of bob and root, and nothing else.
		ctx := context.Background()
		for key, tk := range map[string]*domain.Ticket{"t1": f.t1, "t2": f.t2, "t3": f.t3} {
			td, err := f.desk.Ticket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			var notes []string
			for _, e := range td.Events {
				if e.Kind == domain.EventNote {
					notes = append(notes, e.Detail)
				} else if strings.Contains(e.Detail, "NOTEMARK") || strings.Contains(e.Detail, "ADMINNOTE") {
					t.Errorf("%s: a note became %s: %q", key, e.Kind, e.Detail)
				}
			}
			want := []string{"NOTEMARK admin " + key, "ADMINNOTE admin " + key}
			if key != "t2" {
				want = append([]string{"NOTEMARK agent " + key}, want...)
			}
			if strings.Join(notes, "|") != strings.Join(want, "|") {
				t.Errorf("%s notes = %q, want %q", key, notes, want)
			}
		}

		// ann's page of t1 shows none of them; bob's and root's show them
		// all, marked, with the note button.
		ann, bob, root := f.signedIn("ann"), f.signedIn("bob"), f.signedIn("root")
		_, page := ann.get("/tickets/" + refs["t1"])
		for _, bad := range []string{"NOTEMARK", "ADMINNOTE", "Internal note", "event-note", "/note"} {
			if strings.Contains(page, bad) {
				t.Errorf("ann's page of t1 shows %q", bad)
			}
		}
		if !strings.Contains(page, "Add comment") {
			t.Error("ann's page of t1 lost its comment form")
		}
		for name, c := range map[string]*client{"bob": bob, "root": root} {
			_, page := c.get("/tickets/" + refs["t1"])
			for _, want := range []string{"NOTEMARK agent t1", "ADMINNOTE admin t1", `class="timeline-item event-note"`, "Internal note",
				`formaction="/tickets/` + refs["t1"] + `/note"`} {
				if !strings.Contains(page, want) {
					t.Errorf("%s's page of t1 lacks %q", name, want)
				}
			}
		}
		_, page = bob.get("/tickets/" + refs["t3"])
		if !strings.Contains(page, `action="/tickets/`+refs["t3"]+`/note"`) || strings.Contains(page, "Add comment") {
			t.Error("bob's page of t3 (his category, not his ticket) should offer a note and no comment")
		}
		_, page = root.get("/admin/tickets/" + refs["t1"])
		for _, want := range []string{"NOTEMARK agent t1", `action="/admin/tickets/` + refs["t1"] + `/note"`, "event-note"} {
			if !strings.Contains(page, want) {
				t.Errorf("the admin page of t1 lacks %q", want)
			}
		}

		// No note ever went to a requester; bob got root's notes on t1.
		ms, err := f.st.ListOutbox(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		var toBob int
		for _, m := range ms {
			if m.Kind != string(domain.MailNote) {
				continue
			}
			if m.To == "ann@company.test" || m.To == "ben@company.test" {
				t.Errorf("a note was mailed to the requester %s", m.To)
			}
			if m.To == "bob@company.test" && m.TicketID == f.t1.ID {
				toBob++
			}
		}
		if toBob != 2 {
			t.Errorf("bob got %d note mails on t1, want 2 (root's)", toBob)
		}
	})
}

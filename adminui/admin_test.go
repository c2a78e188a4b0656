package adminui

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

// adminMailPostRoutes are every admin POST route with a form that would change
// something if it were accepted, on the fixture's tickets and mails.
func adminMailPostRoutes(f *fixture, mailID, quarantineID, approvalID int64) []step {
	t1 := "/admin/tickets/" + f.t1.Ref()
	return []step{
		{"POST", t1 + "/category", url.Values{"category": {"Software"}}, 0},
		{"POST", t1 + "/assign", url.Values{"agent": {"carl@company.test"}}, 0},
		{"POST", t1 + "/resolve", url.Values{"note": {"done by the admin"}}, 0},
		{"POST", t1 + "/close", url.Values{"note": {"closing"}}, 0},
		{"POST", t1 + "/reopen", nil, 0},
		{"POST", t1 + "/comment", url.Values{"text": {"an admin's comment"}}, 0},
		{"POST", fmt.Sprintf("/admin/tickets/%s/approvals/%d", f.t1.Ref(), approvalID), url.Values{"decision": {"approve"}}, 0},
		{"POST", fmt.Sprintf("/admin/mail/outbox/%d/retry", mailID), nil, 0},
		{"POST", fmt.Sprintf("/admin/mail/outbox/%d/discard", mailID), nil, 0},
		{"POST", "/admin/mail/dead/retry", nil, 0},
		{"POST", fmt.Sprintf("/admin/mail/quarantine/%d/retry", quarantineID), nil, 0},
		{"POST", fmt.Sprintf("/admin/mail/quarantine/%d/delete", quarantineID), nil, 0},
	}
}

func adminGetRoutes(f *fixture, quarantineID int64) []string {
	return []string{"/admin", "/admin/tickets", "/admin/tickets?q=SUBJ&status=assigned", "/admin/tickets/" + f.t1.Ref(),
		"/admin/mail/outbox", "/admin/mail/outbox?status=dead", "/admin/mail/inbox", "/admin/mail/quarantine",
		fmt.Sprintf("/admin/mail/quarantine/%d", quarantineID), "/admin/mail/approvals"}
}

// quarantineMail is a mail in the quarantine, readable by testParse.
const quarantineMail = "From: Dana <dana@company.test>\r\nTo: help@company.test\r\nSubject: Printer on fire QMARK\r\n" +
	"Message-ID: <q1@company.test>\r\nX-Odd: yes\r\n\r\nThe printer on floor 2 is on fire. BODYMARK\r\n"

// testParse reads the few headers the pipeline needs; adminui's tests
// cannot use inbox.Parse (the adapters do not import each other).
func testParse(raw []byte) (*domain.Inbound, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	from, err := mail.ParseAddress(m.Header.Get("From"))
	if err != nil {
		return nil, err
	}
	var body strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := m.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return &domain.Inbound{MessageID: strings.Trim(m.Header.Get("Message-ID"), "<>"), From: strings.ToLower(from.Address),
		FromName: from.Name, Subject: m.Header.Get("Subject"), Text: body.String(), NewText: body.String(), Size: int64(len(raw))}, nil
}

// seedAdmin makes the fixture's first mail dead and quarantines a
// readable mail, turns retrying quarantined mail on, and returns their ids.
func seedAdmin(t *testing.T, f *fixture) (mailID, quarantineID int64) {
	t.Helper()
	ctx := context.Background()
	f.h.parse = testParse
	ms, err := f.st.ListOutbox(ctx, "", 0)
	if err != nil || len(ms) == 0 {
		t.Fatalf("outbox: %v %v", ms, err)
	}
	m, err := f.st.GetOutbox(ctx, ms[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	m.Status, m.Attempts, m.LastError = domain.OutboxDead, 10, "550 mailbox unavailable DEADMARK"
	if err := f.st.UpdateOutbox(ctx, m); err != nil {
		t.Fatal(err)
	}
	q := &domain.Quarantined{At: time.Now(), Channel: "smtp", MessageID: "q1@company.test", From: "dana@company.test",
		Subject: "Printer on fire QMARK", Reason: "could not process: REASONMARK", Raw: []byte(quarantineMail), Size: int64(len(quarantineMail))}
	if err := f.st.AddQuarantine(ctx, q); err != nil {
		t.Fatal(err)
	}
	return m.ID, q.ID
}

// mailSnapshot is what admin POSTs could change, to check that a refused one
// changed nothing.
func (f *fixture) mailSnapshot() string {
	f.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	ts, err := f.st.ListTickets(ctx, domain.TicketQuery{})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, tk := range ts {
		es, _ := f.st.ListEvents(ctx, tk.ID)
		as, _ := f.st.ListApprovals(ctx, tk.ID)
		fmt.Fprintf(&b, "%s %s %s %s %d events;", tk.Ref(), tk.Status, tk.Category, tk.Assignee, len(es))
		for _, a := range as {
			fmt.Fprintf(&b, " approval %d %s;", a.ID, a.Decision)
		}
	}
	ms, _ := f.st.ListOutbox(ctx, "", 0)
	for _, m := range ms {
		fmt.Fprintf(&b, " mail %d %s %d;", m.ID, m.Status, m.Attempts)
	}
	qs, _ := f.st.ListQuarantine(ctx, 0)
	fmt.Fprintf(&b, " %d quarantined", len(qs))
	return b.String()
}

// TestAdminPagesForAdminsOnly: every admin page and action is 404 for
// employees and agents (and changes nothing), sends the signed-out to
// sign in, and works for admins.
func TestAdminPagesForAdminsOnly(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		mailID, qid := seedAdmin(t, f)
		before := f.mailSnapshot()
		anon := f.client()
		anon.get("/signin")
		for _, who := range []string{"", "ann", "bob"} {
			c := anon
			want := http.StatusNotFound
			if who != "" {
				c = f.signedIn(who)
			} else {
				want = http.StatusSeeOther
			}
			for _, path := range adminGetRoutes(f, qid) {
				resp, body := c.get(path)
				if resp.StatusCode != want {
					t.Errorf("GET %s as %q = %d, want %d", path, who, resp.StatusCode, want)
				}
				if strings.Contains(body, "DEADMARK") || strings.Contains(body, "QMARK") || strings.Contains(body, "Dashboard") {
					t.Errorf("GET %s as %q shows admin content", path, who)
				}
			}
			for _, s := range adminMailPostRoutes(f, mailID, qid, 1) {
				if resp, _ := c.post(s.path, s.form); resp.StatusCode != want {
					t.Errorf("POST %s as %q = %d, want %d", s.path, who, resp.StatusCode, want)
				}
			}
			if who == "" {
				if resp, _ := c.get("/admin"); !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
					t.Errorf("/admin signed out redirects to %q", resp.Header.Get("Location"))
				}
			}
		}
		if after := f.mailSnapshot(); after != before {
			t.Errorf("refused admin posts changed something:\n%s\n%s", before, after)
		}
		root := f.signedIn("root")
		for _, path := range adminGetRoutes(f, qid) {
			resp, body := root.get(path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<title>") {
				t.Errorf("GET %s as admin = %d", path, resp.StatusCode)
			}
		}
		// The ticket page leads admins (only) to the admin actions.
		if _, body := root.get("/tickets/" + f.t1.Ref()); !strings.Contains(body, `href="/admin/tickets/`+f.t1.Ref()+`"`) {
			t.Error("the ticket page does not lead an admin to the admin actions")
		}
		if _, body := f.signedIn("bob").get("/tickets/" + f.t1.Ref()); strings.Contains(body, "/admin/tickets/") {
			t.Error("the ticket page leads an agent to the admin actions")
		}
		// The admin's navigation; nobody else's.
		if _, body := root.get("/tickets"); !strings.Contains(body, `href="/admin"`) || !strings.Contains(body, `href="/admin/mail/outbox"`) {
			t.Error("the admin's menu lacks the admin pages")
		}
		if _, body := f.signedIn("bob").get("/queue"); strings.Contains(body, `href="/admin`) {
			t.Error("an agent's menu shows admin pages")
		}
	})
}

// TestAdminCSRF: every admin POST without the right token is the 403 page
// and changes nothing.
func TestAdminCSRF(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		mailID, qid := seedAdmin(t, f)
		before := f.mailSnapshot()
		root := f.signedIn("root")
		other := f.signedIn("root")
		for _, tok := range []struct{ name, value string }{{"missing", ""}, {"wrong", flipFirst(root.csrf)}, {"another session's", other.csrf}} {
			for _, s := range adminMailPostRoutes(f, mailID, qid, 1) {
				form := url.Values{}
				for k, v := range s.form {
					form[k] = v
				}
				form["csrf"] = []string{tok.value}
				if resp, body := root.post(s.path, form); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Form expired") {
					t.Errorf("POST %s, token %s = %d, want the 403 page", s.path, tok.name, resp.StatusCode)
				}
			}
		}
		if after := f.mailSnapshot(); after != before {
			t.Errorf("posts without a valid token changed something:\n%s\n%s", before, after)
		}
		if resp, _ := root.post("/admin/tickets/"+f.t1.Ref()+"/comment", url.Values{"text": {"with the token"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("comment with the right token = %d", resp.StatusCode)
		}
	})
}

// refused posts an invalid form and checks the answer: status, the message
// on the page, the user's input kept, and nothing changed.
func refused(t *testing.T, f *fixture, c *client, path string, form url.Values, status int, msg, input string) {
	t.Helper()
	before := f.mailSnapshot()
	resp, body := c.post(path, form)
	if resp.StatusCode != status {
		t.Errorf("POST %s %v = %d, want %d", path, form, resp.StatusCode, status)
	}
	if !strings.Contains(body, msg) || !strings.Contains(body, `id="form-error"`) {
		t.Errorf("POST %s %v: page lacks %q", path, form, msg)
	}
	if input != "" && !strings.Contains(body, input) {
		t.Errorf("POST %s %v: page lost the input %q", path, form, input)
	}
	if after := f.mailSnapshot(); after != before {
		t.Errorf("refused POST %s %v changed something:\n%s\n%s", path, form, before, after)
	}
}

// accepted posts a valid form and checks it redirects back with a notice.
func accepted(t *testing.T, c *client, path string, form url.Values, to string) {
	t.Helper()
	resp, body := c.post(path, form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), to) {
		t.Fatalf("POST %s %v = %d to %q, want 303 to %s\n%s", path, form, resp.StatusCode, resp.Header.Get("Location"), to, body)
	}
	if _, page := c.get(resp.Header.Get("Location")); !strings.Contains(page, `class="alert alert-success"`) {
		t.Errorf("after POST %s the page shows no notice", path)
	}
}

// lastEvent returns ticket id's newest event.
func (f *fixture) lastEvent(id int64) domain.Event {
	f.t.Helper()
	es, err := f.st.ListEvents(context.Background(), id)
	if err != nil || len(es) == 0 {
		f.t.Fatalf("events of %d: %v", id, err)
	}
	return es[len(es)-1]
}

// TestAdminTicketActions runs every ticket action with valid input and
// each kind of invalid input.
func TestAdminTicketActions(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		root := f.signedIn("root")
		t1 := "/admin/tickets/" + f.t1.Ref()
		t3 := "/admin/tickets/" + f.t3.Ref()
		if _, body := root.get(t1); !strings.Contains(body, "ANNBODY1") || !strings.Contains(body, "Recategorize") ||
			!strings.Contains(body, "Resolve ticket") || strings.Contains(body, "Close ticket") || !strings.Contains(body, `href="/queue"`) {
			t.Error("the admin ticket page lacks the text or the actions of an assigned ticket")
		}

		// Recategorize.
		refused(t, f, root, t3+"/category", url.Values{"category": {""}}, 422, "Pick a category.", "")
		refused(t, f, root, t3+"/category", url.Values{"category": {"Plumbing"}}, 422, "no longer exists", "")
		accepted(t, root, t3+"/category", url.Values{"category": {"Software"}}, t3+"?ok=categorized")
		if e := f.lastEvent(f.t3.ID); e.Kind != domain.EventRecategorized || !strings.Contains(e.Detail, "from Hardware to Software by root@company.test") {
			t.Errorf("recategorize wrote %+v", e)
		}

		// Assign the unassigned t3, then reassign t1.
		refused(t, f, root, t3+"/assign", url.Values{"agent": {""}}, 422, "Pick the team member", "")
		refused(t, f, root, t3+"/assign", url.Values{"agent": {"ann@company.test"}}, 422, "Ann@company.test is not a team member.", "")
		refused(t, f, root, t1+"/assign", url.Values{"agent": {"bob@company.test"}}, 422, "Bob@company.test has it already.", "")
		accepted(t, root, t3+"/assign", url.Values{"agent": {"carl@company.test"}}, t3+"?ok=reassigned")
		accepted(t, root, t1+"/assign", url.Values{"agent": {"carl@company.test"}}, t1+"?ok=reassigned")
		tk, _ := f.st.GetTicket(ctx, f.t1.ID)
		if e := f.lastEvent(f.t1.ID); tk.Assignee != "carl@company.test" || e.Kind != domain.EventAssigned ||
			e.Detail != "reassigned from bob@company.test to carl@company.test by root@company.test" {
			t.Errorf("reassign: assignee %s, event %+v", tk.Assignee, e)
		}
		if body := f.lastMailBody("carl@company.test"); !strings.Contains(body, "assigned") {
			t.Errorf("carl got no assignment mail: %q", body)
		}

		// Close is for resolved tickets; resolve needs a note.
		refused(t, f, root, t1+"/close", url.Values{"note": {"early"}}, 409, "This cannot be done on this ticket now", "")
		refused(t, f, root, t1+"/resolve", url.Values{"note": {"  "}}, 422, "Write a resolution note for the requester.", "")
		accepted(t, root, t1+"/resolve", url.Values{"note": {"Replaced the screen."}}, t1+"?ok=adminresolve")
		refused(t, f, root, t1+"/assign", url.Values{"agent": {"bob@company.test"}}, 409, "nly an assigned or waiting ticket", "")
		accepted(t, root, t1+"/close", url.Values{"note": {"no answer"}}, t1+"?ok=closed")
		if e := f.lastEvent(f.t1.ID); e.Kind != domain.EventClosed || e.Detail != "closed by root@company.test: no answer" {
			t.Errorf("close wrote %+v", e)
		}
		// A closed ticket takes no comment; reopening sends it to triage.
		refused(t, f, root, t1+"/comment", url.Values{"text": {"anyone there?"}}, 409, "This cannot be done", "")
		accepted(t, root, t1+"/reopen", nil, t1+"?ok=adminreopen")
		if tk, _ := f.st.GetTicket(ctx, f.t1.ID); tk.Status != domain.StatusTriage || f.lastEvent(f.t1.ID).Kind != domain.EventReopened {
			t.Errorf("reopen: %s, %+v", tk.Status, f.lastEvent(f.t1.ID))
		}
		refused(t, f, root, t1+"/reopen", nil, 409, "This cannot be done", "")
		refused(t, f, root, t1+"/comment", url.Values{"text": {"  "}}, 422, "Write a comment first.", "")
		accepted(t, root, t1+"/comment", url.Values{"text": {"Looking into it again."}}, t1+"?ok=admincomment")
		if e := f.lastEvent(f.t1.ID); e.Kind != domain.EventCommented || e.Actor != "root@company.test" {
			t.Errorf("comment wrote %+v", e)
		}
		// Unknown tickets are 404 for actions too.
		if resp, _ := root.post("/admin/tickets/TKT-99999/comment", url.Values{"text": {"x"}}); resp.StatusCode != 404 {
			t.Errorf("comment on a missing ticket = %d", resp.StatusCode)
		}
		if resp, _ := root.get("/admin/tickets/nonsense"); resp.StatusCode != 404 {
			t.Errorf("a malformed ref = %d", resp.StatusCode)
		}
	})
}

// TestAdminTriageAndApprovals: an admin picks a category for a triage
// ticket (whose approval level is mailed out), then approves for the
// approver; invalid decisions change nothing.
func TestAdminTriageAndApprovals(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		cat := &domain.Category{Name: "Purchases", Keywords: []string{}, CreatedAt: time.Now(), UpdatedAt: time.Now(),
			ApprovalLevels: []domain.ApprovalLevel{{Rule: domain.RuleAll, Approvers: []string{"boss@company.test"}}}}
		if err := f.st.CreateCategory(ctx, cat); err != nil {
			t.Fatal(err)
		}
		tk, err := f.desk.OpenTicket(ctx, domain.NewTicket{Subject: "A new chair", Body: "Mine broke.", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		root := f.signedIn("root")
		path := "/admin/tickets/" + tk.Ref()
		if _, body := root.get(path); !strings.Contains(body, "Pick a category") {
			t.Error("a triage ticket's page does not offer to pick a category")
		}
		accepted(t, root, path+"/category", url.Values{"category": {"Purchases"}}, path+"?ok=categorized")
		as, _ := f.st.ListApprovals(ctx, tk.ID)
		if len(as) != 1 || as[0].Approver != "boss@company.test" {
			t.Fatalf("approvals after categorize = %+v", as)
		}
		if got, _ := f.st.GetTicket(ctx, tk.ID); got.Status != domain.StatusAwaitingApproval || got.ClassMethod != domain.MethodAdmin {
			t.Errorf("after categorize: %s, %s", got.Status, got.ClassMethod)
		}
		if _, body := root.get(path); !strings.Contains(body, "Approve for boss@company.test") {
			t.Error("the page offers no decision for the pending approver")
		}
		decide := fmt.Sprintf("%s/approvals/%d", path, as[0].ID)
		refused(t, f, root, decide, url.Values{"comment": {"fine by me"}}, 422, "Choose Approve or Reject.", "fine by me")
		refused(t, f, root, fmt.Sprintf("/admin/tickets/%s/approvals/%d", f.t1.Ref(), as[0].ID), url.Values{"decision": {"approve"}},
			422, "no longer exists", "")
		refused(t, f, root, decide, url.Values{"decision": {"approve"}, "comment": {strings.Repeat("x", 2001)}}, 422, "longer than 2000", "")
		accepted(t, root, decide, url.Values{"decision": {"approve"}, "comment": {"ok for the budget"}}, path+"?ok=decided")
		es, _ := f.st.ListEvents(ctx, tk.ID)
		found := false
		for _, e := range es {
			found = found || (e.Kind == domain.EventApproved &&
				e.Detail == "approved by boss@company.test at level 1 in the portal by root@company.test on their behalf: ok for the budget")
		}
		if !found {
			t.Errorf("no approved event on the approver's behalf: %+v", es)
		}
		if got, _ := f.st.GetTicket(ctx, tk.ID); got.Status != domain.StatusUnassigned {
			t.Errorf("after the last approval: %s, want unassigned (nobody serves Purchases)", got.Status)
		}
		refused(t, f, root, decide, url.Values{"decision": {"reject"}}, 409, "This cannot be done", "")
	})
}

// TestAllTicketsSearch: the filters, sorting and paging over HTTP, and
// invalid queries answered with a message and the input kept.
func TestAllTicketsSearch(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		root := f.signedIn("root")
		has := func(path string, want, not []string) {
			t.Helper()
			resp, body := root.get(path)
			if resp.StatusCode != 200 {
				t.Errorf("GET %s = %d", path, resp.StatusCode)
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s lacks %q", path, w)
				}
			}
			for _, n := range not {
				if strings.Contains(body, n) {
					t.Errorf("GET %s shows %q", path, n)
				}
			}
		}
		has("/admin/tickets", []string{"ANNSUBJ1", "BENSUBJ2", "BENSUBJ3", "3 tickets"}, nil)
		has("/admin/tickets?q=annsubj", []string{"ANNSUBJ1", "1 ticket."}, []string{"BENSUBJ2"})
		has("/admin/tickets?q=BENBODY2", []string{"BENSUBJ2"}, []string{"ANNSUBJ1", "BENSUBJ3"})
		has("/admin/tickets?q=ben%40company.test", []string{"BENSUBJ2", "BENSUBJ3"}, []string{"ANNSUBJ1"})
		has("/admin/tickets?q="+f.t3.Ref(), []string{"BENSUBJ3"}, []string{"ANNSUBJ1"})
		has("/admin/tickets?status=unassigned", []string{"BENSUBJ3"}, []string{"ANNSUBJ1", "BENSUBJ2"})
		has(fmt.Sprintf("/admin/tickets?assignee=%d", f.users["carl"].ID), []string{"BENSUBJ2"}, []string{"ANNSUBJ1", "BENSUBJ3"})
		has("/admin/tickets?assignee=none", []string{"BENSUBJ3"}, []string{"ANNSUBJ1"})
		has(fmt.Sprintf("/admin/tickets?category=%d", f.t2.CategoryID), []string{"BENSUBJ2"}, []string{"ANNSUBJ1"})
		has("/admin/tickets?category=none", []string{"No ticket matches."}, []string{"ANNSUBJ1"})
		today := f.t1.CreatedAt.UTC().Format(time.DateOnly) // not time.Now(): midnight may have passed since
		has("/admin/tickets?from="+today+"&to="+today, []string{"ANNSUBJ1", "BENSUBJ3"}, nil)
		has("/admin/tickets?to=2020-01-01", []string{"No ticket matches."}, []string{"ANNSUBJ1"})
		// Sorting: oldest first puts t1 before t3; the header then offers
		// the other way.
		_, body := root.get("/admin/tickets?sort=created&dir=asc")
		if strings.Index(body, "ANNSUBJ1") > strings.Index(body, "BENSUBJ3") || !strings.Contains(body, `aria-sort="ascending"`) {
			t.Error("sort=created&dir=asc is not oldest first")
		}
		_, body = root.get("/admin/tickets")
		if strings.Index(body, "ANNSUBJ1") < strings.Index(body, "BENSUBJ3") || !strings.Contains(body, "sort=created") {
			t.Error("the default is not newest first")
		}
		// A search is in order of relevance; sorted by a column, it links
		// back to that order.
		has("/admin/tickets?q=bensubj2", []string{"BENSUBJ2", "In order of relevance."}, []string{"sort-relevance"})
		has("/admin/tickets?q=bensubj2&sort=updated", []string{"BENSUBJ2", `id="sort-relevance"`, "sort=relevance"}, nil)
		has("/admin/tickets", nil, []string{"sort-relevance", "In order of relevance"})
		for _, c := range []struct{ query, msg, input string }{
			{"status=lost", "There is no status", ""},
			{"sort=relevance", "There is no relevance without a search text", ""},
			{"from=2026-13-01", "Give the first day as a date", "2026-13-01"},
			{"to=yesterday", "Give the last day as a date", "yesterday"},
			{"from=2026-11-20&to=2026-11-10", "The date range ends before it starts.", "2026-11-20"},
			{"category=abc", "There is no such category.", ""},
			{"assignee=-4", "There is no such assignee.", ""},
			{"sort=colour", "No sort", ""},
			{"dir=sideways", "Sort up", ""},
			{"after=bogus", "page link is broken", ""},
			{"before=" + strings.Repeat("x", 5000), "page link is broken", ""},
			{"sort=updated&after=" + (&domain.TicketCursor{Sort: domain.SortCreated, ID: 2}).String(), "belongs to another sort", ""},
			{"q=" + strings.Repeat("x", 201), "longer than 200 characters", ""},
		} {
			resp, body := root.get("/admin/tickets?" + c.query)
			if resp.StatusCode != 422 || !strings.Contains(body, c.msg) || !strings.Contains(body, c.input) || strings.Contains(body, "ANNSUBJ1") {
				t.Errorf("GET /admin/tickets?%s = %d, want 422 with %q and the input", c.query, resp.StatusCode, c.msg)
			}
		}
	})
}

// TestAdminMailPages: outbox retry and discard, retry of every dead mail,
// the inbox log, quarantine (headers, retry, delete), and the refused
// approval replies.
func TestAdminMailPages(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		mailID, qid := seedAdmin(t, f)
		root := f.signedIn("root")
		if _, body := root.get("/admin/mail/outbox?status=dead"); !strings.Contains(body, "DEADMARK") || !strings.Contains(body, "Retry every dead mail (1)") {
			t.Error("the outbox does not show the dead mail and its error")
		}
		refusedMail := func(path string, status int, msg string) {
			t.Helper()
			before := f.mailSnapshot()
			resp, body := root.post(path, nil)
			if resp.StatusCode != status || !strings.Contains(body, msg) {
				t.Errorf("POST %s = %d, want %d with %q", path, resp.StatusCode, status, msg)
			}
			if f.mailSnapshot() != before {
				t.Errorf("refused POST %s changed something", path)
			}
		}
		refusedMail("/admin/mail/outbox/999999/retry", 422, "no longer in the outbox")
		if resp, _ := root.post("/admin/mail/outbox/abc/retry", nil); resp.StatusCode != 404 {
			t.Errorf("retry of a malformed id = %d", resp.StatusCode)
		}
		accepted(t, root, fmt.Sprintf("/admin/mail/outbox/%d/retry", mailID), nil, "/admin/mail/outbox?ok=mailretry")
		m, _ := f.st.GetOutbox(ctx, mailID)
		if m.Status != domain.OutboxHeld || m.Attempts != 0 {
			t.Errorf("after retry: %s, %d attempts; want held (no relay), 0", m.Status, m.Attempts)
		}
		// Dead again, then all dead mail at once.
		m.Status = domain.OutboxDead
		if err := f.st.UpdateOutbox(ctx, m); err != nil {
			t.Fatal(err)
		}
		accepted(t, root, "/admin/mail/dead/retry", nil, "/admin/mail/outbox?ok=deadretry")
		if n, _ := f.st.CountOutbox(ctx); n[domain.OutboxDead] != 0 {
			t.Errorf("dead mail after retrying all: %d", n[domain.OutboxDead])
		}
		// A sent mail is kept.
		m, _ = f.st.GetOutbox(ctx, mailID)
		now := time.Now()
		m.Status, m.SentAt = domain.OutboxSent, &now
		if err := f.st.UpdateOutbox(ctx, m); err != nil {
			t.Fatal(err)
		}
		refusedMail(fmt.Sprintf("/admin/mail/outbox/%d/discard", mailID), 409, "was sent already")
		refusedMail(fmt.Sprintf("/admin/mail/outbox/%d/retry", mailID), 409, "was sent already")
		// After OUTBOX_RETENTION the page says the body was dropped.
		if _, body := root.get("/admin/mail/outbox?status=sent"); strings.Contains(body, "body dropped") {
			t.Error("the outbox says a kept body was dropped")
		}
		if err := f.st.DropOutboxBody(ctx, mailID, domain.HeaderSection(m.Raw), now); err != nil {
			t.Fatal(err)
		}
		if _, body := root.get("/admin/mail/outbox?status=sent"); !strings.Contains(body, "body dropped") || !strings.Contains(body, "(OUTBOX_RETENTION)") {
			t.Error("the outbox does not say the sent mail's body was dropped")
		}
		ms, _ := f.st.ListOutbox(ctx, domain.OutboxHeld, 1)
		accepted(t, root, fmt.Sprintf("/admin/mail/outbox/%d/discard", ms[0].ID), nil, "/admin/mail/outbox?ok=maildiscard")
		if _, err := f.st.GetOutbox(ctx, ms[0].ID); err == nil {
			t.Error("the discarded mail is still there")
		}

		// The inbox log.
		if err := f.st.AddInboxLog(ctx, &domain.InboxLogEntry{At: time.Now(), Channel: "imap", From: "noreply@vendor.test",
			Subject: "Newsletter", Reason: "list mail (List-Id) LOGMARK"}); err != nil {
			t.Fatal(err)
		}
		if _, body := root.get("/admin/mail/inbox"); !strings.Contains(body, "LOGMARK") || !strings.Contains(body, "noreply@vendor.test") {
			t.Error("the inbox log does not show the entry and its reason")
		}

		// Quarantine: the header (not the body), retry, delete.
		_, body := root.get(fmt.Sprintf("/admin/mail/quarantine/%d", qid))
		if !strings.Contains(body, "REASONMARK") || !strings.Contains(body, "X-Odd: yes") || strings.Contains(body, "BODYMARK") {
			t.Error("a quarantined mail's page lacks its reason or header, or shows its body")
		}
		f.h.parse = func([]byte) (*domain.Inbound, error) { return nil, fmt.Errorf("still broken") }
		refusedMail(fmt.Sprintf("/admin/mail/quarantine/%d/retry", qid), 422, "It failed again")
		f.h.parse = testParse
		resp, _ := root.post(fmt.Sprintf("/admin/mail/quarantine/%d/retry", qid), nil)
		if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "ok=qretry") {
			t.Fatalf("retry = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if qs, _ := f.st.ListQuarantine(ctx, 0); len(qs) != 0 {
			t.Error("the retried mail is still quarantined")
		}
		if ts, _ := f.st.ListTickets(ctx, domain.TicketQuery{Limit: 1}); len(ts) != 1 || !strings.Contains(ts[0].Subject, "QMARK") {
			t.Errorf("the retried mail made no ticket: %+v", ts)
		}
		q := &domain.Quarantined{At: time.Now(), Channel: "imap", Reason: "junk", Raw: []byte("\x00\x01"), Size: 2}
		if err := f.st.AddQuarantine(ctx, q); err != nil {
			t.Fatal(err)
		}
		accepted(t, root, fmt.Sprintf("/admin/mail/quarantine/%d/delete", q.ID), nil, "/admin/mail/quarantine?ok=qdelete")
		refusedMail(fmt.Sprintf("/admin/mail/quarantine/%d/delete", q.ID), 422, "no longer in the quarantine")
		if resp, _ := root.get(fmt.Sprintf("/admin/mail/quarantine/%d", q.ID)); resp.StatusCode != 404 {
			t.Errorf("a deleted quarantined mail = %d", resp.StatusCode)
		}

		// Refused approval replies and approvers' automatic replies.
		if err := f.st.AppendEvents(ctx, &domain.Event{TicketID: f.t2.ID, At: time.Now(), Kind: domain.EventApprovalRefused,
			Actor: "mallory@evil.test", Detail: "reply to the level 1 approval of boss@company.test refused: REFUSEDMARK"}); err != nil {
			t.Fatal(err)
		}
		_, body = root.get("/admin/mail/approvals")
		if !strings.Contains(body, "REFUSEDMARK") || !strings.Contains(body, "mallory@evil.test") || !strings.Contains(body, f.t2.Ref()) {
			t.Error("the approval replies page lacks the refused attempt")
		}
	})
}

// fakeMailIn is a MailIn with a fixed state.
type fakeMailIn struct{ s MailInState }

func (f fakeMailIn) MailInState() MailInState { return f.s }

// TestDashboardPage: the figures as text, the charts as SVG, mail health
// from MailIn and the stores.
func TestDashboardPage(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		seedAdmin(t, f)
		root := f.signedIn("root")
		_, body := root.get("/admin")
		for _, want := range []string{`<title>Dashboard`, `id="open-count">3<`, "<svg", `class="fill-assigned"`,
			"This process takes no mail in.", "Quarantined</a>: <span class=\"text-danger fw-semibold\">1</span>",
			`Dead</a>: <span class="text-danger fw-semibold">1</span>`, "bob@company.test", "Hardware"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
		f.h.mailIn = fakeMailIn{MailInState{
			IMAP: []IMAPState{{Name: "help@mail.test", Mailbox: "imaps://help@mail.test/INBOX", Polling: true, LastSuccess: at, LastErrorAt: at,
				LastError: "dial tcp: connection refused"},
				{Name: "hr@mail.test", Mailbox: "imaps://hr@mail.test/INBOX", Polling: true, Connected: true, LastSuccess: at}},
			Receivers: []ReceiverState{{Protocol: "SMTP", Addr: "127.0.0.1:2525", Listening: true}},
		}}
		_, body = root.get("/admin")
		for _, want := range []string{"imaps://help@mail.test/INBOX", "not connected", "connection refused", "27 Nov 2026 08:00 UTC",
			"SMTP receiver on 127.0.0.1:2525", "listening", "hr@mail.test</span> (IMAP imaps://hr@mail.test/INBOX): <span class=\"text-success\">connected"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard's mail health lacks %q", want)
			}
		}
	})
}

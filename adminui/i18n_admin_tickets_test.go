package adminui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
	"ticketgate/storage/storagetest"
)

// The dashboard, the All tickets list and the admin's ticket page in
// every language (issue 20): TestAdminInEveryLanguage renders them in
// their usual states, refused forms included; TestAdminStarterInEveryLanguage
// the dashboard of a helpdesk without categories, which offers the
// starter set.

// ticketsClean are the fixture's and this file's data on these pages.
var ticketsClean = []string{"ANNSUBJ1", "BENSUBJ2", "BENSUBJ3", "ANNBODY1", "BENBODY2", "BENBODY3", "annfile1.txt",
	"benfile2.txt", "benfile3.txt", "Subject ", "Body ", "Hardware", "Software", "QZXPURCHASE", "QZXCHAIR", "QZXTRIAGE",
	"QZXSOLVED", "QZXBODY"}

// adminTicketsState are the tickets of these pages beyond the fixture's:
// one awaiting its approver (boss@company.test), one in triage, one
// resolved by bob.
type adminTicketsState struct {
	approval, triage, resolved string // refs
	approvalID                 string
}

// ticketsState makes the tickets once per database.
func (a *adminLanguage) ticketsState() adminTicketsState {
	v := a.once("tickets", func() string {
		t, f := a.t, a.f
		ctx := context.Background()
		root := domain.Actor{Email: "root@company.test", Admin: true}
		cat := &domain.Category{Name: "QZXPURCHASE", Keywords: []string{}, CreatedAt: time.Now(), UpdatedAt: time.Now(),
			ApprovalLevels: []domain.ApprovalLevel{{Rule: domain.RuleAll, Approvers: []string{"boss@company.test"}}}}
		if err := f.st.CreateCategory(ctx, cat); err != nil {
			t.Fatal(err)
		}
		open := func(subject string) *domain.Ticket {
			tk, err := f.desk.OpenTicket(ctx, domain.NewTicket{Subject: subject, Body: "QZXBODY", From: "ann@company.test"})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		ap, tr, rs := open("QZXCHAIR"), open("QZXTRIAGE"), open("QZXSOLVED")
		if _, err := f.desk.Categorize(ctx, ap.ID, "QZXPURCHASE", root); err != nil {
			t.Fatal(err)
		}
		as, err := f.st.ListApprovals(ctx, ap.ID)
		if err != nil || len(as) != 1 {
			t.Fatalf("approvals = %v, %v", as, err)
		}
		if _, err := f.desk.Categorize(ctx, rs.ID, "Hardware", root); err != nil {
			t.Fatal(err)
		}
		if _, err := f.desk.ResolveAs(ctx, f.users["bob"], rs.ID, "QZXBODY"); err != nil {
			t.Fatal(err)
		}
		return strings.Join([]string{ap.Ref(), tr.Ref(), rs.Ref(), strconv.FormatInt(as[0].ID, 10)}, " ")
	})
	p := strings.Fields(v)
	return adminTicketsState{approval: p[0], triage: p[1], resolved: p[2], approvalID: p[3]}
}

func init() {
	get := func(path string) func(a *adminLanguage) (*http.Response, string) {
		return func(a *adminLanguage) (*http.Response, string) { return a.root.get(path) }
	}
	// ticket is a ticket's admin page: of the fixture's (t1–t3) or of
	// ticketsState's (approval, triage, resolved).
	ticket := func(a *adminLanguage, which string) string {
		switch which {
		case "t1":
			return "/admin/tickets/" + a.f.t1.Ref()
		case "t2":
			return "/admin/tickets/" + a.f.t2.Ref()
		case "t3":
			return "/admin/tickets/" + a.f.t3.Ref()
		}
		st := a.ticketsState()
		return "/admin/tickets/" + map[string]string{"approval": st.approval, "triage": st.triage, "resolved": st.resolved}[which]
	}
	page := func(which, query string) func(a *adminLanguage) (*http.Response, string) {
		return func(a *adminLanguage) (*http.Response, string) { return a.root.get(ticket(a, which) + query) }
	}
	post := func(which, action string, form url.Values) func(a *adminLanguage) (*http.Response, string) {
		return func(a *adminLanguage) (*http.Response, string) {
			// A copy: post adds the client's token to the form it is given,
			// and each database has its own client.
			v := url.Values{}
			for k, x := range form {
				v[k] = append([]string(nil), x...)
			}
			resp, body := a.root.post(ticket(a, which)+action, v)
			if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusConflict {
				a.t.Errorf("POST %s = %d, want it refused", action, resp.StatusCode)
			}
			return resp, body
		}
	}
	for _, p := range []adminLanguagePage{
		// The dashboard: the figures, a notice, the starter set refused
		// beside the fixture's own categories.
		{name: "tickets-dashboard", mark: `id="figures"`, get: get("/admin")},
		{name: "tickets-dashboard-notice", mark: `id="notice"`, get: get("/admin?ok=starter")},
		{name: "tickets-dashboard-starter-refused", mark: `id="starter-error"`,
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.post("/admin/starter", nil) }},
		{name: "tickets-dashboard-data", mark: `id="load-table"`, get: func(a *adminLanguage) (*http.Response, string) {
			a.ticketsState() // an approval waiting, a ticket resolved
			return a.root.get("/admin")
		}},
		// All tickets: rows, filters, a search sorted by a column, none
		// found, refused filters.
		{name: "tickets-list", mark: `id="export-csv"`, get: get("/admin/tickets")},
		{name: "tickets-list-filtered", mark: `<option value="none" selected>`, get: get("/admin/tickets?assignee=none&status=unassigned")},
		{name: "tickets-list-search", mark: `id="sort-relevance"`, get: get("/admin/tickets?q=Subject&sort=created&dir=asc")},
		{name: "tickets-list-relevance", mark: `id="result-count"`, get: get("/admin/tickets?q=Subject")},
		{name: "tickets-list-empty", mark: `<p class="text-body-secondary" id="result-count">`, get: get("/admin/tickets?q=zzqqxxnothing")},
		{name: "tickets-list-bad-date", mark: `id="form-error"`, get: get("/admin/tickets?from=yesterday")},
		{name: "tickets-list-bad-status", mark: `id="form-error"`, get: get("/admin/tickets?status=xyz")},
		{name: "tickets-list-bad-link", mark: `id="form-error"`, get: get("/admin/tickets?after=garbage")},
		{name: "tickets-list-no-relevance", mark: `id="form-error"`, get: get("/admin/tickets?sort=relevance")},
		// The admin's ticket page in each status with its actions.
		{name: "tickets-ticket-t1", mark: `id="act-resolve"`, get: page("t1", "")},
		{name: "tickets-ticket-t2", mark: `id="act-note"`, get: page("t2", "")},
		{name: "tickets-ticket-t3", mark: `id="act-assign"`, get: page("t3", "")},
		{name: "tickets-ticket-approval", mark: `name="decision" value="approve"`, get: page("approval", "")},
		{name: "tickets-ticket-triage", mark: `id="act-category"`, get: page("triage", "")},
		{name: "tickets-ticket-resolved", mark: `id="act-reopen"`, get: page("resolved", "")},
		{name: "tickets-ticket-notice", mark: `id="notice"`, get: page("t1", "?ok=reassigned")},
		// Refused actions: the page again with the form's message.
		{name: "tickets-refused-category", mark: `id="form-error"`, get: post("t1", "/category", url.Values{"category": {""}})},
		{name: "tickets-refused-assign", mark: `id="form-error"`, get: post("t3", "/assign", url.Values{"agent": {""}})},
		{name: "tickets-refused-not-member", mark: `id="form-error"`, get: post("t3", "/assign", url.Values{"agent": {"ann@company.test"}})},
		{name: "tickets-refused-has-it", mark: `id="form-error"`, get: post("t1", "/assign", url.Values{"agent": {"bob@company.test"}})},
		{name: "tickets-refused-resolve", mark: `id="form-error"`, get: post("t1", "/resolve", url.Values{"note": {""}})},
		{name: "tickets-refused-comment", mark: `id="form-error"`, get: post("t1", "/comment", url.Values{"text": {""}})},
		{name: "tickets-refused-note", mark: `id="form-error"`, get: post("t1", "/note", url.Values{"text": {""}})},
		{name: "tickets-refused-close", mark: `id="form-error"`, get: post("t1", "/close", url.Values{"note": {strings.Repeat("x", domain.MaxResolutionNote+1)}})},
		{name: "tickets-refused-close-assigned", mark: `id="form-error"`, get: post("t1", "/close", nil)},
		{name: "tickets-refused-decide", mark: `id="form-error"`, get: func(a *adminLanguage) (*http.Response, string) {
			return post("approval", "/approvals/"+a.ticketsState().approvalID, url.Values{"comment": {"QZXBODY"}})(a)
		}},
		{name: "tickets-refused-decide-none", mark: `id="form-error"`, get: post("approval", "/approvals/0", url.Values{"decision": {"approve"}})},
		{name: "tickets-refused-decide-other", mark: `id="form-error"`, get: func(a *adminLanguage) (*http.Response, string) {
			return post("t1", "/approvals/"+a.ticketsState().approvalID, url.Values{"decision": {"approve"}})(a)
		}},
		{name: "tickets-refused-reassign-resolved", mark: `id="form-error"`, get: post("resolved", "/assign", url.Values{"agent": {"carl@company.test"}})},
	} {
		p.clean = append(p.clean, ticketsClean...)
		adminLanguagePages = append(adminLanguagePages, p)
	}
}

// TestAdminDashboardInEveryLanguage renders in every language the
// dashboard's parts the fixture of TestAdminInEveryLanguage lacks: on a
// helpdesk without categories the starter set, the banner of one and of
// two mailboxes to connect again, mail health from MailIn.
func TestAdminDashboardInEveryLanguage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newBareFixture(t, db)
		ctx := context.Background()
		lc := newLanguageCheck(t)
		mailboxFixture(t, f)
		at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
		f.h.mailIn = fakeMailIn{MailInState{
			IMAP: []IMAPState{{Name: "help@mail.test", Mailbox: "imaps://help@mail.test/INBOX", Polling: true, LastSuccess: at, LastErrorAt: at,
				LastError: "dial tcp: connection refused", Backlog: 3},
				{Name: "hr@mail.test", Mailbox: "imaps://hr@mail.test/INBOX", Polling: true, Connected: true},
				{Name: "it@mail.test", Mailbox: "imaps://it@mail.test/INBOX"},
				{Name: "ops@mail.test", Mailbox: "imaps://ops@mail.test/INBOX", Polling: true, NeedsReauthorization: true}},
			Receivers: []ReceiverState{{Protocol: "SMTP", Addr: "127.0.0.1:2525", Listening: true}, {Protocol: "LMTP", Addr: "127.0.0.1:2424"}},
		}}
		root := f.signedIn("root")
		for i, address := range []string{"help@company.test", "hr@company.test"} {
			mb, err := f.st.GetMailboxByAddress(ctx, address)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.st.SetMailboxState(ctx, mb.ID, domain.MailboxNeedsReauthorization, "invalid_grant", time.Now()); err != nil {
				t.Fatal(err)
			}
			for _, lang := range i18n.Supported() {
				u := f.users["root"]
				u.Language = lang
				if err := f.st.UpdateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				t.Run(strconv.Itoa(i+1)+"/"+lang, func(t *testing.T) {
					resp, body := root.get("/admin")
					for _, mark := range []string{`id="apply-starter"`, `id="reauth-banner"`, `class="text-danger">`} {
						if resp.StatusCode != http.StatusOK || !strings.Contains(body, mark) {
							t.Fatalf("status %d, no %s:\n%s", resp.StatusCode, mark, body)
						}
					}
					// The starter categories' names are the set's own, the
					// error the server's (data).
					lc.check(t, lang, body, "Hardware", "HR Support", "Internal Project", "Administrative rights",
						"dial tcp: connection refused")
				})
			}
		}
	})
}

// TestLocalDuration: the dashboard's medians, "2 h 30 min" in English,
// with the language's units elsewhere.
func TestLocalDuration(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en, de := cat.For(i18n.English, nil), cat.For("de", nil)
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45 s", 5 * time.Minute: "5 min", 150 * time.Minute: "2 h 30 min", 76 * time.Hour: "3 d 4 h",
	} {
		if got := localDuration(en, d); got != want {
			t.Errorf("localDuration(en, %v) = %q, want %q", d, got, want)
		}
	}
	if got := localDuration(de, 76*time.Hour); got != "3 T 4 h" {
		t.Errorf("localDuration(de, 76h) = %q, want 3 T 4 h", got)
	}
}

package domain_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

const approvalSetup = `{
  "categories": [
    {"name": "Hardware Request", "description": "Laptops, monitors", "keywords": ["laptop"],
     "approval_levels": [
       {"rule": "all", "approvers": ["lead@company.test", "finance@company.test"]},
       {"rule": "any", "approvers": ["cio@company.test", "cto@company.test"]}
     ]}
  ],
  "users": [{"email": "root@company.test", "name": "Root", "role": "admin"},
            {"email": "lead@company.test", "name": "Lea Lead", "role": "employee"}],
  "team_members": [{"email": "bob@company.test", "categories": ["Hardware Request"]}]
}`

// approvalFlow is a desk with mail, over one database, and helpers to act
// as the people of a ticket.
type approvalFlow struct {
	n     int // replies built, for unique Message-IDs
	t     *testing.T
	st    *storage.Store
	desk  *domain.Desk
	admin domain.Actor
}

func newApprovalFlow(t *testing.T, url string, opts ...domain.Option) *approvalFlow {
	return newApprovalFlowWith(t, url, approvalSetup, opts...)
}

// newApprovalFlowWith is newApprovalFlow with another setup file.
func newApprovalFlowWith(t *testing.T, url, setup string, opts ...domain.Option) *approvalFlow {
	st := storagetest.Open(t, url)
	opts = append([]domain.Option{domain.WithComposer(testComposer(t), true),
		domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}})}, opts...)
	d := domain.NewDesk(st, storagetest.NewClock(mt0), storagetest.Logger(t), opts...)
	f, err := domain.ParseSetup([]byte(setup))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ApplySetup(context.Background(), f, false); err != nil {
		t.Fatal(err)
	}
	return &approvalFlow{t: t, st: st, desk: d, admin: domain.Actor{Email: "root@company.test", Admin: true}}
}

// receive parses raw with the real parser and takes it in.
func (f *approvalFlow) receive(raw string) domain.Outcome {
	f.t.Helper()
	in, err := inbox.Parse([]byte(raw))
	if err != nil {
		f.t.Fatal(err)
	}
	outs, err := f.desk.Receive(context.Background(), []domain.Received{{Source: domain.Source{Channel: "smtp"}, Raw: []byte(raw), Mail: in}})
	if err != nil {
		f.t.Fatal(err)
	}
	return outs[0]
}

// mailsTo returns the outbox rows of kind to addr, oldest first.
func (f *approvalFlow) mailsTo(kind domain.MailKind, addr string) []domain.OutboxMessage {
	var out []domain.OutboxMessage
	for _, m := range outboxRows(f.t, f.st) {
		if m.Kind == string(kind) && m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

// reply builds addr's answer to the mail m: as a mail client does, to its
// Reply-To, threaded on its Message-ID, quoting it.
func (f *approvalFlow) reply(m domain.OutboxMessage, from, text string, extra ...string) string {
	f.t.Helper()
	h := mailHeader(f.t, m.Raw)
	rt, _ := h.AddressList("Reply-To")
	to := "help@company.test"
	if len(rt) == 1 {
		to = rt[0].Address
	}
	in, err := inbox.Parse(m.Raw)
	if err != nil {
		f.t.Fatal(err)
	}
	f.n++
	var quoted strings.Builder
	for _, l := range strings.Split(in.Text, "\n") {
		quoted.WriteString("> " + l + "\r\n")
	}
	return fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-Id: <r-%s-%d@company.test>\r\nIn-Reply-To: <%s>\r\nReferences: <%s>\r\n%s\r\n%s\r\n\r\nOn Friday, IT Helpdesk wrote:\r\n%s",
		from, to, m.Subject, strings.SplitN(from, "@", 2)[0], f.n, m.MessageID, m.MessageID,
		strings.Join(extra, ""), text, quoted.String())
}

func (f *approvalFlow) ticket(id int64) *domain.TicketDetail {
	f.t.Helper()
	d, err := f.desk.Ticket(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// open makes a ticket from ann by mail and puts it in Hardware Request.
func (f *approvalFlow) open(subject string) int64 {
	f.t.Helper()
	o := f.receive(fmt.Sprintf("From: Ann <ann@company.test>\r\nTo: help@company.test\r\nSubject: %s\r\nMessage-Id: <%s@company.test>\r\n\r\nMy laptop died.\r\n",
		subject, strings.ReplaceAll(subject, " ", "-")))
	if o.Kind != domain.OutcomeTicket {
		f.t.Fatalf("open: %+v", o)
	}
	if _, err := f.desk.Categorize(context.Background(), o.TicketID, "hardware request", f.admin); err != nil {
		f.t.Fatal(err)
	}
	return o.TicketID
}

func TestApprovalsByMail(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newApprovalFlow(t, db.URL)
		id := f.open("New laptop")
		tk := f.ticket(id)
		if tk.Ticket.Status != domain.StatusAwaitingApproval || tk.Ticket.ApprovalLevel != 1 || len(tk.Approvals) != 2 {
			t.Fatalf("after categorize: %s level %d, approvals %+v", tk.Ticket.Status, tk.Ticket.ApprovalLevel, tk.Approvals)
		}
		lead, finance := f.mailsTo(domain.MailApprovalNeeded, "lead@company.test"), f.mailsTo(domain.MailApprovalNeeded, "finance@company.test")
		if len(lead) != 1 || len(finance) != 1 {
			t.Fatalf("approval mails: lead %d, finance %d", len(lead), len(finance))
		}
		// The approval mail is a thread of its own: no ticket Message-ID in it,
		// and its Message-ID never threads another mail.
		lh := mailHeader(t, lead[0].Raw)
		if irt, _ := lh.MsgIDList("In-Reply-To"); len(irt) != 0 {
			t.Errorf("approval mail replies to %v", irt)
		}
		if rt, _ := lh.AddressList("Reply-To"); len(rt) != 1 || !strings.HasPrefix(rt[0].Address, "help+apr-") {
			t.Errorf("approval Reply-To = %v", rt)
		}

		// Forgery: finance's genuine token, sent by someone else.
		if o := f.receive(f.reply(finance[0], "eve@company.test", "APPROVE")); o.Kind != domain.OutcomeLogged {
			t.Errorf("forged approval: %+v", o)
		}
		if n := len(f.mailsTo(domain.MailUnreadableReply, "eve@company.test")); n != 0 {
			t.Errorf("the forger got %d mails", n)
		}
		// Lead approves; the level needs finance too (rule all).
		if o := f.receive(f.reply(lead[0], "Lea Lead <Lead@Company.test>", "Approved. Budget is fine.")); o.Kind != domain.OutcomeComment {
			t.Fatalf("lead approves: %+v", o)
		}
		if tk := f.ticket(id); tk.Ticket.ApprovalLevel != 1 {
			t.Fatalf("level moved on after one of two approvals: %d", tk.Ticket.ApprovalLevel)
		}
		// A replay of an approval already decided changes nothing and says so.
		f.receive(f.reply(lead[0], "lead@company.test", "REJECT"))
		if tk := f.ticket(id); tk.Ticket.Status != domain.StatusAwaitingApproval {
			t.Fatalf("replayed approval changed the ticket: %s", tk.Ticket.Status)
		}
		if n := len(f.mailsTo(domain.MailUnreadableReply, "lead@company.test")); n != 1 {
			t.Errorf("lead got %d could-not-process mails, want 1", n)
		}
		// Finance approves: level 2 (any) goes out.
		f.receive(f.reply(finance[0], "finance@company.test", "yes"))
		tk = f.ticket(id)
		if tk.Ticket.ApprovalLevel != 2 || len(f.mailsTo(domain.MailApprovalNeeded, "cio@company.test")) != 1 {
			t.Fatalf("level 2 not asked: level %d", tk.Ticket.ApprovalLevel)
		}
		cio := f.mailsTo(domain.MailApprovalNeeded, "cio@company.test")[0]
		// An ambiguous answer decides nothing and gets the instructions.
		f.receive(f.reply(cio, "cio@company.test", "No problem, go ahead"))
		if tk := f.ticket(id); tk.Ticket.Status != domain.StatusAwaitingApproval || len(f.mailsTo(domain.MailUnreadableReply, "cio@company.test")) != 1 {
			t.Fatalf("ambiguous reply: status %s", tk.Ticket.Status)
		}
		// The requester cannot approve their own ticket by mail: without a
		// token her reply is a comment.
		ack := f.mailsTo(domain.MailTicketReceived, "ann@company.test")
		if o := f.receive(f.reply(ack[0], "ann@company.test", "APPROVE")); o.Kind != domain.OutcomeComment {
			t.Errorf("requester's APPROVE: %+v", o)
		}
		if tk := f.ticket(id); tk.Ticket.Status != domain.StatusAwaitingApproval {
			t.Fatalf("requester's APPROVE moved the ticket: %s", tk.Ticket.Status)
		}
		// One approver of an any-level is enough; then the ticket goes to
		// the team member of the category.
		f.receive(f.reply(cio, "cio@company.test", "OK!"))
		tk = f.ticket(id)
		if tk.Ticket.Status != domain.StatusAssigned || tk.Ticket.Assignee != "bob@company.test" {
			t.Fatalf("after the last level: %s to %q", tk.Ticket.Status, tk.Ticket.Assignee)
		}
		if len(f.mailsTo(domain.MailAssigned, "bob@company.test")) != 1 || len(f.mailsTo(domain.MailAssignedRequester, "ann@company.test")) != 1 {
			t.Errorf("assignment mails missing")
		}
		var kinds []string
		for _, e := range tk.Events {
			kinds = append(kinds, string(e.Kind))
		}
		story := strings.Join(kinds, ",")
		for _, want := range []string{"received,triaged,classified,approval_requested", "approval_refused", "approved", "approval_requested", "assigned"} {
			if !strings.Contains(story, want) {
				t.Errorf("history %s lacks %s", story, want)
			}
		}
		decided := 0
		for _, a := range tk.Approvals {
			if a.Decision == domain.DecisionApproved && a.Via == domain.ViaEmail && a.DecidedAt != nil {
				decided++
			}
		}
		if decided != 3 || len(tk.Approvals) != 4 {
			t.Errorf("approvals = %+v", tk.Approvals)
		}
		if n := historyInEveryLanguage(t, f.st); n < 8 {
			t.Errorf("%d details checked", n)
		}
	})
}

func TestApprovalRejectedAndBadTokens(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newApprovalFlow(t, db.URL)
		first, second := f.open("Laptop one"), f.open("Laptop two")
		lead := f.mailsTo(domain.MailApprovalNeeded, "lead@company.test")
		if len(lead) != 2 {
			t.Fatalf("lead mails = %d", len(lead))
		}
		// The approver with another ticket's token, tampered: the mac does
		// not check, so nothing is decided and they are told.
		genuine := regexp.MustCompile(`apr-\d+-[a-z2-7]{26}`).FindString(string(lead[0].Raw))
		forged := genuine[:len(genuine)-4] + "aaaa"
		if forged == genuine {
			forged = genuine[:len(genuine)-4] + "bbbb"
		}
		f.receive(strings.ReplaceAll(f.reply(lead[0], "lead@company.test", "APPROVE"), genuine, forged))
		if n := len(f.mailsTo(domain.MailUnreadableReply, "lead@company.test")); n != 1 {
			t.Errorf("approver with a forged token got %d could-not-process mails, want 1", n)
		}
		// A new mail with a decision word and no reference at all.
		f.receive("From: lead@company.test\r\nTo: help@company.test\r\nSubject: approve\r\nMessage-Id: <bare@company.test>\r\n\r\nAPPROVE\r\n")
		for _, id := range []int64{first, second} {
			if tk := f.ticket(id); tk.Ticket.Status != domain.StatusAwaitingApproval {
				t.Fatalf("%d moved: %s", id, tk.Ticket.Status)
			}
		}
		if ts, _ := f.st.ListTickets(context.Background(), domain.TicketQuery{}); len(ts) != 2 {
			t.Errorf("a bare APPROVE opened a ticket: %d tickets", len(ts))
		}
		// Rejection with a reason ends the ticket and tells the requester.
		f.receive(f.reply(lead[1], "lead@company.test", "REJECT: over budget this quarter"))
		tk := f.ticket(second)
		if tk.Ticket.Status != domain.StatusRejected {
			t.Fatalf("after REJECT: %s", tk.Ticket.Status)
		}
		rej := f.mailsTo(domain.MailRejected, "ann@company.test")
		if len(rej) != 1 || !strings.Contains(string(rej[0].Raw), "over budget this quarter") {
			t.Fatalf("rejection mail = %+v", rej)
		}
		// An admin decides on an approver's behalf in the portal.
		tk = f.ticket(first)
		for _, a := range tk.Approvals {
			if err := f.desk.Decide(context.Background(), a.ID, domain.DecisionApproved, "ok by phone", f.admin); err != nil {
				t.Fatal(err)
			}
		}
		tk = f.ticket(first)
		if tk.Ticket.ApprovalLevel != 2 || tk.Approvals[0].Via != domain.ViaPortal {
			t.Errorf("after admin decisions: level %d, %+v", tk.Ticket.ApprovalLevel, tk.Approvals[0])
		}
		if err := f.desk.Decide(context.Background(), tk.Approvals[0].ID, domain.DecisionApproved, "", domain.Actor{Email: "bob@company.test"}); err == nil {
			t.Error("a non-admin decided for an approver")
		}
		if n := historyInEveryLanguage(t, f.st); n < 10 {
			t.Errorf("%d details checked", n)
		}
	})
}

// TestApprovalNeedsAuthserv: with TRUSTED_AUTHSERV_ID, through the real
// parser (which must keep the headers' order), only the topmost
// Authentication-Results of the trusted server count, a fail there is
// final, and a pass counts only for the From's domain.
func TestApprovalNeedsAuthserv(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newApprovalFlow(t, db.URL, domain.WithTrustedAuthserv("mx.company.test"))
		id := f.open("Laptop")
		lead := f.mailsTo(domain.MailApprovalNeeded, "lead@company.test")[0]
		for _, refused := range []struct{ name, headers string }{
			{"a DMARC fail", "Authentication-Results: mx.company.test; dmarc=fail header.from=company.test\r\n"},
			{"another server's word", "Authentication-Results: evil.test; dmarc=pass header.from=company.test\r\n"},
			{"a trusted header below another server's", "Authentication-Results: filter.company.test; spf=none\r\n" +
				"Authentication-Results: mx.company.test; dmarc=pass header.from=company.test\r\n"},
			{"a trusted fail above a trusted pass", "Authentication-Results: mx.company.test; dkim=fail header.d=company.test\r\n" +
				"Authentication-Results: mx.company.test; dmarc=pass header.from=company.test\r\n"},
			{"a DMARC pass for another domain", "Authentication-Results: mx.company.test; dmarc=pass header.from=evil.test\r\n"},
			{"a pass in a comment", "Authentication-Results: mx.company.test; spf=pass (dmarc=pass header.from=company.test) smtp.mailfrom=evil.test\r\n"},
		} {
			if o := f.receive(f.reply(lead, "lead@company.test", "APPROVE", refused.headers)); o.Kind != domain.OutcomeLogged {
				t.Errorf("approval with %s: %+v", refused.name, o)
			}
			if tk := f.ticket(id); tk.Approvals[0].Decision != domain.DecisionPending || len(tk.Approvals) != 2 {
				t.Fatalf("approved on %s", refused.name)
			}
		}
		// The trusted server on top, with an aligned DKIM pass (in folded
		// lines with comments); what the sender wrote below does not matter.
		f.receive(f.reply(lead, "lead@company.test", "APPROVE", "Authentication-Results: mx.company.test (Postfix);\r\n dkim=pass (2048-bit key) header.d=company.test;\r\n dmarc=none\r\n"+
			"Authentication-Results: relay.evil.test; none\r\n"+
			"Authentication-Results: mx.company.test; dmarc=fail header.from=company.test\r\n"))
		approved := false
		for _, a := range f.ticket(id).Approvals {
			approved = approved || a.Approver == "lead@company.test" && a.Decision == domain.DecisionApproved
		}
		if !approved {
			t.Fatal("a DMARC pass from the trusted server did not count")
		}
		if n := historyInEveryLanguage(t, f.st); n < 8 {
			t.Errorf("%d details checked", n)
		}
	})
}

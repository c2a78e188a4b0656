package domain_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// plusSetup lists the boss under a plus address at level 1 and plainly at
// level 2.
const plusSetup = `{
  "categories": [
    {"name": "Purchase", "description": "Things to buy", "keywords": ["buy"],
     "approval_levels": [
       {"rule": "any", "approvers": ["boss+me@company.test"]},
       {"rule": "all", "approvers": ["boss@company.test", "lead@company.test"]}
     ]}
  ],
  "users": [{"email": "root@company.test", "name": "Root", "role": "admin"}],
  "team_members": [{"email": "bob@company.test", "categories": ["Purchase"]}]
}`

// TestApprovalPlusAddressIsTheRequester: boss+me@ and boss@ are one
// mailbox, so the boss approves no ticket of theirs under either name: a
// level whose only approver is the requester's plus address escalates to
// the admins, the requester is dropped from a level that names them
// plainly, and a reply of boss+me@ with a genuine token decides nothing. An
// approver answering from a plus address of their own still counts.
func TestApprovalPlusAddressIsTheRequester(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f := newApprovalFlowWith(t, db.URL, plusSetup)
		open := func(from, subject string) int64 {
			t.Helper()
			o := f.receive(fmt.Sprintf("From: %s\r\nTo: help@company.test\r\nSubject: %s\r\nMessage-Id: <%s@company.test>\r\n\r\nPlease buy it.\r\n",
				from, subject, strings.ReplaceAll(subject, " ", "-")))
			if o.Kind != domain.OutcomeTicket {
				t.Fatalf("open from %s: %+v", from, o)
			}
			if _, err := f.desk.Categorize(ctx, o.TicketID, "purchase", f.admin); err != nil {
				t.Fatal(err)
			}
			return o.TicketID
		}

		id := open("Boss <boss@company.test>", "New car")
		tk := f.ticket(id)
		if len(tk.Approvals) != 1 || tk.Approvals[0].Approver != "root@company.test" {
			t.Fatalf("level 1 of boss@'s ticket asked %+v, want the admin only", tk.Approvals)
		}
		if n := len(f.mailsTo(domain.MailApprovalNeeded, "boss+me@company.test")); n != 0 {
			t.Fatalf("boss+me@ got %d approval mails for boss@'s ticket", n)
		}
		root := f.mailsTo(domain.MailApprovalNeeded, "root@company.test")
		if len(root) != 1 {
			t.Fatalf("root got %d approval mails, want 1", len(root))
		}
		// The boss answers the admin's approval mail under the plus address:
		// a genuine token from someone else than the approver.
		if o := f.receive(f.reply(root[0], "boss+me@company.test", "APPROVE")); o.Kind != domain.OutcomeLogged {
			t.Errorf("boss+me@'s APPROVE: %+v", o)
		}
		if tk := f.ticket(id); tk.Approvals[0].Decision != domain.DecisionPending || tk.Ticket.ApprovalLevel != 1 {
			t.Fatalf("boss+me@ decided the boss's own ticket: %+v", tk.Approvals)
		}
		// The admin approves; level 2 drops the boss and asks the lead.
		f.receive(f.reply(root[0], "root@company.test", "APPROVE"))
		tk = f.ticket(id)
		var level2 []string
		for _, a := range tk.Approvals {
			if a.Level == 2 {
				level2 = append(level2, a.Approver)
			}
		}
		if tk.Ticket.ApprovalLevel != 2 || strings.Join(level2, ",") != "lead@company.test" {
			t.Fatalf("level %d asked %v, want lead@ alone", tk.Ticket.ApprovalLevel, level2)
		}
		// The lead answers from a plus address of their own: it counts.
		lead := f.mailsTo(domain.MailApprovalNeeded, "lead@company.test")
		if o := f.receive(f.reply(lead[0], "Lea <Lead+Phone@company.test>", "APPROVE")); o.Kind != domain.OutcomeComment {
			t.Fatalf("lead+phone@'s APPROVE: %+v", o)
		}
		if tk := f.ticket(id); tk.Ticket.Status != domain.StatusAssigned {
			t.Fatalf("after the lead's approval: %s", tk.Ticket.Status)
		}

		// The other way round: a ticket of boss+me@ skips boss@ and
		// boss+me@ alike.
		other := open("boss+me@company.test", "New boat")
		if tk := f.ticket(other); len(tk.Approvals) != 1 || tk.Approvals[0].Approver != "root@company.test" {
			t.Fatalf("level 1 of boss+me@'s ticket asked %+v, want the admin only", tk.Approvals)
		}
		f.receive(f.reply(f.mailsTo(domain.MailApprovalNeeded, "root@company.test")[1], "root@company.test", "APPROVE"))
		tk = f.ticket(other)
		for _, a := range tk.Approvals {
			if domain.SameMailbox(a.Approver, "boss@company.test") {
				t.Errorf("boss+me@'s ticket was sent to %s for approval", a.Approver)
			}
		}
		if n := len(f.mailsTo(domain.MailApprovalNeeded, "boss@company.test")); n != 0 {
			t.Errorf("boss@ got %d approval mails for boss+me@'s ticket", n)
		}
	})
}

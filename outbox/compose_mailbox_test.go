package outbox

import (
	"context"
	"strings"
	"testing"

	"ticketgate/domain"
)

// A mail of a mailbox's ticket (Mail.From) goes out From that mailbox with
// its display name (HELPDESK_NAME when it has none), needs no Reply-To
// (its From is polled) unless the flow sets one, and keeps the
// helpdesk's Message-ID domain; without From, MAIL_FROM and the
// helpdesk's Reply-To as before.
func TestComposeFromMailbox(t *testing.T) {
	c := testComposer(t, "noreply@company.test")
	for _, tc := range []struct {
		name            string
		m               domain.Mail
		from, fromName  string
		replyTo, rtName string
	}{
		{"default", domain.Mail{Kind: domain.MailTicketReceived, To: "ann@company.test", Ticket: ticket},
			"noreply@company.test", "ACME IT Helpdesk", "help@company.test", "ACME IT Helpdesk"},
		{"mailbox with a name", domain.Mail{Kind: domain.MailTicketReceived, To: "ann@company.test", Ticket: ticket,
			From: "hr@company.test", FromName: "HR Desk"}, "hr@company.test", "HR Desk", "", ""},
		{"mailbox without a name", domain.Mail{Kind: domain.MailAssigned, To: "bob@company.test", Ticket: assignedTicket,
			From: "hr@company.test"}, "hr@company.test", "ACME IT Helpdesk", "", ""},
		{"approval", domain.Mail{Kind: domain.MailApprovalNeeded, To: "boss@company.test", Ticket: ticket, Token: "apr-7-abcdefghijklmnopqrstuvwxyz",
			ReplyTo: "hr+apr-7-abcdefghijklmnopqrstuvwxyz@company.test", From: "hr@company.test", FromName: "HR Desk"},
			"hr@company.test", "HR Desk", "hr+apr-7-abcdefghijklmnopqrstuvwxyz@company.test", "HR Desk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := c.Compose(context.Background(), tc.m)
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, msg.Raw)
			from, err := p.h.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Address != tc.from || from[0].Name != tc.fromName {
				t.Errorf("From = %v, %v; want %q <%s>", from, err, tc.fromName, tc.from)
			}
			rt, _ := p.h.AddressList("Reply-To")
			switch {
			case tc.replyTo == "" && len(rt) != 0:
				t.Errorf("Reply-To = %v; want none", rt)
			case tc.replyTo != "" && (len(rt) != 1 || rt[0].Address != tc.replyTo || rt[0].Name != tc.rtName):
				t.Errorf("Reply-To = %v; want %q <%s>", rt, tc.rtName, tc.replyTo)
			}
			if id := p.h.Get("Message-Id"); !strings.HasSuffix(id, "@company.test>") {
				t.Errorf("Message-Id = %s; want the helpdesk's domain", id)
			}
		})
	}
	if _, err := c.Compose(context.Background(), domain.Mail{Kind: domain.MailTicketReceived, To: "ann@company.test",
		Ticket: ticket, From: "hr@company.test\r\nBcc: eve@evil.test"}); err == nil {
		t.Error("a From with a line break composed")
	}
}

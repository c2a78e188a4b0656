package main

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage/storagetest"
)

// TestMailInMailsBack: a mail from inside the policy opens a ticket and
// gets the "ticket received" mail threaded under it; a sender outside the
// policy gets one refusal a day, however often they write; automatic mail
// gets nothing.
func TestMailInMailsBack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		clock := storagetest.NewClock(mt0)
		d := domain.NewDesk(st, clock, storagetest.Logger(t), domain.WithComposer(testComposer(t), true),
			domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
		receive := func(raw string) domain.Outcome {
			t.Helper()
			in, err := inbox.Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			outs, err := d.Receive(ctx, []domain.Received{{Source: domain.Source{Channel: "smtp"}, Raw: []byte(raw), Mail: in}})
			if err != nil {
				t.Fatal(err)
			}
			return outs[0]
		}
		o := receive("From: Ann <ann@company.test>\r\nTo: help@company.test\r\nSubject: VPN\r\nMessage-Id: <vpn-1@company.test>\r\n\r\nVPN is down.\r\n")
		if o.Kind != domain.OutcomeTicket {
			t.Fatalf("outcome = %+v", o)
		}
		rows := outboxRows(t, st)
		if len(rows) != 1 || rows[0].Kind != string(domain.MailTicketReceived) || rows[0].To != "ann@company.test" || rows[0].Status != domain.OutboxQueued {
			t.Fatalf("outbox = %+v", rows)
		}
		h := mailHeader(t, rows[0].Raw)
		if irt, _ := h.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "vpn-1@company.test" {
			t.Errorf("ack In-Reply-To = %v, want the requester's mail", irt)
		}

		outsider := func(id string) string {
			return "From: eve@elsewhere.test\r\nTo: help@company.test\r\nSubject: Hello\r\nMessage-Id: <" + id + ">\r\n\r\nCan you help?\r\n"
		}
		receive(outsider("e1@elsewhere.test"))
		receive(outsider("e2@elsewhere.test"))
		ooo := "From: eve@elsewhere.test\r\nTo: help@company.test\r\nSubject: Automatic reply\r\nAuto-Submitted: auto-replied\r\nMessage-Id: <e3@elsewhere.test>\r\n\r\nI am away.\r\n"
		receive(ooo)
		var refusals int
		for _, r := range outboxRows(t, st) {
			if r.Kind == string(domain.MailRefusal) {
				refusals++
			}
		}
		if refusals != 1 {
			t.Errorf("refusals = %d, want 1 (once a day, none to auto-replies)", refusals)
		}
		clock.Advance(25 * time.Hour)
		receive(outsider("e4@elsewhere.test"))
		refusals = 0
		for _, r := range outboxRows(t, st) {
			if r.Kind == string(domain.MailRefusal) {
				refusals++
			}
		}
		if refusals != 2 {
			t.Errorf("refusals after a day = %d, want 2", refusals)
		}
	})
}

package domain_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestMailFlows runs the use cases that send mail on each database: the
// acknowledgement, comments relayed both ways, resolution, one thread.
func TestMailFlows(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		clock := storagetest.NewClock(mt0)
		d := mailDesk(t, st, clock, false)
		bob := addUser(t, st, "bob@company.test", "Bob Agent", domain.RoleAgent)
		addUser(t, st, "root@company.test", "", domain.RoleAdmin)

		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Monitor flickers", Body: "It flickers.", From: "Ann Lee <ann@company.test>",
			FromName: "Ann Lee", MessageID: "root.1@mail.company.test", Channel: "smtp"})
		if err != nil {
			t.Fatal(err)
		}
		rows := outboxRows(t, st)
		if len(rows) != 1 || rows[0].Kind != "ticket_received" || rows[0].To != "ann@company.test" || rows[0].Status != domain.OutboxHeld ||
			rows[0].TicketID != tk.ID || !rows[0].NextAttemptAt.Equal(mt0) {
			t.Fatalf("after OpenTicket: %+v, want one held ticket_received to ann", rows)
		}
		if want := "Re: [" + tk.Ref() + "] Monitor flickers"; rows[0].Subject != want {
			t.Errorf("subject %q, want %q", rows[0].Subject, want)
		}

		// An approval mail of the ticket is a thread of its own: it must
		// never appear in the ticket thread's headers.
		apr := &domain.OutboxMessage{TicketID: tk.ID, Kind: string(domain.MailApprovalNeeded), To: "boss@company.test",
			Subject: "approve", MessageID: "tkt-1.approval_needed.secret-token@company.test", Raw: []byte("x"),
			Status: domain.OutboxHeld, NextAttemptAt: mt0, CreatedAt: mt0}
		if err := st.EnqueueMail(ctx, apr); err != nil {
			t.Fatal(err)
		}

		// Unassigned: the requester's comment goes to nobody.
		if err := d.Comment(ctx, tk.ID, domain.Actor{Email: "ann@company.test"}, "Any news?", "email"); err != nil {
			t.Fatal(err)
		}
		if n := len(outboxRows(t, st)); n != 2 {
			t.Fatalf("a comment on an unassigned ticket wrote mail: %d rows", n)
		}
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: bob.ID}); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			actor domain.Actor
			text  string
			to    string
		}{
			{domain.Actor{Email: "bob@company.test"}, "Which model is it?", "ann@company.test"},
			{domain.Actor{Email: "ann@company.test"}, "A Dell U2720Q.", "bob@company.test"},
			{domain.Actor{Email: "root@company.test", Admin: true}, "Bob, use the spare one.", "ann@company.test"},
		}
		for _, s := range steps {
			if err := d.Comment(ctx, tk.ID, s.actor, s.text, "email"); err != nil {
				t.Fatal(err)
			}
			rows = outboxRows(t, st)
			last := rows[len(rows)-1]
			if last.Kind != "comment" || last.To != s.to || !strings.Contains(string(last.Raw), strings.Split(s.text, " ")[0]) {
				t.Errorf("comment by %s: last mail %s to %s, want comment to %s", s.actor.Email, last.Kind, last.To, s.to)
			}
		}

		if _, err := d.Resolve(ctx, tk.ID, domain.Actor{Email: "ann@company.test"}, "done"); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("Resolve by the requester = %v, want ErrForbidden", err)
		}
		res, err := d.Resolve(ctx, tk.ID, domain.Actor{Email: "bob@company.test"}, "Swapped the monitor.")
		if err != nil || res.Status != domain.StatusResolved {
			t.Fatalf("Resolve = %+v, %v", res, err)
		}
		detail, _ := d.Ticket(ctx, tk.ID)
		last := detail.Events[len(detail.Events)-1]
		if last.Kind != domain.EventResolved || last.Actor != "bob@company.test" || !strings.Contains(last.Detail, "Swapped the monitor.") {
			t.Errorf("last event %+v", last)
		}
		rows = outboxRows(t, st)
		var thread []domain.OutboxMessage
		for _, r := range rows {
			if r.Kind != string(domain.MailApprovalNeeded) {
				thread = append(thread, r)
			}
			if r.Kind != string(domain.MailApprovalNeeded) && strings.Contains(string(r.Raw), "secret-token") {
				t.Errorf("%s mail leaks the approval's Message-ID", r.Kind)
			}
		}
		kinds := []string{}
		for _, r := range thread {
			kinds = append(kinds, r.Kind)
		}
		if got := strings.Join(kinds, ","); got != "ticket_received,comment,comment,comment,resolved" {
			t.Fatalf("mails %s", got)
		}
		if thread[4].To != "ann@company.test" || !strings.Contains(string(thread[4].Raw), "Swapped the monitor.") {
			t.Errorf("resolved mail %+v", thread[4])
		}
		threadOK(t, "root.1@mail.company.test", thread)

		// A portal ticket has no mail of its own: the acknowledgement is the
		// root of its thread.
		pt, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "VPN", From: "ann@company.test", Channel: "portal"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Transition(ctx, pt.ID, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: bob.ID}); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"bob@company.test", "ann@company.test"} {
			if err := d.Comment(ctx, pt.ID, domain.Actor{Email: who}, "hello from "+who, "portal"); err != nil {
				t.Fatal(err)
			}
		}
		var portal []domain.OutboxMessage
		for _, r := range outboxRows(t, st) {
			if r.TicketID == pt.ID {
				portal = append(portal, r)
			}
		}
		if len(portal) != 3 {
			t.Fatalf("portal ticket mails: %d, want 3", len(portal))
		}
		threadOK(t, "", portal)
	})
}

func TestNoComposerNoMail(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		d := domain.NewDesk(st, storagetest.NewClock(mt0), storagetest.Logger(t))
		bob := addUser(t, st, "bob@company.test", "", domain.RoleAgent)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: bob.ID}); err != nil {
			t.Fatal(err)
		}
		if err := d.Comment(ctx, tk.ID, domain.Actor{Email: "bob@company.test"}, "hi", "portal"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Resolve(ctx, tk.ID, domain.Actor{Email: "bob@company.test"}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := d.RefuseSender(ctx, "x@elsewhere.test"); err != nil {
			t.Fatal(err)
		}
		if rows := outboxRows(t, st); len(rows) != 0 {
			t.Errorf("a Desk without a Composer wrote %d mails", len(rows))
		}
	})
}

package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/outbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

var mt0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// setClock is a clock the test moves by hand.
type setClock = storagetest.Clock

func testComposer(t testing.TB) *outbox.Composer {
	t.Helper()
	c, err := outbox.NewComposer(outbox.ComposerConfig{From: "help@company.test", FromName: "IT Helpdesk",
		HelpdeskAddress: "help@company.test", BaseURL: "http://portal.test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mailDesk(t testing.TB, st domain.Store, clock domain.Clock, relay bool) *domain.Desk {
	return domain.NewDesk(st, clock, storagetest.Logger(t), domain.WithComposer(testComposer(t), relay))
}

func addUser(t *testing.T, st *storage.Store, email, name string, role domain.Role) *domain.User {
	t.Helper()
	u := &domain.User{Email: email, Name: name, Role: role, CreatedAt: mt0, UpdatedAt: mt0}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// The helpers shared with domain's use-case tests of mail.
var (
	outboxRows = storagetest.OutboxRows
	mailHeader = storagetest.MailHeader
	threadOK   = storagetest.ThreadOK
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

func TestRefusalOncePerDay(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		clock := storagetest.NewClock(mt0)
		d := mailDesk(t, st, clock, true)
		for i := 0; i < 3; i++ {
			if _, err := d.RefuseSender(ctx, "Stranger <Stranger@Elsewhere.test>"); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
		}
		for _, robot := range []string{"MAILER-DAEMON@elsewhere.test", "noreply@elsewhere.test", "postmaster@x.test"} {
			if _, err := d.RefuseSender(ctx, robot); err != nil {
				t.Fatal(err)
			}
		}
		rows := outboxRows(t, st)
		if len(rows) != 1 || rows[0].Kind != "refusal" || rows[0].To != "stranger@elsewhere.test" || rows[0].TicketID != 0 ||
			rows[0].Status != domain.OutboxQueued || rows[0].Subject != "Your message to IT Helpdesk" {
			t.Fatalf("refusals: %+v, want one queued to stranger@", rows)
		}
		clock.Advance(domain.RefusalInterval)
		if _, err := d.RefuseSender(ctx, "stranger@elsewhere.test"); err != nil {
			t.Fatal(err)
		}
		if n := len(outboxRows(t, st)); n != 2 {
			t.Errorf("a day later: %d refusals, want 2", n)
		}
	})
}

// TestLongThreadReferences: References keeps the root and the newest mails,
// ten Message-IDs at most, and In-Reply-To is always the newest.
func TestLongThreadReferences(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		d := mailDesk(t, st, storagetest.NewClock(mt0), false)
		bob := addUser(t, st, "bob@company.test", "", domain.RoleAgent)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "long", From: "ann@company.test", MessageID: "root@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: bob.ID}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 12; i++ {
			if err := d.Comment(ctx, tk.ID, domain.Actor{Email: "bob@company.test"}, "note", "portal"); err != nil {
				t.Fatal(err)
			}
		}
		rows := outboxRows(t, st)
		h := mailHeader(t, rows[len(rows)-1].Raw)
		refs, _ := h.MsgIDList("References")
		irt, _ := h.MsgIDList("In-Reply-To")
		prev := rows[len(rows)-2].MessageID
		if len(refs) != 10 || refs[0] != "root@x.test" || refs[9] != prev || len(irt) != 1 || irt[0] != prev {
			t.Errorf("13th mail: References %v (%d), In-Reply-To %v; want root, …, %s", refs, len(refs), irt, prev)
		}
		if refs[1] != rows[len(rows)-10].MessageID {
			t.Errorf("References[1] = %s, want the 9th newest mail %s", refs[1], rows[len(rows)-10].MessageID)
		}
	})
}

package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TicketByMessageID finds a ticket by the requester's Message-ID and by the
// Message-IDs of the ticket-thread mails we sent, looked up among the
// ticket their Message-ID names; never by an approval mail's, a Message-ID
// we did not send, or one that names another ticket.
func TestTicketByMessageID(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		a, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Printer", From: "ann@company.test", MessageID: "m1@mail.test"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Laptop", From: "bob@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		mid := func(tk *domain.Ticket, kind domain.MailKind, random string) string {
			return fmt.Sprintf("tkt-%d.%s.%s@company.test", tk.ID, kind, random)
		}
		for _, m := range []*domain.OutboxMessage{
			{TicketID: a.ID, Kind: string(domain.MailAssigned), MessageID: mid(a, domain.MailAssigned, "r1")},
			{TicketID: a.ID, Kind: string(domain.MailApprovalNeeded), MessageID: mid(a, domain.MailApprovalNeeded, "tok")},
			{TicketID: b.ID, Kind: string(domain.MailTicketReceived), MessageID: mid(b, domain.MailTicketReceived, "r2")},
			// A mail of b whose Message-ID names a: not ours to match.
			{TicketID: b.ID, Kind: string(domain.MailComment), MessageID: mid(a, domain.MailComment, "r3")},
		} {
			m.To, m.Subject, m.Raw, m.Status, m.NextAttemptAt, m.CreatedAt = "x@company.test", "s", []byte("raw"), domain.OutboxHeld, t0, t0
			if err := s.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			id   string
			want int64 // 0: not found
		}{
			{"m1@mail.test", a.ID},
			{mid(a, domain.MailAssigned, "r1"), a.ID},
			{mid(b, domain.MailTicketReceived, "r2"), b.ID},
			{mid(a, domain.MailApprovalNeeded, "tok"), 0},
			{mid(a, domain.MailComment, "r3"), 0},
			{mid(a, domain.MailAssigned, "other"), 0},
			{fmt.Sprintf("tkt-%d.assigned.r1@company.test", b.ID+100), 0},
			{"tkt-.assigned.r1@company.test", 0},
			{"tkt-x1.assigned.r1@company.test", 0},
			{"tkt-0.refusal.r1@company.test", 0},
			{"someone@else.test", 0},
			{"", 0},
		}
		for _, tt := range tests {
			got, err := s.TicketByMessageID(ctx, tt.id)
			if tt.want == 0 {
				if !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("TicketByMessageID(%q) = %d, %v; want ErrNotFound", tt.id, got, err)
				}
				continue
			}
			if err != nil || got != tt.want {
				t.Errorf("TicketByMessageID(%q) = %d, %v; want %d", tt.id, got, err, tt.want)
			}
		}
	})
}

// The statements whose indexes the size migration (20261207000019_size)
// narrowed use the narrow ones, on both databases: a reply's reference
// among its ticket's mail, the unsent outbox rows by status, and the
// admins' approval problems.
func TestSizeQueryPlans(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		var queries []string
		s.RecordQueries(func(q string) { queries = append(queries, q) })
		type planned struct {
			what, index string
			run         func() error
		}
		steps := []planned{
			{"a reply's reference", "outbox_ticket", func() error {
				_, err := s.TicketByMessageID(ctx, "tkt-7.assigned.r1@company.test")
				if errors.Is(err, domain.ErrNotFound) {
					return nil
				}
				return err
			}},
			{"the held rows", "outbox_unsent", func() error {
				_, err := s.ListOutbox(ctx, domain.OutboxHeld, 50)
				return err
			}},
			{"held rows requeued", "outbox_unsent", func() error {
				_, err := s.RequeueOutbox(ctx, 0, domain.OutboxHeld, domain.OutboxQueued, t0)
				return err
			}},
			{"dead rows requeued", "outbox_unsent", func() error {
				_, err := s.RequeueOutbox(ctx, 0, "", domain.OutboxQueued, t0)
				return err
			}},
			{"approval problems", "events_problems", func() error {
				_, err := s.ApprovalProblems(ctx, 20)
				return err
			}},
		}
		for _, st := range steps {
			queries = queries[:0]
			if err := st.run(); err != nil {
				t.Fatalf("%s: %v", st.what, err)
			}
			q := queries[len(queries)-1]
			plan, err := s.QueryPlan(ctx, q)
			if err != nil {
				t.Fatalf("plan of %s: %v", q, err)
			}
			if !strings.Contains(plan, st.index) {
				t.Errorf("%s: plan of %s does not use %s:\n%s", st.what, q, st.index, plan)
			}
		}
	})
}

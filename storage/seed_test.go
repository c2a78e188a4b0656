package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// SeedRows writes rows that read back through the store as the use cases
// would have left them (mail packed and unpacked, ids kept), the sequences
// move past the seeded ids, and TableSizes counts them.
func TestSeedRowsAndTableSizes(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		uid, tid, err := s.SeedNextIDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var b storage.Seed
		b.Users = append(b.Users, domain.User{ID: uid, Email: "req@x.test", Name: "Req", Role: domain.RoleEmployee, CreatedAt: t0, UpdatedAt: t0})
		raw := bytes.Repeat([]byte("Subject: [TKT-1] printer\r\n\r\nthe printer jams again\r\n"), 20)
		for i := range 3 {
			id := tid + int64(i)
			b.Tickets = append(b.Tickets, domain.Ticket{ID: id, Subject: fmt.Sprintf("printer %d", i), Body: "jams",
				RequesterID: uid, Status: domain.StatusTriage, MessageID: fmt.Sprintf("m%d@x.test", i), CreatedAt: t0, UpdatedAt: t0})
			b.Events = append(b.Events, domain.Event{TicketID: id, At: t0, Kind: domain.EventReceived, Actor: "req@x.test", Detail: "opened"})
			b.Mail = append(b.Mail, domain.OutboxMessage{TicketID: id, Kind: string(domain.MailTicketReceived), To: "req@x.test",
				Subject: "s", MessageID: fmt.Sprintf("out%d@x.test", i), Raw: raw, Status: domain.OutboxHeld, NextAttemptAt: t0, CreatedAt: t0})
			b.Processed = append(b.Processed, domain.ProcessedMail{MessageID: fmt.Sprintf("m%d@x.test", i), TicketID: id, At: t0})
		}
		b.Events = append(b.Events, domain.Event{TicketID: tid + 1, At: t0, Kind: domain.EventCommented, Actor: "req@x.test",
			Detail: "the toner smudges"})
		if err := s.SeedRows(ctx, &b); err != nil {
			t.Fatal(err)
		}
		if err := s.SeedDone(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetTicket(ctx, tid+2)
		if err != nil || got.Subject != "printer 2" || got.Requester != "req@x.test" {
			t.Fatalf("seeded ticket = %+v, %v", got, err)
		}
		mails, err := s.TicketMail(ctx, tid)
		if err != nil || len(mails) != 1 {
			t.Fatalf("mail of the seeded ticket = %v, %v", mails, err)
		}
		m, err := s.GetOutbox(ctx, mails[0].ID)
		if err != nil || !bytes.Equal(m.Raw, raw) {
			t.Fatalf("seeded mail reads back as %d bytes (%v), want %d", len(m.Raw), err, len(raw))
		}
		// The search index's triggers fired on the seeded rows: their
		// subjects, texts and comments are found.
		for text, want := range map[string]int{"printer": 3, "jams": 3, "toner": 1, "printer -smudges": 2} {
			q := domain.TicketQuery{Text: text}
			if err := q.Validate(); err != nil {
				t.Fatal(err)
			}
			ts, err := s.ListTickets(ctx, q)
			n, cerr := s.CountTickets(ctx, q, 100)
			if err != nil || cerr != nil || len(ts) != want || n != want {
				t.Errorf("search %q in the seeded tickets: %d tickets, count %d (%v, %v); want %d", text, len(ts), n, err, cerr, want)
			}
		}
		// The next ticket made the ordinary way gets the next id.
		tk := &domain.Ticket{Subject: "after", RequesterID: uid, Status: domain.StatusTriage, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateTicket(ctx, tk); err != nil || tk.ID != tid+3 {
			t.Fatalf("ticket after seeding: id %d, %v; want %d", tk.ID, err, tid+3)
		}

		sizes, err := s.TableSizes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]int64{}
		for _, sz := range sizes {
			rows[sz.Name] = sz.Rows
			if sz.Name == "tickets" && (sz.Table <= 0 || sz.Indexes <= 0) {
				t.Errorf("tickets: %+v, want its table and indexes measured", sz)
			}
		}
		if rows["tickets"] != 4 || rows["outbox"] != 3 || rows["events"] != 4 || rows["processed_mail"] != 3 {
			t.Errorf("rows = %v", rows)
		}
		if n, err := s.DatabaseSize(ctx); err != nil || n <= 0 {
			t.Errorf("DatabaseSize = %d, %v", n, err)
		}
	})
}

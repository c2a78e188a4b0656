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

// TestEnqueueMails: rows written by the multi-row insert (parameters, more
// rows than one statement takes) read back as EnqueueMail's do, in order,
// and count in CountMailSince and CountMailSinceTo like them.
func TestEnqueueMails(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 10, 0, 0, 123456000, time.UTC)
		tk := &domain.Ticket{Subject: "s", Body: "b", Status: domain.StatusTriage, CreatedAt: now, UpdatedAt: now}
		u := &domain.User{Email: "ann@x.test", Role: domain.RoleEmployee, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		tk.RequesterID = u.ID
		if err := s.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		one := &domain.OutboxMessage{TicketID: tk.ID, Kind: string(domain.MailTicketReceived), To: "ann@x.test", Subject: "one",
			MessageID: "one@x.test", Raw: []byte("raw one\x00\xff"), Status: domain.OutboxQueued, NextAttemptAt: now, CreatedAt: now}
		if err := s.EnqueueMail(ctx, one); err != nil {
			t.Fatal(err)
		}
		var many []*domain.OutboxMessage
		for i := range 130 {
			m := &domain.OutboxMessage{Kind: string(domain.MailTicketReceived), To: fmt.Sprintf("u%d@x.test", i%3),
				Subject: fmt.Sprintf("it's %d\x00", i), MessageID: fmt.Sprintf("m%d@x.test", i), Raw: bytes.Repeat([]byte{byte(i)}, 1000+i),
				Status: domain.OutboxHeld, NextAttemptAt: now, CreatedAt: now.Add(time.Duration(i) * time.Millisecond)}
			if i == 0 {
				m.TicketID, m.To = tk.ID, "ann@x.test"
			}
			many = append(many, m)
		}
		if err := s.EnqueueMails(ctx, many); err != nil {
			t.Fatal(err)
		}
		mail, err := s.TicketMail(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(mail) != 2 || mail[0].MessageID != "one@x.test" || mail[1].MessageID != "m0@x.test" {
			t.Fatalf("ticket mail = %+v", mail)
		}
		if !mail[1].CreatedAt.Equal(mail[0].CreatedAt) || mail[1].Status != domain.OutboxHeld || mail[1].Subject != "it's 0" {
			t.Errorf("row by EnqueueMails = %+v, by EnqueueMail %+v", mail[1], mail[0])
		}
		rows, err := s.ListOutbox(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 131 {
			t.Fatalf("%d rows, want 131", len(rows))
		}
		for i, r := range rows[:130] { // newest first
			want := many[129-i]
			if r.MessageID != want.MessageID || r.To != want.To || r.TicketID != want.TicketID || !r.CreatedAt.Equal(want.CreatedAt) {
				t.Fatalf("row %d = %+v, want %+v", i, r, want)
			}
			full, err := s.GetOutbox(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(full.Raw, want.Raw) {
				t.Fatalf("row %d: raw of %d bytes differs from the %d enqueued", i, len(full.Raw), len(want.Raw))
			}
			// Stored packed, as EnqueueMail stores it: 1,000 equal bytes take
			// a few dozen.
			stored, err := s.StoredRawForTest(ctx, r.ID)
			if err != nil || len(stored) >= len(want.Raw)/4 {
				t.Fatalf("row %d: %d bytes stored for %d enqueued (%v): not packed", i, len(stored), len(want.Raw), err)
			}
		}
		n, err := s.CountMailSince(ctx, domain.MailTicketReceived, "ann@x.test", now.Add(-time.Second))
		if err != nil || n != 2 {
			t.Errorf("CountMailSince = %d, %v; want 2", n, err)
		}
		counts, err := s.CountMailSinceTo(ctx, domain.MailTicketReceived, []string{"ann@x.test", "u1@x.test", "u2@x.test", "nobody@x.test"},
			now.Add(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"ann@x.test", "u1@x.test", "u2@x.test", "nobody@x.test"} {
			n, err := s.CountMailSince(ctx, domain.MailTicketReceived, a, now.Add(50*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if counts[a] != n {
				t.Errorf("CountMailSinceTo[%s] = %d, CountMailSince %d", a, counts[a], n)
			}
		}
	})
}

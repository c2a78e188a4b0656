package domain_test

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestAcksPerSender(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		clock := storagetest.NewMovingClock(t0)
		d := domain.NewDesk(s, clock, storagetest.Logger(t), domain.WithComposer(&recordingComposer{}, true))
		acks := func(to string) int {
			t.Helper()
			n, err := s.CountMailSince(ctx, domain.MailTicketReceived, to, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		open := func(from string) *domain.Ticket {
			t.Helper()
			tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "again", From: from})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		lastEvent := func(tk *domain.Ticket) domain.Event {
			t.Helper()
			detail, err := d.Ticket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			return detail.Events[len(detail.Events)-1]
		}
		for range domain.DefaultAcksPerSenderPerHour {
			open("ann@x.test")
			clock.Add(time.Minute)
		}
		if n := acks("ann@x.test"); n != 10 {
			t.Fatalf("acknowledgements after 10 tickets = %d, want 10", n)
		}
		// The 11th ticket in the hour is made, without acknowledgement, and
		// says so in its history.
		tk := open("ann@x.test")
		if n := acks("ann@x.test"); n != 10 {
			t.Errorf("acknowledgements after the 11th ticket = %d, want still 10", n)
		}
		e := lastEvent(tk)
		if want := "acknowledgement not sent: ann@x.test was sent 10 in the last hour (ACKS_PER_SENDER_PER_HOUR is 10)"; e.Kind != domain.EventMailSkipped || e.Detail != want {
			t.Errorf("last event of the 11th ticket = %s: %s\nwant mail_skipped: %s", e.Kind, e.Detail, want)
		}
		// Another sender is not limited by ann's tickets.
		open("bob@x.test")
		if n := acks("bob@x.test"); n != 1 {
			t.Errorf("bob's acknowledgements = %d, want 1", n)
		}
		// An hour after the first acknowledgement, there is room again.
		clock.Add(50*time.Minute + time.Second)
		tk = open("ann@x.test")
		if n := acks("ann@x.test"); n != 11 {
			t.Errorf("acknowledgements an hour later = %d, want 11", n)
		}
		if e := lastEvent(tk); e.Kind == domain.EventMailSkipped {
			t.Errorf("the ticket an hour later has %s: %s", e.Kind, e.Detail)
		}
		// ACKS_PER_SENDER_PER_HOUR 0: none at all.
		d0 := domain.NewDesk(s, clock, storagetest.Logger(t), domain.WithComposer(&recordingComposer{}, true), domain.WithAcksPerSenderPerHour(0))
		tk, err := d0.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "carl@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		if n := acks("carl@x.test"); n != 0 || lastEvent(tk).Kind != domain.EventMailSkipped {
			t.Errorf("with a limit of 0: %d acknowledgements, last event %s; want 0 and mail_skipped", n, lastEvent(tk).Kind)
		}
		if n := historyInEveryLanguage(t, s); n < 20 {
			t.Errorf("%d details checked", n)
		}
	})
}

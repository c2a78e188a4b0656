package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func enqueue(t *testing.T, s *storage.Store, status domain.OutboxStatus, due time.Time) *domain.OutboxMessage {
	t.Helper()
	m := &domain.OutboxMessage{Kind: "refusal", To: "x@company.test", Subject: "s", MessageID: "tkt-0.refusal.x@company.test",
		Raw: []byte("raw"), Status: status, NextAttemptAt: due, CreatedAt: t0}
	if err := s.EnqueueMail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOutboxClaimAndLease(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		a := enqueue(t, s, domain.OutboxQueued, t0)
		b := enqueue(t, s, domain.OutboxQueued, t0.Add(-time.Minute))
		enqueue(t, s, domain.OutboxQueued, t0.Add(time.Second)) // not due
		enqueue(t, s, domain.OutboxHeld, t0)                    // held
		enqueue(t, s, domain.OutboxDead, t0)                    // dead
		lease := t0.Add(10 * time.Minute)
		got, err := s.ClaimOutbox(ctx, t0, lease, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID || string(got[0].Raw) != "raw" || !got[0].NextAttemptAt.Equal(lease) {
			t.Fatalf("ClaimOutbox = %+v, want a and b leased with raw", got)
		}
		if again, _ := s.ClaimOutbox(ctx, t0, lease, 10); len(again) != 0 {
			t.Fatalf("leased rows claimed again: %+v", again)
		}
		if late, _ := s.ClaimOutbox(ctx, lease, lease.Add(time.Minute), 1); len(late) != 1 {
			t.Fatalf("after the lease: claimed %d with limit 1, want 1", len(late))
		}

		sent := t0.Add(time.Minute)
		a.Status, a.Attempts, a.SentAt, a.LastError = domain.OutboxSent, 1, &sent, ""
		if err := s.UpdateOutbox(ctx, a); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.GetOutbox(ctx, a.ID); m.Status != domain.OutboxSent || m.SentAt == nil || !m.SentAt.Equal(sent) || m.Attempts != 1 {
			t.Errorf("after UpdateOutbox: %+v", m)
		}
		if err := s.DeleteOutbox(ctx, a.ID); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("DeleteOutbox(sent) = %v, want ErrConflict", err)
		}
		if err := s.DeleteOutbox(ctx, b.ID); err != nil {
			t.Errorf("DeleteOutbox(queued) = %v", err)
		}
		if err := s.DeleteOutbox(ctx, b.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("DeleteOutbox twice = %v, want ErrNotFound", err)
		}
		if err := s.UpdateOutbox(ctx, b); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("UpdateOutbox(deleted) = %v, want ErrNotFound", err)
		}

		counts, err := s.CountOutbox(ctx)
		if err != nil || counts[domain.OutboxQueued] != 1 || counts[domain.OutboxHeld] != 1 || counts[domain.OutboxDead] != 1 || counts[domain.OutboxSent] != 1 {
			t.Errorf("CountOutbox = %v, %v", counts, err)
		}
		if n, err := s.RequeueOutbox(ctx, 0, domain.OutboxHeld, domain.OutboxQueued, t0); n != 1 || err != nil {
			t.Errorf("requeue held = %d, %v", n, err)
		}
		if n, err := s.RequeueOutbox(ctx, 0, "", domain.OutboxQueued, t0); n != 3 || err != nil {
			t.Errorf("requeue all unsent = %d, %v; want 3 (sent untouched)", n, err)
		}
		if m, _ := s.GetOutbox(ctx, a.ID); m.Status != domain.OutboxSent {
			t.Errorf("a sent row was requeued: %+v", m)
		}
	})
}

func TestMarkRefused(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		day := 24 * time.Hour
		for i, tt := range []struct {
			at   time.Time
			want bool
		}{{t0, true}, {t0.Add(time.Hour), false}, {t0.Add(day), true}, {t0.Add(day + time.Minute), false}} {
			got, err := s.MarkRefused(ctx, "a@x.test", tt.at, tt.at.Add(-day))
			if err != nil || got != tt.want {
				t.Errorf("step %d: MarkRefused at %v = %v, %v; want %v", i, tt.at, got, err, tt.want)
			}
		}
		if ok, _ := s.MarkRefused(ctx, "b@x.test", t0, t0.Add(-day)); !ok {
			t.Error("another address was refused because of the first")
		}
	})
}

// TestCountRefusalsSince: the addresses whose last refusal is after the
// given time; LockRefusals works inside a transaction and says so outside
// one on PostgreSQL.
func TestCountRefusalsSince(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for i, at := range []time.Time{t0, t0.Add(10 * time.Minute), t0.Add(50 * time.Minute), t0.Add(70 * time.Minute)} {
			if ok, err := s.MarkRefused(ctx, fmt.Sprintf("r%d@x.test", i), at, at.Add(-24*time.Hour)); !ok || err != nil {
				t.Fatalf("MarkRefused %d: %v, %v", i, ok, err)
			}
		}
		for _, tt := range []struct {
			since time.Time
			want  int
		}{{t0.Add(-time.Second), 4}, {t0, 3}, {t0.Add(20 * time.Minute), 2}, {t0.Add(70 * time.Minute), 0}} {
			if n, err := s.CountRefusalsSince(ctx, tt.since); n != tt.want || err != nil {
				t.Errorf("CountRefusalsSince(%v) = %d, %v; want %d", tt.since, n, err, tt.want)
			}
		}
		err := s.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
			if err := tx.LockRefusals(ctx); err != nil {
				return err
			}
			n, err := tx.CountRefusalsSince(ctx, t0)
			if n != 3 {
				t.Errorf("in a transaction: %d refusals, want 3", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.LockRefusals(ctx); (err == nil) == s.Postgres() {
			t.Errorf("LockRefusals outside a transaction = %v", err)
		}
	})
}

// TestOutboxDeadWritesEvent: a ticket's mail going dead writes the
// ticket's mail_failed event in the same transaction, once; a mail
// without a ticket, or one that was dead already, writes none.
func TestOutboxDeadWritesEvent(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tk, err := newDesk(t, s).OpenTicket(ctx, domain.NewTicket{Subject: "Printer", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		m := &domain.OutboxMessage{TicketID: tk.ID, Kind: "assignment_agent", To: "x@company.test", Subject: "s",
			MessageID: "tkt-1.assignment.x@company.test", Raw: []byte("raw"), Status: domain.OutboxQueued, NextAttemptAt: t0, CreatedAt: t0}
		if err := s.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		dead := t0.Add(time.Hour)
		m.Status, m.Attempts, m.LastError, m.NextAttemptAt = domain.OutboxDead, 3, "550 no such user", dead
		if err := s.UpdateOutbox(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateOutbox(ctx, m); err != nil { // dead again: nothing new
			t.Fatal(err)
		}
		orphan := enqueue(t, s, domain.OutboxQueued, t0)
		orphan.Status = domain.OutboxDead
		if err := s.UpdateOutbox(ctx, orphan); err != nil {
			t.Fatal(err)
		}
		es, err := s.ListEvents(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var failed []domain.Event
		for _, e := range es {
			if e.Kind == domain.EventMailFailed {
				failed = append(failed, e)
			}
		}
		want := `the "assignment agent" mail to x@company.test could not be delivered after 3 attempt(s): 550 no such user`
		if len(failed) != 1 || failed[0].Detail != want || !failed[0].At.Equal(dead) || failed[0].Actor != domain.SystemActor.String() {
			t.Fatalf("mail_failed events = %+v, want one: %q at %v", failed, want, dead)
		}
	})
}

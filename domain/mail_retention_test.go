package domain_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestDropOldMailBodies(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := t0.Add(60 * 24 * time.Hour)
		clock := storagetest.NewMovingClock(now)
		d := domain.NewDesk(s, clock, storagetest.Logger(t), domain.WithSchedule(domain.Schedule{OutboxRetention: 720 * time.Hour}))
		const head = "Subject: x\r\nMessage-Id: <m@x.test>\r\n\r\n"
		old, recent := now.Add(-721*time.Hour), now.Add(-719*time.Hour)
		add := func(status domain.OutboxStatus, sent *time.Time) int64 {
			t.Helper()
			m := &domain.OutboxMessage{Kind: "comment", To: "ann@x.test", Subject: "s", MessageID: "m@x.test",
				Raw: []byte(head + strings.Repeat("body ", 100)), Status: status, NextAttemptAt: old, CreatedAt: old, SentAt: sent}
			if err := s.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		var oldSent, kept []int64
		for range 250 {
			oldSent = append(oldSent, add(domain.OutboxSent, &old))
		}
		kept = append(kept, add(domain.OutboxSent, &recent), add(domain.OutboxQueued, nil), add(domain.OutboxHeld, nil),
			add(domain.OutboxDead, nil))

		// One batch is bounded and oldest first.
		batch, err := s.SentWithBody(ctx, now.Add(-720*time.Hour), 100)
		if err != nil || len(batch) != 100 || batch[0].ID != oldSent[0] {
			t.Fatalf("SentWithBody = %d rows, %v; want the 100 oldest", len(batch), err)
		}
		if err := s.DropOutboxBody(ctx, kept[1], nil, now); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("DropOutboxBody of a queued row = %v, want ErrConflict", err)
		}

		if n, err := d.DropOldMailBodies(ctx); err != nil || n != 250 {
			t.Fatalf("DropOldMailBodies = %d, %v; want 250 (three batches)", n, err)
		}
		for _, id := range oldSent {
			m, err := s.GetOutbox(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if string(m.Raw) != head || m.BodyDroppedAt == nil || !m.BodyDroppedAt.Equal(now) || m.Status != domain.OutboxSent || m.MessageID != "m@x.test" {
				t.Fatalf("old sent row %d = %q dropped %v status %s, want its headers alone, dropped now, still sent", id, m.Raw, m.BodyDroppedAt, m.Status)
			}
		}
		for _, id := range kept {
			m, err := s.GetOutbox(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Raw) != len(head)+500 || m.BodyDroppedAt != nil {
				t.Errorf("%s row %d lost its body (%d bytes, dropped %v)", m.Status, id, len(m.Raw), m.BodyDroppedAt)
			}
		}
		if n, err := d.DropOldMailBodies(ctx); err != nil || n != 0 {
			t.Errorf("second DropOldMailBodies = %d, %v; want 0", n, err)
		}
		// The listing carries the time the body was dropped.
		ms, err := s.ListOutbox(ctx, domain.OutboxSent, 0)
		if err != nil {
			t.Fatal(err)
		}
		dropped := 0
		for _, m := range ms {
			if m.BodyDroppedAt != nil {
				dropped++
			}
		}
		if dropped != 250 {
			t.Errorf("ListOutbox shows %d rows with a dropped body, want 250", dropped)
		}
	})
}

func TestHeaderSection(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore", "A: 1\r\nB: 2\r\n\r\n"},
		{"A: 1\n\nbody", "A: 1\n\n"},
		{"A: 1\r\nno body", "A: 1\r\nno body"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(domain.HeaderSection([]byte(tt.raw))); got != tt.want {
			t.Errorf("HeaderSection(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestEnqueueLargeMail: a mail with files (a portal comment's, up to
// MAX_MESSAGE_BYTES) is written as a driver parameter and reads back,
// claimed as the worker claims it, byte for byte.
func TestEnqueueLargeMail(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		body := make([]byte, 3<<20) // random: DEFLATE leaves it as large
		rand.Read(body)
		raw := append([]byte("Subject: files\r\nMessage-Id: <big@x.test>\r\n\r\n"), body...)
		m := &domain.OutboxMessage{Kind: string(domain.MailComment), To: "ann@x.test", Subject: "files",
			MessageID: "big@x.test", Raw: raw, Status: domain.OutboxQueued, NextAttemptAt: now, CreatedAt: now}
		if err := s.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetOutbox(ctx, m.ID)
		if err != nil || !bytes.Equal(got.Raw, raw) || got.Subject != "files" || got.MessageID != "big@x.test" {
			t.Fatalf("read back: %d bytes, subject %q, %v", len(got.Raw), got.Subject, err)
		}
		claimed, err := s.ClaimOutbox(ctx, now, now.Add(10*time.Minute), 10)
		if err != nil || len(claimed) != 1 || !bytes.Equal(claimed[0].Raw, raw) {
			t.Fatalf("claimed %d rows (%v)", len(claimed), err)
		}
	})
}

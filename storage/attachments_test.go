package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// An attachment larger than one chunk reads back whole, byte for byte,
// from the database and from ATTACHMENTS_DIR; reads are in pieces the
// caller chose, across chunk boundaries.
func TestOpenAttachmentStreams(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		req := mustUser(t, s, "ann@x.test", domain.RoleEmployee)
		tk := &domain.Ticket{Subject: "s", RequesterID: req.ID, Status: domain.StatusTriage, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := s.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		id := tk.ID
		content := make([]byte, 3*64<<10+123)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range content {
			content[i] = byte(rng.UintN(256))
		}
		for _, dir := range []string{"", t.TempDir()} {
			if dir != "" {
				if err := s.UseAttachmentsDir(dir); err != nil {
					t.Fatal(err)
				}
			}
			a := &domain.Attachment{TicketID: id, Name: "big.bin", ContentType: "application/octet-stream",
				Size: int64(len(content)), Content: content, CreatedAt: time.Now()}
			if err := s.AddAttachment(ctx, a); err != nil {
				t.Fatal(err)
			}
			meta, rc, err := s.OpenAttachment(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if meta.Content != nil || meta.Size != int64(len(content)) || meta.TicketID != id || (dir != "") != (meta.Path != "") {
				t.Errorf("dir %q: attachment = %+v", dir, meta)
			}
			var got bytes.Buffer
			buf := make([]byte, 10007) // not a divisor of the chunk
			if _, err := io.CopyBuffer(&got, struct{ io.Reader }{rc}, buf); err != nil {
				t.Fatal(err)
			}
			rc.Close()
			if !bytes.Equal(got.Bytes(), content) {
				t.Errorf("dir %q: read %d bytes, not the %d written", dir, got.Len(), len(content))
			}
		}
		empty := &domain.Attachment{TicketID: id, Name: "empty", ContentType: "text/plain", Content: []byte{}, CreatedAt: time.Now()}
		if err := s.AddAttachment(ctx, empty); err != nil {
			t.Fatal(err)
		}
		if a, err := readAttachment(t, s, empty.ID); err != nil || len(a.Content) != 0 {
			t.Errorf("empty attachment = %v, %v", a, err)
		}
		if _, _, err := s.OpenAttachment(ctx, 1<<40); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("OpenAttachment of nothing = %v", err)
		}
	})
}

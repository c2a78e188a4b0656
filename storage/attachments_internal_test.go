package storage_test

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestAttachmentInternal: a note's file keeps its internal mark through
// AddAttachment, ListAttachments and OpenAttachment, in the database and
// under ATTACHMENTS_DIR; other files have none (migration
// 20261207000027).
func TestAttachmentInternal(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		req := mustUser(t, s, "ann@x.test", domain.RoleEmployee)
		tk := &domain.Ticket{Subject: "s", RequesterID: req.ID, Status: domain.StatusTriage, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := s.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		want := map[int64]bool{}
		for _, dir := range []string{"", t.TempDir()} {
			if dir != "" {
				if err := s.UseAttachmentsDir(dir); err != nil {
					t.Fatal(err)
				}
			}
			for _, internal := range []bool{false, true} {
				a := &domain.Attachment{TicketID: tk.ID, Name: "f.txt", ContentType: "text/plain", Size: 2,
					Content: []byte("hi"), Internal: internal, CreatedAt: time.Now()}
				if err := s.AddAttachment(ctx, a); err != nil {
					t.Fatal(err)
				}
				want[a.ID] = internal
				meta, rc, err := s.OpenAttachment(ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				rc.Close()
				if meta.Internal != internal {
					t.Errorf("dir %q: OpenAttachment(%d).Internal = %v, want %v", dir, a.ID, meta.Internal, internal)
				}
			}
		}
		as, err := s.ListAttachments(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != len(want) {
			t.Fatalf("ListAttachments = %d files, want %d", len(as), len(want))
		}
		for _, a := range as {
			if a.Internal != want[a.ID] {
				t.Errorf("ListAttachments: %d.Internal = %v, want %v", a.ID, a.Internal, want[a.ID])
			}
		}
	})
}

package domain_test

import (
	"context"
	"io"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// originals returns the original.eml attachments of a ticket, with their
// content.
func originals(t *testing.T, d *domain.Desk, s *storage.Store, ticketID int64) []*domain.Attachment {
	t.Helper()
	ctx := context.Background()
	list, err := s.ListAttachments(ctx, ticketID)
	if err != nil {
		t.Fatal(err)
	}
	var out []*domain.Attachment
	for _, a := range list {
		if a.Name != "original.eml" {
			continue
		}
		full, err := readAttachment(t, s, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, full)
	}
	return out
}

// TestReceiveCutMailKeepsOriginal: a mail the parser cut at a limit keeps
// its raw source on its ticket as original.eml (message/rfc822), both when
// it opens the ticket and when it is a comment, and the requester may open
// it; a mail read whole adds none.
func TestReceiveCutMailKeepsOriginal(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := intakeDesk(t, s)
		cut := []string{"the mail's text is longer than 1 MiB"}

		m := mail("cut1@mail.test", "ann@company.test", "Huge log", "the log…\n\n[… cut: the mail's text is longer than 1 MiB; the whole mail is kept as original.eml]")
		m.Raw = []byte("From: ann@company.test\r\nSubject: Huge log\r\n\r\nthe whole log\x00 with a NUL\r\n")
		m.Mail.Cut = cut
		m.Mail.Attachments = []domain.InboundAttachment{{Name: "jam.jpg", ContentType: "image/jpeg", Content: []byte("jpeg")}}
		o := receive1(t, d, m)
		if o.Kind != domain.OutcomeTicket {
			t.Fatalf("outcome = %+v", o)
		}
		got := originals(t, d, s, o.TicketID)
		if len(got) != 1 || got[0].ContentType != "message/rfc822" || string(got[0].Content) != string(m.Raw) || got[0].Size != int64(len(m.Raw)) {
			t.Fatalf("original.eml = %+v", got)
		}
		if list, _ := s.ListAttachments(ctx, o.TicketID); len(list) != 2 {
			t.Errorf("attachments = %+v, want jam.jpg and original.eml", list)
		}
		ann, err := s.GetUserByEmail(ctx, "ann@company.test")
		if err != nil {
			t.Fatal(err)
		}
		a, rc, err := d.AttachmentFor(ctx, ann, o.TicketID, got[0].ID)
		if err != nil {
			t.Fatalf("the requester's AttachmentFor = %v", err)
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(content) != string(m.Raw) || a.Size != int64(len(m.Raw)) {
			t.Errorf("the requester's AttachmentFor = %+v, %d bytes, %v", a, len(content), err)
		}

		// A cut reply in the thread: a comment, and its own original.eml.
		reply := mail("cut2@mail.test", "ann@company.test", "Re: Huge log", "more\n\n[… cut: …]")
		reply.Raw = []byte("From: ann@company.test\r\nIn-Reply-To: <cut1@mail.test>\r\n\r\nmore log\r\n")
		reply.Mail.InReplyTo = []string{"cut1@mail.test"}
		reply.Mail.Cut = cut
		if o2 := receive1(t, d, reply); o2.Kind != domain.OutcomeComment || o2.TicketID != o.TicketID {
			t.Fatalf("reply outcome = %+v", o2)
		}
		got = originals(t, d, s, o.TicketID)
		if len(got) != 2 || string(got[1].Content) != string(reply.Raw) && string(got[0].Content) != string(reply.Raw) {
			t.Fatalf("original.eml after the reply = %d files", len(got))
		}

		// A mail read whole keeps no copy of itself.
		whole := mail("whole@mail.test", "ann@company.test", "Short", "short")
		o3 := receive1(t, d, whole)
		if o3.Kind != domain.OutcomeTicket || len(originals(t, d, s, o3.TicketID)) != 0 {
			t.Errorf("a whole mail: outcome %+v, original.eml kept", o3)
		}
		if list, _ := s.ListAttachments(ctx, o3.TicketID); len(list) != 0 {
			t.Errorf("a whole mail: attachments %+v", list)
		}
	})
}

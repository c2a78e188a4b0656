package domain_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/outbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// filesDesk is a Desk that renders mail with the real composer (held: no
// relay), with mails of at most maxMessage bytes.
func filesDesk(t *testing.T, s *storage.Store, maxMessage int64) *domain.Desk {
	t.Helper()
	c, err := outbox.NewComposer(outbox.ComposerConfig{From: "help@company.test", FromName: "IT", HelpdeskAddress: "help@company.test",
		BaseURL: "https://help.company.test"})
	if err != nil {
		t.Fatal(err)
	}
	return domain.NewDesk(s, fixedClock{}, storagetest.Logger(t), domain.WithComposer(c, false), domain.WithMaxMessageBytes(maxMessage))
}

// mailFiles reads the files of a rendered mail back, by name, as mail-in
// reads a mail.
func mailFiles(t *testing.T, raw []byte) map[string][]byte {
	t.Helper()
	in, err := inbox.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, a := range in.Attachments {
		files[a.Name] = a.Content
	}
	return files
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestCommentWithFiles(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := filesDesk(t, s, 300<<10)
		limit := d.MaxCommentFileBytes()
		if want := domain.CommentFileBytes(300 << 10); limit != want || limit < 150<<10 || limit > 200<<10 {
			t.Fatalf("limit %d for mails of 300 KiB", limit)
		}
		root := mustUser(t, s, "root@company.test", domain.RoleAdmin)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "VPN broken", Body: "help", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		state := func() string {
			td, err := d.Ticket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			ms, err := d.Outbox(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%d events, %d attachments, %d mails", len(td.Events), len(td.Attachments), len(ms))
		}
		before := state()

		// Refused: nothing changes.
		for name, in := range map[string]domain.PortalComment{
			"too large": {Text: "here", Files: []domain.NewAttachment{
				{Name: "a.bin", Content: randomBytes(int(limit) - 10)}, {Name: "b.bin", Content: randomBytes(11)}}},
			"program by name": {Text: "here", Files: []domain.NewAttachment{{Name: "Setup.EXE. ", Content: []byte("MZ")}}},
			"program by type": {Text: "here", Files: []domain.NewAttachment{{Name: "tool", ContentType: "application/x-msdownload", Content: []byte("MZ")}}},
			"script":          {Text: "here", Files: []domain.NewAttachment{{Name: `C:\fix\fix.ps1`, Content: []byte("rm")}}},
			"too many":        {Text: "here", Files: make([]domain.NewAttachment, domain.MaxCommentFiles+1)},
			"no text":         {Text: "  ", Files: []domain.NewAttachment{{Name: "a.txt", Content: []byte("a")}}},
		} {
			err := d.CommentWithFilesAs(ctx, root, tk.ID, in)
			if !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
			if errors.Is(err, domain.ErrTooLarge) != (name == "too large") {
				t.Errorf("%s: %v: ErrTooLarge is %v", name, err, errors.Is(err, domain.ErrTooLarge))
			}
			if got := state(); got != before {
				t.Errorf("%s changed the ticket: %s, was %s", name, got, before)
			}
		}
		// Someone who may not see the ticket: not found, whatever the files.
		eve := mustUser(t, s, "eve@company.test", domain.RoleEmployee)
		if err := d.CommentWithFilesAs(ctx, eve, tk.ID, domain.PortalComment{Text: "x",
			Files: []domain.NewAttachment{{Name: "x.exe"}}}); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("stranger: %v, want ErrNotFound", err)
		}

		// At the limit: stored on the ticket and carried by the mail.
		big := randomBytes(int(limit) - 100)
		files := []domain.NewAttachment{
			{Name: "réseau vpn.conf", ContentType: "text/plain; charset=utf-8", Content: []byte("remote vpn.company.test\n")},
			{Name: "../../etc/screenshot.png", ContentType: "image/png", Content: big[:len(big)-50]},
			{Name: "empty", ContentType: "", Content: []byte{}},
		}
		if err := d.CommentWithFilesAs(ctx, root, tk.ID, domain.PortalComment{Text: "Use this config.", Files: files}); err != nil {
			t.Fatal(err)
		}
		td, err := d.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := td.Events[len(td.Events)-1]; last.Kind != domain.EventCommented || last.Detail != "Use this config." {
			t.Errorf("last event %+v", last)
		}
		want := map[string][]byte{"réseau vpn.conf": files[0].Content, "screenshot.png": files[1].Content, "empty": {}}
		wantType := map[string]string{"réseau vpn.conf": "text/plain", "screenshot.png": "image/png", "empty": "application/octet-stream"}
		if len(td.Attachments) != 3 {
			t.Fatalf("attachments %+v", td.Attachments)
		}
		for _, a := range td.Attachments {
			got, err := readAttachment(t, s, a.ID)
			if err != nil || !bytes.Equal(got.Content, want[a.Name]) || a.ContentType != wantType[a.Name] {
				t.Errorf("attachment %q (%s): %d bytes, %v", a.Name, a.ContentType, len(got.Content), err)
			}
		}
		ms, err := d.Outbox(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		var comment *domain.OutboxMessage
		for i := range ms {
			if ms[i].Kind == string(domain.MailComment) {
				comment = &ms[i]
			}
		}
		if comment == nil || comment.To != "ann@company.test" {
			t.Fatalf("no comment mail to the requester: %+v", ms)
		}
		m, err := d.OutboxMessage(ctx, comment.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := int64(len(m.Raw)); n > 300<<10 {
			t.Errorf("the mail is %d bytes, over MAX_MESSAGE_BYTES", n)
		}
		got := mailFiles(t, m.Raw)
		for name, b := range want {
			if !bytes.Equal(got[name], b) {
				t.Errorf("the mail carries %q with %d bytes, want %d", name, len(got[name]), len(b))
			}
		}
		if !strings.Contains(string(m.Raw), "Use this config.") {
			t.Error("the mail lacks the comment")
		}
		// What is stored is what a retry sends: the row reads back the same.
		again, err := d.OutboxMessage(ctx, comment.ID)
		if err != nil || !bytes.Equal(again.Raw, m.Raw) {
			t.Errorf("the row reads back differently (%v)", err)
		}
	})
}

// The files of a comment go to whoever the comment goes to: the
// requester's to the assignee; none to nobody while nobody has it.
func TestCommentWithFilesNoRecipient(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := filesDesk(t, s, 300<<10)
		ann := mustUser(t, s, "ann@company.test", domain.RoleEmployee)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "VPN broken", Body: "help", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.CommentWithFilesAs(ctx, ann, tk.ID, domain.PortalComment{Text: "the log",
			Files: []domain.NewAttachment{{Name: "vpn.log", Content: []byte("error 809")}}}); err != nil {
			t.Fatal(err)
		}
		td, _ := d.Ticket(ctx, tk.ID)
		if len(td.Attachments) != 1 || td.Attachments[0].Name != "vpn.log" {
			t.Errorf("attachments %+v", td.Attachments)
		}
		ms, _ := d.Outbox(ctx, "", 0)
		for _, m := range ms {
			if m.Kind == string(domain.MailComment) {
				t.Errorf("a comment mail on a ticket nobody has: %+v", m)
			}
		}
	})
}

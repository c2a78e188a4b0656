package storage_test

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestMailboxesVersion: the summary a running serve polls changes with
// every create, change, enable/disable and delete of a mailbox, and not
// with what the pollers write (state, tokens' lease) nor by itself.
func TestMailboxesVersion(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		version := func() domain.MailboxesVersion {
			t.Helper()
			v, err := s.MailboxesVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if v := version(); v != (domain.MailboxesVersion{}) {
			t.Fatalf("MailboxesVersion of no mailbox = %+v, want zero", v)
		}
		t0 := time.Date(2026, 12, 7, 9, 0, 0, 123456000, time.UTC)
		help := oauthMailbox("help@company.test")
		help.CreatedAt, help.UpdatedAt = t0, t0
		if err := s.CreateMailbox(ctx, &help); err != nil {
			t.Fatal(err)
		}
		hr := domain.Mailbox{Address: "hr@company.test", Auth: domain.AuthPassword, IMAPURL: "imap://hr@mail.company.test/INBOX?tls=none", Enabled: true,
			IMAPPassword: domain.SecretRef{Env: "HR_IMAP_PASSWORD"}, CreatedAt: t0.Add(time.Second), UpdatedAt: t0.Add(time.Second)}
		if err := s.CreateMailbox(ctx, &hr); err != nil {
			t.Fatal(err)
		}
		v1 := version()
		if want := (domain.MailboxesVersion{Count: 2, MaxID: hr.ID, LastUpdate: t0.Add(time.Second)}); v1 != want {
			t.Fatalf("MailboxesVersion = %+v, want %+v", v1, want)
		}
		if v := version(); v != v1 {
			t.Errorf("MailboxesVersion changed by itself: %+v, then %+v", v1, v)
		}

		// What the pollers write is not a change of the table's settings.
		if err := s.SetMailboxState(ctx, hr.ID, domain.MailboxError, "log in failed", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimMailboxReauthNotice(ctx, help.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if v := version(); v != v1 {
			t.Errorf("MailboxesVersion after a state change = %+v, want %+v unchanged", v, v1)
		}

		// A change of an older row's settings, disabling it, deleting one.
		help.IMAPURL, help.UpdatedAt = "imaps://help@outlook.office365.com/Helpdesk", t0.Add(2*time.Second)
		if err := s.UpdateMailbox(ctx, &help); err != nil {
			t.Fatal(err)
		}
		v2 := version()
		if v2 == v1 || v2.LastUpdate != t0.Add(2*time.Second) {
			t.Errorf("MailboxesVersion after an update = %+v (before %+v)", v2, v1)
		}
		hr.Enabled, hr.UpdatedAt = false, t0.Add(3*time.Second)
		if err := s.UpdateMailbox(ctx, &hr); err != nil {
			t.Fatal(err)
		}
		v3 := version()
		if v3 == v2 {
			t.Errorf("MailboxesVersion unchanged by disabling a mailbox: %+v", v3)
		}
		if err := s.DeleteMailbox(ctx, help.ID); err != nil {
			t.Fatal(err)
		}
		v4 := version()
		if want := (domain.MailboxesVersion{Count: 1, MaxID: hr.ID, LastUpdate: t0.Add(3 * time.Second)}); v4 != want {
			t.Errorf("MailboxesVersion after a delete = %+v, want %+v", v4, want)
		}
		// A new row in place of a deleted one, with an older clock: its id
		// still tells.
		if err := s.DeleteMailbox(ctx, hr.ID); err != nil {
			t.Fatal(err)
		}
		again := domain.Mailbox{Address: "hr@company.test", Auth: domain.AuthPassword, Enabled: true, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateMailbox(ctx, &again); err != nil {
			t.Fatal(err)
		}
		if v := version(); v == v4 || v.MaxID != again.ID {
			t.Errorf("MailboxesVersion after delete and create = %+v (before %+v)", v, v4)
		}
	})
}

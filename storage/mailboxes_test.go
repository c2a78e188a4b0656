package storage_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func oauthMailbox(addr string) domain.Mailbox {
	return domain.Mailbox{Address: addr, Name: "IT Help", IMAPURL: "imaps://" + addr + "@outlook.office365.com/INBOX",
		SMTPURL: "smtp://smtp.office365.com:587", Auth: domain.AuthOAuth2, Enabled: true,
		OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderMicrosoft365, Grant: domain.GrantDelegated, Tenant: "contoso.onmicrosoft.com",
			ClientID: "11111111-2222-3333-4444-555555555555", ClientSecret: domain.SecretRef{File: "/run/secrets/help_client_secret"},
			Scopes: []string{"offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All"}, Mechanism: "XOAUTH2"}}
}

func TestMailboxCRUD(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		cat := &domain.Category{Name: "HR", CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateCategory(ctx, cat); err != nil {
			t.Fatal(err)
		}
		help := oauthMailbox("help@company.test")
		help.CreatedAt, help.UpdatedAt = t0, t0
		if err := help.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateMailbox(ctx, &help); err != nil {
			t.Fatal(err)
		}
		hr := domain.Mailbox{Address: "hr@company.test", IMAPURL: "imap://hr@mail.company.test/INBOX?tls=none",
			IMAPPassword: domain.SecretRef{Env: "HR_IMAP_PASSWORD"}, DefaultCategoryID: &cat.ID, Enabled: false, CreatedAt: t0, UpdatedAt: t0}
		if err := hr.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateMailbox(ctx, &hr); err != nil {
			t.Fatal(err)
		}
		dup := oauthMailbox("HELP@company.test")
		dup.CreatedAt, dup.UpdatedAt = t0, t0
		if err := s.CreateMailbox(ctx, &dup); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("CreateMailbox(same address, other case) = %v, want ErrConflict", err)
		}

		got, err := s.GetMailboxByAddress(ctx, "Help@Company.test")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*got, help) {
			t.Errorf("GetMailboxByAddress =\n%+v\nwant\n%+v", *got, help)
		}
		all, err := s.ListMailboxes(ctx)
		if err != nil || len(all) != 2 || all[0].Address != "help@company.test" || !reflect.DeepEqual(all[1], hr) {
			t.Errorf("ListMailboxes = %+v, %v; want help@ then hr@ as created", all, err)
		}

		// State: the time says since when; an unchanged state keeps it.
		t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
		if err := s.SetMailboxState(ctx, help.ID, domain.MailboxError, "connection refused", t1); err != nil {
			t.Fatal(err)
		}
		if err := s.SetMailboxState(ctx, help.ID, domain.MailboxError, "connection refused", t2); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetMailboxByAddress(ctx, help.Address)
		if got.State != domain.MailboxError || got.LastError != "connection refused" || !got.StateAt.Equal(t1) {
			t.Errorf("after the same error twice: %s %q at %v; want error since %v", got.State, got.LastError, got.StateAt, t1)
		}
		if err := s.SetMailboxState(ctx, help.ID, domain.MailboxOK, "", t2); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetMailboxByAddress(ctx, help.Address)
		if got.State != domain.MailboxOK || got.LastError != "" || !got.StateAt.Equal(t2) {
			t.Errorf("after recovery: %s %q at %v; want ok since %v", got.State, got.LastError, got.StateAt, t2)
		}
		if err := s.SetMailboxState(ctx, help.ID, "broken", "", t2); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("SetMailboxState(broken) = %v, want ErrInvalid", err)
		}

		// An update writes the settings, not the state.
		got.Name, got.Enabled, got.State = "Service Desk", false, domain.MailboxNew
		got.OAuth2.Scopes = nil
		if err := s.UpdateMailbox(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := s.GetMailboxByAddress(ctx, help.Address)
		if again.Name != "Service Desk" || again.Enabled || again.OAuth2.Scopes != nil || again.State != domain.MailboxOK {
			t.Errorf("after UpdateMailbox: %+v", again)
		}

		// The default category goes when its category does.
		if err := s.DeleteCategory(ctx, cat.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetMailboxByAddress(ctx, hr.Address); got.DefaultCategoryID != nil {
			t.Errorf("default category %d left after its category was deleted", *got.DefaultCategoryID)
		}

		if err := s.DeleteMailbox(ctx, hr.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetMailboxByAddress(ctx, hr.Address); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("after DeleteMailbox: %v, want ErrNotFound", err)
		}
		if err := s.DeleteMailbox(ctx, hr.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("DeleteMailbox twice = %v, want ErrNotFound", err)
		}
	})
}

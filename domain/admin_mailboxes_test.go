package domain_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestAdminMailboxes: admins add, change, disable and delete mailboxes
// through the desk; settings go through Mailbox.Normalize, each problem
// keyed by its form field; a taken address is refused; others may not;
// the audit lines name the mailbox and the admin and nothing secret.
func TestAdminMailboxes(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		var logs bytes.Buffer
		d := domain.NewDesk(s, fixedClock{}, slog.New(slog.NewTextHandler(&logs, nil)))
		hr, err := d.SaveCategory(ctx, admin, domain.Category{Name: "HR"})
		if err != nil {
			t.Fatal(err)
		}
		m := domain.Mailbox{Address: " HR@Company.test ", Name: "HR", IMAPURL: "imaps://hr@mail.company.test/INBOX",
			IMAPPassword: domain.SecretRef{Env: "HR_PASSWORD"}, DefaultCategoryID: &hr.ID, Enabled: true}
		if _, err := d.CreateMailbox(ctx, domain.Actor{Email: "ann@company.test"}, m); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("CreateMailbox by a non-admin: %v, want ErrForbidden", err)
		}
		got, err := d.CreateMailbox(ctx, admin, m)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == 0 || got.Address != "hr@company.test" || got.State != domain.MailboxNew || got.Auth != domain.AuthPassword {
			t.Errorf("CreateMailbox = %+v", got)
		}
		again := m
		again.Address = "hr@company.test"
		_, err = d.CreateMailbox(ctx, admin, again)
		var fe domain.FieldErrors
		if !errors.As(err, &fe) || !strings.Contains(fe["address"], "Another mailbox") || !errors.Is(err, domain.ErrConflict) {
			t.Errorf("CreateMailbox of a taken address: %v, want a FieldErrors on address", err)
		}

		for _, tc := range []struct {
			name  string
			m     domain.Mailbox
			field string
			want  string
		}{
			{"no password", domain.Mailbox{Address: "x@company.test", IMAPURL: "imaps://x@mail.test/INBOX"}, "imap_password", "needs a password"},
			{"password in URL", domain.Mailbox{Address: "x@company.test", IMAPURL: "imaps://x:hunter2@mail.test/INBOX",
				IMAPPassword: domain.SecretRef{Env: "X"}}, "imap_url", "Holds a password"},
			{"bad address", domain.Mailbox{Address: "nobody"}, "address", ""},
			{"no grant", domain.Mailbox{Address: "x@company.test", Auth: domain.AuthOAuth2,
				OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderGeneric, ClientID: "c"}}, "grant", "Missing"},
			{"no token URL", domain.Mailbox{Address: "x@company.test", Auth: domain.AuthOAuth2,
				OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderGeneric, Grant: domain.GrantDelegated, ClientID: "c"}}, "token_url", "Missing"},
			{"bad env name", domain.Mailbox{Address: "x@company.test", IMAPURL: "imaps://x@mail.test/INBOX",
				IMAPPassword: domain.SecretRef{Env: "not a name"}}, "imap_password", "environment variable"},
			{"gone category", domain.Mailbox{Address: "x@company.test", DefaultCategoryID: new(int64(hr.ID + 99))}, "default_category", "no longer exists"},
		} {
			_, err := d.CreateMailbox(ctx, admin, tc.m)
			var fe domain.FieldErrors
			if !errors.As(err, &fe) || !strings.Contains(fe[tc.field], tc.want) || fe[tc.field] == "" {
				t.Errorf("%s: CreateMailbox: %v, want a message on %s with %q", tc.name, err, tc.field, tc.want)
			}
		}

		// A change keeps the address, the state and the ID.
		if err := s.SetMailboxState(ctx, got.ID, domain.MailboxError, "boom", t0); err != nil {
			t.Fatal(err)
		}
		change := domain.Mailbox{Address: "other@company.test", Name: "Human Resources", IMAPURL: "imaps://hr@mail.company.test/INBOX",
			IMAPPassword: domain.SecretRef{File: "/run/secrets/hr"}, Enabled: true}
		if _, err := d.UpdateMailbox(ctx, admin, "hr@company.test", change); err != nil {
			t.Fatal(err)
		}
		cur, err := s.GetMailboxByAddress(ctx, "hr@company.test")
		if err != nil {
			t.Fatal(err)
		}
		if cur.ID != got.ID || cur.Name != "Human Resources" || cur.IMAPPassword.File != "/run/secrets/hr" || cur.IMAPPassword.Env != "" ||
			cur.DefaultCategoryID != nil || cur.State != domain.MailboxError || cur.LastError != "boom" {
			t.Errorf("after UpdateMailbox: %+v", cur)
		}
		change.IMAPPassword = domain.SecretRef{}
		if _, err := d.UpdateMailbox(ctx, admin, "hr@company.test", change); !errors.As(err, &fe) || fe["imap_password"] == "" {
			t.Errorf("UpdateMailbox without a password: %v", err)
		}
		if _, err := d.UpdateMailbox(ctx, admin, "nobody@company.test", change); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("UpdateMailbox of an unknown mailbox: %v", err)
		}

		if err := d.SetMailboxEnabled(ctx, admin, "HR@company.test", false); err != nil {
			t.Fatal(err)
		}
		if cur, _ := s.GetMailboxByAddress(ctx, "hr@company.test"); cur.Enabled {
			t.Error("SetMailboxEnabled(false) left it enabled")
		}
		if err := s.SetMailboxState(ctx, got.ID, domain.MailboxNeedsReauthorization, "invalid_grant", t0); err != nil {
			t.Fatal(err)
		}
		if got, err := d.MailboxesNeedingReauthorization(ctx); err != nil || len(got) != 0 {
			t.Errorf("MailboxesNeedingReauthorization with it disabled = %v, %v; want none", got, err)
		}
		if err := d.SetMailboxEnabled(ctx, admin, "hr@company.test", true); err != nil {
			t.Fatal(err)
		}
		if got, err := d.MailboxesNeedingReauthorization(ctx); err != nil || len(got) != 1 || got[0] != "hr@company.test" {
			t.Errorf("MailboxesNeedingReauthorization = %v, %v", got, err)
		}
		if err := d.MailboxConnected(ctx, admin, "hr@company.test"); err != nil {
			t.Fatal(err)
		}
		if cur, _ := s.GetMailboxByAddress(ctx, "hr@company.test"); cur.State != domain.MailboxNew || cur.LastError != "" {
			t.Errorf("after MailboxConnected: state %s, error %q", cur.State, cur.LastError)
		}
		if err := d.SetMailboxEnabled(ctx, domain.Actor{Email: "ann@company.test"}, "hr@company.test", false); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("SetMailboxEnabled by a non-admin: %v", err)
		}
		if err := d.DeleteMailbox(ctx, domain.Actor{Email: "ann@company.test"}, "hr@company.test"); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("DeleteMailbox by a non-admin: %v", err)
		}
		if err := d.DeleteMailbox(ctx, admin, "hr@company.test"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetMailboxByAddress(ctx, "hr@company.test"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("after DeleteMailbox: %v", err)
		}
		if err := d.DeleteMailbox(ctx, admin, "hr@company.test"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("DeleteMailbox twice: %v", err)
		}

		out := logs.String()
		for _, want := range []string{"mailbox created", "mailbox changed", "mailbox disabled", "mailbox enabled", "mailbox connected", "mailbox deleted", "by=root@x.test"} {
			if !strings.Contains(out, want) {
				t.Errorf("the log lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "hunter2") {
			t.Error("the log shows a password")
		}
	})
}

// TestMailboxChangesRouteAtOnce: the Desk's copy of the mailboxes (kept
// up to 15 s for intake's sake) is dropped by the Desk's own changes, so
// a mailbox an admin adds, disables or deletes on the page is routed by
// the receivers of the same process at once.
func TestMailboxChangesRouteAtOnce(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := domain.NewDesk(s, fixedClock{}, storagetest.Logger(t),
			domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test"}))
		routed := func() bool {
			t.Helper()
			_, ok, err := d.RecipientMailbox(ctx, "facilities@company.test")
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if routed() { // the copy is now read, and holds no such mailbox
			t.Fatal("facilities@ is routed before it exists")
		}
		m := domain.Mailbox{Address: "facilities@company.test", Enabled: true}
		if _, err := d.CreateMailbox(ctx, admin, m); err != nil {
			t.Fatal(err)
		}
		if !routed() {
			t.Error("a mailbox just created is not routed")
		}
		if err := d.SetMailboxEnabled(ctx, admin, "facilities@company.test", false); err != nil {
			t.Fatal(err)
		}
		if routed() {
			t.Error("a mailbox just disabled is still routed")
		}
		if err := d.SetMailboxEnabled(ctx, admin, "facilities@company.test", true); err != nil {
			t.Fatal(err)
		}
		if err := d.DeleteMailbox(ctx, admin, "facilities@company.test"); err != nil {
			t.Fatal(err)
		}
		if routed() {
			t.Error("a mailbox just deleted is still routed")
		}
	})
}

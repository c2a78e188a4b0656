package storage_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// mailboxesSetup is a setup file with two mailboxes: help@ on Microsoft
// 365 (delegated OAuth2) and hr@ with a password, skipping classification
// into HR.
const mailboxesSetup = `{
 "categories": [{"name": "HR", "description": "", "keywords": [], "approval_levels": []}],
 "mailboxes": [
  {"address": "help@company.test", "name": "IT Help", "imap_url": "imaps://help@company.test@outlook.office365.com/INBOX",
   "smtp_url": "smtp://help@company.test@smtp.office365.com:587", "auth": "oauth2",
   "oauth2": {"provider": "microsoft365", "grant": "delegated", "tenant": "contoso.onmicrosoft.com",
              "client_id": "11111111-2222-3333-4444-555555555555", "client_secret_env": "HELP_CLIENT_SECRET",
              "scopes": ["offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send"]},
   "enabled": true},
  {"address": "hr@company.test", "imap_url": "imaps://hr@mail.company.test/INBOX", "smtp_url": "smtps://hr@mail.company.test",
   "auth": "password", "imap_password_file": "/run/secrets/hr_password", "smtp_password_file": "/run/secrets/hr_password",
   "default_category": "HR", "enabled": false}
 ]
}`

func TestSetupMailboxesApplyExport(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		apply := func(file string, prune bool) *domain.SetupReport {
			t.Helper()
			f, err := domain.ParseSetup([]byte(file))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := d.ApplySetup(ctx, f, prune)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		if rep := apply(mailboxesSetup, false); rep.Created != 3 {
			t.Errorf("first apply: %+v, want 3 created", rep)
		}
		hr, err := s.GetMailboxByAddress(ctx, "hr@company.test")
		if err != nil {
			t.Fatal(err)
		}
		cat, _ := s.GetCategoryByName(ctx, "HR")
		if hr.DefaultCategoryID == nil || *hr.DefaultCategoryID != cat.ID || hr.Enabled || hr.IMAPPassword.File != "/run/secrets/hr_password" {
			t.Errorf("hr@ = %+v", hr)
		}

		// The poller's state is not the file's business: a re-apply keeps
		// it and changes nothing.
		help, _ := s.GetMailboxByAddress(ctx, "help@company.test")
		if err := s.SetMailboxState(ctx, help.ID, domain.MailboxNeedsReauthorization, "invalid_grant", help.CreatedAt); err != nil {
			t.Fatal(err)
		}
		out, err := d.ExportSetup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		json.Unmarshal([]byte(mailboxesSetup), &want)
		if got := jsonValue(t, out); !reflect.DeepEqual(got.(map[string]any)["mailboxes"], want.(map[string]any)["mailboxes"]) {
			t.Errorf("export = %v\nwant %v", got, want)
		}
		if rep := apply(mailboxesSetup, true); rep.Unchanged != 3 || rep.Created+rep.Changed+rep.Pruned != 0 {
			t.Errorf("re-apply: %+v, want 3 unchanged", rep)
		}
		if got, _ := s.GetMailboxByAddress(ctx, "help@company.test"); got.State != domain.MailboxNeedsReauthorization {
			t.Errorf("re-apply reset the state to %s", got.State)
		}

		// A change by address; --prune removes the mailbox left out.
		changed := strings.Replace(strings.Replace(mailboxesSetup, `"name": "IT Help"`, `"name": "Service Desk"`, 1),
			`"default_category": "HR", `, "", 1)
		f, _ := domain.ParseSetup([]byte(changed))
		f.Mailboxes = f.Mailboxes[:1]
		rep, err := d.ApplySetup(ctx, f, true)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Changed != 1 || rep.Pruned != 1 || !strings.Contains(strings.Join(rep.Lines, "\n"), "mailbox hr@company.test: removed") {
			t.Errorf("apply with prune: %+v", rep)
		}
		all, _ := s.ListMailboxes(ctx)
		if len(all) != 1 || all[0].Name != "Service Desk" || all[0].State != domain.MailboxNeedsReauthorization {
			t.Errorf("after prune: %+v", all)
		}

		// A default category that does not exist is an error naming it,
		// and nothing changes.
		bad, _ := domain.ParseSetup([]byte(`{"mailboxes": [{"address": "new@company.test", "default_category": "Facilities"}]}`))
		if _, err := d.ApplySetup(ctx, bad, false); err == nil || !strings.Contains(err.Error(), `no category named "Facilities"`) {
			t.Errorf("unknown default category: %v", err)
		}
		if _, err := s.GetMailboxByAddress(ctx, "new@company.test"); err == nil {
			t.Error("a failed apply created a mailbox")
		}
	})
}

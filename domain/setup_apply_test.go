package domain_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// designExample is docs/design.md's example setup file.
var designExample = mustRead("testdata/design_setup.json")

func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestSetupApplyExportRoundTrip(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		f, err := domain.ParseSetup([]byte(designExample))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := d.ApplySetup(ctx, f, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 3 || rep.Changed != 0 {
			t.Errorf("first apply: %+v, want 3 created", rep)
		}
		out, err := d.ExportSetup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		json.Unmarshal([]byte(designExample), &want)
		if got := jsonValue(t, out); !reflect.DeepEqual(got, want) {
			t.Errorf("export = %v\nwant %v", got, want)
		}
		v1, _ := s.CategoriesVersion(ctx)
		rep2, err := d.ApplySetup(ctx, f, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep2.Created+rep2.Changed+rep2.Pruned != 0 || rep2.Unchanged != 3 {
			t.Errorf("second apply: %+v, want 3 unchanged", rep2)
		}
		if v2, _ := s.CategoriesVersion(ctx); v2 != v1 {
			t.Errorf("second apply wrote categories (version %d → %d)", v1, v2)
		}
	})
}

func TestSetupApplyUpdatesAndPrunes(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		if _, err := d.EnsureFirstAdmin(ctx, "admin@localhost"); err != nil {
			t.Fatal(err)
		}
		apply := func(file string, prune bool) (*domain.SetupReport, error) {
			f, err := domain.ParseSetup([]byte(file))
			if err != nil {
				t.Fatal(err)
			}
			return d.ApplySetup(ctx, f, prune)
		}
		if _, err := apply(designExample, false); err != nil {
			t.Fatal(err)
		}
		// A team member whose user does not exist becomes an agent without
		// a password; levels are replaced as a whole; Network is new.
		next := `{"categories": [
		  {"name": "Hardware Request", "approval_levels": [{"rule": "any", "approvers": ["cio@company.test"]}]},
		  {"name": "Network"}],
		 "team_members": [{"email": "carol@company.test", "categories": ["network", "Hardware Request"], "available": false}]}`
		rep, err := apply(next, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Changed != 1 || rep.Created != 3 {
			t.Errorf("report = %+v\n%s", rep, strings.Join(rep.Lines, "\n"))
		}
		hw, _ := s.GetCategoryByName(ctx, "Hardware Request")
		if len(hw.ApprovalLevels) != 1 || hw.ApprovalLevels[0].Rule != domain.RuleAny || hw.Description != "" {
			t.Errorf("Hardware Request = %+v", hw)
		}
		carol, err := s.GetUserByEmail(ctx, "carol@company.test")
		if err != nil || carol.Role != domain.RoleAgent || carol.PasswordHash != "" {
			t.Fatalf("carol = %+v, %v", carol, err)
		}
		cm, _ := s.GetTeamMemberByUser(ctx, carol.ID)
		if cm.Available || cm.AwayUntil != nil || len(cm.CategoryIDs) != 2 {
			t.Errorf("carol's membership = %+v; want away until changed, 2 categories", cm)
		}
		// Bob is left alone without --prune ...
		bob, _ := s.GetUserByEmail(ctx, "bob@company.test")
		if _, err := s.GetTeamMemberByUser(ctx, bob.ID); err != nil {
			t.Fatalf("bob's membership gone without prune: %v", err)
		}
		// ... and pruned with it: membership removed, user disabled; a
		// category with tickets cannot be pruned.
		tk, _ := d.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "ann@company.test"})
		tk.CategoryID = hw.ID
		if err := s.UpdateTicket(ctx, tk, tk.Status); err != nil {
			t.Fatal(err)
		}
		onlyNetwork := `{"categories": [{"name": "Network"}], "users": [{"email": "admin@localhost", "name": "Administrator", "role": "admin"}]}`
		if _, err := apply(onlyNetwork, true); err == nil || !strings.Contains(err.Error(), "tickets use it") {
			t.Fatalf("prune of a category in use = %v, want refusal", err)
		}
		if _, err := s.GetTeamMemberByUser(ctx, bob.ID); err != nil {
			t.Fatalf("refused apply changed something: %v", err)
		}
		withHW := `{"categories": [{"name": "Network"}, {"name": "Hardware Request", "approval_levels": [{"rule": "any", "approvers": ["cio@company.test"]}]}],
		  "users": [{"email": "admin@localhost", "name": "Administrator", "role": "admin"}]}`
		rep, err = apply(withHW, true)
		if err != nil {
			t.Fatal(err)
		}
		bob, _ = s.GetUserByEmail(ctx, "bob@company.test")
		if _, err := s.GetTeamMemberByUser(ctx, bob.ID); !errors.Is(err, domain.ErrNotFound) || !bob.Disabled {
			t.Errorf("after prune: bob disabled=%v membership err=%v\n%s", bob.Disabled, err, strings.Join(rep.Lines, "\n"))
		}
		if a, _ := s.GetUserByEmail(ctx, "admin@localhost"); a.Disabled {
			t.Error("prune disabled the admin named in the file")
		}
		// Never leave the helpdesk without an admin.
		if _, err := apply(`{"users": [{"email": "admin@localhost", "role": "agent"}]}`, false); err == nil || !strings.Contains(err.Error(), "no enabled admin") {
			t.Errorf("demoting the last admin = %v, want refusal", err)
		}
	})
}

func TestSetupApplyInvalidChangesNothing(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		file := "{\"categories\": [{\"name\": \"New One\"}],\n \"team_members\": [\n  {\"email\": \"bob@x.test\", \"categories\": [\"Nope\"]}]}"
		f, err := domain.ParseSetup([]byte(file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.ApplySetup(ctx, f, false)
		var se *domain.SetupError
		if !errors.As(err, &se) || se.Line != 3 || !strings.Contains(err.Error(), `"Nope"`) {
			t.Fatalf("ApplySetup = %v, want a SetupError at line 3 naming the category", err)
		}
		cats, _ := s.ListCategories(ctx)
		if n, _ := s.CountUsers(ctx); len(cats) != 0 || n != 0 {
			t.Fatalf("invalid apply left %d categories and %d users", len(cats), n)
		}
	})
}

func TestSetupDisablingRevokesSessions(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := portalDesk(t, s)
		userWithPassword(t, s, "hal@x.test", domain.RoleEmployee, "hal's password 1")
		userWithPassword(t, s, "ida@x.test", domain.RoleEmployee, "ida's password 1")
		signIn := func(email, pw string) string {
			t.Helper()
			_, tok, _, err := d.SignIn(ctx, domain.SignInRequest{Email: email, Password: pw})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		hal, ida := signIn("hal@x.test", "hal's password 1"), signIn("ida@x.test", "ida's password 1")
		f, err := domain.ParseSetup([]byte(`{"users": [{"email": "hal@x.test", "role": "employee", "disabled": true}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ApplySetup(ctx, f, false); err != nil {
			t.Fatal(err)
		}
		hid, _, _ := strings.Cut(hal, ".")
		if _, err := s.GetSession(ctx, hid); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a user disabled by setup apply keeps a session: %v", err)
		}
		// --prune disables ida, whom the file leaves out.
		if _, err := d.ApplySetup(ctx, f, true); err != nil {
			t.Fatal(err)
		}
		iid, _, _ := strings.Cut(ida, ".")
		if _, err := s.GetSession(ctx, iid); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a user disabled by --prune keeps a session: %v", err)
		}
	})
}

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

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/storage/storagetest"
)

// mailboxSetup has an OAuth2 mailbox whose client secret is in an
// environment variable, and a password mailbox whose password is in a file.
const mailboxSetup = `{"categories": [{"name": "HR", "description": "", "keywords": [], "approval_levels": []}],
 "mailboxes": [
  {"address": "help@company.test", "name": "IT Help", "imap_url": "imaps://help@company.test@outlook.office365.com/INBOX",
   "auth": "oauth2", "oauth2": {"provider": "microsoft365", "grant": "delegated", "tenant": "contoso.onmicrosoft.com",
   "client_id": "11111111-2222-3333-4444-555555555555", "client_secret_env": "HELP_CLIENT_SECRET"}},
  {"address": "hr@company.test", "imap_url": "imaps://hr@mail.company.test/INBOX", "imap_password_file": "PASSWORD_FILE",
   "default_category": "HR", "enabled": false}]}`

// TestMailboxListAndExportShowNoSecret: mailboxes from a setup file are
// listed; neither the list nor setup export shows a password, a client
// secret or a token, although the database holds the tokens (sealed) and
// the environment and a file hold the secrets.
func TestMailboxListAndExportShowNoSecret(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		const clientSecret, password = "client-secret-c0ffee", "hr-password-f00d"
		const accessToken, refreshToken = "access-token-beef", "refresh-token-cafe"
		pwFile := filepath.Join(t.TempDir(), "hr_password")
		if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"DATABASE_URL": db.URL, "HELP_CLIENT_SECRET": clientSecret}
		file := filepath.Join(t.TempDir(), "setup.json")
		os.WriteFile(file, []byte(strings.Replace(mailboxSetup, "PASSWORD_FILE", pwFile, 1)), 0o600)
		if out, errOut, code := runCLI(t, env, "", "setup", "apply", file); code != 0 || !strings.Contains(out, "mailbox help@company.test: created (oauth2 microsoft365 delegated)") {
			t.Fatalf("setup apply: %d %q %q", code, out, errOut)
		}

		// The database holds help@'s tokens, sealed, and a state.
		st := storagetest.Open(t, db.URL)
		help, err := st.GetMailboxByAddress(ctx, "help@company.test")
		if err != nil {
			t.Fatal(err)
		}
		sealer, err := mailauth.NewSealer([]byte("0123456789abcdef-secret-key"))
		if err != nil {
			t.Fatal(err)
		}
		tok := mailauth.StoredToken{AccessToken: accessToken, RefreshToken: refreshToken, Expiry: time.Now().Add(time.Hour)}
		if err := st.MailboxTokens(help, sealer).Save(ctx, mailauth.StoredToken{}, tok); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC)
		if err := st.SetMailboxState(ctx, help.ID, domain.MailboxNeedsReauthorization, "invalid_grant: consent revoked", at); err != nil {
			t.Fatal(err)
		}

		out, errOut, code := runCLI(t, env, "", "mailbox", "list")
		if code != 0 {
			t.Fatalf("mailbox list: %d %q", code, errOut)
		}
		t.Logf("mailbox list:\n%s", out)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "ADDRESS") ||
			!strings.Contains(lines[1], "help@company.test") || !strings.Contains(lines[1], "oauth2 microsoft365 delegated") ||
			!strings.Contains(lines[1], "needs_reauthorization") || !strings.Contains(lines[1], "2026-12-07 08:30") ||
			!strings.Contains(lines[1], "invalid_grant: consent revoked") ||
			!strings.Contains(lines[2], "hr@company.test") || !strings.Contains(lines[2], "password") || !strings.Contains(lines[2], " no ") {
			t.Errorf("mailbox list:\n%s", out)
		}
		jsonOut, _, code := runCLI(t, env, "", "mailbox", "list", "--json")
		var boxes []mailboxJSON
		if err := json.Unmarshal([]byte(jsonOut), &boxes); code != 0 || err != nil {
			t.Fatalf("mailbox list --json: %d %v\n%s", code, err, jsonOut)
		}
		if len(boxes) != 2 || boxes[0].State != "needs_reauthorization" || boxes[0].StateAt == nil || *boxes[0].StateAt != "2026-12-07T08:30:00Z" ||
			boxes[0].Grant != "delegated" || boxes[1].DefaultCategory == nil || *boxes[1].DefaultCategory != "HR" || boxes[1].Enabled || boxes[1].State != "new" {
			t.Errorf("mailbox list --json:\n%s", jsonOut)
		}

		exported, errOut, code := runCLI(t, env, "", "setup", "export")
		if code != 0 {
			t.Fatalf("setup export: %d %q", code, errOut)
		}
		if !strings.Contains(exported, `"client_secret_env": "HELP_CLIENT_SECRET"`) || !strings.Contains(exported, `"imap_password_file": "`+pwFile+`"`) {
			t.Errorf("export lacks the references:\n%s", exported)
		}
		for name, out := range map[string]string{"mailbox list": out, "mailbox list --json": jsonOut, "setup export": exported} {
			for _, secret := range []string{clientSecret, password, accessToken, refreshToken} {
				if strings.Contains(out, secret) {
					t.Errorf("%s shows a secret or token (%.8s…)", name, secret)
				}
			}
		}
		// The export applies back unchanged.
		if out, _, code := runCLI(t, env, exported, "setup", "apply", "-", "--prune"); code != 0 || !strings.Contains(out, "0 created, 0 changed, 3 unchanged, 0 pruned") {
			t.Errorf("re-apply of export: %d %q", code, out)
		}
	})
}

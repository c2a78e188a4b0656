package main

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/inbox"
	"ticketgate/storage/storagetest"
)

// TestMailboxIMAPConfig: the poller settings serve builds from a row: the
// password from the variable or file it names, in the URL (with the
// address as the user when the URL has none); an OAuth2 login of each
// provider and grant; and errors that name the setting and show no secret.
func TestMailboxIMAPConfig(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := storagetest.Open(t, filepath.Join(dir, "t.db"))
	pwFile, badKey := filepath.Join(dir, "pw"), filepath.Join(dir, "sa.json")
	os.WriteFile(pwFile, []byte("file-pw-1a2b\n"), 0o600)
	os.WriteFile(badKey, []byte(`{"private_key": "KEY-3c4d`), 0o600)
	env := envOf(map[string]string{"HR_PW": "env-pw-5e6f", "CLIENT_SECRET": "client-secret-7a8b"})
	sealer, err := mailauth.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := mailboxSecrets{lookupEnv: env, sealer: sealer, baseURL: "http://portal.test"}
	generic := func(grant domain.OAuth2Grant) domain.MailboxOAuth2 {
		return domain.MailboxOAuth2{Provider: domain.ProviderGeneric, Grant: grant, ClientID: "tg", TokenURL: "http://127.0.0.1:1/token",
			AuthURL: "http://127.0.0.1:1/authorize", ClientSecret: domain.SecretRef{Env: "CLIENT_SECRET"}}
	}
	secret := domain.SecretRef{Env: "CLIENT_SECRET"}
	for _, tc := range []struct {
		name     string
		m        domain.Mailbox
		noSealer bool
		user     string // want: the URL's user
		password string // want: the URL's password ("" for OAuth2)
		err      string // want: an error containing this
	}{
		{name: "password from env, user from address", m: domain.Mailbox{Address: "hr@company.test", IMAPURL: "imaps://mail.company.test/INBOX",
			Auth: domain.AuthPassword, IMAPPassword: domain.SecretRef{Env: "HR_PW"}}, user: "hr@company.test", password: "env-pw-5e6f"},
		{name: "password from file, user from URL", m: domain.Mailbox{Address: "hr@company.test", IMAPURL: "imap://hr-login@mail.company.test/HR?tls=none",
			Auth: domain.AuthPassword, IMAPPassword: domain.SecretRef{File: pwFile}}, user: "hr-login", password: "file-pw-1a2b"},
		{name: "unset variable", m: domain.Mailbox{Address: "hr@company.test", IMAPURL: "imaps://mail.company.test/INBOX",
			Auth: domain.AuthPassword, IMAPPassword: domain.SecretRef{Env: "NOPE"}}, err: "imap_password: the environment variable NOPE is not set"},
		{name: "missing file", m: domain.Mailbox{Address: "hr@company.test", IMAPURL: "imaps://mail.company.test/INBOX",
			Auth: domain.AuthPassword, IMAPPassword: domain.SecretRef{File: filepath.Join(dir, "none")}}, err: "imap_password: open "},
		{name: "generic app-only", m: domain.Mailbox{Address: "it@company.test", IMAPURL: "imaps://it@company.test@mail.company.test/INBOX",
			Auth: domain.AuthOAuth2, OAuth2: generic(domain.GrantAppOnly)}, user: "it@company.test"},
		{name: "generic delegated", m: domain.Mailbox{Address: "it@company.test", IMAPURL: "imaps://mail.company.test/INBOX",
			Auth: domain.AuthOAuth2, OAuth2: generic(domain.GrantDelegated)}, user: "it@company.test"},
		{name: "delegated without SECRET_KEY", noSealer: true, m: domain.Mailbox{Address: "it@company.test", IMAPURL: "imaps://mail.company.test/INBOX",
			Auth: domain.AuthOAuth2, OAuth2: generic(domain.GrantDelegated)}, err: "SECRET_KEY is not set"},
		{name: "client secret unset", m: domain.Mailbox{Address: "it@company.test", IMAPURL: "imaps://mail.company.test/INBOX",
			Auth: domain.AuthOAuth2, OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderGeneric, Grant: domain.GrantAppOnly, ClientID: "tg",
				TokenURL: "http://127.0.0.1:1/token", ClientSecret: domain.SecretRef{Env: "UNSET"}}}, err: "client_secret: the environment variable UNSET is not set"},
		{name: "microsoft365 app-only", m: domain.Mailbox{Address: "help@company.test", IMAPURL: "imaps://outlook.office365.com/INBOX",
			Auth: domain.AuthOAuth2, OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderMicrosoft365, Grant: domain.GrantAppOnly, Tenant: "contoso",
				ClientID: "tg", ClientSecret: secret}}, user: "help@company.test"},
		{name: "microsoft365 certificate missing", m: domain.Mailbox{Address: "help@company.test", IMAPURL: "imaps://outlook.office365.com/INBOX",
			Auth: domain.AuthOAuth2, OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderMicrosoft365, Grant: domain.GrantAppOnly, Tenant: "contoso",
				ClientID: "tg", CertificateFile: filepath.Join(dir, "none.pem")}}, err: "certificate_file: open "},
		{name: "microsoft365 delegated", m: domain.Mailbox{Address: "help@company.test", IMAPURL: "imaps://outlook.office365.com/INBOX",
			Auth: domain.AuthOAuth2, OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderMicrosoft365, Grant: domain.GrantDelegated, Tenant: "contoso",
				ClientID: "tg", ClientSecret: secret}}, user: "help@company.test"},
		{name: "google service account not JSON", m: domain.Mailbox{Address: "help@company.test", IMAPURL: "imaps://imap.gmail.com/INBOX",
			Auth: domain.AuthOAuth2, OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderGoogle, Grant: domain.GrantAppOnly, ServiceAccountFile: badKey}},
			err: "service_account_file: the Google service account key is not JSON"},
		{name: "google delegated", m: domain.Mailbox{Address: "help@company.test", IMAPURL: "imaps://imap.gmail.com/INBOX",
			Auth: domain.AuthOAuth2, OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderGoogle, Grant: domain.GrantDelegated, ClientID: "tg",
				ClientSecret: secret}}, user: "help@company.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := secrets
			if tc.noSealer {
				s.sealer = nil
			}
			cfg, err := s.imapConfig(&tc.m, st, inbox.IMAPConfig{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				for _, secret := range []string{"env-pw-5e6f", "file-pw-1a2b", "client-secret-7a8b", "KEY-3c4d"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q shows a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(cfg.URL)
			if err != nil {
				t.Fatal(err)
			}
			pw, _ := u.User.Password()
			if u.User.Username() != tc.user || pw != tc.password || cfg.Name != tc.m.Address {
				t.Errorf("URL user %q password %q name %q; want %q %q %q", u.User.Username(), pw, cfg.Name, tc.user, tc.password, tc.m.Address)
			}
			if (tc.m.Auth == domain.AuthOAuth2) != (cfg.SASL != nil) {
				t.Errorf("auth %s: SASL set %v", tc.m.Auth, cfg.SASL != nil)
			}
			if _, err := inbox.NewPoller(cfg, nil, nil, nil, nil, nil, nil); err != nil {
				t.Errorf("the poller refuses the settings: %v", err)
			}
		})
	}

	// A delegated mailbox never connected waits for an admin: its login
	// fails with ErrNeedsReauthorization before any request to the provider.
	m := domain.Mailbox{Address: "it@company.test", IMAPURL: "imaps://mail.company.test/INBOX", Auth: domain.AuthOAuth2,
		OAuth2: generic(domain.GrantDelegated), Enabled: true}
	if err := st.CreateMailbox(ctx, &m); err != nil {
		t.Fatal(err)
	}
	cfg, err := secrets.imapConfig(&m, st, inbox.IMAPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = cfg.SASL(ctx, func(string) bool { return true })
	if !errors.Is(err, mailauth.ErrNeedsReauthorization) || !errors.Is(err, mailauth.ErrNoToken) {
		t.Fatalf("login of a mailbox never connected: %v", err)
	}
	if status, msg := mailboxStatus(err); status != domain.MailboxNeedsReauthorization || !strings.Contains(msg, "connect it first") {
		t.Errorf("mailboxStatus = %s %q", status, msg)
	}
	if status, msg := mailboxStatus(errors.New("dial tcp: refused")); status != domain.MailboxError || msg != "dial tcp: refused" {
		t.Errorf("mailboxStatus = %s %q", status, msg)
	}
	if status, msg := mailboxStatus(nil); status != domain.MailboxOK || msg != "" {
		t.Errorf("mailboxStatus(nil) = %s %q", status, msg)
	}
}

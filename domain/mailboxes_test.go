package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestMailboxNormalize(t *testing.T) {
	m := Mailbox{Address: " Help <HELP@Company.test>", Name: "  IT   Help ", IMAPURL: " imaps://help@outlook.office365.com/INBOX",
		Auth: AuthOAuth2, OAuth2: MailboxOAuth2{Provider: ProviderMicrosoft365, Grant: GrantAppOnly, Tenant: " contoso.com ",
			ClientID: "abc", CertificateFile: "/etc/ticketgate/app.pem", Scopes: []string{" ", "x "}, Mechanism: "xoauth2"}}
	if err := m.Normalize(); err != nil {
		t.Fatal(err)
	}
	if m.Address != "help@company.test" || m.Name != "IT Help" || m.State != MailboxNew || m.OAuth2.Tenant != "contoso.com" ||
		m.OAuth2.Mechanism != "XOAUTH2" || len(m.OAuth2.Scopes) != 1 || m.OAuth2.Scopes[0] != "x" || m.IMAPURL[0] == ' ' {
		t.Errorf("Normalize gave %+v", m)
	}
	pw := Mailbox{Address: "hr@company.test", IMAPURL: "imap://hr@mail.test/INBOX?tls=none", IMAPPassword: SecretRef{Env: "HR_PASSWORD"}}
	if err := pw.Normalize(); err != nil || pw.Auth != AuthPassword {
		t.Errorf("password mailbox: %v, auth %q", err, pw.Auth)
	}
}

func TestMailboxNormalizeErrors(t *testing.T) {
	generic := func(o MailboxOAuth2) Mailbox {
		return Mailbox{Address: "help@company.test", Auth: AuthOAuth2, OAuth2: o}
	}
	ms365 := MailboxOAuth2{Provider: ProviderMicrosoft365, Grant: GrantAppOnly, Tenant: "t", ClientID: "c"}
	tests := []struct {
		name string
		m    Mailbox
		want string
	}{
		{"no address", Mailbox{}, "address"},
		{"password in the IMAP URL", Mailbox{Address: "a@x.test", IMAPURL: "imaps://a:hunter2@x.test/INBOX"}, "imap_url: holds a password"},
		{"password in the SMTP URL", Mailbox{Address: "a@x.test", SMTPURL: "smtp://a:hunter2@x.test"}, "smtp_url: holds a password"},
		{"IMAP scheme", Mailbox{Address: "a@x.test", IMAPURL: "pop3://x.test"}, `scheme "pop3"`},
		{"no IMAP host", Mailbox{Address: "a@x.test", IMAPURL: "imaps:///INBOX"}, "no host"},
		{"tls option", Mailbox{Address: "a@x.test", SMTPURL: "smtp://x.test?tls=maybe"}, "tls=maybe"},
		{"IMAP without password", Mailbox{Address: "a@x.test", IMAPURL: "imaps://a@x.test/INBOX"}, "imap_password_env or imap_password_file"},
		{"both env and file", Mailbox{Address: "a@x.test", IMAPURL: "imaps://a@x.test", IMAPPassword: SecretRef{Env: "A", File: "/a"}}, "not both"},
		{"bad env name", Mailbox{Address: "a@x.test", IMAPURL: "imaps://a@x.test", IMAPPassword: SecretRef{Env: "MY PASSWORD"}}, "environment variable"},
		{"unknown auth", Mailbox{Address: "a@x.test", Auth: "kerberos"}, `auth "kerberos"`},
		{"oauth2 settings with password auth", Mailbox{Address: "a@x.test", OAuth2: ms365}, "auth is password"},
		{"password with oauth2", Mailbox{Address: "a@x.test", Auth: AuthOAuth2, OAuth2: ms365, SMTPPassword: SecretRef{Env: "P"}}, "not used with auth oauth2"},
		{"no provider", generic(MailboxOAuth2{Grant: GrantDelegated}), "provider: missing"},
		{"unknown provider", generic(MailboxOAuth2{Provider: "yahoo", Grant: GrantDelegated}), `provider "yahoo"`},
		{"no grant", generic(MailboxOAuth2{Provider: ProviderGeneric}), "grant: missing"},
		{"unknown grant", generic(MailboxOAuth2{Provider: ProviderGeneric, Grant: "password"}), `grant "password"`},
		{"generic without token URL", generic(MailboxOAuth2{Provider: ProviderGeneric, Grant: GrantDelegated, ClientID: "c"}), "token_url: missing"},
		{"generic delegated without auth URL", generic(MailboxOAuth2{Provider: ProviderGeneric, Grant: GrantDelegated, ClientID: "c", TokenURL: "https://p.test/token"}), "auth_url: missing"},
		{"generic token URL", generic(MailboxOAuth2{Provider: ProviderGeneric, Grant: GrantDelegated, ClientID: "c", TokenURL: "p.test/token"}), "not an http(s) URL"},
		{"generic app-only without secret", generic(MailboxOAuth2{Provider: ProviderGeneric, Grant: GrantAppOnly, ClientID: "c", TokenURL: "https://p.test/token"}), "client_secret"},
		{"microsoft without tenant", generic(MailboxOAuth2{Provider: ProviderMicrosoft365, Grant: GrantDelegated, ClientID: "c"}), "tenant: missing"},
		{"microsoft without client id", generic(MailboxOAuth2{Provider: ProviderMicrosoft365, Grant: GrantDelegated, Tenant: "t"}), "client_id: missing"},
		{"microsoft with endpoints", generic(MailboxOAuth2{Provider: ProviderMicrosoft365, Grant: GrantDelegated, Tenant: "t", ClientID: "c", TokenURL: "https://p.test"}), "from the tenant"},
		{"microsoft app-only without credential", generic(ms365), "give one"},
		{"microsoft app-only with both credentials", generic(MailboxOAuth2{Provider: ProviderMicrosoft365, Grant: GrantAppOnly, Tenant: "t", ClientID: "c",
			ClientSecret: SecretRef{Env: "S"}, CertificateFile: "/c.pem"}), "give one"},
		{"google app-only without key file", generic(MailboxOAuth2{Provider: ProviderGoogle, Grant: GrantAppOnly}), "service_account_file"},
		{"google delegated without secret", generic(MailboxOAuth2{Provider: ProviderGoogle, Grant: GrantDelegated, ClientID: "c"}), "client_secret"},
		{"google with tenant", generic(MailboxOAuth2{Provider: ProviderGoogle, Grant: GrantAppOnly, ServiceAccountFile: "/k.json", Tenant: "t"}), "not google settings"},
		{"mechanism", generic(MailboxOAuth2{Provider: ProviderGoogle, Grant: GrantAppOnly, ServiceAccountFile: "/k.json", Mechanism: "PLAIN"}), `mechanism "PLAIN"`},
		{"state", Mailbox{Address: "a@x.test", State: "sleeping"}, `state "sleeping"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Normalize()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Normalize = %v, want ErrInvalid containing %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error quotes the password: %v", err)
			}
		})
	}
}

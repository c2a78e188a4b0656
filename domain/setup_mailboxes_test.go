package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSetupMailboxes(t *testing.T) {
	f, err := ParseSetup([]byte(`{"categories": [{"name": "HR"}], "mailboxes": [
	  {"address": "Help@Company.test", "name": "IT Help", "imap_url": "imaps://help@outlook.office365.com/INBOX",
	   "smtp_url": "smtp://smtp.office365.com:587", "auth": "oauth2",
	   "oauth2": {"provider": "microsoft365", "grant": "delegated", "tenant": "contoso.com", "client_id": "abc",
	              "client_secret_file": "/run/secrets/help", "mechanism": "oauthbearer"}},
	  {"address": "hr@company.test", "imap_url": "imap://hr@mail.test/INBOX?tls=none", "imap_password_env": "HR_PASSWORD",
	   "default_category": " HR ", "enabled": false}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Mailboxes) != 2 {
		t.Fatalf("mailboxes = %+v", f.Mailboxes)
	}
	help, hr := f.Mailboxes[0], f.Mailboxes[1]
	if help.Address != "help@company.test" || help.OAuth2 == nil || help.OAuth2.Mechanism != "OAUTHBEARER" || !*help.Enabled || help.line != 2 {
		t.Errorf("help@ = %+v %+v", help, help.OAuth2)
	}
	if hr.Auth != "password" || hr.DefaultCategory != "HR" || *hr.Enabled || hr.IMAPPasswordEnv != "HR_PASSWORD" || hr.line != 6 {
		t.Errorf("hr@ = %+v", hr)
	}

	for _, tt := range []struct {
		name, file string
		line       int
		msg        string
	}{
		{"inline client secret", "{\"mailboxes\": [\n {\"address\": \"a@x.test\", \"auth\": \"oauth2\",\n  \"oauth2\": {\"provider\": \"google\", \"grant\": \"delegated\", \"client_id\": \"c\", \"client_secret\": \"hunter2\"}}]}", 2,
			"client_secret_env or client_secret_file"},
		{"inline password", "{\"mailboxes\": [\n {\"address\": \"a@x.test\", \"password\": \"hunter2\"}]}", 2, "never written in the setup file"},
		{"refresh token", "{\"mailboxes\": [\n {\"address\": \"a@x.test\", \"refresh_token\": \"hunter2\"}]}", 2, "connect the mailbox"},
		{"password in the URL", "{\"mailboxes\": [\n {\"address\": \"a@x.test\",\n  \"imap_url\": \"imaps://a:hunter2@x.test\"}]}", 2, "mailboxes[0]: imap_url: holds a password"},
		{"twice", "{\"mailboxes\": [\n {\"address\": \"a@x.test\"},\n {\"address\": \"A@x.test\"}]}", 3, "named twice (first at line 2)"},
		{"oauth2 without grant", "{\"mailboxes\": [\n {\"address\": \"a@x.test\", \"auth\": \"oauth2\",\n \"oauth2\": {\"provider\": \"google\"}}]}", 2, "oauth2: grant: missing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSetup([]byte(tt.file))
			var se *SetupError
			if !errors.As(err, &se) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseSetup = %v, want an invalid SetupError", err)
			}
			if se.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ParseSetup error = %q (line %d), want line %d containing %q", err, se.Line, tt.line, tt.msg)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error quotes the secret: %v", err)
			}
		})
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(envOf(nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"DATABASE_URL", c.DatabaseURL, "ticketgate.db"},
		{"HTTP_ADDR", c.HTTPAddr, ":8080"},
		{"BASE_URL", c.BaseURL, "http://localhost:8080"},
		{"ADMIN_EMAIL", c.AdminEmail, "admin@localhost"},
		{"HELPDESK_ADDRESS", c.HelpdeskAddress, "help@localhost"},
		{"HELPDESK_NAME", c.HelpdeskName, "IT Helpdesk"},
		{"ALLOWED_SENDER_DOMAINS", strings.Join(c.AllowedSenderDomains, ","), "localhost"},
		{"IMAP_POLL_INTERVAL", c.IMAPPollInterval, 30 * time.Second},
		{"SMTP_LISTEN", c.SMTPListen, "127.0.0.1:2525"},
		{"LMTP_LISTEN", c.LMTPListen, "off"},
		{"MAIL_FROM", c.MailFrom, "help@localhost"},
		{"MAX_MESSAGE_BYTES", c.MaxMessageBytes, int64(25 << 20)},
		{"CLASSIFY_TIMEOUT", c.ClassifyTimeout, 10 * time.Second},
		{"APPROVAL_REMIND_AFTER", c.ApprovalRemindAfter, 24 * time.Hour},
		{"APPROVAL_EXPIRE_AFTER", c.ApprovalExpireAfter, 168 * time.Hour},
		{"REOPEN_WITHIN", c.ReopenWithin, 336 * time.Hour},
		{"OUTBOX_MAX_ATTEMPTS", c.OutboxMaxAttempts, 10},
		{"REFUSALS_PER_HOUR", c.RefusalsPerHour, 60},
		{"TRIAGE_DIGEST_INTERVAL", c.TriageDigestInterval, 15 * time.Minute},
		{"ACKS_PER_SENDER_PER_HOUR", c.AcksPerSenderPerHour, 10},
		{"OUTBOX_RETENTION", c.OutboxRetention, 720 * time.Hour},
		{"LOG_FORMAT", c.LogFormat, "text"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("default %s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestConfigDependentDefaults(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{
		"HELPDESK_ADDRESS": "Help@Company.test",
		"IMAP_URL":         "imaps://help%40company.test:pw@mail.company.test/INBOX",
	}), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTPListen != "off" || c.MailFrom != "help@company.test" || strings.Join(c.AllowedSenderDomains, ",") != "company.test" {
		t.Errorf("with IMAP_URL and HELPDESK_ADDRESS: SMTP_LISTEN=%q MAIL_FROM=%q ALLOWED=%v", c.SMTPListen, c.MailFrom, c.AllowedSenderDomains)
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "key")
	os.WriteFile(secret, []byte("k-from-file-0123456789012345678901234\n"), 0o600)
	dotenvPath := filepath.Join(dir, ".env")
	os.WriteFile(dotenvPath, []byte("# comment\nexport HELPDESK_NAME=\"Dotenv Desk\"\nHTTP_ADDR=:9000\nLOG_LEVEL='debug'\n"), 0o600)
	dotenv, err := readDotenv(dotenvPath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(envOf(map[string]string{"HTTP_ADDR": ":9100", "SECRET_KEY_FILE": secret}),
		dotenv, map[string]string{"LOG_LEVEL": "warn"})
	if err != nil {
		t.Fatal(err)
	}
	if c.HelpdeskName != "Dotenv Desk" {
		t.Errorf(".env not read: HELPDESK_NAME = %q", c.HelpdeskName)
	}
	if c.HTTPAddr != ":9100" {
		t.Errorf("environment should beat .env: HTTP_ADDR = %q", c.HTTPAddr)
	}
	if c.LogLevel.String() != "WARN" {
		t.Errorf("flag should beat .env: LOG_LEVEL = %v", c.LogLevel)
	}
	if c.SecretKey != "k-from-file-0123456789012345678901234" {
		t.Errorf("SECRET_KEY_FILE: SecretKey = %q", c.SecretKey)
	}
	if missing, err := readDotenv(filepath.Join(dir, "none")); err != nil || missing != nil {
		t.Errorf("missing .env = %v, %v; want nothing", missing, err)
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DATABASE_URL": "mysql://x/y"}, `DATABASE_URL: unknown scheme "mysql"`},
		{map[string]string{"IMAP_POLL_INTERVAL": "often"}, "IMAP_POLL_INTERVAL: \"often\" is not a positive duration"},
		{map[string]string{"HTTP_ADDR": "8080"}, "HTTP_ADDR:"},
		{map[string]string{"BASE_URL": "localhost:8080"}, "BASE_URL: want an absolute"},
		{map[string]string{"HELPDESK_ADDRESS": "help"}, "HELPDESK_ADDRESS:"},
		{map[string]string{"IMAP_URL": "pop3://x"}, `IMAP_URL: scheme "pop3"`},
		{map[string]string{"SMTP_URL": "smtp://relay?tls=maybe"}, "SMTP_URL: tls=maybe"},
		{map[string]string{"MAX_MESSAGE_BYTES": "big"}, "MAX_MESSAGE_BYTES:"},
		{map[string]string{"CLASSIFY_MIN_CONFIDENCE": "2"}, "CLASSIFY_MIN_CONFIDENCE:"},
		{map[string]string{"OUTBOX_MAX_ATTEMPTS": "0"}, "OUTBOX_MAX_ATTEMPTS:"},
		{map[string]string{"REFUSALS_PER_HOUR": "-1"}, "REFUSALS_PER_HOUR:"},
		{map[string]string{"REFUSALS_PER_HOUR": "lots"}, "REFUSALS_PER_HOUR:"},
		{map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT:"},
		{map[string]string{"TRIAGE_DIGEST_INTERVAL": "30s"}, "TRIAGE_DIGEST_INTERVAL: \"30s\" is not a duration of at least 1m"},
		{map[string]string{"TRIAGE_DIGEST_INTERVAL": "0"}, "TRIAGE_DIGEST_INTERVAL:"},
		{map[string]string{"ACKS_PER_SENDER_PER_HOUR": "-1"}, "ACKS_PER_SENDER_PER_HOUR:"},
		{map[string]string{"ACKS_PER_SENDER_PER_HOUR": "many"}, "ACKS_PER_SENDER_PER_HOUR:"},
		{map[string]string{"OUTBOX_RETENTION": "10m"}, "OUTBOX_RETENTION: \"10m\" is not 0 or a duration of at least 1h"},
		{map[string]string{"OUTBOX_RETENTION": "forever"}, "OUTBOX_RETENTION:"},
		{map[string]string{"SECRET_KEY": "short"}, "SECRET_KEY: too short"},
		{map[string]string{"SECRET_KEY": "a", "SECRET_KEY_FILE": filepath.Join(dir, "k")}, "both set"},
		{map[string]string{"OPENAI_API_KEY_FILE": filepath.Join(dir, "missing")}, "OPENAI_API_KEY_FILE:"},
		{map[string]string{"TLS_CA_FILE": filepath.Join(dir, "missing.pem")}, "TLS_CA_FILE:"},
		{map[string]string{"METRICS_ADDR": "9090"}, "METRICS_ADDR:"},
		{map[string]string{"HTTP_ADDR": "127.0.0.1:8080", "METRICS_ADDR": "127.0.0.1:8080"}, "METRICS_ADDR: must differ from HTTP_ADDR"},
		{map[string]string{"METRICS_TOKEN": "short"}, "METRICS_TOKEN: too short"},
		{map[string]string{"METRICS_TOKEN": "a token with spaces in it"}, "METRICS_TOKEN: must not hold spaces"},
		{map[string]string{"METRICS_TOKEN": "a", "METRICS_TOKEN_FILE": filepath.Join(dir, "t")}, "both set"},
	}
	for _, tt := range tests {
		_, err := loadConfig(envOf(tt.env), nil, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("loadConfig(%v) = %v, want one line containing %q", tt.env, err, tt.want)
		}
	}
	// A secret given on the command line is not echoed back in the error.
	_, err := loadConfig(envOf(nil), nil, map[string]string{"IMAP_URL": "pop3://u:hunter2@x"})
	if err == nil || !strings.Contains(err.Error(), "--imap-url") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad flag error = %v", err)
	}
}

func TestMailVolumeZero(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"OUTBOX_RETENTION": "0", "ACKS_PER_SENDER_PER_HOUR": "0", "TRIAGE_DIGEST_INTERVAL": "1h"}), nil, nil)
	if err != nil || c.OutboxRetention != 0 || c.AcksPerSenderPerHour != 0 || c.TriageDigestInterval != time.Hour {
		t.Errorf("loadConfig = %+v, %v; want retention 0, no acks, digest every hour", c, err)
	}
}

func TestApprovalExpireNever(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"APPROVAL_EXPIRE_AFTER": "0"}), nil, nil)
	if err != nil || c.ApprovalExpireAfter != 0 {
		t.Errorf("APPROVAL_EXPIRE_AFTER=0: %v, %v; want 0 (never)", c, err)
	}
	if _, err := loadConfig(envOf(map[string]string{"APPROVAL_EXPIRE_AFTER": "-1h"}), nil, nil); err == nil {
		t.Error("APPROVAL_EXPIRE_AFTER=-1h accepted")
	}
}

func TestParseSize(t *testing.T) {
	tests := map[string]int64{"25MiB": 25 << 20, "10MB": 10e6, "512KiB": 512 << 10, "1048576": 1048576, "100B": 100, "2 GiB": 2 << 30,
		"1.5MB": 1500000, "25 mib": 25 << 20}
	for in, want := range tests {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "MiB", "0", "2TiB", "25 parsecs"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

// A .env value ends before an inline comment, unless the # is part of a
// word or inside quotes.
func TestDotenvValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(path, []byte("A=plain # a note\nB=pass#word\nC=\"quoted # kept\" # note\nD='single'\nE=tab\t# note\nF=\"unclosed # x\nG=\n"), 0o600)
	got, err := readDotenv(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "plain", "B": "pass#word", "C": "quoted # kept", "D": "single", "E": "tab", "F": "\"unclosed", "G": ""}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
}

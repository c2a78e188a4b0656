package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ticketgate/domain/mailauth/mailauthtest"
	"ticketgate/storage/storagetest"
)

// TestServeDefaultRelayFromTable: a helpdesk whose HELPDESK_ADDRESS is a
// row of the mailboxes table, with neither IMAP_URL nor SMTP_URL (a
// Microsoft 365 or Google mailbox has no password to put in them). Its
// mail is read through the row's imap_url, and the acknowledgement goes
// out through the row's smtp_url with the row's login, queued rather than
// held. Without the row's relay standing for SMTP_URL, every mail would
// be held and the relay never reached.
func TestServeDefaultRelayFromTable(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a := newMemAccounts(t, mailauthtest.New("it@company.test"))
		a.prepare(t, "help@company.test")
		const smtpPassword = "help-smtp-pass-4e2b8a"
		relay := startRelay(t, "help", "help@company.test", smtpPassword)
		setup := fmt.Sprintf(`{"mailboxes": [{"address": "help@company.test", "name": "IT Desk", "imap_url": %q,
		  "imap_password_env": "HELP_IMAP_PASSWORD", "smtp_url": %q, "smtp_password_env": "HELP_SMTP_PASSWORD"}]}`,
			a.url("help@company.test", ""), "smtp://help@company.test@"+relay.addr+"?tls=none")
		file := filepath.Join(t.TempDir(), "setup.json")
		if err := os.WriteFile(file, []byte(setup), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "SMTP_LISTEN": "off",
			"HELPDESK_ADDRESS": "help@company.test", "IMAP_POLL_INTERVAL": "1s",
			"HELP_IMAP_PASSWORD": "helpsecret", "HELP_SMTP_PASSWORD": smtpPassword}
		if out, errOut, code := runCLI(t, env, "", "setup", "apply", file); code != 0 {
			t.Fatalf("setup apply: %d %q %q", code, out, errOut)
		}
		tok := token(t)
		ann := "ann-" + tok + "@company.test"
		a.appendRaw(t, "help@company.test", fmt.Sprintf("From: %s\r\nTo: help@company.test\r\nSubject: Monitor flickers %s\r\n"+
			"Message-Id: <relay-%s@company.test>\r\nDate: %s\r\n\r\nMy monitor flickers.\r\n", ann, tok, tok, time.Now().Format(time.RFC1123Z)))

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out, errOut syncBuffer
		done := make(chan int, 1)
		go func() { done <- run(ctx, []string{"serve"}, envOf(env), strings.NewReader(""), &out, &errOut) }()
		waitFor(t, &out, listeningRE)
		ms := relaySink{relay}.find(t, ann, "Monitor flickers "+tok, 1)
		cancel()
		<-done
		if len(ms) != 1 {
			t.Fatalf("%d acknowledgements reached the row's relay; want 1\nserve output:\n%s\n%s", len(ms), out.String(), errOut.String())
		}
		if !strings.EqualFold(ms[0].envFrom, "help@company.test") {
			t.Errorf("MAIL FROM:<%s>; want help@company.test", ms[0].envFrom)
		}
		if s := out.String() + errOut.String(); strings.Contains(s, smtpPassword) || strings.Contains(s, "helpsecret") {
			t.Error("serve's output holds a mailbox's password")
		}
	})
}

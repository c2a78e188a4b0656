package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestServeMailboxReloadMemory: serve follows the mailboxes table while
// it runs (see testServeMailboxReload), on go-imap's memory server, on
// SQLite and PostgreSQL.
func TestServeMailboxReloadMemory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		testServeMailboxReload(t, db, newMemAccounts(t, nil))
	})
}

// TestServeMailboxReloadDovecot is the same on the mail stack's Dovecot
// (MAILSTACK=1).
func TestServeMailboxReloadDovecot(t *testing.T) {
	if os.Getenv("MAILSTACK") != "1" {
		t.Skip("MAILSTACK=1 not set: tests against the real mail stack skipped")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		testServeMailboxReload(t, db, dovecotAccounts(t))
	})
}

// testServeMailboxReload: serve runs with IMAP_URL's help@ and an empty
// mailboxes table. hr@, added through the Desk as the admin page does,
// is polled without a restart (its waiting mail becomes a ticket);
// disabled, its poller stops (its series leave /metrics) and a mail that
// comes then stays unseen; enabled again, that mail becomes a ticket;
// its password reference changed to a wrong password puts it in state
// error with the server's answer, and to a variable that is not set in
// state error with that reason; deleted, it is no longer polled, and
// added back by `setup apply` it takes the mail that waited in. help@
// keeps taking mail in throughout and its poller is never restarted.
func testServeMailboxReload(t *testing.T, db storagetest.DB, a *imapAccounts) {
	ctx := context.Background()
	for _, u := range []string{"help@company.test", "hr@company.test"} {
		a.prepare(t, u)
	}
	const wrong = "not-the-password-7a"
	// IMAP_POLL_INTERVAL bounds the wait when a server's IDLE update is
	// missed (the memory server can miss a mail appended between the
	// poller's search and its IDLE): the default 30 s equals eventually's
	// patience, and under CI's load that failed the test at its first mail.
	env := map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "SMTP_LISTEN": "off", "HELPDESK_ADDRESS": "help@company.test",
		"IMAP_URL": a.url("help@company.test", "helpsecret"), "IMAP_POLL_INTERVAL": "1s", "HR_IMAP_PASSWORD": "hrsecret", "WRONG_PASSWORD": wrong}
	// The schema first, so that the test's store and Desk open it.
	if out, errOut, code := runCLI(t, env, "", "migrate"); code != 0 {
		t.Fatalf("migrate: %d %q %q", code, out, errOut)
	}
	st := storagetest.Open(t, db.URL)
	desk := domain.NewDesk(st, nil, storagetest.Logger(t))
	admin := domain.Actor{Email: "admin@company.test", Admin: true}
	subjects := func() map[string]int { return ticketSubjects(t, st) }
	ticket := func(subject string) {
		t.Helper()
		eventually(t, "a ticket "+subject, func() bool { return subjects()[subject] == 1 })
	}
	state := func() *domain.Mailbox {
		m, err := st.GetMailboxByAddress(ctx, "hr@company.test")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	s := startServeInProcess(t, env)
	defer func() {
		if t.Failed() {
			t.Logf("serve output:\n%s", s.output())
		}
	}()
	metrics := func() string {
		_, m := get(t, "http://"+s.addr+"/metrics")
		return m
	}
	series := func(name, mailbox string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^` + name + `\{mailbox="` + regexp.QuoteMeta(mailbox) + `"\} (\d+)$`)
	}
	hrPolling, hrAny := series("ticketgate_imap_polling", "hr@company.test"), regexp.MustCompile(`mailbox="hr@company.test"\} `)
	helpOK := func(step string) {
		t.Helper()
		subject := "help " + step + " " + token(t)
		a.deliver(t, "help@company.test", "help@company.test", subject)
		ticket(subject)
	}
	helpOK("at start")
	if strings.Contains(metrics(), "hr@company.test") {
		t.Fatal("/metrics shows hr@ before it was added")
	}

	// Added: polled within a few seconds, no restart.
	tok := token(t)
	a.deliver(t, "hr@company.test", "hr@company.test", "hr waiting "+tok)
	mb, err := desk.CreateMailbox(ctx, admin, domain.Mailbox{Address: "hr@company.test", Name: "HR", IMAPURL: a.url("hr@company.test", ""),
		Auth: domain.AuthPassword, IMAPPassword: domain.SecretRef{Env: "HR_IMAP_PASSWORD"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	ticket("hr waiting " + tok)
	eventually(t, "hr@ in state ok", func() bool { return state().State == domain.MailboxOK })
	eventually(t, "hr@ polling in /metrics", func() bool {
		m := hrPolling.FindStringSubmatch(metrics())
		return m != nil && m[1] == "1"
	})

	// Disabled: its poller stops, its series go; a mail that comes then
	// stays where it is.
	if err := desk.SetMailboxEnabled(ctx, admin, mb.Address, false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "hr@'s series gone from /metrics", func() bool { return !hrAny.MatchString(metrics()) })
	a.deliver(t, "hr@company.test", "hr@company.test", "hr while disabled "+tok)
	helpOK("while hr is disabled")
	if got := subjects()["hr while disabled "+tok]; got != 0 {
		t.Errorf("the disabled mailbox's mail made %d tickets", got)
	}
	if n := a.unseen(t, "hr@company.test"); n != 1 {
		t.Errorf("%d unseen mails in the disabled mailbox, want 1", n)
	}

	// Enabled again: what came in between becomes a ticket.
	if err := desk.SetMailboxEnabled(ctx, admin, mb.Address, true); err != nil {
		t.Fatal(err)
	}
	ticket("hr while disabled " + tok)

	// A wrong password: state error with the server's answer.
	changed := *mb
	changed.IMAPPassword = domain.SecretRef{Env: "WRONG_PASSWORD"}
	if _, err := desk.UpdateMailbox(ctx, admin, mb.Address, changed); err != nil {
		t.Fatal(err)
	}
	eventually(t, "hr@ in state error after its password changed", func() bool {
		m := state()
		return m.State == domain.MailboxError && strings.Contains(m.LastError, "log in to "+a.addr+" as hr@company.test")
	})
	// A variable that is not set: not polled, and why.
	changed.IMAPPassword = domain.SecretRef{Env: "HR_NOT_SET_PASSWORD"}
	if _, err := desk.UpdateMailbox(ctx, admin, mb.Address, changed); err != nil {
		t.Fatal(err)
	}
	eventually(t, "hr@ in state error, not polled", func() bool {
		m := state()
		return m.State == domain.MailboxError && strings.Contains(m.LastError, "not polled: imap_password: the environment variable HR_NOT_SET_PASSWORD is not set")
	})
	eventually(t, "hr@'s series gone from /metrics", func() bool { return !hrAny.MatchString(metrics()) })
	// The right one again, then deleted: no longer polled.
	changed.IMAPPassword = domain.SecretRef{Env: "HR_IMAP_PASSWORD"}
	if _, err := desk.UpdateMailbox(ctx, admin, mb.Address, changed); err != nil {
		t.Fatal(err)
	}
	eventually(t, "hr@ in state ok again", func() bool { return state().State == domain.MailboxOK })
	eventually(t, "hr@ polling again in /metrics", func() bool {
		m := hrPolling.FindStringSubmatch(metrics())
		return m != nil && m[1] == "1"
	})
	if err := desk.DeleteMailbox(ctx, admin, mb.Address); err != nil {
		t.Fatal(err)
	}
	eventually(t, "hr@'s series gone from /metrics after the delete", func() bool { return !hrAny.MatchString(metrics()) })
	a.deliver(t, "hr@company.test", "hr@company.test", "hr after delete "+tok)
	helpOK("after hr was deleted")
	if n := a.unseen(t, "hr@company.test"); n != 1 {
		t.Errorf("%d unseen mails in the deleted mailbox, want 1", n)
	}
	// Added back by `setup apply` while serve runs: the mail that waited
	// becomes a ticket.
	file := filepath.Join(t.TempDir(), "setup.json")
	box := fmt.Sprintf(`{"mailboxes": [{"address": "hr@company.test", "imap_url": %q, "imap_password_env": "HR_IMAP_PASSWORD"}]}`,
		a.url("hr@company.test", ""))
	if err := os.WriteFile(file, []byte(box), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, env, "", "setup", "apply", file); code != 0 {
		t.Fatalf("setup apply: %d %q %q", code, out, errOut)
	}
	ticket("hr after delete " + tok)

	// IMAP_URL's poller ran throughout: never stopped or started again.
	if m := series("ticketgate_imap_connected", "help@company.test").FindStringSubmatch(metrics()); m == nil || m[1] != "1" {
		t.Errorf("help@ not connected at the end: %v", m)
	}
	if code := s.stop(); code != 0 {
		t.Errorf("serve exited %d", code)
	}
	out := s.output()
	if strings.Contains(out, wrong) || strings.Contains(out, "hrsecret") {
		t.Error("serve's output shows a password")
	}
	if strings.Contains(out, `msg="mailbox no longer polled" component=imap mailbox=help@`) ||
		strings.Contains(out, `msg="polling mailbox" component=imap mailbox=help@`) {
		t.Error("IMAP_URL's poller was stopped or started by a change of the table")
	}
	if n := strings.Count(out, `msg="IMAP: connected" component=imap mailbox=imap://help@company.test@`); n != 1 {
		t.Errorf("IMAP_URL's poller connected %d times, want once", n)
	}
}

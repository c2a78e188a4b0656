package main

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestPlanPollers: the wanted pollers against the running ones give the
// pollers to start, stop and restart.
func TestPlanPollers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		want    map[string]string
		running map[string]runningPoller
		plan    pollerPlan
	}{
		{name: "nothing", plan: pollerPlan{}},
		{name: "unchanged", want: map[string]string{"hr@": "a", "it@": "b"},
			running: map[string]runningPoller{"hr@": {"a", true}, "it@": {"b", true}}},
		{name: "first start", want: map[string]string{"it@": "b", "hr@": "a"},
			plan: pollerPlan{start: []string{"hr@", "it@"}}},
		{name: "added", want: map[string]string{"hr@": "a", "it@": "b"},
			running: map[string]runningPoller{"hr@": {"a", true}}, plan: pollerPlan{start: []string{"it@"}}},
		{name: "removed or disabled", want: map[string]string{"hr@": "a"},
			running: map[string]runningPoller{"hr@": {"a", true}, "it@": {"b", true}, "fac@": {"c", false}},
			plan:    pollerPlan{stop: []string{"fac@", "it@"}}},
		{name: "changed", want: map[string]string{"hr@": "a2", "it@": "b"},
			running: map[string]runningPoller{"hr@": {"a", true}, "it@": {"b", true}}, plan: pollerPlan{restart: []string{"hr@"}}},
		{name: "not polled is tried again", want: map[string]string{"hr@": "a"},
			running: map[string]runningPoller{"hr@": {"a", false}}, plan: pollerPlan{restart: []string{"hr@"}}},
		{name: "all at once", want: map[string]string{"new@": "n", "hr@": "a2", "same@": "s"},
			running: map[string]runningPoller{"hr@": {"a", true}, "same@": {"s", true}, "gone@": {"g", true}},
			plan:    pollerPlan{start: []string{"new@"}, stop: []string{"gone@"}, restart: []string{"hr@"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := planPollers(tc.want, tc.running); !reflect.DeepEqual(got, tc.plan) {
				t.Errorf("planPollers(%v, %v) = %+v, want %+v", tc.want, tc.running, got, tc.plan)
			}
		})
	}
}

// TestPollerFingerprint: what polling depends on changes the fingerprint;
// the columns the pollers write, and the settings of sending, do not.
func TestPollerFingerprint(t *testing.T) {
	base := domain.Mailbox{ID: 7, Address: "hr@company.test", IMAPURL: "imap://hr@mail.company.test/INBOX", Auth: domain.AuthPassword,
		IMAPPassword: domain.SecretRef{Env: "HR_IMAP_PASSWORD"}, Enabled: true, State: domain.MailboxNew}
	fp := pollerFingerprint(&base)
	for _, tc := range []struct {
		name    string
		change  func(m *domain.Mailbox)
		restart bool
	}{
		{"IMAP URL", func(m *domain.Mailbox) { m.IMAPURL += "2" }, true},
		{"password reference", func(m *domain.Mailbox) { m.IMAPPassword.Env = "OTHER" }, true},
		{"password file", func(m *domain.Mailbox) { m.IMAPPassword = domain.SecretRef{File: "/run/secrets/hr"} }, true},
		{"auth", func(m *domain.Mailbox) { m.Auth = domain.AuthOAuth2 }, true},
		{"oauth2 settings", func(m *domain.Mailbox) { m.OAuth2.Scopes = []string{"imap"} }, true},
		{"oauth2 secret reference", func(m *domain.Mailbox) { m.OAuth2.ClientSecret.File = "/run/secrets/c" }, true},
		{"another row", func(m *domain.Mailbox) { m.ID = 8 }, true},
		{"state", func(m *domain.Mailbox) { m.State, m.LastError = domain.MailboxError, "refused" }, false},
		{"display name", func(m *domain.Mailbox) { m.Name = "HR" }, false},
		{"SMTP", func(m *domain.Mailbox) { m.SMTPURL, m.SMTPPassword.Env = "smtp://hr@mail", "HR_SMTP" }, false},
	} {
		m := base
		tc.change(&m)
		if got := pollerFingerprint(&m) != fp; got != tc.restart {
			t.Errorf("fingerprint changed by %s: %v, want %v", tc.name, got, tc.restart)
		}
	}
}

// TestMailInFollowsTable: the intake's pollers (the admin dashboard's
// list, adminui.MailInState) follow the mailboxes table at each check:
// hr@ added is listed and polling, IMAP_URL's help@ beside it; disabled,
// hr@ leaves the list and its poller has returned (its series and its
// wake-up gone); added again after a delete it is polled again, with a
// wake-up; each check that found
// the table changed tells the functions registered with onChange, and a
// check that found nothing changed does not; a mailbox that cannot be
// polled is in state error and not tried again until the table changes. On go-imap's memory server,
// SQLite and PostgreSQL; the checks are called by the test, not by the
// clock.
func TestMailInFollowsTable(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a := newMemAccounts(t, nil)
		a.prepare(t, "help@company.test")
		a.prepare(t, "hr@company.test")
		env := envOf(map[string]string{"DATABASE_URL": db.URL, "HELPDESK_ADDRESS": "help@company.test",
			"IMAP_URL": a.url("help@company.test", "helpsecret"), "SMTP_LISTEN": "off", "HR_IMAP_PASSWORD": "hrsecret"})
		c, err := loadConfig(env, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		st := storagetest.Open(t, db.URL)
		desk := domain.NewDesk(st, nil, storagetest.Logger(t))
		reg := prometheus.NewRegistry()
		mi, err := newMailIn(ctx, c, env, st, desk, reg, storagetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		var told [][]string
		mi.table.onChange(func(_ context.Context, boxes []domain.Mailbox) {
			var addrs []string
			for _, m := range boxes {
				addrs = append(addrs, m.Address)
			}
			told = append(told, addrs)
		})
		polling := func() map[string]bool {
			got := map[string]bool{}
			for _, p := range mi.MailInState().IMAP {
				got[p.Name] = p.Polling
			}
			return got
		}
		waitPolling := func(want map[string]bool) {
			t.Helper()
			eventually(t, fmt.Sprintf("pollers %v", want), func() bool { return reflect.DeepEqual(polling(), want) })
		}
		hrSeries := func() bool {
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, mf := range mfs {
				for _, m := range mf.GetMetric() {
					for _, l := range m.GetLabel() {
						if l.GetName() == "mailbox" && l.GetValue() == "hr@company.test" {
							return true
						}
					}
				}
			}
			return false
		}
		hasWaker := func() bool {
			mi.wakers.mu.Lock()
			defer mi.wakers.mu.Unlock()
			return mi.wakers.by["hr@company.test"] != nil
		}
		pctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); mi.pollers[0].Run(pctx) }()
		defer func() { stop(); mi.table.stopAll(); wg.Wait() }()

		mi.table.check(pctx) // the first: an empty table
		if len(told) != 1 || len(told[0]) != 0 {
			t.Errorf("told %v after the first check, want one empty list", told)
		}
		waitPolling(map[string]bool{"help@company.test": true})

		admin := domain.Actor{Email: "admin@company.test", Admin: true}
		hr := domain.Mailbox{Address: "hr@company.test", IMAPURL: a.url("hr@company.test", ""), Auth: domain.AuthPassword,
			IMAPPassword: domain.SecretRef{Env: "HR_IMAP_PASSWORD"}, Enabled: true}
		if _, err := desk.CreateMailbox(ctx, admin, hr); err != nil {
			t.Fatal(err)
		}
		mi.table.check(pctx)
		waitPolling(map[string]bool{"help@company.test": true, "hr@company.test": true})
		mi.table.check(pctx) // nothing changed
		if len(told) != 2 || !reflect.DeepEqual(told[1], []string{"hr@company.test"}) {
			t.Errorf("told %v, want the empty table, then hr@", told)
		}

		if err := desk.SetMailboxEnabled(ctx, admin, hr.Address, false); err != nil {
			t.Fatal(err)
		}
		mi.table.check(pctx) // returns once hr@'s poller has stopped
		if got := polling(); !reflect.DeepEqual(got, map[string]bool{"help@company.test": true}) {
			t.Errorf("pollers after hr@ was disabled: %v, want help@ only", got)
		}
		if hrSeries() {
			t.Error("the metrics keep a series of the disabled hr@")
		}
		if hasWaker() {
			t.Error("the disabled hr@ keeps a wake-up")
		}
		if got := strings.Join(mi.describe(c), "\n"); !strings.Contains(got, "not polling hr@company.test: disabled") {
			t.Errorf("describe = %q, want hr@ not polled, disabled", got)
		}

		if err := desk.DeleteMailbox(ctx, admin, hr.Address); err != nil {
			t.Fatal(err)
		}
		if _, err := desk.CreateMailbox(ctx, admin, hr); err != nil {
			t.Fatal(err)
		}
		mi.table.check(pctx)
		waitPolling(map[string]bool{"help@company.test": true, "hr@company.test": true})
		if !hasWaker() {
			t.Error("hr@ polled again has no wake-up for Reconnect")
		}
		if len(told) != 4 {
			t.Errorf("told %d times, want 4 (start, added, disabled, added again)", len(told))
		}

		// A mailbox that cannot be polled: state error, a line saying why,
		// and not tried again (nor told) while the table stays the same,
		// full reads included.
		it := domain.Mailbox{Address: "it@company.test", IMAPURL: a.url("it@company.test", ""), Auth: domain.AuthPassword,
			IMAPPassword: domain.SecretRef{Env: "IT_NOT_SET"}, Enabled: true}
		if _, err := desk.CreateMailbox(ctx, admin, it); err != nil {
			t.Fatal(err)
		}
		mi.table.check(pctx)
		const why = "not polling it@company.test: imap_password: the environment variable IT_NOT_SET is not set"
		if got := strings.Join(mi.describe(c), "\n"); !strings.Contains(got, why) {
			t.Errorf("describe = %q, want %q", got, why)
		}
		if m, err := st.GetMailboxByAddress(ctx, it.Address); err != nil || m.State != domain.MailboxError {
			t.Errorf("it@ = %+v, %v, want state error", m, err)
		}
		for range mailboxesReadEvery {
			mi.table.check(pctx)
		}
		if len(told) != 5 {
			t.Errorf("told %d times, want 5 (it@ added, then nothing)", len(told))
		}
	})
}

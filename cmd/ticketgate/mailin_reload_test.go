package main

import (
	"reflect"
	"testing"

	"ticketgate/domain"
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

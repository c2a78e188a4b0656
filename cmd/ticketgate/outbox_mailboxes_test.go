package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/domain/mailauth/mailauthtest"
	"ticketgate/storage/storagetest"
)

// mailboxSenders gives each enabled mailbox with an smtp_url a relay of its
// own: here hr@'s logs in with OAuth2 client credentials (XOAUTH2, the
// token checked by the provider), as its IMAP poller would; a mailbox
// without smtp_url sends through the default relay from its own address;
// a disabled or unknown mailbox is not one (the default's); a secret that
// cannot be read fails the relay's sessions with the reason, never the
// secret.
func TestMailboxSendersRelays(t *testing.T) {
	ctx := context.Background()
	const clientSecret = "hr-client-secret-91ab"
	p := mailauthtest.New("hr@company.test", mailauthtest.Client{ID: "tg-hr", Secret: clientSecret, Email: "hr@company.test"})
	if err := p.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	hr := startRelayWith(t, &relayServer{name: "hr", verify: p.Verify})
	st := storagetest.Open(t, filepath.Join(t.TempDir(), "t.db"))
	desk := domain.NewDesk(st, nil, storagetest.Logger(t))
	relayURL := "smtp://" + hr.addr + "?tls=none"
	for _, m := range []domain.Mailbox{
		{Address: "hr@company.test", SMTPURL: relayURL, Auth: domain.AuthOAuth2, Enabled: true,
			OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderGeneric, Grant: domain.GrantAppOnly, ClientID: "tg-hr",
				ClientSecret: domain.SecretRef{Env: "HR_CLIENT_SECRET"}, TokenURL: p.TokenURL(), Mechanism: "xoauth2"}},
		{Address: "it@company.test", SMTPURL: "smtp://it@company.test@" + hr.addr + "?tls=none", Enabled: true,
			SMTPPassword: domain.SecretRef{Env: "IT_SMTP_PASSWORD"}},
		{Address: "plain@company.test", Enabled: true},
		{Address: "off@company.test", SMTPURL: relayURL},
	} {
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateMailbox(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"HR_CLIENT_SECRET": clientSecret}
	def := &brokenRelay{err: errors.New("the default relay")}
	s := &mailboxSenders{desk: desk, st: st, relay: def, log: storagetest.Logger(t),
		secrets: mailboxSecrets{lookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}}

	tr, from, ok := s.Sender(ctx, "hr@company.test")
	if !ok || from != "hr@company.test" || tr == def {
		t.Fatalf("Sender(hr@) = %v, %q, %v; want hr@'s own relay", tr, from, ok)
	}
	conn, err := tr.Dial(ctx)
	if err != nil {
		t.Fatalf("dial hr@'s relay: %v", err)
	}
	if err := conn.Send(ctx, from, "ann@company.test", []byte("Subject: hi\r\n\r\nHello.\r\n")); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if ms := (relaySink{hr}).find(t, "ann@company.test", "hi", 1); len(ms) != 1 || ms[0].envFrom != "hr@company.test" {
		t.Errorf("hr@'s relay got %+v; want one mail from hr@company.test", ms)
	}
	if p.Stats().ClientCredentials == 0 {
		t.Error("hr@'s relay logged in without a token from the provider")
	}
	if again, _, _ := s.Sender(ctx, "hr@company.test"); again != tr {
		t.Error("hr@'s relay was made again for an unchanged mailbox")
	}

	tr, from, ok = s.Sender(ctx, "it@company.test")
	if !ok || from != "it@company.test" {
		t.Fatalf("Sender(it@) = %q, %v", from, ok)
	}
	if _, err := tr.Dial(ctx); err == nil || !strings.Contains(err.Error(), "IT_SMTP_PASSWORD is not set") {
		t.Errorf("it@'s relay without its password: %v; want the variable named", err)
	}

	if tr, from, ok := s.Sender(ctx, "plain@company.test"); !ok || tr != def || from != "plain@company.test" {
		t.Errorf("Sender(plain@) = %v, %q, %v; want the default relay from plain@company.test", tr, from, ok)
	}
	for _, mb := range []string{"off@company.test", "gone@company.test"} {
		if _, _, ok := s.Sender(ctx, mb); ok {
			t.Errorf("Sender(%s) is a mailbox's own; want the default", mb)
		}
	}
}

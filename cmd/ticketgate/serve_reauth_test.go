package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/domain/mailauth/mailauthtest"
	"ticketgate/storage/storagetest"
)

// serveProc is one `serve` running in the test.
type serveProc struct {
	out, errOut syncBuffer
	cancel      context.CancelFunc
	done        chan int
	addr        string
}

func startServeInProcess(t *testing.T, env map[string]string) *serveProc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serveProc{cancel: cancel, done: make(chan int, 1)}
	go func() { s.done <- run(ctx, []string{"serve"}, envOf(env), strings.NewReader(""), &s.out, &s.errOut) }()
	s.addr = waitFor(t, &s.out, listeningRE)[1]
	return s
}

// stop ends serve and returns its exit code; serve waits for its pollers.
func (s *serveProc) stop() int {
	s.cancel()
	return <-s.done
}

func (s *serveProc) output() string { return s.out.String() + s.errOut.String() }

// TestServeReauthorization: a delegated OAuth2 mailbox, connected (its
// tokens kept sealed by the token store), whose provider then answers
// invalid_grant to every refresh: the mailbox goes to
// needs_reauthorization, every admin gets exactly one mail (two admins,
// two mails; an agent none) linking to BASE_URL/admin/mail/mailboxes with the
// provider's words; a second serve on the same database (beside the first
// on PostgreSQL, after it on SQLite, where one process uses the database)
// sends none more, nor does a restart; serve keeps running and exits
// cleanly; hr@ keeps taking mail; the mail that came to the broken mailbox
// stays unseen in its folder and makes no ticket; /metrics shows the
// states; serve's output shows no token or secret. On go-imap's memory
// server, where the provider checks the tokens; SQLite and PostgreSQL.
func TestServeReauthorization(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		const clientSecret, hrPassword = "it-client-secret-5eed", "hrsecret"
		const secretKey = "0123456789abcdef0123456789abcdef-reauth"
		p := mailauthtest.New("alice@company.test", mailauthtest.Client{ID: "tg-it", Secret: clientSecret})
		if err := p.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		// Access tokens outlive no login: each login refreshes, so the
		// refusal shows at the next one.
		p.SetLifetime(2 * time.Second)
		a := newMemAccounts(t, p)
		for _, u := range []string{"help@company.test", "hr@company.test", "alice@company.test"} {
			a.prepare(t, u)
		}
		boxes := []string{
			fmt.Sprintf(`{"address": "hr@company.test", "imap_url": %q, "imap_password_env": "HR_IMAP_PASSWORD"}`, a.url("hr@company.test", "")),
			fmt.Sprintf(`{"address": "broken@company.test", "imap_url": %q, "auth": "oauth2", "oauth2": {"provider": "generic", "grant": "delegated",
			  "client_id": "tg-it", "client_secret_env": "IT_CLIENT_SECRET", "token_url": %q, "auth_url": %q}}`,
				a.url("alice@company.test", ""), p.TokenURL(), p.AuthURL()),
		}
		file := filepath.Join(t.TempDir(), "setup.json")
		if err := os.WriteFile(file, []byte(`{"mailboxes": [`+strings.Join(boxes, ",\n")+`]}`), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "SMTP_LISTEN": "off", "HELPDESK_ADDRESS": "help@company.test",
			"BASE_URL": "https://help.company.test", "IMAP_URL": a.url("help@company.test", "helpsecret"), "HR_IMAP_PASSWORD": hrPassword,
			"IT_CLIENT_SECRET": clientSecret, "SECRET_KEY": secretKey, "ADMIN_EMAIL": "root@company.test"}
		if out, errOut, code := runCLI(t, env, "", "setup", "apply", file); code != 0 {
			t.Fatalf("setup apply: %d %q %q", code, out, errOut)
		}
		for _, u := range [][]string{{"root@company.test", "admin"}, {"ops@company.test", "admin"}, {"agent@company.test", "agent"}} {
			if out, errOut, code := runCLI(t, env, "", "user", "add", "--email", u[0], "--role", u[1]); code != 0 {
				t.Fatalf("user add %s: %d %q %q", u[0], code, out, errOut)
			}
		}
		connectDelegated(t, db.URL, "broken@company.test", secretKey, p, "tg-it", clientSecret, "alice@company.test")

		st := storagetest.Open(t, db.URL)
		subjects := func() map[string]int { return ticketSubjects(t, st) }
		mailbox := func(address string) *domain.Mailbox { return mailboxRow(t, st, address) }
		notices := func() []domain.OutboxMessage {
			ms, err := st.ListOutbox(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []domain.OutboxMessage
			for _, m := range ms {
				if m.Kind == string(domain.MailMailboxReauth) {
					full, err := st.GetOutbox(ctx, m.ID)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, *full)
				}
			}
			return out
		}
		// The grant's tokens, to look for in serve's output.
		sealer, err := mailauth.NewSealer([]byte(secretKey))
		if err != nil {
			t.Fatal(err)
		}
		var tokens []string
		keepTokens := func() {
			tok, err := st.MailboxTokens(mailbox("broken@company.test"), sealer).Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, tok.AccessToken, tok.RefreshToken)
		}
		keepTokens()

		tok := token(t)
		one := startServeInProcess(t, env)
		var outputs []string
		defer func() {
			if t.Failed() {
				t.Logf("serve output:\n%s", strings.Join(outputs, "\n----\n")+one.output())
			}
		}()
		// Connected, it works.
		a.deliver(t, "alice@company.test", "broken@company.test", "before "+tok)
		eventually(t, "the connected mailbox's mail as a ticket", func() bool { return subjects()["before "+tok] == 1 })
		eventually(t, "broken@ in state ok", func() bool { return mailbox("broken@company.test").State == domain.MailboxOK })
		keepTokens()

		// The provider refuses the grant from now on.
		p.SetInvalidGrant(true)
		eventually(t, "broken@ in state needs_reauthorization", func() bool {
			return mailbox("broken@company.test").State == domain.MailboxNeedsReauthorization
		})
		if m := mailbox("broken@company.test"); !strings.Contains(m.LastError, "invalid_grant") {
			t.Errorf("broken@'s last error %q lacks the provider's answer", m.LastError)
		}
		eventually(t, "the admins' mails", func() bool { return len(notices()) >= 2 })

		// Mail meanwhile: the broken mailbox keeps it, hr@ takes its own.
		a.deliver(t, "alice@company.test", "broken@company.test", "while broken "+tok)
		a.deliver(t, "hr@company.test", "hr@company.test", "hr while broken "+tok)
		eventually(t, "hr@'s mail as a ticket", func() bool { return subjects()["hr while broken "+tok] == 1 })

		_, metrics := get(t, "http://"+one.addr+"/metrics")
		for _, re := range []string{
			`ticketgate_mailbox_state\{mailbox="broken@company.test",state="needs_reauthorization"\} 1`,
			`ticketgate_mailbox_state\{mailbox="broken@company.test",state="ok"\} 0`,
			`ticketgate_mailbox_state\{mailbox="hr@company.test",state="ok"\} 1`,
			`ticketgate_mailbox_state\{mailbox="hr@company.test",state="needs_reauthorization"\} 0`,
			`ticketgate_imap_needs_reauthorization\{mailbox="broken@company.test"\} 1`,
		} {
			if !regexp.MustCompile(`(?m)^` + re + `$`).MatchString(metrics) {
				t.Errorf("/metrics lacks %s", re)
			}
		}

		// A second instance on the same database, and a restart.
		refusals := p.Stats().InvalidGrants
		var two *serveProc
		if db.Name == "postgres" {
			two = startServeInProcess(t, env) // stands by while one polls
		}
		outputs = append(outputs, one.output())
		if code := one.stop(); code != 0 {
			t.Errorf("serve exited %d", code)
		}
		if two == nil {
			two = startServeInProcess(t, env) // SQLite: one process at a time
		}
		eventually(t, "the second serve asking the provider", func() bool { return p.Stats().InvalidGrants > refusals })
		outputs = append(outputs, two.output())
		if code := two.stop(); code != 0 { // after its poller's report
			t.Errorf("the second serve exited %d", code)
		}
		outputs = append(outputs, two.output())

		ns := notices()
		to := map[string]int{}
		for _, n := range ns {
			to[n.To]++
			raw := string(n.Raw)
			for _, want := range []string{"broken@company.test", "invalid_grant", "https://help.company.test/admin/mail/mailboxes"} {
				if !strings.Contains(raw, want) {
					t.Errorf("the mail to %s does not say %q:\n%s", n.To, want, raw)
				}
			}
			for _, secret := range append([]string{clientSecret, secretKey}, tokens...) {
				if strings.Contains(raw, secret) {
					t.Errorf("the mail to %s shows a secret (%.4s…)", n.To, secret)
				}
			}
		}
		if len(ns) != 2 || to["root@company.test"] != 1 || to["ops@company.test"] != 1 {
			t.Errorf("reauthorization mails to %v, want one to root@ and one to ops@ (and none to the agent)", to)
		}

		// Nothing lost: the mail waits unseen in the mailbox.
		if got := subjects(); got["while broken "+tok] != 0 {
			t.Error("mail to the broken mailbox became a ticket")
		}
		if n := a.unseen(t, "alice@company.test"); n != 1 {
			t.Errorf("%d unseen mails in the broken mailbox, want 1 (the one that came while it was broken)", n)
		}

		logs := strings.Join(outputs, "\n")
		for _, secret := range append([]string{clientSecret, hrPassword, secretKey}, tokens...) {
			if secret != "" && strings.Contains(logs, secret) {
				t.Errorf("serve's output shows a secret or token (%.4s…)", secret)
			}
		}
		if strings.Contains(logs, "panic") {
			t.Error("serve panicked")
		}
	})
}

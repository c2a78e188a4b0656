package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"

	"ticketgate/domain"
	"ticketgate/domain/mailauth/mailauthtest"
	"ticketgate/inbox/imaptest"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// imapAccounts is an IMAP server with the accounts a test uses, reached
// without TLS: go-imap's memory server or the mail stack's Dovecot. Each
// test works in a folder of its own in every account, so tests that share
// Dovecot's accounts do not see each other's mail.
type imapAccounts struct {
	addr     string
	password map[string]string // by account
	folder   string
	// provider checks bearer tokens (the memory server only: Dovecot asks
	// the introspection port, which other tests may hold).
	provider *mailauthtest.Provider
}

// bearerSession is a memory-server session that also logs in with
// XOAUTH2 and OAUTHBEARER, checking tokens with the provider.
type bearerSession struct {
	imapserver.SessionIMAP4rev2
	provider *mailauthtest.Provider
	password map[string]string
}

func (s *bearerSession) AuthenticateMechanisms() []string {
	return []string{sasl.Plain, "XOAUTH2", sasl.OAuthBearer}
}

func (s *bearerSession) Authenticate(mech string) (sasl.Server, error) {
	check := func(user, token string) error {
		if err := s.provider.Verify(user, token); err != nil {
			return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "token refused"}
		}
		return s.SessionIMAP4rev2.Login(user, s.password[user])
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return s.SessionIMAP4rev2.Login(user, pass) }), nil
	case "XOAUTH2":
		return mailauthtest.NewXOAuth2Server(check), nil
	case sasl.OAuthBearer:
		return mailauthtest.NewOAuthBearerServer(check), nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// newMemAccounts is go-imap's memory server with help@, hr@, alice@ and
// it@ (the last for an OAuth2 app-only login through provider).
func newMemAccounts(t *testing.T, provider *mailauthtest.Provider) *imapAccounts {
	t.Helper()
	a := &imapAccounts{password: map[string]string{"help@company.test": "helpsecret", "hr@company.test": "hrsecret",
		"alice@company.test": "secret", "it@company.test": "itsecret"}, folder: "Wire", provider: provider}
	mem := imapmemserver.New()
	for user, pass := range a.password {
		u := imapmemserver.NewUser(user, pass)
		u.Create("INBOX", nil)
		mem.AddUser(u)
	}
	a.addr = imaptest.Serve(t, func() imapserver.Session {
		return &bearerSession{SessionIMAP4rev2: mem.NewSession().(imapserver.SessionIMAP4rev2), provider: provider, password: a.password}
	}, nil)
	return a
}

// dovecotAccounts is the mail stack's Dovecot, with help@, hr@ and
// alice@ (MAILSTACK=1).
func dovecotAccounts(t *testing.T) *imapAccounts {
	t.Helper()
	host, port := os.Getenv("IMAP_HOST"), os.Getenv("IMAP_PORT")
	if host == "" {
		host, port = "127.0.0.1", "1143"
	}
	return &imapAccounts{addr: net.JoinHostPort(host, port), folder: fmt.Sprintf("Wire%d", time.Now().UnixNano()),
		password: map[string]string{"help@company.test": "helpsecret", "hr@company.test": "hrsecret", "alice@company.test": "secret"}}
}

func (a *imapAccounts) client(t *testing.T, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(a.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(user, a.password[user]).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// prepare creates the test's folder in user's account, removed at the end.
func (a *imapAccounts) prepare(t *testing.T, user string) {
	t.Helper()
	c := a.client(t, user)
	defer c.Logout()
	if err := c.Create(a.folder, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := imapclient.DialInsecure(a.addr, nil)
		if err != nil {
			return
		}
		if c.Login(user, a.password[user]).Wait() == nil {
			c.Delete(a.folder).Wait()
		}
		c.Logout()
	})
}

// url is the IMAP URL of user's test folder, with password when given.
func (a *imapAccounts) url(user, password string) string {
	if password == "" {
		return fmt.Sprintf("imap://%s@%s/%s?tls=none", user, a.addr, a.folder)
	}
	return fmt.Sprintf("imap://%s:%s@%s/%s?tls=none", strings.Replace(user, "@", "%40", 1), password, a.addr, a.folder)
}

func (a *imapAccounts) deliver(t *testing.T, user, to, subject string) {
	t.Helper()
	c := a.client(t, user)
	defer c.Logout()
	raw := fmt.Sprintf("From: Ann <ann@company.test>\r\nTo: %s\r\nSubject: %s\r\nMessage-Id: <%s@company.test>\r\nDate: Sun, 06 Dec 2026 09:00:00 +0000\r\n\r\nPlease help.\r\n",
		to, subject, strings.ReplaceAll(subject, " ", "-"))
	cmd := c.Append(a.folder, int64(len(raw)), nil)
	cmd.Write([]byte(raw))
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func (a *imapAccounts) unseen(t *testing.T, user string) int {
	t.Helper()
	c := a.client(t, user)
	defer c.Logout()
	if _, err := c.Select(a.folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return len(data.AllUIDs())
}

// TestServeMailboxesMemory runs serve with IMAP_URL's mailbox and the
// mailboxes of a setup file on go-imap's memory server (see
// testServeMailboxes); it runs everywhere.
func TestServeMailboxesMemory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		p := mailauthtest.New("it@company.test", mailauthtest.Client{ID: "tg-it", Secret: "it-client-secret-5eed", Email: "it@company.test"})
		if err := p.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		testServeMailboxes(t, db, newMemAccounts(t, p))
		if s := p.Stats(); s.ClientCredentials == 0 {
			t.Errorf("provider stats %+v: it@ never fetched a token", s)
		}
	})
}

// TestServeMailboxesDovecot is the same on the mail stack's Dovecot
// (MAILSTACK=1), without the OAuth2 app-only mailbox.
func TestServeMailboxesDovecot(t *testing.T) {
	if os.Getenv("MAILSTACK") != "1" {
		t.Skip("MAILSTACK=1 not set: tests against the real mail stack skipped")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		testServeMailboxes(t, db, dovecotAccounts(t))
	})
}

// testServeMailboxes: serve polls help@ (IMAP_URL) and the enabled
// mailboxes of the table: hr@ with its password from an environment
// variable, and, on the memory server, it@ with OAuth2 client
// credentials. Mail to each becomes a ticket. The disabled mailbox is not
// polled; the one with a wrong password goes to state error with the
// server's answer while the others keep taking mail in; a delegated grant
// never connected waits in needs_reauthorization. /metrics and the
// startup lines name each mailbox; no secret shows in serve's output.
func testServeMailboxes(t *testing.T, db storagetest.DB, a *imapAccounts) {
	ctx := context.Background()
	oauth := a.provider != nil
	users := []string{"help@company.test", "hr@company.test", "alice@company.test"}
	if oauth {
		users = append(users, "it@company.test")
	}
	for _, u := range users {
		a.prepare(t, u)
	}
	const hrPassword, clientSecret, wrong = "hrsecret", "it-client-secret-5eed", "not-the-password-0f"
	tokenURL, authURL := "http://127.0.0.1:1/token", "http://127.0.0.1:1/authorize" // never asked
	if oauth {
		tokenURL, authURL = a.provider.TokenURL(), a.provider.AuthURL()
	}
	boxes := []string{
		fmt.Sprintf(`{"address": "hr@company.test", "name": "HR", "imap_url": %q, "imap_password_env": "HR_IMAP_PASSWORD"}`, a.url("hr@company.test", "")),
		fmt.Sprintf(`{"address": "facilities@company.test", "imap_url": %q, "imap_password_env": "ALICE_PASSWORD", "enabled": false}`, a.url("alice@company.test", "")),
		fmt.Sprintf(`{"address": "wrong@company.test", "imap_url": %q, "imap_password_env": "WRONG_PASSWORD"}`,
			strings.Replace(a.url("alice@company.test", ""), a.folder, a.folder+"W", 1)),
		fmt.Sprintf(`{"address": "connect@company.test", "imap_url": %q, "auth": "oauth2", "oauth2": {"provider": "generic", "grant": "delegated",
		  "client_id": "tg-it", "client_secret_env": "IT_CLIENT_SECRET", "token_url": %q, "auth_url": %q}}`,
			strings.Replace(a.url("alice@company.test", ""), a.folder, a.folder+"D", 1), tokenURL, authURL),
	}
	if oauth {
		boxes = append(boxes, fmt.Sprintf(`{"address": "it@company.test", "imap_url": %q, "auth": "oauth2", "oauth2": {"provider": "generic",
		  "grant": "app_only", "client_id": "tg-it", "client_secret_env": "IT_CLIENT_SECRET", "token_url": %q, "mechanism": "xoauth2"}}`,
			a.url("it@company.test", ""), tokenURL))
	}
	file := filepath.Join(t.TempDir(), "setup.json")
	if err := os.WriteFile(file, []byte(`{"mailboxes": [`+strings.Join(boxes, ",\n")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "SMTP_LISTEN": "off", "HELPDESK_ADDRESS": "help@company.test",
		"IMAP_URL": a.url("help@company.test", "helpsecret"), "HR_IMAP_PASSWORD": hrPassword, "ALICE_PASSWORD": "secret",
		"WRONG_PASSWORD": wrong, "IT_CLIENT_SECRET": clientSecret, "SECRET_KEY": "0123456789abcdef0123456789abcdef-wire"}
	if out, errOut, code := runCLI(t, env, "", "setup", "apply", file); code != 0 {
		t.Fatalf("setup apply: %d %q %q", code, out, errOut)
	}

	// Mail waits in each mailbox before serve starts.
	tok := token(t)
	a.deliver(t, "help@company.test", "help@company.test", "help "+tok)
	a.deliver(t, "hr@company.test", "hr@company.test", "hr "+tok)
	a.deliver(t, "alice@company.test", "facilities@company.test", "facilities "+tok)
	want := []string{"help " + tok, "hr " + tok}
	if oauth {
		a.deliver(t, "it@company.test", "it@company.test", "it "+tok)
		want = append(want, "it "+tok)
	}

	st := storagetest.Open(t, db.URL)
	subjects := func() map[string]int { return ticketSubjects(t, st) }
	state := func(address string) *domain.Mailbox { return mailboxRow(t, st, address) }

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(sctx, []string{"serve"}, envOf(env), strings.NewReader(""), &out, &errOut) }()
	defer func() {
		if t.Failed() {
			t.Logf("serve output:\n%s\n%s", out.String(), errOut.String())
		}
	}()
	addr := waitFor(t, &out, listeningRE)[1]
	for _, line := range []string{
		"mail in: polling IMAP mailbox imap://help@company.test@" + a.addr + "/" + a.folder + " (help@company.test)",
		"mail in: polling IMAP mailbox imap://hr@company.test@" + a.addr + "/" + a.folder + " (hr@company.test)",
		"mail in: polling IMAP mailbox imap://alice@company.test@" + a.addr + "/" + a.folder + "W (wrong@company.test)",
		"mail in: not polling facilities@company.test: disabled",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("serve's startup lines lack %q", line)
		}
	}

	eventually(t, "a ticket per polled mailbox", func() bool {
		got := subjects()
		for _, s := range want {
			if got[s] != 1 {
				return false
			}
		}
		return true
	})
	eventually(t, "wrong@ in state error", func() bool { return state("wrong@company.test").State == domain.MailboxError })
	if m := state("wrong@company.test"); !strings.Contains(m.LastError, "log in to "+a.addr+" as alice@company.test") || m.StateAt.IsZero() {
		t.Errorf("wrong@: state %s, last error %q", m.State, m.LastError)
	}
	eventually(t, "connect@ in state needs_reauthorization", func() bool {
		return state("connect@company.test").State == domain.MailboxNeedsReauthorization
	})
	if m := state("connect@company.test"); !strings.Contains(m.LastError, "connect it first") {
		t.Errorf("connect@: last error %q", m.LastError)
	}
	eventually(t, "hr@ in state ok", func() bool { return state("hr@company.test").State == domain.MailboxOK })

	// The others keep working beside the failing ones.
	a.deliver(t, "hr@company.test", "hr@company.test", "hr again "+tok)
	a.deliver(t, "help@company.test", "help@company.test", "help again "+tok)
	eventually(t, "the second mails' tickets", func() bool {
		got := subjects()
		return got["hr again "+tok] == 1 && got["help again "+tok] == 1
	})

	_, metrics := get(t, "http://"+addr+"/metrics")
	for _, re := range []string{`ticketgate_imap_connected\{mailbox="help@company.test"\} 1`, `ticketgate_imap_connected\{mailbox="hr@company.test"\} 1`,
		`ticketgate_imap_connected\{mailbox="wrong@company.test"\} 0`, `ticketgate_imap_needs_reauthorization\{mailbox="connect@company.test"\} 1`} {
		if !regexp.MustCompile(`(?m)^` + re + `$`).MatchString(metrics) {
			t.Errorf("/metrics lacks %s", re)
		}
	}
	if strings.Contains(metrics, "facilities@") {
		t.Error("/metrics has a series of the disabled mailbox")
	}

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d", code)
	}
	// The disabled mailbox's mail was left alone.
	if got := subjects(); got["facilities "+tok] != 0 {
		t.Error("the disabled mailbox's mail became a ticket")
	}
	if n := a.unseen(t, "alice@company.test"); n != 1 {
		t.Errorf("%d unseen mails in the disabled mailbox, want 1", n)
	}
	if m := state("facilities@company.test"); m.State != domain.MailboxNew {
		t.Errorf("the disabled mailbox's state is %s, want new", m.State)
	}
	logs := out.String() + errOut.String()
	for _, secret := range []string{hrPassword, clientSecret, wrong} {
		if strings.Contains(logs, secret) {
			t.Errorf("serve's output shows a secret (%.4s…)", secret)
		}
	}
	if strings.Contains(logs, "panic") {
		t.Error("serve panicked")
	}
}

// ticketSubjects counts the tickets of st by subject.
func ticketSubjects(t *testing.T, st *storage.Store) map[string]int {
	t.Helper()
	ts, err := st.ListTickets(context.Background(), domain.TicketQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, tk := range ts {
		got[tk.Subject]++
	}
	return got
}

// mailboxRow reads the mailbox at address from st.
func mailboxRow(t *testing.T, st *storage.Store, address string) *domain.Mailbox {
	t.Helper()
	m, err := st.GetMailboxByAddress(context.Background(), address)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/domain/mailauth/mailauthtest"
	"ticketgate/storage/storagetest"
)

// TestServeReconnectMemory: a delegated OAuth2 mailbox whose provider
// refuses the grant goes to needs_reauthorization and leaves its mail
// where it is; an admin, in Chromium, sees the dashboard's banner, follows
// Reconnect, presses Reconnect on the mailbox's row, passes the provider's
// authorize page and lands on the Mailboxes page with the success
// message; the poller resumes at once and the mail that waited becomes a
// ticket. On go-imap's memory server, so it runs wherever Chromium is.
func TestServeReconnectMemory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		p := newConnectProvider(t, "127.0.0.1:0")
		testServeReconnect(t, db, newMemAccounts(t, p), p)
	})
}

// TestServeReconnectDovecot is the same against the mail stack's Dovecot
// (MAILSTACK=1), which asks the provider on 127.0.0.1:9099 about each
// token.
func TestServeReconnectDovecot(t *testing.T) {
	if os.Getenv("MAILSTACK") != "1" {
		t.Skip("MAILSTACK=1 not set: tests against the real mail stack skipped")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		testServeReconnect(t, db, dovecotAccounts(t), newConnectProvider(t, mailauthtest.DovecotAddr()))
	})
}

const connectClientSecret = "connect-client-secret-77aa"

// newConnectProvider starts the test provider on addr; another test may
// hold Dovecot's port for a while, so the listen is retried (StartShared).
func newConnectProvider(t *testing.T, addr string) *mailauthtest.Provider {
	t.Helper()
	p := mailauthtest.New("alice@company.test", mailauthtest.Client{ID: "tg-connect", Secret: connectClientSecret})
	if err := p.StartShared(addr, 3*time.Minute); err != nil {
		t.Fatalf("start the OAuth2 provider on %s: %v", addr, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// freeAddr is a loopback address with a port free a moment ago: serve's
// BASE_URL must name its port before it starts (the redirect URI).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func testServeReconnect(t *testing.T, db storagetest.DB, a *imapAccounts, p *mailauthtest.Provider) {
	ctx := context.Background()
	chromium := findChromium(t)
	const user, secretKey = "alice@company.test", "0123456789abcdef0123456789abcdef-connect"
	a.prepare(t, user)
	file := filepath.Join(t.TempDir(), "setup.json")
	box := fmt.Sprintf(`{"mailboxes": [{"address": %q, "name": "Alice's desk", "imap_url": %q, "auth": "oauth2", "oauth2": {"provider": "generic",
	  "grant": "delegated", "client_id": "tg-connect", "client_secret_env": "CONNECT_CLIENT_SECRET", "token_url": %q, "auth_url": %q, "mechanism": "xoauth2"}}]}`,
		user, a.url(user, ""), p.TokenURL(), p.AuthURL())
	if err := os.WriteFile(file, []byte(box), 0o600); err != nil {
		t.Fatal(err)
	}
	httpAddr := freeAddr(t)
	baseURL := "http://" + httpAddr
	env := map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": httpAddr, "BASE_URL": baseURL, "SMTP_LISTEN": "off",
		"HELPDESK_ADDRESS": "help@company.test", "ADMIN_EMAIL": "root@company.test", "SECRET_KEY": secretKey,
		"CONNECT_CLIENT_SECRET": connectClientSecret, "LOG_LEVEL": "debug"}
	if out, errOut, code := runCLI(t, env, "", "setup", "apply", file); code != 0 {
		t.Fatalf("setup apply: %d %q %q", code, out, errOut)
	}

	// The mailbox was connected once; then the consent was revoked: the
	// provider answers invalid_grant to its refresh.
	st := storagetest.Open(t, db.URL)
	m, err := st.GetMailboxByAddress(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := mailauth.NewSealer([]byte(secretKey))
	if err != nil {
		t.Fatal(err)
	}
	p.SetLifetime(time.Second) // so that the first login refreshes
	del := mailauth.Generic{AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), ClientID: "tg-connect", ClientSecret: connectClientSecret}.
		Delegated(baseURL + callbackPath)
	first := authorize(t, del, user)
	if err := mailauth.Connect(ctx, st.MailboxTokens(m, sealer), first); err != nil {
		t.Fatal(err)
	}
	p.SetInvalidGrant(true)
	p.SetLifetime(time.Hour)
	hash, _ := bcrypt.GenerateFromPassword([]byte("root's long passphrase"), bcrypt.MinCost)
	if err := st.CreateUser(ctx, &domain.User{Email: "root@company.test", Name: "Root", Role: domain.RoleAdmin, PasswordHash: string(hash),
		CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

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
	waitFor(t, &out, listeningRE)
	state := func() *domain.Mailbox {
		m, err := st.GetMailboxByAddress(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	eventually(t, "needs_reauthorization", func() bool { return state().State == domain.MailboxNeedsReauthorization })
	if s := p.Stats(); s.InvalidGrants == 0 {
		t.Errorf("provider %+v: no invalid_grant answered", s)
	}
	// Mail arrives meanwhile, and stays in the mailbox.
	tok := token(t)
	subject := "waiting " + tok
	a.deliver(t, user, user, subject)
	tickets := func() int {
		ts, err := st.ListTickets(ctx, domain.TicketQuery{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, tk := range ts {
			if tk.Subject == subject {
				n++
			}
		}
		return n
	}
	if n := a.unseen(t, user); n != 1 || tickets() != 0 {
		t.Fatalf("while waiting for reauthorization: %d unseen mails, %d tickets; want 1 and 0", n, tickets())
	}

	// The admin re-consents at the provider and reconnects, in Chromium.
	p.SetInvalidGrant(false)
	br := startChromium(t, chromium)
	br.run("sign in", chromedp.Navigate(baseURL+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "root@company.test"), chromedp.SendKeys(chromedp.CSS("#password"), "root's long passphrase"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"]`)))
	br.run("dashboard", chromedp.Navigate(baseURL+"/admin"), chromedp.WaitVisible(chromedp.CSS("#reauth-banner")))
	if s := br.text("#reauth-banner"); !strings.Contains(s, user+" must be connected again") {
		t.Errorf("the banner says %q", s)
	}
	br.shot("dashboard-reauth")
	br.run("follow Reconnect", chromedp.Click(chromedp.CSS("#reauth-link")), chromedp.WaitVisible(chromedp.CSS("#mailboxes-table")))
	br.shot("mailboxes-reauth")
	if s := br.text("main"); !strings.Contains(s, "must be connected again") || !strings.Contains(s, "invalid_grant") {
		t.Errorf("the Mailboxes page says:\n%s", s)
	}
	br.run("press Reconnect", chromedp.Click(chromedp.CSS("#mailbox-alice-at-company-test button.mailbox-connect")))
	br.waitLocation(baseURL + "/admin/mail/mailboxes?ok=mbconnected")
	br.run("the Mailboxes page", chromedp.WaitVisible(chromedp.CSS("#mailboxes-table")))
	if s := br.text("main"); !strings.Contains(s, "The mailbox is connected.") {
		t.Errorf("after the provider, the page says:\n%s", s)
	}
	br.shot("mailboxes-connected")
	if s := p.Stats(); s.Codes != 2 {
		t.Errorf("provider %+v: want the second authorization code exchanged", s)
	}

	// The poller resumes at once (its wait after a refused grant is a
	// minute): the mail that waited becomes a ticket.
	eventually(t, "the waiting mail's ticket", func() bool { return tickets() == 1 })
	eventually(t, "state ok", func() bool { return state().State == domain.MailboxOK })
	br.run("dashboard again", chromedp.Navigate(baseURL+"/admin"), chromedp.WaitVisible(chromedp.CSS("#figures")))
	if s := br.text("main"); strings.Contains(s, "must be connected again") {
		t.Error("the banner stays after reconnecting")
	}

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d", code)
	}
	stored, err := st.MailboxTokens(m, sealer).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logs := out.String() + errOut.String()
	for _, secret := range []string{connectClientSecret, stored.AccessToken, stored.RefreshToken, first.RefreshToken} {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("serve's output shows a secret (%.6s…)", secret)
		}
	}
}

// authorize runs the authorization-code flow without a browser and
// returns the tokens.
func authorize(t *testing.T, d *mailauth.Delegated, user string) *oauth2.Token {
	t.Helper()
	a, err := d.Start(user)
	if err != nil {
		t.Fatal(err)
	}
	state, code := mailauthtest.SignIn(t, a.URL)
	tok, err := d.Exchange(context.Background(), a, state, code, mailauth.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// findChromium returns Chromium's path, skipping the test without one
// (failing it under CI=true, where .ci/run installs it).
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found (install the chromium package; .ci/run does): the browser tests must run in CI")
	}
	t.Skip("no Chromium found: skipping the browser test (apt-get install chromium, or set CHROMIUM_PATH)")
	return ""
}

// chromium is one headless browser tab.
type chromium struct {
	t   *testing.T
	ctx context.Context
}

func startChromium(t *testing.T, path string) *chromium {
	t.Helper()
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(path),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if _, err := chromedp.Run(ctx, chromedp.Title()); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return &chromium{t: t, ctx: ctx}
}

func (c *chromium) location() string {
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (c *chromium) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		c.t.Fatalf("%s: %v (at %s)", what, err, c.location())
	}
}

func (c *chromium) text(sel string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		c.t.Fatalf("read %s: %v (at %s)", sel, err, c.location())
	}
	return s
}

// shot saves a screenshot of the page as name.png in $SCREENSHOT_DIR,
// when it is set, to look at.
func (c *chromium) shot(name string) {
	c.t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		c.t.Errorf("save screenshot: %v", err)
	}
}

// waitLocation waits until the tab is at want (fragment aside).
func (c *chromium) waitLocation(want string) {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		loc, _, _ := strings.Cut(c.location(), "#")
		if loc == want {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("at %s, want %s", loc, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMailboxConnector: Start's pending flow opens only for the session it
// was sealed for and only for 10 minutes; a good callback stores the
// grant (Connected turns true) and Resume wakes the mailbox's poller;
// without SECRET_KEY, Connect says what to set.
func TestMailboxConnector(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		p := newConnectProvider(t, "127.0.0.1:0")
		st := storagetest.Open(t, db.URL)
		m := &domain.Mailbox{Address: "alice@company.test", IMAPURL: "imap://alice@company.test@127.0.0.1:1/INBOX?tls=none", Enabled: true,
			Auth: domain.AuthOAuth2, OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderGeneric, Grant: domain.GrantDelegated,
				ClientID: "tg-connect", ClientSecret: domain.SecretRef{Env: "CONNECT_CLIENT_SECRET"}, AuthURL: p.AuthURL(), TokenURL: p.TokenURL()}}
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateMailbox(ctx, m); err != nil {
			t.Fatal(err)
		}
		sealer, _ := mailauth.NewSealer([]byte("0123456789abcdef0123456789abcdef-unit"))
		now := time.Now()
		var woken []string
		c := &mailboxConnector{st: st, now: func() time.Time { return now }, resume: func(a string) { woken = append(woken, a) },
			secrets: mailboxSecrets{lookupEnv: envOf(map[string]string{"CONNECT_CLIENT_SECRET": connectClientSecret}), sealer: sealer,
				baseURL: "http://portal.test"}}
		if ok, err := c.Connected(ctx, m.Address); ok || err != nil {
			t.Errorf("Connected before connecting = %v, %v", ok, err)
		}
		// start returns the pending flow and the provider's answer to it.
		start := func(bind string) ([]byte, url.Values) {
			t.Helper()
			authURL, pending, err := c.Start(ctx, m.Address, bind)
			if err != nil {
				t.Fatal(err)
			}
			if u, _ := url.Parse(authURL); u.Query().Get("redirect_uri") != "http://portal.test"+callbackPath ||
				u.Query().Get("code_challenge_method") != "S256" || u.Query().Get("login_hint") != "alice@company.test" {
				t.Errorf("authorization URL %s", authURL)
			}
			if strings.Contains(string(pending), "alice") {
				t.Error("the pending flow is not sealed")
			}
			state, code := mailauthtest.SignIn(t, authURL)
			return pending, url.Values{"state": {state}, "code": {code}}
		}
		pending, q := start("session-1")
		if _, err := c.Finish(ctx, pending, "session-2", q.Get("state"), q.Get("code")); !errors.Is(err, mailauth.ErrStateMismatch) {
			t.Errorf("Finish in another session: %v, want ErrStateMismatch", err)
		}
		if _, err := c.Finish(ctx, pending, "session-1", "forged", q.Get("code")); !errors.Is(err, mailauth.ErrStateMismatch) {
			t.Errorf("Finish with another state: %v, want ErrStateMismatch", err)
		}
		now = now.Add(connectTTL + time.Second)
		if _, err := c.Finish(ctx, pending, "session-1", q.Get("state"), q.Get("code")); !errors.Is(err, mailauth.ErrStateMismatch) {
			t.Errorf("Finish after %s: %v, want ErrStateMismatch", connectTTL, err)
		}
		pending, q = start("session-1")
		addr, err := c.Finish(ctx, pending, "session-1", q.Get("state"), q.Get("code"))
		if err != nil || addr != m.Address {
			t.Fatalf("Finish = %q, %v", addr, err)
		}
		if ok, err := c.Connected(ctx, m.Address); !ok || err != nil {
			t.Errorf("Connected after connecting = %v, %v", ok, err)
		}
		if tok, err := st.MailboxTokens(m, sealer).Load(ctx); err != nil || tok.RefreshToken == "" {
			t.Errorf("stored grant: %v", err)
		}
		c.Resume(m.Address)
		if len(woken) != 1 || woken[0] != m.Address {
			t.Errorf("Resume woke %v", woken)
		}

		c.secrets.sealer = nil
		if _, _, err := c.Start(ctx, m.Address, "session-1"); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
			t.Errorf("Start without SECRET_KEY: %v", err)
		}
	})
}

// TestWakersResume: waking a mailbox's poller also gives it a fresh state
// writer, so its next report is written even if it repeats the last one.
func TestWakersResume(t *testing.T) {
	var w wakers
	made := 0
	var got []string
	report, wake := w.resumable("hr@company.test", func() func(error) {
		made++
		n := made
		var last error
		return func(err error) {
			if err != last {
				got = append(got, fmt.Sprintf("writer %d: %v", n, err))
			}
			last = err
		}
	})
	refused := errors.New("refused")
	report(refused)
	report(refused) // a repeat: not written
	w.resume("hr@company.test")
	w.resume("hr@company.test") // one wake-up pending at most
	w.resume("it@company.test") // no poller: nothing
	<-wake
	select {
	case <-wake:
		t.Error("two wake-ups pending")
	default:
	}
	report(refused) // the same error after reconnecting: written
	if want := []string{"writer 1: refused", "writer 3: refused"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("reports %q, want %q", got, want)
	}
}

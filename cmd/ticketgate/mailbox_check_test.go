package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/domain/mailauth/mailauthtest"
	"ticketgate/inbox/imaptest"
	"ticketgate/storage/storagetest"
)

// testRelay is a go-smtp server in-process, without TLS: AUTH PLAIN with
// the passwords it knows, XOAUTH2 and OAUTHBEARER with tokens the provider
// issued. It records who logged in and never accepts a message.
type testRelay struct {
	addr string
	mu   sync.Mutex
	// logins are "MECH user" of the logins that succeeded.
	logins []string
	sent   int
}

func newTestRelay(t *testing.T, passwords map[string]string, provider *mailauthtest.Provider) *testRelay {
	t.Helper()
	r := &testRelay{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &relaySession{r: r, passwords: passwords, provider: provider}, nil
	}))
	srv.Domain, srv.AllowInsecureAuth = "relay.test", true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	r.addr = ln.Addr().String()
	return r
}

func (r *testRelay) login(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logins = append(r.logins, s)
}

func (r *testRelay) loggedIn() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.logins...)
}

type relaySession struct {
	r         *testRelay
	passwords map[string]string
	provider  *mailauthtest.Provider
}

func (s *relaySession) AuthMechanisms() []string {
	return []string{sasl.Plain, "XOAUTH2", sasl.OAuthBearer}
}

func (s *relaySession) Auth(mech string) (sasl.Server, error) {
	refused := &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
	check := func(user, token string) error {
		if s.provider == nil || s.provider.Verify(user, token) != nil {
			return refused
		}
		s.r.login(mech + " " + user)
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error {
			if want, ok := s.passwords[user]; !ok || want != pass {
				return refused
			}
			s.r.login(mech + " " + user)
			return nil
		}), nil
	case "XOAUTH2":
		return mailauthtest.NewXOAuth2Server(check), nil
	case sasl.OAuthBearer:
		return mailauthtest.NewOAuthBearerServer(check), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *relaySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *relaySession) Data(r io.Reader) error {
	s.r.mu.Lock()
	s.r.sent++
	s.r.mu.Unlock()
	return &smtp.SMTPError{Code: 554, Message: "a test never sends"}
}
func (s *relaySession) Reset()        {}
func (s *relaySession) Logout() error { return nil }

// selfSignedIMAP is an IMAP server offering STARTTLS with a certificate
// no one trusts.
func selfSignedIMAP(t *testing.T) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "untrusted"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	mem := imapmemserver.New()
	return imaptest.Serve(t, func() imapserver.Session { return mem.NewSession() },
		&tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
}

// connectDelegated runs the authorization-code flow with PKCE against the
// test provider, as the admin page's Connect does, and keeps the grant of
// login in address's row.
func connectDelegated(t *testing.T, dbURL, address, secretKey string, p *mailauthtest.Provider, clientID, secret, login string) {
	t.Helper()
	ctx := context.Background()
	st := storagetest.Open(t, dbURL)
	m, err := st.GetMailboxByAddress(ctx, address)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := mailauth.NewSealer([]byte(secretKey))
	if err != nil {
		t.Fatal(err)
	}
	d := mailauth.Generic{AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), ClientID: clientID, ClientSecret: secret}.
		Delegated("http://127.0.0.1:1" + callbackPath)
	a, err := d.Start(login)
	if err != nil {
		t.Fatal(err)
	}
	state, code := mailauthtest.SignIn(t, a.URL)
	tok, err := d.Exchange(ctx, a, state, code, mailauth.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := mailauth.Connect(ctx, st.MailboxTokens(m, sealer), tok); err != nil {
		t.Fatal(err)
	}
}

// mailboxTestResult is `mailbox test --json`'s output.
type mailboxTestResult struct {
	Address string `json:"address"`
	OK      bool   `json:"ok"`
	Checks  []struct {
		Step   string `json:"step"`
		OK     bool   `json:"ok"`
		Detail string `json:"detail"`
	} `json:"checks"`
}

// TestMailboxTestMemory: `ticketgate mailbox test` against go-imap's
// memory server and a go-smtp relay in-process (runs everywhere), on
// SQLite and PostgreSQL: a password mailbox passes every step; a wrong
// password fails the IMAP step with words; an OAuth2 app-only mailbox
// gets its token and logs in with it over IMAP and SMTP (the servers
// check the token with the provider); a wrong client secret and a revoked
// delegated grant fail the token step with words; an untrusted
// certificate fails with TLS_CA_FILE's name; IMAP_URL's mailbox is tested
// by HELPDESK_ADDRESS; no step's output holds a secret; exit 1 on any
// failure.
func TestMailboxTestMemory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		const clientSecret, hrPassword, wrong, badSecret = "it-client-secret-5eed", "hrsecret", "not-the-password-0f", "not-the-client-secret-77"
		const secretKey = "0123456789abcdef0123456789abcdef-check"
		p := mailauthtest.New("alice@company.test", mailauthtest.Client{ID: "tg-it", Secret: clientSecret, Email: "it@company.test"})
		if err := p.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		a := newMemAccounts(t, p)
		for _, u := range []string{"help@company.test", "hr@company.test", "alice@company.test", "it@company.test"} {
			a.prepare(t, u)
		}
		relay := newTestRelay(t, map[string]string{"hr@company.test": hrPassword}, p)
		tlsAddr := selfSignedIMAP(t)
		smtpURL := func(user string) string {
			return fmt.Sprintf("smtp://%s@%s?tls=none", strings.Replace(user, "@", "%40", 1), relay.addr)
		}
		boxes := []string{
			fmt.Sprintf(`{"address": "hr@company.test", "imap_url": %q, "imap_password_env": "HR_PASSWORD", "smtp_url": %q, "smtp_password_env": "HR_PASSWORD"}`,
				a.url("hr@company.test", ""), smtpURL("hr@company.test")),
			fmt.Sprintf(`{"address": "wrong@company.test", "imap_url": %q, "imap_password_env": "WRONG_PASSWORD"}`, a.url("alice@company.test", "")),
			fmt.Sprintf(`{"address": "it@company.test", "imap_url": %q, "smtp_url": %q, "auth": "oauth2", "oauth2": {"provider": "generic",
			  "grant": "app_only", "client_id": "tg-it", "client_secret_env": "IT_CLIENT_SECRET", "token_url": %q, "mechanism": "xoauth2"}}`,
				a.url("it@company.test", ""), smtpURL("it@company.test"), p.TokenURL()),
			fmt.Sprintf(`{"address": "badsecret@company.test", "imap_url": %q, "auth": "oauth2", "oauth2": {"provider": "generic",
			  "grant": "app_only", "client_id": "tg-it", "client_secret_env": "BAD_SECRET", "token_url": %q}}`,
				a.url("it@company.test", ""), p.TokenURL()),
			fmt.Sprintf(`{"address": "revoked@company.test", "imap_url": %q, "auth": "oauth2", "oauth2": {"provider": "generic",
			  "grant": "delegated", "client_id": "tg-it", "client_secret_env": "IT_CLIENT_SECRET", "token_url": %q, "auth_url": %q}}`,
				a.url("alice@company.test", ""), p.TokenURL(), p.AuthURL()),
			fmt.Sprintf(`{"address": "tls@company.test", "imap_url": "imap://help%%40company.test@%s/INBOX", "imap_password_env": "HR_PASSWORD"}`, tlsAddr),
		}
		file := filepath.Join(t.TempDir(), "setup.json")
		if err := os.WriteFile(file, []byte(`{"mailboxes": [`+strings.Join(boxes, ",\n")+`]}`), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"DATABASE_URL": db.URL, "HELPDESK_ADDRESS": "help@company.test", "SECRET_KEY": secretKey,
			"IMAP_URL": a.url("help@company.test", "helpsecret"), "SMTP_URL": smtpURL("hr@company.test") + "&x=1",
			"HR_PASSWORD": hrPassword, "WRONG_PASSWORD": wrong, "IT_CLIENT_SECRET": clientSecret, "BAD_SECRET": badSecret}
		// SMTP_URL logs in as hr@ with its password in the URL.
		env["SMTP_URL"] = fmt.Sprintf("smtp://hr%%40company.test:%s@%s?tls=none", hrPassword, relay.addr)
		if out, errOut, code := runCLI(t, env, "", "setup", "apply", file); code != 0 {
			t.Fatalf("setup apply: %d %q %q", code, out, errOut)
		}
		var outputs []string
		test := func(address string, wantCode int) mailboxTestResult {
			t.Helper()
			out, errOut, code := runCLI(t, env, "", "mailbox", "test", address, "--json", "--timeout", "10s")
			outputs = append(outputs, out, errOut)
			var r mailboxTestResult
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("mailbox test %s: %v in %q (stderr %q)", address, err, out, errOut)
			}
			if code != wantCode || r.OK != (wantCode == 0) {
				t.Errorf("mailbox test %s: exit %d ok %v, want exit %d; %+v %q", address, code, r.OK, wantCode, r, errOut)
			}
			return r
		}
		type want struct {
			step   string
			ok     bool
			detail string
		}
		expect := func(r mailboxTestResult, wants ...want) {
			t.Helper()
			if len(r.Checks) != len(wants) {
				t.Errorf("%s: %d checks %+v, want %d", r.Address, len(r.Checks), r.Checks, len(wants))
				return
			}
			for i, w := range wants {
				c := r.Checks[i]
				if c.Step != w.step || c.OK != w.ok || !strings.Contains(c.Detail, w.detail) {
					t.Errorf("%s: check %d = %+v, want %s ok=%v saying %q", r.Address, i, c, w.step, w.ok, w.detail)
				}
			}
		}

		expect(test("HR@company.test", 0),
			want{stepIMAP, true, "opened the folder " + a.folder + ": 0 mail(s)"},
			want{stepSMTP, true, "EHLO, AUTH at smtp://" + relay.addr + "?tls=none (the mailbox's smtp_url) worked; nothing was sent"})
		expect(test("wrong@company.test", 1),
			want{stepIMAP, false, "check the user name and the password"},
			want{stepSMTP, true, "SMTP_URL's relay"})
		expect(test("it@company.test", 0),
			want{stepToken, true, "the provider gave an access token, valid until"},
			want{stepIMAP, true, "opened the folder"},
			want{stepSMTP, true, "EHLO, AUTH (OAuth2) at smtp://" + relay.addr + "?tls=none (the mailbox's smtp_url)"})
		expect(test("badsecret@company.test", 1),
			want{stepToken, false, "the client secret (or certificate) is wrong"},
			want{stepIMAP, false, "no OAuth2 token"},
			want{stepSMTP, true, "SMTP_URL's relay"})
		expect(test("tls@company.test", 1),
			want{stepIMAP, false, "set TLS_CA_FILE"},
			want{stepSMTP, true, ""})
		expect(test("help@company.test", 0), // IMAP_URL and SMTP_URL
			want{stepIMAP, true, "opened the folder"},
			want{stepSMTP, true, "SMTP_URL"})

		// A connected grant whose refresh the provider refuses: the
		// stored access token has expired, so the test refreshes.
		p.SetLifetime(time.Second)
		connectDelegated(t, db.URL, "revoked@company.test", secretKey, p, "tg-it", clientSecret, "alice@company.test")
		p.SetInvalidGrant(true)
		expect(test("revoked@company.test", 1),
			want{stepToken, false, "the grant was revoked or has expired (or was already used): connect the mailbox again"},
			want{stepIMAP, false, "no OAuth2 token"},
			want{stepSMTP, true, ""})

		logins := strings.Join(relay.loggedIn(), ",")
		if !strings.Contains(logins, "PLAIN hr@company.test") || !strings.Contains(logins, "XOAUTH2 it@company.test") {
			t.Errorf("the relay saw the logins %s, want hr@'s with a password and it@'s with a token", logins)
		}
		if relay.sent != 0 {
			t.Errorf("a test sent %d message(s)", relay.sent)
		}
		if n := a.unseen(t, "hr@company.test"); n != 0 {
			t.Errorf("hr@ has %d unseen, want 0 (nothing delivered)", n)
		}

		// Text output, an unknown mailbox, a bad call.
		out, _, code := runCLI(t, env, "", "mailbox", "test", "wrong@company.test")
		outputs = append(outputs, out)
		if code != 1 || !strings.Contains(out, "FAIL  IMAP login") || !strings.Contains(out, "ok    SMTP login") {
			t.Errorf("mailbox test (text): exit %d, output:\n%s", code, out)
		}
		if _, errOut, code := runCLI(t, env, "", "mailbox", "test", "nobody@company.test"); code != 1 || !strings.Contains(errOut, "no mailbox nobody@company.test") {
			t.Errorf("unknown mailbox: exit %d, %q", code, errOut)
		}
		if _, _, code := runCLI(t, env, "", "mailbox", "test"); code != 2 {
			t.Errorf("mailbox test without an address: exit %d, want 2", code)
		}
		all := strings.Join(outputs, "\n")
		for _, secret := range []string{clientSecret, hrPassword, wrong, badSecret, secretKey, "at-", "rt-"} {
			if strings.Contains(all, secret) {
				t.Errorf("mailbox test's output shows a secret (%.4s…):\n%s", secret, all)
			}
		}
	})
}

// The tester is the admin page's hook: an address it does not know is
// ErrNotFound, a malformed one ErrInvalid.
func TestMailboxTesterUnknown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		st := storagetest.Open(t, db.URL)
		c := &Config{HelpdeskAddress: "help@company.test", BaseURL: "http://localhost"}
		tester, err := newMailboxTester(c, envOf(nil), st)
		if err != nil {
			t.Fatal(err)
		}
		var hook func(context.Context, string) ([]domain.MailboxCheck, error) = tester.Test
		if _, err := hook(context.Background(), "nobody@company.test"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Test(unknown) = %v, want ErrNotFound", err)
		}
		// HELPDESK_ADDRESS without IMAP_URL or SMTP_URL is no mailbox either.
		if _, err := hook(context.Background(), "help@company.test"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Test(HELPDESK_ADDRESS without IMAP_URL) = %v, want ErrNotFound", err)
		}
		if _, err := hook(context.Background(), "not an address"); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Test(not an address) = %v, want ErrInvalid", err)
		}
	})
}

// TestMailboxTestDovecot: `ticketgate mailbox test` against the mail
// stack (MAILSTACK=1): Dovecot and Mailpit. A password mailbox passes
// every step (STARTTLS and AUTH at Mailpit with TLS_CA_FILE); a wrong
// password fails the IMAP step with words; an OAuth2 app-only mailbox
// gets its token from the test provider, which Dovecot asks to check it,
// and logs in; a wrong client secret (invalid_client) and a revoked grant
// (invalid_grant) fail the token step with words; Dovecot's IMAPS port
// fails without TLS_CA_FILE, naming it, and passes with it.
func TestMailboxTestDovecot(t *testing.T) {
	if os.Getenv("MAILSTACK") != "1" {
		t.Skip("MAILSTACK=1 not set: tests against the real mail stack skipped")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		const clientSecret, hrPassword, wrong = "dovecot-client-secret-3c", "hrsecret", "not-the-password-0f"
		const secretKey = "0123456789abcdef0123456789abcdef-dovecot"
		p := mailauthtest.New("alice@company.test", mailauthtest.Client{ID: "tg-check", Secret: clientSecret, Email: "alice@company.test"})
		if err := p.StartShared(mailauthtest.DovecotAddr(), 3*time.Minute); err != nil {
			t.Fatalf("serve the test OAuth2 provider where Dovecot asks: %v", err)
		}
		t.Cleanup(func() { p.Close() })
		a := dovecotAccounts(t)
		for _, u := range []string{"hr@company.test", "alice@company.test"} {
			a.prepare(t, u)
		}
		smtpHost, smtpPort := os.Getenv("SMTP_HOST"), os.Getenv("SMTP_PORT")
		if smtpHost == "" {
			smtpHost, smtpPort = "127.0.0.1", "1025"
		}
		imapsPort := os.Getenv("IMAPS_PORT")
		if imapsPort == "" {
			imapsPort = "1993"
		}
		caFile := os.Getenv("TLS_CA_FILE")
		if caFile == "" {
			caFile = "/tmp/mailstack/tls/cert.pem"
		}
		mailpit := net.JoinHostPort(smtpHost, smtpPort)
		boxes := []string{
			fmt.Sprintf(`{"address": "hr@company.test", "imap_url": %q, "imap_password_env": "HR_PASSWORD",
			  "smtp_url": "smtp://hr%%40company.test@%s", "smtp_password_env": "HR_PASSWORD"}`, a.url("hr@company.test", ""), mailpit),
			fmt.Sprintf(`{"address": "wrong@company.test", "imap_url": %q, "imap_password_env": "WRONG_PASSWORD"}`, a.url("alice@company.test", "")),
			fmt.Sprintf(`{"address": "oauth@company.test", "imap_url": %q, "auth": "oauth2", "oauth2": {"provider": "generic",
			  "grant": "app_only", "client_id": "tg-check", "client_secret_env": "CLIENT_SECRET", "token_url": %q}}`,
				a.url("alice@company.test", ""), p.TokenURL()),
			fmt.Sprintf(`{"address": "badclient@company.test", "imap_url": %q, "auth": "oauth2", "oauth2": {"provider": "generic",
			  "grant": "app_only", "client_id": "tg-check", "client_secret_env": "WRONG_PASSWORD", "token_url": %q}}`,
				a.url("alice@company.test", ""), p.TokenURL()),
			fmt.Sprintf(`{"address": "revoked@company.test", "imap_url": %q, "auth": "oauth2", "oauth2": {"provider": "generic",
			  "grant": "delegated", "client_id": "tg-check", "client_secret_env": "CLIENT_SECRET", "token_url": %q, "auth_url": %q,
			  "mechanism": "xoauth2"}}`, a.url("alice@company.test", ""), p.TokenURL(), p.AuthURL()),
			fmt.Sprintf(`{"address": "tls@company.test", "imap_url": "imaps://help%%40company.test@127.0.0.1:%s/INBOX", "imap_password_env": "HELP_PASSWORD"}`, imapsPort),
		}
		file := filepath.Join(t.TempDir(), "setup.json")
		if err := os.WriteFile(file, []byte(`{"mailboxes": [`+strings.Join(boxes, ",\n")+`]}`), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"DATABASE_URL": db.URL, "HELPDESK_ADDRESS": "help@company.test", "SECRET_KEY": secretKey,
			"SMTP_URL": "smtp://" + mailpit, "TLS_CA_FILE": caFile,
			"HR_PASSWORD": hrPassword, "HELP_PASSWORD": "helpsecret", "WRONG_PASSWORD": wrong, "CLIENT_SECRET": clientSecret}
		if out, errOut, code := runCLI(t, env, "", "setup", "apply", file); code != 0 {
			t.Fatalf("setup apply: %d %q %q", code, out, errOut)
		}
		var outputs []string
		test := func(env map[string]string, address string, wantCode int) []domain.MailboxCheck {
			t.Helper()
			out, errOut, code := runCLI(t, env, "", "mailbox", "test", address, "--json", "--timeout", "15s")
			outputs = append(outputs, out, errOut)
			var r mailboxTestResult
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("mailbox test %s: %v in %q (stderr %q)", address, err, out, errOut)
			}
			if code != wantCode {
				t.Errorf("mailbox test %s: exit %d, want %d: %+v", address, code, wantCode, r)
			}
			var checks []domain.MailboxCheck
			for _, c := range r.Checks {
				checks = append(checks, domain.MailboxCheck{Step: c.Step, OK: c.OK, Detail: c.Detail})
			}
			return checks
		}
		expect := func(address string, got []domain.MailboxCheck, wants ...domain.MailboxCheck) {
			t.Helper()
			if len(got) != len(wants) {
				t.Errorf("%s: checks %+v, want %d", address, got, len(wants))
				return
			}
			for i, w := range wants {
				if got[i].Step != w.Step || got[i].OK != w.OK || !strings.Contains(got[i].Detail, w.Detail) {
					t.Errorf("%s: check %d = %+v, want %s ok=%v saying %q", address, i, got[i], w.Step, w.OK, w.Detail)
				}
			}
		}
		expect("hr@", test(env, "hr@company.test", 0),
			domain.MailboxCheck{Step: stepIMAP, OK: true, Detail: "opened the folder " + a.folder},
			domain.MailboxCheck{Step: stepSMTP, OK: true, Detail: "EHLO, STARTTLS, AUTH at smtp://" + mailpit + " (the mailbox's smtp_url)"})
		expect("wrong@", test(env, "wrong@company.test", 1),
			domain.MailboxCheck{Step: stepIMAP, OK: false, Detail: "check the user name and the password"},
			domain.MailboxCheck{Step: stepSMTP, OK: true, Detail: "SMTP_URL's relay"})
		expect("oauth@", test(env, "oauth@company.test", 0),
			domain.MailboxCheck{Step: stepToken, OK: true, Detail: "the provider gave an access token"},
			domain.MailboxCheck{Step: stepIMAP, OK: true, Detail: "opened the folder " + a.folder},
			domain.MailboxCheck{Step: stepSMTP, OK: true, Detail: "SMTP_URL's relay"})
		if s := p.Stats(); s.ClientCredentials == 0 || s.Introspections == 0 {
			t.Errorf("provider stats %+v: want a token issued and Dovecot asking about it", s)
		}
		expect("badclient@", test(env, "badclient@company.test", 1),
			domain.MailboxCheck{Step: stepToken, OK: false, Detail: "the client secret (or certificate) is wrong"},
			domain.MailboxCheck{Step: stepIMAP, OK: false, Detail: "not tried"},
			domain.MailboxCheck{Step: stepSMTP, OK: true})
		expect("tls@ with TLS_CA_FILE", test(env, "tls@company.test", 0),
			domain.MailboxCheck{Step: stepIMAP, OK: true, Detail: "imaps://"},
			domain.MailboxCheck{Step: stepSMTP, OK: true})
		noCA := maps.Clone(env)
		delete(noCA, "TLS_CA_FILE")
		expect("tls@ without TLS_CA_FILE", test(noCA, "tls@company.test", 1),
			domain.MailboxCheck{Step: stepIMAP, OK: false, Detail: "set TLS_CA_FILE"},
			domain.MailboxCheck{Step: stepSMTP, OK: false, Detail: "set TLS_CA_FILE"})

		// A connected grant, then refused: the stored access token has
		// expired, the refresh gets invalid_grant.
		p.SetLifetime(time.Second)
		connectDelegated(t, db.URL, "revoked@company.test", secretKey, p, "tg-check", clientSecret, "alice@company.test")
		p.SetInvalidGrant(true)
		expect("revoked@", test(env, "revoked@company.test", 1),
			domain.MailboxCheck{Step: stepToken, OK: false, Detail: "connect the mailbox again"},
			domain.MailboxCheck{Step: stepIMAP, OK: false, Detail: "not tried"},
			domain.MailboxCheck{Step: stepSMTP, OK: true})

		all := strings.Join(outputs, "\n")
		for _, secret := range []string{clientSecret, hrPassword, wrong, "helpsecret", secretKey} {
			if strings.Contains(all, secret) {
				t.Errorf("mailbox test's output shows a secret (%.4s…)", secret)
			}
		}
	})
}

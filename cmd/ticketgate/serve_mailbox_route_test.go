package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"ticketgate/domain/mailauth/mailauthtest"
	"ticketgate/inbox"
	"ticketgate/storage/storagetest"
)

// sentMail is one mail a relay took: its envelope, its bytes and the
// relay it went through ("" when the sink cannot tell).
type sentMail struct {
	envFrom, to string
	raw         []byte
	relay       string
}

// mailSink is where serve's outgoing mail lands: Mailpit, or go-smtp
// servers in the test.
type mailSink interface {
	// find returns the mails to `to` whose subject holds subj, waiting up
	// to 30 s for at least n of them.
	find(t *testing.T, to, subj string, n int) []sentMail
}

// relayServer is a go-smtp server that records what it takes; with a
// password, it takes mail only after AUTH PLAIN as user.
type relayServer struct {
	name, addr string
	user, pass string
	// verify, when set, also takes XOAUTH2 with a token it accepts.
	verify func(user, token string) error
	mu     sync.Mutex
	mails  []sentMail
	logins int
}

func startRelay(t *testing.T, name, user, pass string) *relayServer {
	return startRelayWith(t, &relayServer{name: name, user: user, pass: pass})
}

func startRelayWith(t *testing.T, r *relayServer) *relayServer {
	t.Helper()
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &sinkSession{r: r}, nil }))
	s.Domain, s.AllowInsecureAuth = "relay.test", true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return r
}

type sinkSession struct {
	r      *relayServer
	authed bool
	from   string
	to     []string
}

func (s *sinkSession) AuthMechanisms() []string {
	if s.r.verify != nil {
		return []string{sasl.Plain, "XOAUTH2"}
	}
	return []string{sasl.Plain}
}

func (s *sinkSession) Auth(mech string) (sasl.Server, error) {
	if mech == "XOAUTH2" && s.r.verify != nil {
		return mailauthtest.NewXOAuth2Server(func(user, token string) error {
			if err := s.r.verify(user, token); err != nil {
				return smtp.ErrAuthFailed
			}
			s.authed = true
			s.r.mu.Lock()
			s.r.logins++
			s.r.mu.Unlock()
			return nil
		}), nil
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if s.r.pass == "" || user != s.r.user || pass != s.r.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		s.r.mu.Lock()
		s.r.logins++
		s.r.mu.Unlock()
		return nil
	}), nil
}

func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.r.pass != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	for _, to := range s.to {
		s.r.mails = append(s.r.mails, sentMail{envFrom: s.from, to: to, raw: b, relay: s.r.name})
	}
	return nil
}

func (s *sinkSession) Reset()        { s.from, s.to = "", nil }
func (s *sinkSession) Logout() error { return nil }

// relaySink is the two relays of the memory test.
type relaySink []*relayServer

func (rs relaySink) find(t *testing.T, to, subj string, n int) []sentMail {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out []sentMail
		for _, r := range rs {
			r.mu.Lock()
			for _, m := range r.mails {
				h := mailHeader(t, m.raw)
				if subject, _ := h.Subject(); strings.EqualFold(m.to, to) && strings.Contains(subject, subj) {
					out = append(out, m)
				}
			}
			r.mu.Unlock()
		}
		if len(out) >= n || time.Now().After(deadline) {
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mailpitSink is the mail stack's Mailpit: mails found by recipient.
type mailpitSink struct{ ms mailstack }

func (s mailpitSink) find(t *testing.T, to, subj string, n int) []sentMail {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out []sentMail
		for _, m := range s.ms.search(t, "to:"+to, 0) {
			if strings.Contains(m.Subject, subj) {
				out = append(out, sentMail{to: to, raw: s.ms.raw(t, m.ID)})
			}
		}
		if len(out) >= n || time.Now().After(deadline) {
			return out
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// appendRaw puts raw into the test's folder of user's account.
func (a *imapAccounts) appendRaw(t *testing.T, user, raw string) {
	t.Helper()
	c := a.client(t, user)
	defer c.Logout()
	cmd := c.Append(a.folder, int64(len(raw)), nil)
	cmd.Write([]byte(raw))
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestServeMailboxRoutingMemory runs testServeMailboxRouting on go-imap's
// memory server, with go-smtp servers as SMTP_URL's relay and hr@'s own;
// it runs everywhere.
func TestServeMailboxRoutingMemory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		p := mailauthtest.New("it@company.test")
		def := startRelay(t, "default", "", "")
		hr := startRelay(t, "hr", "hr@company.test", hrSMTPPassword)
		env := map[string]string{"SMTP_URL": "smtp://" + def.addr + "?tls=none"}
		hrSMTP := "smtp://hr@company.test@" + hr.addr + "?tls=none"
		testServeMailboxRouting(t, db, newMemAccounts(t, p), relaySink{def, hr}, env, hrSMTP)
		hr.mu.Lock()
		logins := hr.logins
		hr.mu.Unlock()
		if logins == 0 {
			t.Error("hr@'s relay was never logged in to with hr@'s password")
		}
	})
}

// TestServeMailboxRoutingDovecot is the same on the mail stack: Dovecot's
// help@ and hr@ accounts, Mailpit as both relays (hr@ logs in to it with
// its own password).
func TestServeMailboxRoutingDovecot(t *testing.T) {
	ms := needMailstack(t)
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		env := map[string]string{"SMTP_URL": ms.smtpURL, "TLS_CA_FILE": ms.caFile}
		hrSMTP := strings.Replace(ms.smtpURL, "smtp://", "smtp://hr@company.test@", 1)
		testServeMailboxRouting(t, db, dovecotAccounts(t), mailpitSink{ms}, env, hrSMTP)
	})
}

const hrSMTPPassword = "hr-smtp-pass-7c1d9e"

// testServeMailboxRouting: serve with help@ (IMAP_URL, SMTP_URL) and hr@
// (the setup file: its own IMAP and SMTP logins, default category HR with
// one approval level). Mail to each becomes a ticket of its mailbox.
// help@'s acknowledgement goes out from help@; hr@'s acknowledgement,
// approval request and, once the approver's reply (put into hr@'s
// mailbox) is understood, the assignment go out from hr@ through hr@'s
// relay, with replies addressed to hr@. hr@'s ticket is in HR by its
// mailbox, never classified. hr@'s secrets are in no line serve writes.
func testServeMailboxRouting(t *testing.T, db storagetest.DB, a *imapAccounts, sink mailSink, extra map[string]string, hrSMTP string) {
	for _, u := range []string{"help@company.test", "hr@company.test"} {
		a.prepare(t, u)
	}
	tok := token(t)
	addr := func(name string) string { return name + "-" + tok + "@company.test" }
	setup := fmt.Sprintf(`{
  "categories": [
    {"name": "IT", "description": "Printers and computers", "keywords": ["printer"]},
    {"name": "HR", "description": "Contracts and leave",
     "approval_levels": [{"rule": "all", "approvers": [%q]}]}
  ],
  "team_members": [{"email": %q, "categories": ["IT"]}, {"email": %q, "categories": ["HR"]}],
  "mailboxes": [{"address": "hr@company.test", "name": "HR Desk", "imap_url": %q, "imap_password_env": "HR_IMAP_PASSWORD",
                 "smtp_url": %q, "smtp_password_env": "HR_SMTP_PASSWORD", "default_category": "HR"}]
}`, addr("boss"), addr("carl"), addr("dana"), a.url("hr@company.test", ""), hrSMTP)
	file := filepath.Join(t.TempDir(), "setup.json")
	if err := os.WriteFile(file, []byte(setup), 0o600); err != nil {
		t.Fatal(err)
	}
	const hrIMAPPassword = "hrsecret"
	env := map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "SMTP_LISTEN": "off", "HELPDESK_ADDRESS": "help@company.test",
		"IMAP_URL": a.url("help@company.test", "helpsecret"), "IMAP_POLL_INTERVAL": "1s", "HR_IMAP_PASSWORD": hrIMAPPassword,
		"HR_SMTP_PASSWORD": hrSMTPPassword, "LOG_LEVEL": "debug"}
	for k, v := range extra {
		env[k] = v
	}
	if out, errOut, code := runCLI(t, env, "", "setup", "apply", file); code != 0 {
		t.Fatalf("setup apply: %d %q %q", code, out, errOut)
	}
	newMail := func(n int, from, to, subject, text string) string {
		return fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-Id: <route-%s-%d@company.test>\r\nDate: %s\r\n\r\n%s\r\n",
			from, to, subject, tok, n, time.Now().Format(time.RFC1123Z), text)
	}
	ann := addr("ann")
	a.appendRaw(t, "help@company.test", newMail(1, ann, "help@company.test", "Printer broken "+tok, "The printer jams."))
	a.appendRaw(t, "hr@company.test", newMail(2, ann, "hr@company.test", "Contract question "+tok, "About my contract."))

	sctx, cancel := context.WithCancel(context.Background())
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

	show := func(subject string) map[string]any {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			lo, _, _ := runCLI(t, map[string]string{"DATABASE_URL": db.URL}, "", "ticket", "list", "--json")
			var ts []map[string]any
			json.Unmarshal([]byte(lo), &ts)
			for _, tk := range ts {
				if tk["subject"] == subject {
					so, se, code := runCLI(t, map[string]string{"DATABASE_URL": db.URL, "HELPDESK_ADDRESS": "help@company.test"}, "",
						"ticket", "show", tk["ref"].(string), "--json")
					if code != 0 {
						t.Fatalf("ticket show: %s", se)
					}
					var m map[string]any
					json.Unmarshal([]byte(so), &m)
					return m
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no ticket %q: %s", subject, lo)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	helpT, hrT := show("Printer broken "+tok), show("Contract question "+tok)
	if helpT["mailbox"] != "help@company.test" {
		t.Errorf("help@'s ticket: mailbox %v; want help@company.test", helpT["mailbox"])
	}
	if hrT["mailbox"] != "hr@company.test" || hrT["category"] != "HR" {
		t.Errorf("hr@'s ticket: mailbox %v, category %v; want hr@company.test, HR", hrT["mailbox"], hrT["category"])
	}
	if c, _ := hrT["classification"].(map[string]any); c == nil || c["method"] != "mailbox" {
		t.Errorf("hr@'s ticket: classification %v; want method mailbox (not classified)", hrT["classification"])
	}
	for _, e := range hrT["events"].([]any) {
		ev := e.(map[string]any)
		if ev["kind"] == "classified" && !strings.Contains(ev["detail"].(string), "default category of mailbox hr@company.test") {
			t.Errorf("hr@'s ticket was classified: %v", ev["detail"])
		}
	}
	hrRef := hrT["ref"].(string)

	// from checks a mail's From (address and name), Reply-To and relay.
	from := func(what string, m sentMail, addr, name, replyPrefix, relay string) {
		t.Helper()
		h := mailHeader(t, m.raw)
		f, err := h.AddressList("From")
		if err != nil || len(f) != 1 || !strings.EqualFold(f[0].Address, addr) || (name != "" && f[0].Name != name) {
			t.Errorf("%s: From %v (%v); want %q <%s>", what, f, err, name, addr)
		}
		if rt, _ := h.AddressList("Reply-To"); replyPrefix != "" && (len(rt) != 1 || !strings.HasPrefix(rt[0].Address, replyPrefix)) {
			t.Errorf("%s: Reply-To %v; want %s…", what, rt, replyPrefix)
		}
		if m.relay != "" && m.relay != relay {
			t.Errorf("%s went through the %s relay; want %s", what, m.relay, relay)
		}
		if m.envFrom != "" && !strings.EqualFold(m.envFrom, addr) {
			t.Errorf("%s: MAIL FROM:<%s>; want %s", what, m.envFrom, addr)
		}
	}
	one := func(to, subj string) sentMail {
		t.Helper()
		ms := sink.find(t, to, subj, 1)
		if len(ms) == 0 {
			t.Fatalf("no mail to %s about %q", to, subj)
		}
		return ms[0]
	}
	from("help@'s acknowledgement", one(ann, "Printer broken "+tok), "help@company.test", "", "", "default")
	from("hr@'s acknowledgement", one(ann, "Contract question "+tok), "hr@company.test", "HR Desk", "", "hr")
	apr := one(addr("boss"), "Approval needed")
	from("hr@'s approval request", apr, "hr@company.test", "HR Desk", "hr+apr-", "hr")

	// The approver answers; the reply lands in hr@'s mailbox.
	in, err := inbox.Parse(apr.raw)
	if err != nil {
		t.Fatal(err)
	}
	h := mailHeader(t, apr.raw)
	rt, _ := h.AddressList("Reply-To")
	msgID, _ := h.MessageID()
	if len(rt) != 1 {
		t.Fatalf("approval mail without Reply-To: %s", apr.raw)
	}
	reply := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-Id: <route-%s-3@company.test>\r\nIn-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: %s\r\n\r\nAPPROVE\r\n\r\n> %s\r\n",
		addr("boss"), rt[0].Address, in.Subject, tok, msgID, msgID, time.Now().Format(time.RFC1123Z), strings.ReplaceAll(in.NewText, "\n", "\n> "))
	a.appendRaw(t, "hr@company.test", reply)
	from("hr@'s assignment", one(addr("dana"), hrRef), "hr@company.test", "HR Desk", "", "hr")
	if st := show("Contract question " + tok); st["status"] != "assigned" || st["assignee"] != addr("dana") {
		t.Errorf("hr@'s ticket after APPROVE: %v, %v; want assigned to %s", st["status"], st["assignee"], addr("dana"))
	}

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d", code)
	}
	logs := out.String() + errOut.String()
	for _, secret := range []string{hrIMAPPassword, hrSMTPPassword} {
		if strings.Contains(logs, secret) {
			t.Errorf("serve's output shows a secret of hr@ (%.4s…)", secret)
		}
	}
	if strings.Contains(logs, "panic") {
		t.Error("serve panicked")
	}
}

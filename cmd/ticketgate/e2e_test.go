package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ticketgate/inbox"
	"ticketgate/storage/storagetest"
)

// e2e is the whole product against the real mail stack: the binary's serve
// polls a Dovecot mailbox of the test's own and sends through Mailpit.
// People are played by the test: it reads what they got from Mailpit and
// answers by putting their replies into the helpdesk's mailbox.
type e2e struct {
	t   *testing.T
	ms  mailstack
	mb  *dovecot
	tok string
	url string // DATABASE_URL
	env []string
	bin string
	n   int
}

func (e *e2e) addr(name string) string { return name + "-" + e.tok + "@company.test" }

func newE2E(t *testing.T, db storagetest.DB) *e2e {
	ms := needMailstack(t)
	e := &e2e{t: t, ms: ms, mb: newDovecotMailbox(t), tok: token(t), url: db.URL, bin: binary(t)}
	setup := strings.NewReplacer("lead@", e.addr("lead")+"#", "finance@", e.addr("finance")+"#", "cio@", e.addr("cio")+"#",
		"cto@", e.addr("cto")+"#", "bob@", e.addr("bob")+"#", "carol@", e.addr("carol")+"#", "root@", e.addr("root")+"#").Replace(`{
  "categories": [
    {"name": "Hardware Request", "description": "New laptops, monitors, keyboards and other equipment",
     "keywords": ["laptop", "monitor", "keyboard", "mouse"],
     "approval_levels": [
       {"rule": "all", "approvers": ["lead@company.test", "finance@company.test"]},
       {"rule": "any", "approvers": ["cio@company.test", "cto@company.test"]}
     ]},
    {"name": "Network", "description": "VPN, wifi and network access problems", "keywords": ["vpn", "wifi", "network"]}
  ],
  "users": [{"email": "root@company.test", "name": "Root", "role": "admin"}],
  "team_members": [{"email": "bob@company.test", "categories": ["Hardware Request"]},
                   {"email": "carol@company.test", "categories": ["Hardware Request", "Network"]}]
}`)
	setup = strings.ReplaceAll(setup, "#company.test", "")
	file := filepath.Join(t.TempDir(), "setup.json")
	os.WriteFile(file, []byte(setup), 0o600)
	e.env = []string{"DATABASE_URL=" + db.URL, "IMAP_URL=" + e.mb.url(), "HELPDESK_ADDRESS=help@company.test",
		"SMTP_URL=" + strings.Replace(ms.smtpURL, "smtp://", "smtp://", 1) + "?tls=none", "CLASSIFY_MIN_CONFIDENCE=0.3",
		"ADMIN_EMAIL=" + e.addr("root"), "BASE_URL=http://portal.test"}
	if _, errOut, code := runCLI(t, map[string]string{"DATABASE_URL": db.URL}, "", "setup", "apply", file); code != 0 {
		t.Fatalf("setup apply: %s", errOut)
	}
	return e
}

// deliver puts a mail from `from` into the helpdesk's mailbox.
func (e *e2e) deliver(raw string) {
	e.t.Helper()
	c := e.mb.client(e.t)
	defer c.Logout()
	cmd := c.Append(e.mb.mailbox, int64(len(raw)), nil)
	cmd.Write([]byte(raw))
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		e.t.Fatal(err)
	}
}

// received waits for n mails to addr whose subject holds subj, and returns
// the newest's raw bytes.
func (e *e2e) received(addr, subj string, n int) []byte {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var match []mpMessage
		for _, m := range e.ms.search(e.t, "to:"+addr, 0) {
			if strings.Contains(m.Subject, subj) {
				match = append(match, m)
			}
		}
		if len(match) >= n {
			return e.ms.raw(e.t, match[0].ID)
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no %d mails to %s about %q (have %d)", n, addr, subj, len(match))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// answer builds `from`'s reply to raw, as a mail client does: to its
// Reply-To, threaded, quoting it.
func (e *e2e) answer(raw []byte, from, text string) string {
	e.t.Helper()
	e.n++
	in, err := inbox.Parse(raw)
	if err != nil {
		e.t.Fatal(err)
	}
	h := mailHeader(e.t, raw)
	to := "help@company.test"
	if rt, _ := h.AddressList("Reply-To"); len(rt) == 1 {
		to = rt[0].Address
	}
	msgID, _ := h.MessageID()
	var quoted strings.Builder
	for _, l := range strings.Split(in.Text, "\n") {
		quoted.WriteString("> " + l + "\r\n")
	}
	return fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-Id: <e2e-%s-%d@company.test>\r\nIn-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: %s\r\n\r\n%s\r\n\r\nOn Friday the helpdesk wrote:\r\n%s",
		from, to, in.Subject, e.tok, e.n, msgID, msgID, time.Now().Format(time.RFC1123Z), text, quoted.String())
}

func (e *e2e) show(ref string) map[string]any {
	e.t.Helper()
	out, errOut, code := runCLI(e.t, map[string]string{"DATABASE_URL": e.url}, "", "ticket", "show", ref, "--json")
	if code != 0 {
		e.t.Fatalf("ticket show: %s", errOut)
	}
	var m map[string]any
	json.Unmarshal([]byte(out), &m)
	return m
}

// waitStatus waits until ticket ref has status.
func (e *e2e) waitStatus(ref, status string) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := e.show(ref)
		if m["status"] == status {
			return m
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s is %v, want %s; events: %v", ref, m["status"], status, m["events"])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (e *e2e) firstTicket(subject string) string {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _, _ := runCLI(e.t, map[string]string{"DATABASE_URL": e.url}, "", "ticket", "list", "--json")
		var ts []map[string]any
		json.Unmarshal([]byte(out), &ts)
		for _, tk := range ts {
			if tk["subject"] == subject {
				return tk["ref"].(string)
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no ticket %q: %s", subject, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEndToEndApprovals: mail in → classified → two approval levels answered
// by mail (level 1 rule all, level 2 rule any) → on to a team member; and a
// rejection and an ambiguous answer. Real binary, Dovecot and Mailpit.
func TestEndToEndApprovals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newE2E(t, db)
		p := startServe(t, e.bin, e.env)
		defer func() { p.cmd.Process.Signal(os.Interrupt); p.cmd.Wait() }()
		ann := e.addr("ann")
		e.deliver(fmt.Sprintf("From: Ann <%s>\r\nTo: help@company.test\r\nSubject: Need a new laptop\r\nMessage-Id: <laptop-%s@company.test>\r\n\r\nMy laptop broke, I need a new laptop please.\r\n", ann, e.tok))
		ref := e.firstTicket("Need a new laptop")
		e.received(ann, ref, 1) // the acknowledgement
		e.waitStatus(ref, "awaiting_approval")

		lead := e.received(e.addr("lead"), "Approval needed", 1)
		finance := e.received(e.addr("finance"), "Approval needed", 1)
		e.deliver(e.answer(lead, e.addr("lead"), "Approved. Fine by me."))
		e.deliver(e.answer(finance, e.addr("finance"), "No problem, go ahead"))
		e.received(e.addr("finance"), ref, 2) // "could not read your reply"
		e.deliver(e.answer(finance, e.addr("finance"), "YES"))
		cio := e.received(e.addr("cio"), "Approval needed", 1)
		e.deliver(e.answer(cio, e.addr("cio"), "ok - approved for Q4"))
		m := e.waitStatus(ref, "assigned")
		if m["assignee"] != e.addr("bob") {
			t.Errorf("assignee = %v, want bob (least loaded, lowest id)", m["assignee"])
		}
		if lvl := m["approval_level"]; lvl != nil {
			t.Errorf("approval_level = %v after approvals", lvl)
		}
		var decided int
		for _, a := range m["approvals"].([]any) {
			am := a.(map[string]any)
			if am["decision"] == "approved" && am["via"] == "email" {
				decided++
			}
		}
		if decided != 3 {
			t.Errorf("approvals: %v", m["approvals"])
		}
		story, _ := json.Marshal(m["events"])
		for _, want := range []string{"received", "classified as Hardware Request", "approval requested from " + e.addr("lead"),
			"approved by " + e.addr("lead") + " at level 1 by email", "approved by " + e.addr("cio") + " at level 2 by email"} {
			if !bytes.Contains(story, []byte(want)) {
				t.Errorf("history lacks %q: %s", want, story)
			}
		}

		// Bob got the ticket by mail; his DONE resolves it and Ann hears so.
		assigned := e.received(e.addr("bob"), ref, 1)
		if m := e.received(ann, ref, 2); !bytes.Contains(m, []byte("assigned")) {
			t.Errorf("the requester was not told of the assignment")
		}
		e.deliver(e.answer(assigned, e.addr("bob"), "DONE - new laptop is on your desk"))
		m = e.waitStatus(ref, "resolved")
		if res := e.received(ann, ref, 3); !bytes.Contains(res, []byte("new laptop is on your desk")) {
			t.Errorf("resolution mail lacks the note")
		}
		story, _ = json.Marshal(m["events"])
		for _, want := range []string{"assigned to " + e.addr("bob"), "resolved by " + e.addr("bob") + ": new laptop is on your desk"} {
			if !bytes.Contains(story, []byte(want)) {
				t.Errorf("history lacks %q: %s", want, story)
			}
		}

		// The rejection path: the requester hears why.
		e.deliver(fmt.Sprintf("From: Ann <%s>\r\nTo: help@company.test\r\nSubject: Second monitor\r\nMessage-Id: <monitor-%s@company.test>\r\n\r\nI would like a second monitor for my laptop.\r\n", ann, e.tok))
		ref2 := e.firstTicket("Second monitor")
		lead2 := e.received(e.addr("lead"), ref2, 1)
		e.deliver(e.answer(lead2, e.addr("lead"), "REJECT: we have spare monitors in the store room"))
		e.waitStatus(ref2, "rejected")
		rej := e.received(ann, ref2, 2)
		if !bytes.Contains(rej, []byte("spare monitors")) {
			t.Errorf("rejection mail lacks the reason:\n%s", rej)
		}

		// No approval needed: straight to the one member of Network. Her
		// out-of-office reply to the assignment marks her away through the
		// date it names (until the next day begins), and the ticket waits
		// for someone free.
		e.deliver(fmt.Sprintf("From: Ann <%s>\r\nTo: help@company.test\r\nSubject: VPN down\r\nMessage-Id: <vpn-%s@company.test>\r\n\r\nThe VPN and the network drop every hour.\r\n", ann, e.tok))
		ref3 := e.firstTicket("VPN down")
		e.waitStatus(ref3, "assigned")
		toCarol := e.received(e.addr("carol"), ref3, 1)
		now := time.Now() // once: midnight may pass before the check below
		back := now.AddDate(0, 0, 7).Format("2006-01-02")
		ooo := strings.Replace(e.answer(toCarol, e.addr("carol"), "I am out of the office until "+back+" with no access to mail."),
			"\r\n\r\n", "\r\nAuto-Submitted: auto-replied\r\n\r\n", 1)
		e.deliver(strings.Replace(ooo, "Subject: Re:", "Subject: Automatic reply:", 1))
		m = e.waitStatus(ref3, "unassigned")
		story, _ = json.Marshal(m["events"])
		if !bytes.Contains(story, []byte("auto_reply")) || !bytes.Contains(story, []byte("away until "+now.AddDate(0, 0, 8).Format("2006-01-02"))) {
			t.Errorf("history after the out-of-office reply: %s", story)
		}
	})
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formPage GETs url and returns its CSRF token.
func formPage(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := csrfRE.FindSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("GET %s: %d, no form:\n%s", url, resp.StatusCode, body)
	}
	return html.UnescapeString(string(m[1]))
}

// TestForgotPasswordThroughMailpit: forgot password on the real binary →
// the link arrives in Mailpit → it sets a new password that signs in.
func TestForgotPasswordThroughMailpit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ms := needMailstack(t)
	tok := token(t)
	erin := "erin-" + tok + "@company.test"
	dbURL := filepath.Join(t.TempDir(), "tg.db")
	if _, errOut, code := runCLI(t, map[string]string{"DATABASE_URL": dbURL}, "", "user", "add", "--email", erin, "--role", "employee"); code != 0 {
		t.Fatal(errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	p := startServe(t, binary(t), []string{"DATABASE_URL=" + dbURL, "HELPDESK_ADDRESS=help@company.test",
		"SMTP_URL=" + ms.smtpURL + "?tls=none", "BASE_URL=" + base, "HTTP_ADDR=" + addr})
	defer func() { p.cmd.Process.Signal(os.Interrupt); p.cmd.Wait() }()

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	csrf := formPage(t, c, base+"/forgot")
	resp, err := c.PostForm(base+"/forgot", url.Values{"csrf": {csrf}, "email": {erin}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /forgot: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	msgs := ms.search(t, "to:"+erin, 1)
	if len(msgs) != 1 {
		t.Fatalf("no password mail in Mailpit for %s", erin)
	}
	raw := ms.raw(t, msgs[0].ID)
	in, err := inbox.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/\S+`).FindString(in.Text)
	if link == "" {
		t.Fatalf("no link in the mail:\n%s", in.Text)
	}
	csrf = formPage(t, c, link)
	resp, err = c.PostForm(link, url.Values{"csrf": {csrf}, "new": {"erin's brand new passphrase"}, "confirm": {"erin's brand new passphrase"}})
	if err != nil || resp.StatusCode != 200 || !strings.HasSuffix(resp.Request.URL.Path, "/tickets") {
		t.Fatalf("set password: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	// A fresh browser signs in with it.
	jar2, _ := cookiejar.New(nil)
	c2 := &http.Client{Jar: jar2}
	csrf = formPage(t, c2, base+"/signin")
	resp, err = c2.PostForm(base+"/signin", url.Values{"csrf": {csrf}, "email": {erin}, "password": {"erin's brand new passphrase"}})
	if err != nil || resp.StatusCode != 200 || !strings.HasSuffix(resp.Request.URL.Path, "/tickets") {
		t.Fatalf("sign in with the new password: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

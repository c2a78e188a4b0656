package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ticketgate/inbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestEndToEndNotes: internal notes on the real binary with Dovecot and
// Mailpit. The agent's NOTE reply by mail and an admin's note in the
// portal reach the other of them (the category's agent and the admins) in
// Mailpit, never the requester; ticket show --json marks them internal;
// the agent's page shows them and the requester's does not; the
// requester's own NOTE is a public comment relayed to the agent.
func TestEndToEndNotes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newE2E(t, db)
		p := startServe(t, e.bin, e.env)
		defer func() { p.cmd.Process.Signal(os.Interrupt); p.cmd.Wait() }()
		base := "http://" + p.addr
		ann, carol, root := e.addr("ann"), e.addr("carol"), e.addr("root")

		// Network has carol alone, and no approvals: she gets the ticket.
		e.deliver(fmt.Sprintf("From: Ann <%s>\r\nTo: help@company.test\r\nSubject: VPN drops again\r\nMessage-Id: <vpnnote-%s@company.test>\r\n\r\nThe VPN and the network drop every hour.\r\n", ann, e.tok))
		ref := e.firstTicket("VPN drops again")
		if m := e.waitStatus(ref, "assigned"); m["assignee"] != carol {
			t.Fatalf("assignee = %v, want carol", m["assignee"])
		}
		ack := e.received(ann, ref, 1)
		toCarol := e.received(carol, ref, 1)

		// carol's NOTE by mail: root has it, ann never.
		const mailNote = "her VPN certificate expired on Monday"
		e.deliver(e.answer(toCarol, carol, "NOTE: "+mailNote+".\r\nI am renewing it."))
		noteMail := e.mailWith(root, mailNote)
		if !strings.Contains(noteMail, "Internal note") && !strings.Contains(noteMail, "INTERNAL NOTE") {
			t.Errorf("the note mail does not say it is internal:\n%s", noteMail)
		}

		// root's note in the portal: carol has it, ann never.
		users := storagetest.Open(t, e.url)
		for _, addr := range []string{root, carol, ann} {
			setPassword(t, users, addr)
		}
		const portalNote = "escalate to the network team if the renewal fails"
		rootC := e.signIn(base, root)
		csrf := formPage(t, rootC, base+"/tickets/"+ref)
		resp, err := rootC.PostForm(base+"/tickets/"+ref+"/note", url.Values{"csrf": {csrf}, "text": {portalNote}})
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(body(t, resp), "Your internal note was added") {
			t.Fatalf("root's portal note: %v %v", resp, err)
		}
		e.mailWith(carol, portalNote)

		// ann's NOTE is her comment, relayed to carol.
		e.deliver(e.answer(ack, ann, "NOTE: this is urgent, I present at 3pm"))
		e.mailWith(carol, "this is urgent, I present at 3pm")

		// The JSON: two internal notes, and ann's comment in public.
		var notes []string
		var annPublic bool
		for _, ev := range e.show(ref)["events"].([]any) {
			em := ev.(map[string]any)
			if em["kind"] == "note" {
				if em["internal"] != true {
					t.Errorf("note event without \"internal\": true: %v", em)
				}
				notes = append(notes, em["actor"].(string)+": "+em["detail"].(string))
			} else if _, ok := em["internal"]; ok {
				t.Errorf("%s event carries \"internal\": %v", em["kind"], em)
			}
			annPublic = annPublic || (em["kind"] == "commented" && em["actor"] == ann && strings.Contains(em["detail"].(string), "urgent"))
		}
		want := []string{carol + ": " + mailNote + ".\nI am renewing it.", root + ": " + portalNote}
		if strings.Join(notes, "|") != strings.Join(want, "|") {
			t.Errorf("notes in the JSON = %q, want %q", notes, want)
		}
		if !annPublic {
			t.Error("ann's NOTE is not a public comment in the JSON")
		}

		// The pages: carol's shows the notes, ann's does not.
		for _, who := range []struct {
			addr string
			sees bool
		}{{carol, true}, {ann, false}} {
			c := e.signIn(base, who.addr)
			resp, err := c.Get(base + "/tickets/" + ref)
			if err != nil {
				t.Fatal(err)
			}
			page := body(t, resp)
			for _, s := range []string{mailNote, portalNote, "Internal note"} {
				if strings.Contains(page, s) != who.sees {
					t.Errorf("the page of %s shows %q: %v, want %v", who.addr, s, !who.sees, who.sees)
				}
			}
		}

		// Mailpit: nothing of a note ever reached ann.
		for _, m := range e.ms.search(t, "to:"+ann, 0) {
			in, err := inbox.Parse(e.ms.raw(t, m.ID))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{mailNote, portalNote, "nternal note", "INTERNAL NOTE"} {
				if strings.Contains(in.Text, s) || strings.Contains(in.Subject, s) {
					t.Errorf("ann got %q in %q", s, in.Subject)
				}
			}
		}
		// and the outbox agrees: no note mail to her, none to its author.
		out, errOut, code := runCLI(t, map[string]string{"DATABASE_URL": e.url}, "", "outbox", "list", "--json")
		if code != 0 {
			t.Fatal(errOut)
		}
		var rows []map[string]any
		json.Unmarshal([]byte(out), &rows)
		kinds := map[string]int{}
		for _, r := range rows {
			if r["kind"] == "note" {
				kinds[r["to"].(string)]++
			}
		}
		if kinds[ann] != 0 || kinds[root] != 1 || kinds[carol] != 1 {
			t.Errorf("note mails by recipient = %v, want one to root and one to carol", kinds)
		}
	})
}

// mailWith waits for a mail to addr whose text holds s, and returns its
// text.
func (e *e2e) mailWith(addr, s string) string {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, m := range e.ms.search(e.t, "to:"+addr, 0) {
			in, err := inbox.Parse(e.ms.raw(e.t, m.ID))
			if err == nil && strings.Contains(in.Text, s) {
				return in.Text
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no mail to %s with %q", addr, s)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

const e2ePassword = "a long enough test passphrase"

// setPassword gives the user with address addr e2ePassword, to keep.
func setPassword(t *testing.T, st *storage.Store, addr string) {
	t.Helper()
	u, err := st.GetUserByEmail(context.Background(), addr)
	if err != nil {
		t.Fatalf("user %s: %v", addr, err)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(e2ePassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u.PasswordHash, u.MustChangePassword = string(h), false
	if err := st.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
}

// signIn returns a browser signed in to the portal at base as addr.
func (e *e2e) signIn(base, addr string) *http.Client {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	csrf := formPage(e.t, c, base+"/signin")
	resp, err := c.PostForm(base+"/signin", url.Values{"csrf": {csrf}, "email": {addr}, "password": {e2ePassword}})
	if err != nil || resp.StatusCode != http.StatusOK || strings.HasSuffix(resp.Request.URL.Path, "/signin") {
		e.t.Fatalf("sign in as %s: %v %v", addr, resp, err)
	}
	resp.Body.Close()
	return c
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ticketgate/storage/storagetest"
)

// TestEndToEndAssistantFields: the category's questions by mail and in the
// portal, on the real binary with Dovecot and Mailpit. The setup file
// gives Network questions; the acknowledgement of a mailed VPN ticket asks
// the required ones; the requester's reply ("Question: answer" lines)
// fills the ticket's fields, shown by ticket show --json; a ticket opened
// with the portal's assistant carries its answers into the agent's
// assignment mail.
func TestEndToEndAssistantFields(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newE2E(t, db)
		questions := `{"categories": [
  {"name": "Network", "description": "VPN, wifi and network access problems", "keywords": ["vpn", "wifi", "network"],
   "questions": [
     {"question": "Which office", "required": true, "type": "choice", "choices": ["Berlin", "Paris"]},
     {"question": "Device asset tag", "required": true, "type": "asset_tag"},
     {"question": "Since when"}
   ]}
]}`
		file := filepath.Join(t.TempDir(), "questions.json")
		os.WriteFile(file, []byte(questions), 0o600)
		if _, errOut, code := runCLI(t, map[string]string{"DATABASE_URL": e.url}, "", "setup", "apply", file); code != 0 {
			t.Fatalf("setup apply: %s", errOut)
		}
		p := startServe(t, e.bin, e.env)
		defer func() { p.cmd.Process.Signal(os.Interrupt); p.cmd.Wait() }()
		base := "http://" + p.addr
		ann, carol := e.addr("ann"), e.addr("carol")

		// The acknowledgement asks the required questions, not the others.
		e.deliver(fmt.Sprintf("From: Ann <%s>\r\nTo: help@company.test\r\nSubject: VPN drops at the office\r\nMessage-Id: <vpnq-%s@company.test>\r\n\r\nThe VPN drops every ten minutes.\r\n", ann, e.tok))
		ref := e.firstTicket("VPN drops at the office")
		e.waitStatus(ref, "assigned")
		ackText := e.mailWith(ann, "Which office:")
		if !strings.Contains(ackText, "Device asset tag:") || strings.Contains(ackText, "Since when") {
			t.Errorf("the acknowledgement asks:\n%s", ackText)
		}
		ack := e.received(ann, ref, 1)

		// ann answers in her reply, above the quoted acknowledgement.
		e.deliver(e.answer(ack, ann, "Which office: paris\r\nDevice asset tag: lt-77\r\nSince when: Monday morning\r\n\r\nThanks!"))
		want := "Which office=Paris|Device asset tag=LT-77|Since when=Monday morning"
		deadline := time.Now().Add(30 * time.Second)
		for {
			var got []string
			fs, _ := e.show(ref)["fields"].([]any)
			for _, f := range fs {
				m := f.(map[string]any)
				got = append(got, fmt.Sprint(m["question"], "=", m["answer"]))
			}
			if strings.Join(got, "|") == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("fields in ticket show --json = %q, want %q", got, want)
			}
			time.Sleep(200 * time.Millisecond)
		}
		// carol has ann's answers too (her reply, relayed).
		e.mailWith(carol, "Device asset tag: lt-77")

		// The portal's assistant: the answers reach carol's assignment mail.
		users := storagetest.Open(t, e.url)
		setPassword(t, users, ann)
		c := e.signIn(base, ann)
		csrf := formPage(t, c, base+"/new")
		resp, err := c.PostForm(base+"/new", url.Values{"csrf": {csrf}, "step": {"describe"},
			"subject": {"Wifi gone in the meeting room"}, "body": {"No wifi network in room 4."}})
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("describe: %v %v", resp, err)
		}
		page := body(t, resp)
		if !strings.Contains(page, "This looks like <strong>Network</strong>") || !strings.Contains(page, "Which office") {
			t.Fatalf("the assistant does not propose Network with its questions:\n%s", page)
		}
		m := regexp.MustCompile(`<option value="(\d+)" selected>Network<`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("Network is not the selected category:\n%s", page)
		}
		netID := m[1]
		resp, err = c.PostForm(base+"/new", url.Values{"csrf": {csrf}, "step": {"create"}, "category": {netID},
			"subject": {"Wifi gone in the meeting room"}, "body": {"No wifi network in room 4."},
			"answer.0": {"Berlin"}, "answer.1": {"NB-1234"}})
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(resp.Request.URL.Path, "/tickets/TKT-") {
			t.Fatalf("create: %v %v", resp, err)
		}
		resp.Body.Close()
		portalRef := strings.TrimPrefix(resp.Request.URL.Path, "/tickets/")
		e.waitStatus(portalRef, "assigned")
		assigned := e.mailWith(carol, "NB-1234")
		for _, s := range []string{portalRef, "Which office: Berlin", "Device asset tag: NB-1234"} {
			if !strings.Contains(assigned, s) {
				t.Errorf("carol's assignment mail lacks %q:\n%s", s, assigned)
			}
		}
	})
}

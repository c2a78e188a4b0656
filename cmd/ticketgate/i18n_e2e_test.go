package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ticketgate/inbox"
	"ticketgate/storage/storagetest"
)

// TestEndToEndTranslatedMails (issue 20): the real binary with Dovecot
// and Mailpit. A ticket opened by a German mail from someone with no
// account gets its mails in German; an approver whose setting is fr gets
// the approval mail in French, naming APPROUVÉ and APPROVE, and their
// reply APPROUVÉ approves.
func TestEndToEndTranslatedMails(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ms := needMailstack(t)
		e := &e2e{t: t, ms: ms, mb: newDovecotMailbox(t), tok: token(t), url: db.URL, bin: binary(t)}
		setup := fmt.Sprintf(`{
  "categories": [
    {"name": "Hardware Request", "description": "New laptops, monitors, keyboards and other equipment",
     "keywords": ["laptop", "monitor", "keyboard", "mouse"],
     "approval_levels": [{"rule": "any", "approvers": [%q]}]},
    {"name": "Network", "description": "VPN, wifi and network access problems", "keywords": ["vpn", "wifi", "network"]}
  ],
  "users": [{"email": %q, "name": "Root", "role": "admin"},
            {"email": %q, "name": "Léa", "role": "employee", "language": "fr", "timezone": "Europe/Paris"}],
  "team_members": [{"email": %q, "categories": ["Hardware Request", "Network"]}]
}`, e.addr("lea"), e.addr("root"), e.addr("lea"), e.addr("bob"))
		file := filepath.Join(t.TempDir(), "setup.json")
		os.WriteFile(file, []byte(setup), 0o600)
		if _, errOut, code := runCLI(t, map[string]string{"DATABASE_URL": db.URL}, "", "setup", "apply", file); code != 0 {
			t.Fatalf("setup apply: %s", errOut)
		}
		e.env = []string{"DATABASE_URL=" + db.URL, "IMAP_URL=" + e.mb.url(), "HELPDESK_ADDRESS=help@company.test",
			"SMTP_URL=" + ms.smtpURL + "?tls=none", "CLASSIFY_MIN_CONFIDENCE=0.3",
			"ADMIN_EMAIL=" + e.addr("root"), "BASE_URL=http://portal.test", "DEFAULT_LANGUAGE=en"}
		p := startServe(t, e.bin, e.env)
		defer func() { p.cmd.Process.Signal(os.Interrupt); p.cmd.Wait() }()

		// Hans writes in German and has no account.
		hans := e.addr("hans")
		e.deliver(fmt.Sprintf("From: Hans <%s>\r\nTo: help@company.test\r\nSubject: VPN geht nicht\r\nMessage-Id: <vpn-%s@company.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
			"Hallo, mein VPN funktioniert seit heute morgen nicht mehr und ich kann nicht auf das Netz der Firma zugreifen. Kann bitte jemand helfen? Danke\r\n", hans, e.tok))
		ref := e.firstTicket("VPN geht nicht")
		ack := e.received(hans, ref, 1)
		in, err := inbox.Parse(ack)
		if err != nil {
			t.Fatal(err)
		}
		// The newest of his mails: the acknowledgement, or the news that
		// Bob has it, whichever came last; both are German.
		if !strings.Contains(in.Text, "Hallo Hans,") || !strings.Contains(in.Text, "Antworten Sie auf diese Mail") ||
			!strings.Contains(string(ack), `lang=3D"de"`) {
			t.Errorf("the mail about a ticket opened by a German mail is not German:\n%s", in.Text)
		}

		// Ann writes in English and needs Léa's approval; Léa reads French.
		ann := e.addr("ann")
		e.deliver(fmt.Sprintf("From: Ann <%s>\r\nTo: help@company.test\r\nSubject: Need a new laptop\r\nMessage-Id: <laptop-%s@company.test>\r\n\r\nMy laptop broke, I need a new laptop please. Thanks for your help.\r\n", ann, e.tok))
		lref := e.firstTicket("Need a new laptop")
		e.waitStatus(lref, "awaiting_approval")
		if in, err := inbox.Parse(e.received(ann, lref, 1)); err != nil || !strings.Contains(in.Text, "We have received your request") {
			t.Errorf("the acknowledgement of an English mail is not English: %v\n%s", err, in.Text)
		}
		raw := e.received(e.addr("lea"), "Approbation requise", 1)
		approval, err := inbox.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Bonjour Léa,", "demande l’approbation de " + lref, "APPROUVÉ (APPROVE)", "REFUSÉ (REJECT)"} {
			if !strings.Contains(approval.Text, want) {
				t.Errorf("Léa's approval mail lacks %q:\n%s", want, approval.Text)
			}
		}
		if !strings.Contains(string(raw), `lang=3D"fr"`) {
			t.Error("Léa's approval mail's HTML part is not marked French")
		}
		e.deliver(e.answer(raw, e.addr("lea"), "APPROUVÉ, bon courage"))
		m := e.waitStatus(lref, "assigned")
		approved := false
		for _, a := range m["approvals"].([]any) {
			if am := a.(map[string]any); am["decision"] == "approved" && am["via"] == "email" {
				approved = true
			}
		}
		if !approved {
			t.Errorf("APPROUVÉ did not approve by mail: %v", m["approvals"])
		}
	})
}

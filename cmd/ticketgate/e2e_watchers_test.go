package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"ticketgate/storage/storagetest"
)

// TestEndToEndWatchers: a mail Cc boss makes boss a watcher; the
// acknowledgement reaches boss Cc'd, in the requester's thread; boss's
// reply-all is a comment by boss; boss's APPROVE changes nothing; boss's
// UNSUBSCRIBE stops the mails. Real binary, Dovecot and Mailpit, both
// databases.
func TestEndToEndWatchers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newE2E(t, db)
		p := startServe(t, e.bin, e.env)
		defer func() { p.cmd.Process.Signal(os.Interrupt); p.cmd.Wait() }()
		ann, boss, lead := e.addr("ann"), e.addr("boss"), e.addr("lead")
		root := fmt.Sprintf("laptop-%s@company.test", e.tok)
		e.deliver(fmt.Sprintf("From: Ann <%s>\r\nTo: help@company.test\r\nCc: Boss <%s>, Eve <eve-%s@elsewhere.test>\r\nSubject: Need a new laptop\r\nMessage-Id: <%s>\r\n\r\nMy laptop broke, I need a new laptop please.\r\n",
			ann, boss, e.tok, root))
		ref := e.firstTicket("Need a new laptop")
		if w := e.watchers(ref); !slices.Equal(w, []string{boss}) {
			t.Fatalf("watchers = %v, want boss alone (eve is outside the policy)", w)
		}

		// The acknowledgement: To ann, Cc boss, in ann's thread, the same
		// mail (one Message-ID) for both; boss's copy has the link to stop.
		// Mailpit holds both deliveries with the same headers; boss's is
		// the one with boss's link.
		var annAck, bossAck []byte
		for _, raw := range e.mailsAbout("cc:"+boss, ref, 2) {
			if strings.Contains(strings.ReplaceAll(string(raw), "=\r\n", ""), "/unwatch/") {
				bossAck = raw
			} else {
				annAck = raw
			}
		}
		if annAck == nil || bossAck == nil {
			t.Fatal("want two deliveries of the acknowledgement, one with a link to stop following")
		}
		for who, raw := range map[string][]byte{"ann": annAck, "boss": bossAck} {
			h := mailHeader(t, raw)
			to, _ := h.AddressList("To")
			cc, _ := h.AddressList("Cc")
			irt, _ := h.MsgIDList("In-Reply-To")
			if len(to) != 1 || to[0].Address != ann || len(cc) != 1 || cc[0].Address != boss || !slices.Equal(irt, []string{root}) {
				t.Errorf("%s's acknowledgement: To %v Cc %v In-Reply-To %v", who, to, cc, irt)
			}
		}
		ah, bh := mailHeader(t, annAck), mailHeader(t, bossAck)
		annID, _ := ah.MessageID()
		bossID, _ := bh.MessageID()
		if annID != bossID {
			t.Errorf("Message-IDs %s and %s: want one mail", annID, bossID)
		}
		if flat := strings.ReplaceAll(string(bossAck), "=\r\n", ""); !strings.Contains(flat, "http://portal.test/unwatch/") {
			t.Error("boss's copy has no link to stop following")
		} else if strings.Contains(strings.ReplaceAll(string(annAck), "=\r\n", ""), "/unwatch/") {
			t.Error("ann's acknowledgement has a link to stop following")
		}
		e.waitStatus(ref, "awaiting_approval")

		// boss's reply-all is a comment by boss.
		e.deliver(e.answer(bossAck, boss, "Please hurry, she presents on Monday."))
		e.waitEvent(ref, "commented", boss, "presents on Monday")
		// boss's APPROVE is a comment too: the approvals wait for lead.
		e.deliver(e.answer(bossAck, boss, "APPROVE"))
		m := e.waitEvent(ref, "commented", boss, "APPROVE")
		if m["status"] != "awaiting_approval" {
			t.Errorf("after boss's APPROVE: %v", m["status"])
		}
		for _, a := range m["approvals"].([]any) {
			if d := a.(map[string]any)["decision"]; d != "pending" {
				t.Errorf("approval %v after boss's APPROVE", a)
			}
		}

		// UNSUBSCRIBE: boss no longer watches and gets no more mail; ann's
		// next mail (the rejection) goes to ann alone.
		e.deliver(e.answer(bossAck, boss, "UNSUBSCRIBE"))
		e.waitEvent(ref, "watcher_removed", boss, boss)
		if w := e.watchers(ref); len(w) != 0 {
			t.Errorf("watchers after UNSUBSCRIBE = %v", w)
		}
		e.deliver(e.answer(e.received(lead, "Approval needed", 1), lead, "REJECT - not in the budget"))
		e.waitStatus(ref, "rejected")
		var rejected []byte
		for _, m := range e.ms.search(t, "to:"+ann, 3) {
			if strings.Contains(m.MessageID, ".rejected.") {
				rejected = e.ms.raw(t, m.ID)
			}
		}
		if rejected == nil {
			t.Fatal("no rejection to ann in Mailpit")
		}
		rh := mailHeader(t, rejected)
		if cc, _ := rh.AddressList("Cc"); len(cc) != 0 {
			t.Errorf("the rejection is Cc %v", cc)
		}
		out, _, _ := runCLI(t, map[string]string{"DATABASE_URL": e.url}, "", "outbox", "list", "--json")
		var rows []map[string]any
		json.Unmarshal([]byte(out), &rows)
		toBoss := 0
		for _, r := range rows {
			if r["to"] == boss {
				toBoss++
			}
		}
		if toBoss != 1 {
			t.Errorf("%d mails to boss in the outbox, want the acknowledgement alone", toBoss)
		}
		if got := e.ms.search(t, "cc:"+boss, 0); len(got) != 2 {
			t.Errorf("Mailpit has %d mails Cc boss, want the two deliveries of the acknowledgement", len(got))
		}
	})
}

// mailsAbout waits for n mails of Mailpit's search query whose subject
// holds subj, and returns their raw bytes.
func (e *e2e) mailsAbout(query, subj string, n int) [][]byte {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out [][]byte
		for _, m := range e.ms.search(e.t, query, 0) {
			if strings.Contains(m.Subject, subj) {
				out = append(out, e.ms.raw(e.t, m.ID))
			}
		}
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no %d mails of %q about %q (have %d)", n, query, subj, len(out))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// watchers returns ticket ref's watchers as `ticket show --json` prints them.
func (e *e2e) watchers(ref string) []string {
	e.t.Helper()
	var out []string
	for _, w := range e.show(ref)["watchers"].([]any) {
		out = append(out, w.(string))
	}
	return out
}

// waitEvent waits for an event of kind by actor whose detail holds text,
// and returns the ticket.
func (e *e2e) waitEvent(ref, kind, actor, text string) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := e.show(ref)
		for _, ev := range m["events"].([]any) {
			ev := ev.(map[string]any)
			if ev["kind"] == kind && ev["actor"] == actor && strings.Contains(ev["detail"].(string), text) {
				return m
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s has no %s event by %s about %q: %v", ref, kind, actor, text, m["events"])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"ticketgate/storage/storagetest"
)

var satisfactionLinkRE = regexp.MustCompile(`No: (http://portal\.test/satisfaction/[0-9]+-[0-9]+-no-[a-z2-7]{26})`)

// TestEndToEndSatisfaction: the real binary with Dovecot and Mailpit. The
// agent resolves by mail; the requester's resolution mail in Mailpit
// carries the "No" link; Chromium opens it (which records nothing), types
// a comment and confirms; the answer is in ticket show --json, the ticket
// is back with its agent, who gets the comment by mail; the link then
// says the question is answered.
func TestEndToEndSatisfaction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	chromiumPath := findChromium(t)
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newE2E(t, db)
		p := startServe(t, e.bin, e.env)
		defer func() { p.cmd.Process.Signal(os.Interrupt); p.cmd.Wait() }()
		base := "http://" + p.addr
		ann, carol := e.addr("ann"), e.addr("carol")

		// Network has carol alone: she gets the ticket, and resolves it by mail.
		e.deliver(fmt.Sprintf("From: Ann <%s>\r\nTo: help@company.test\r\nSubject: VPN refuses my password\r\nMessage-Id: <vpnsat-%s@company.test>\r\n\r\nThe VPN says my password is wrong.\r\n", ann, e.tok))
		ref := e.firstTicket("VPN refuses my password")
		e.waitStatus(ref, "assigned")
		toCarol := e.received(carol, ref, 1)
		e.deliver(e.answer(toCarol, carol, "DONE: your account was locked; it is unlocked now."))
		e.waitStatus(ref, "resolved")

		text := e.mailWith(ann, "Was your problem solved?")
		m := satisfactionLinkRE.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no satisfaction link in the resolution mail:\n%s", text)
		}
		link := strings.Replace(m[1], "http://portal.test", base, 1)

		br := startChromium(t, chromiumPath)
		br.run("open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#satisfaction-confirm")))
		if s := br.text("#satisfaction-answer"); s != "No, not solved" {
			t.Errorf("the page's answer is %q", s)
		}
		br.shot("satisfaction-confirm")
		if show := e.show(ref); show["status"] != "resolved" || show["satisfaction"] != nil {
			t.Fatalf("opening the link changed the ticket: %v, %v", show["status"], show["satisfaction"])
		}
		const comment = "Still refused after the unlock."
		// Pressed through the DOM, as a click would (coordinates are flaky
		// under load).
		press := chromedp.Evaluate[bool]("(document.querySelector('#satisfaction-confirm').click(), true)")
		br.run("confirm", chromedp.SendKeys(chromedp.CSS("#comment"), comment),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := press(ctx, tg)
				return err
			}),
			chromedp.WaitVisible(chromedp.CSS("#satisfaction-done")))
		br.shot("satisfaction-done")

		show := e.show(ref)
		sat, _ := show["satisfaction"].(map[string]any)
		if sat["rating"] != "no" || sat["comment"] != comment {
			t.Errorf("satisfaction = %v", show["satisfaction"])
		}
		if show["status"] != "assigned" || show["assignee"] != carol {
			t.Errorf("after No: %v to %v, want assigned to carol", show["status"], show["assignee"])
		}
		rated := 0
		for _, ev := range show["events"].([]any) {
			if ev.(map[string]any)["kind"] == "rated" {
				rated++
			}
		}
		if rated != 1 {
			t.Errorf("%d rated events, want 1", rated)
		}
		e.mailWith(carol, comment)

		// The link again: answered, nothing more recorded.
		br.run("the link again", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#satisfaction-closed")))
		if s := br.text("#satisfaction-closed"); !strings.Contains(s, "answered already") {
			t.Errorf("the used link says %q", s)
		}
	})
}

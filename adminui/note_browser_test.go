package adminui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"ticketgate/storage/storagetest"
)

// TestBrowserNote: in Chromium with JavaScript off, an agent writes an
// internal note with the comment form's second button (a formaction, no
// script) and sees it marked on the ticket; the requester's page, in the
// same browser, does not show it.
func TestBrowserNote(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "browser.db")})
	url, ref := f.srv.URL, f.t1.Ref()
	const note = "Warranty ends in March; ask Dell first."
	for _, name := range []string{"bob", "ann"} {
		p := b.person(name + " (no JavaScript)")
		if _, err := chromedp.Call(p.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatalf("disable JavaScript: %v", err)
		}
		p.do("open the portal", chromedp.Navigate(url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
		p.fill("sign in", [][2]string{{"#email", name + "@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
		p.do("open the ticket", chromedp.Navigate(url+"/tickets/"+ref), chromedp.WaitVisible(chromedp.CSS("main")))
		if name == "bob" {
			p.fill("note", [][2]string{{"#text", note}}, "#add-note")
			p.waitPath("/tickets/" + ref)
			p.expect("ticket", "Your internal note was added. The requester does not see it.", "Internal note", note)
			p.shot("ticket-note")
			continue
		}
		p.expect("ticket", "ANNBODY1", "Add comment")
		if text := p.text(); strings.Contains(text, note) || strings.Contains(text, "Internal note") {
			t.Errorf("the requester's page shows the note:\n%s", text)
		}
		if n, _ := chromedp.Run(p.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", "#add-note, .event-note"))); n != 0 {
			t.Errorf("the requester's page has %d note elements", n)
		}
		p.shot("ticket-requester-no-note")
	}
}

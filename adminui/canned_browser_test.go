package adminui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// noScript turns JavaScript off in the tab, and checks it is off.
func (tb *tab) noScript() {
	tb.b.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		tb.b.t.Fatalf("disable JavaScript: %v", err)
	}
}

// TestBrowserCannedRepliesWithoutJavaScript: with JavaScript off in
// Chromium, an admin writes a canned reply (a typo in a placeholder is
// refused on the page), and an agent inserts it in a comment on his
// ticket, edits it and sends it.
func TestBrowserCannedRepliesWithoutJavaScript(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "browser.db")})
	url := f.srv.URL

	root := b.person("root (no JavaScript)")
	root.noScript()
	root.do("open the portal", chromedp.Navigate(url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	root.fill("sign in", [][2]string{{"#email", "root@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
	root.waitPath("/queue")
	if v, _ := chromedp.Run(root.ctx, chromedp.Evaluate[string]("typeof window.bootstrap")); v != "undefined" {
		t.Fatalf("with JavaScript off, typeof window.bootstrap = %q", v)
	}
	root.click("canned replies", `a[href="/admin/canned"]`)
	root.expect("canned replies", "No canned replies yet")
	root.click("add one", `main a[href="/admin/canned/new"]`)
	body := "Hello {{requester.nmae}},\nplease restart the VPN client ({{ticket.ref}}).\n{{agent.name}}"
	root.fill("save with a typo", [][2]string{{"#title", "Restart the VPN client"}, {"#body", body}}, "#save")
	root.expect("canned reply", "Nothing was saved", "Unknown placeholder {{requester.nmae}}: use {{requester.name}}, {{ticket.ref}} or {{agent.name}}.")
	root.forgive(422)
	root.shot("canned-reply-refused")
	root.fill("save", [][2]string{{"#body", strings.Replace(body, "nmae", "name", 1)}}, "#save")
	root.expect("canned reply", "The canned reply is saved.")
	root.shot("canned-reply")
	cs, err := f.st.ListCannedReplies(context.Background(), domain.CannedReplyFilter{})
	if err != nil || len(cs) != 1 {
		t.Fatalf("canned replies = %+v, %v", cs, err)
	}

	bob := b.person("bob (no JavaScript)")
	bob.noScript()
	bob.do("open the portal", chromedp.Navigate(url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	bob.fill("sign in", [][2]string{{"#email", "bob@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
	bob.waitPath("/queue")
	bob.click("open the ticket", fmt.Sprintf(`a[href="/tickets/%s"]`, f.t1.Ref()))
	bob.expect("ticket", "Saved reply", "Restart the VPN client")
	bob.do("type and choose", chromedp.SendKeys(chromedp.CSS("#text"), "Sorry for the wait."),
		chromedp.SetValue(chromedp.CSS("#canned"), fmt.Sprint(cs[0].ID)))
	// The button is pressed through the DOM rather than by a mouse event at
	// its coordinates: under the race detector's load the page's layout
	// can still move between the two (a click once landed nowhere in CI).
	// The page's own scripts stay off; the form submits as a click would.
	press := chromedp.Evaluate[bool]("(document.querySelector('#canned-insert').click(), true)")
	bob.do("insert", bob.markPage(), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := press(ctx, t)
		return err
	}))
	bob.waitNewPage("insert")
	bob.waitPath("/tickets/" + f.t1.Ref() + "/canned*") // with #add-comment, where the box is
	got, err := chromedp.Run(bob.ctx, chromedp.Value(chromedp.CSS("#text")))
	want := "Sorry for the wait.\n\nHello Ann,\nplease restart the VPN client (" + f.t1.Ref() + ").\nBob"
	if err != nil || got != want {
		t.Fatalf("the comment box after Insert = %q, %v; want %q", got, err, want)
	}
	bob.shot("ticket-canned-inserted")
	sent := strings.Replace(want, "Sorry for the wait.", "Sorry for the wait, Ann.", 1)
	bob.fill("edit and send", [][2]string{{"#text", sent}}, "form[action$='/comment'] button:not([formaction])")
	bob.waitPath("/tickets/" + f.t1.Ref())
	bob.expect("ticket", "Your comment was added.", "Sorry for the wait, Ann.", "please restart the VPN client ("+f.t1.Ref()+")")
	es, err := f.st.ListEvents(context.Background(), f.t1.ID)
	if err != nil {
		t.Fatal(err)
	}
	// (A browser sends a textarea's line breaks as CRLF.)
	if last := es[len(es)-1]; last.Kind != domain.EventCommented || strings.ReplaceAll(last.Detail, "\r\n", "\n") != sent {
		t.Errorf("last event = %s %q, want the comment %q", last.Kind, last.Detail, sent)
	}
	bob.noConsoleErrors("comment")
}

package adminui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-smtp"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage/storagetest"
)

// TestBrowserAdminSetup: an admin sets up a category with keywords and two
// approval levels in the editor (levels added with its buttons), creates
// an agent with a one-time password, and puts the agent on the category's
// team; then the agent gets a waiting ticket of it. Screenshots of the
// category editor, the users page and the team page, on a desktop and a
// phone, go to the test's temp dir (and SCREENSHOT_DIR).
func TestBrowserAdminSetup(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "browser.db")})
	ctx := context.Background()
	url := f.srv.URL

	root := b.person("root")
	root.do("open the portal", chromedp.Navigate(url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	root.fill("sign in", [][2]string{{"#email", "root@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
	root.waitPath("/queue")
	root.click("categories", `header a[href="/admin/categories"]`)
	root.expect("categories", "Hardware", "Software", "bob@company.test")
	root.click("add category", `main a[href="/admin/categories/new"]`)
	root.fill("name it", [][2]string{{"#name", "Access Request"}, {"#description", "Badges, VPN access, shared drives"},
		{"#keywords", "badge, vpn, access"}}, "#add-level")
	root.fill("first level", [][2]string{{"#approvers-0", "lead@company.test\nfinance@company.test"}}, "#add-level")
	root.do("second level", chromedp.WaitVisible(chromedp.CSS("#approvers-1")), chromedp.SendKeys(chromedp.CSS("#approvers-1"), "cio@company.test"),
		chromedp.SetValue(chromedp.CSS("#rule-1"), "any"))
	root.expect("editor", "Level 1", "Level 2")
	if v, _ := chromedp.Run(root.ctx, chromedp.Value(chromedp.CSS("#name"))); v != "Access Request" {
		t.Errorf("the name after adding levels = %q", v)
	}
	root.shot("admin-category-editor")
	root.click("save", "#save")
	root.expect("category", "The category is saved.")
	c, err := f.st.GetCategoryByName(ctx, "Access Request")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ApprovalLevels) != 2 || strings.Join(c.ApprovalLevels[0].Approvers, ",") != "lead@company.test,finance@company.test" ||
		c.ApprovalLevels[1].Rule != domain.RuleAny || strings.Join(c.Keywords, ",") != "badge,vpn,access" {
		t.Errorf("saved category = %+v", c)
	}

	// A new agent with a one-time password.
	root.click("users", `header a[href="/admin/users"]`)
	root.click("add user", `main a[href="/admin/users/new"]`)
	root.do("role and password", chromedp.SetValue(chromedp.CSS("#role"), "agent"), chromedp.Click(chromedp.CSS("#password-onetime")))
	root.fill("create user", [][2]string{{"#email", "dana@company.test"}, {"#name", "Dana Agent"}}, "main form button[type=submit]")
	root.expect("password", "only this once", "dana@company.test")
	otp, err := chromedp.Run(root.ctx, chromedp.Value(chromedp.CSS("#one-time-password")))
	if err != nil || len(otp) < 20 {
		t.Fatalf("one-time password %q: %v", otp, err)
	}
	root.do("users", chromedp.Navigate(url+"/admin/users"), chromedp.WaitVisible(chromedp.CSS("table")))
	root.expect("users", "Dana Agent", "dana@company.test", "must change password")
	root.shot("admin-users")

	// A ticket arrives by mail (over SMTP, to the built-in receiver) and
	// waits in the new category; then Dana joins its team.
	tk := mailTicket(t, f, "ann@company.test", "Badge does not open the door")
	tk.CategoryID = c.ID
	if err := f.st.UpdateTicket(ctx, tk, tk.Status); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Transition(ctx, tk.ID, domain.Change{To: domain.StatusUnassigned, Actor: domain.SystemActor}); err != nil {
		t.Fatal(err)
	}
	root.click("team", `header a[href="/admin/team"]`)
	root.do("tick the category", chromedp.Click(chromedp.CSS(fmt.Sprintf("#category-%d", c.ID))))
	root.fill("add member", [][2]string{{"#email", "dana@company.test"}}, "main form[action='/admin/team'] button[type=submit]")
	root.expect("team", "The team member is saved.", "Dana Agent", "Access Request")
	root.shot("admin-team")
	got, err := f.st.GetTicket(ctx, tk.ID)
	if err != nil || got.Status != domain.StatusAssigned || got.Assignee != "dana@company.test" {
		t.Errorf("the waiting ticket = %+v, %v; want assigned to dana", got, err)
	}

	// The agent signs in with the one-time password, changes it, and
	// finds the ticket in the queue.
	dana := b.person("dana")
	dana.do("open the portal", chromedp.Navigate(url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	dana.fill("sign in", [][2]string{{"#email", "dana@company.test"}, {"#password", otp}}, "main button[type=submit]")
	dana.waitPath("/password")
	dana.fill("change password", [][2]string{{"#current", otp}, {"#new", "dana's own passphrase"}, {"#confirm", "dana's own passphrase"}}, "main button[type=submit]")
	dana.waitPath("/queue")
	dana.expect("queue", tk.Ref(), "Badge does not open the door")

	// On a phone.
	if err := chromedp.Do(root.ctx, chromedp.EmulateViewport(390, 844)); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("phone viewport: %v", err)
	}
	root.do("editor on a phone", chromedp.Navigate(fmt.Sprintf("%s/admin/categories/%d", url, c.ID)), chromedp.WaitVisible(chromedp.CSS("#approvers-1")))
	root.shot("admin-category-editor-phone")
	root.do("users on a phone", chromedp.Navigate(url+"/admin/users"), chromedp.WaitVisible(chromedp.CSS("table")))
	root.shot("admin-users-phone")
	t.Logf("screenshots in %s", b.shots)
}

// mailTicket sends a mail to the helpdesk over SMTP, through the built-in
// receiver on the fixture's desk, and returns the ticket it made.
func mailTicket(t *testing.T, f *fixture, from, subject string) *domain.Ticket {
	t.Helper()
	ln := inbox.NewListener(inbox.ListenerConfig{Addr: "127.0.0.1:0", MaxMessageBytes: 1 << 20,
		Policy: domain.IntakePolicy{HelpdeskAddress: "help@company.test"}}, f.desk, inbox.Parse, nil, nil)
	if err := ln.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ln.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	c, err := smtp.Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := fmt.Sprintf("From: %s\r\nTo: help@company.test\r\nSubject: %s\r\nMessage-Id: <browser-%d@company.test>\r\n\r\nSent by mail.\r\n",
		from, subject, len(subject))
	if err := c.SendMail(from, []string{"help@company.test"}, strings.NewReader(msg)); err != nil {
		t.Fatalf("send the mail: %v", err)
	}
	ts, err := f.st.ListTickets(context.Background(), domain.TicketQuery{Limit: 1})
	if err != nil || len(ts) == 0 || ts[0].Subject != subject {
		t.Fatalf("no ticket from the mail: %+v, %v", ts, err)
	}
	return &ts[0]
}

package adminui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestBrowserAdminDashboard: an admin watches the dashboard's numbers
// change when a ticket arrives, gives the ticket a category from its page,
// and looks at the mail pages. Screenshots: admin-dashboard (after the
// ticket), admin-dashboard-before, admin-tickets, admin-ticket,
// admin-outbox.
func TestBrowserAdminDashboard(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "admin.db")})
	url := f.srv.URL
	root := b.person("root")
	root.do("open the portal", chromedp.Navigate(url+"/admin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	root.fill("sign in", [][2]string{{"#email", "root@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
	root.waitPath("/admin")
	figure := func(id string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(root.ctx, 10*time.Second)
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#"+id)))
		if err != nil {
			t.Fatalf("read #%s: %v", id, err)
		}
		return strings.TrimSpace(s)
	}
	if open, created := figure("open-count"), figure("created-total"); open != "3" || created != "3" {
		t.Errorf("before: open %s, created %s; want 3 and 3 (the fixture's tickets)", open, created)
	}
	root.expect("dashboard", "Open tickets by status", "Open tickets by category", "Hardware", "Load per agent", "bob@company.test",
		"Mail health", "This process takes no mail in.")
	root.shot("admin-dashboard-before")

	// A ticket arrives by mail (the pipeline's entry point).
	tk, err := f.desk.OpenTicket(context.Background(), domain.NewTicket{Subject: "Printer jams on floor 3",
		Body: "Every second page jams.", From: "dana@company.test", MessageID: "jam@company.test", Channel: "smtp"})
	if err != nil {
		t.Fatal(err)
	}
	root.do("reload", root.markPage(), chromedp.Reload())
	root.waitNewPage("reload")
	if open, created := figure("open-count"), figure("created-total"); open != "4" || created != "4" {
		t.Errorf("after a new ticket: open %s, created %s; want 4 and 4", open, created)
	}
	root.expect("dashboard", "Being sorted", "No category")
	root.do("see the charts", chromedp.WaitVisible(chromedp.CSS("svg.chart-svg rect.fill-triage")),
		chromedp.WaitVisible(chromedp.CSS("svg.chart-svg rect.fill-created")))
	root.shot("admin-dashboard")

	// Find it in All tickets and give it a category.
	root.click("all tickets", `nav a[href="/admin/tickets"]`)
	root.fill("search", [][2]string{{"#q", "printer jams"}}, `form[aria-label="Search tickets"] button[type=submit]`)
	root.expect("all tickets", tk.Ref(), "Printer jams on floor 3", "1 ticket.")
	root.shot("admin-tickets")
	root.click("open the ticket", `a[href="/admin/tickets/`+tk.Ref()+`"]`)
	root.expect("ticket", "Pick a category", "Every second page jams.")
	root.do("choose", chromedp.SetValue(chromedp.CSS("#category"), "Hardware"))
	root.click("save the category", `form[action$="/category"] button[type=submit]`)
	root.expect("ticket", "The category is saved.", "classified as Hardware by root@company.test", "assigned to bob@company.test")
	root.shot("admin-ticket")

	root.click("mail", `nav a[href="/admin/mail/outbox"]`)
	root.expect("outbox", "held", "bob@company.test")
	root.shot("admin-outbox")
	root.click("back to the dashboard", `nav a[href="/admin"]`)
	if open := figure("open-count"); open != "4" {
		t.Errorf("after assignment: open %s, want 4", open)
	}
	root.expect("dashboard", "In progress")

	// On a phone: nothing wider than the screen (tables scroll inside
	// their own box, charts shrink).
	root.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, page := range []string{"/admin", "/admin/tickets", "/admin/tickets/" + tk.Ref(), "/admin/mail/outbox"} {
		root.do("open "+page, root.markPage(), chromedp.Navigate(url+page))
		root.waitNewPage(page)
		ctx, cancel := context.WithTimeout(root.ctx, 10*time.Second)
		fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth <= window.innerWidth"))
		cancel()
		if err != nil || !fits {
			t.Errorf("%s is wider than a phone's screen (%v)", page, err)
		}
	}
	root.do("dashboard on a phone", root.markPage(), chromedp.Navigate(url+"/admin"))
	root.waitNewPage("dashboard on a phone")
	root.shot("admin-dashboard-phone")
}

package adminui

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ticketgate/domain"
	"ticketgate/domain/leave"
	"ticketgate/domain/leave/leavetest"
	"ticketgate/domain/mailauth"
	"ticketgate/storage/storagetest"
)

// TestBrowserTeamLeave: in Chromium, an admin chooses on bob's and carl's
// pages that their leave is read from Microsoft 365; after a read against
// a fake Graph the team page shows carl away by Microsoft 365 with his
// leave's end, bob's missing permission in words, and the change in the
// latest availability changes. Screenshot: admin-team-leave.
func TestBrowserTeamLeave(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "browser.db")})
	ctx := context.Background()
	url := f.srv.URL
	submit := func(tb *tab, what, sel string) {
		t.Helper()
		js := fmt.Sprintf("(document.querySelector(%q).click(), true)", sel)
		tb.do(what, tb.markPage(), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](js)(ctx, tg)
			return err
		}))
		tb.waitNewPage(what)
	}

	root := b.person("root")
	root.do("open the portal", chromedp.Navigate(url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	root.fill("sign in", [][2]string{{"#email", "root@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
	root.waitPath("/queue")
	for _, name := range []string{"bob", "carl"} {
		root.do("open "+name, chromedp.Navigate(fmt.Sprintf("%s/admin/team/%d", url, f.memberID(name))), chromedp.WaitVisible(chromedp.CSS("#leave_source")))
		root.do("choose Microsoft 365", chromedp.SetValue(chromedp.CSS("#leave_source"), "microsoft"))
		submit(root, "save "+name, "main form[action^='/admin/team/'] button[type=submit]")
		root.expect("team", "The team member is saved.", "not read yet")
	}
	if m, _ := f.st.GetTeamMemberByUser(ctx, f.users["carl"].ID); m.LeaveSource != domain.LeaveMicrosoft {
		t.Fatalf("carl's leave source = %q", m.LeaveSource)
	}

	fake := leavetest.New(t)
	fake.Set(leavetest.Replies, "bob@company.test", leavetest.Reply{Status: http.StatusForbidden,
		Body: `{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}`})
	now := time.Now()
	end := now.Add(72 * time.Hour).UTC().Truncate(time.Hour)
	fake.Set(leavetest.Replies, "carl@company.test", leavetest.Scheduled(now.Add(-time.Hour), end))
	src, err := mailauth.Microsoft365{Tenant: fake.Tenant, ClientID: fake.ClientID, ClientSecret: fake.Secret, LoginURL: fake.URL}.
		AppOnlyFor([]string{mailauth.MicrosoftGraphScope}, mailauth.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reader := domain.NewDesk(f.st, nil, storagetest.Logger(t),
		domain.WithLeave(&leave.Reader{Graph: &leave.Graph{BaseURL: fake.GraphURL(), Tokens: src}}, time.Minute))
	if _, err := reader.ReadLeaves(ctx); err != nil {
		t.Fatal(err)
	}
	root.do("team page", chromedp.Navigate(url+"/admin/team"), chromedp.WaitVisible(chromedp.CSS("table")))
	root.expect("team",
		"away until "+end.Format("2 Jan 2006 15:04 UTC")+" (Microsoft 365)",
		"Could not read: automatic replies: HTTP 403 ErrorAccessDenied",
		"(missing permission)",
		"Latest changes of availability",
		"carl@company.test away (Microsoft 365): automatic replies scheduled until "+end.Format("2006-01-02 15:04 UTC"))
	root.shot("admin-team-leave")
	t.Logf("screenshots in %s", b.shots)
}

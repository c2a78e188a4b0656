package adminui

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ticketgate/storage/storagetest"
)

// TestBrowserGermanPortalOnPhone: a user whose setting is German reads the
// portal in German on a phone-sized screen (screenshots de-phone-*.png).
func TestBrowserGermanPortalOnPhone(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "browser.db")})
	ann := f.users["ann"]
	ann.Language, ann.TimeZone = "de", "Europe/Berlin"
	if err := f.st.UpdateUser(context.Background(), ann); err != nil {
		t.Fatal(err)
	}
	tab := b.person("ann")
	if err := chromedp.Do(tab.ctx, chromedp.EmulateViewport(390, 844)); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("phone viewport: %v", err)
	}
	tab.do("open the portal", chromedp.Navigate(f.srv.URL+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	tab.fill("sign in", [][2]string{{"#email", "ann@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
	tab.do("my tickets", chromedp.Navigate(f.srv.URL+"/tickets"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	tab.expect("my tickets", "Meine Tickets", "Neues Ticket", "Betreff", "In Bearbeitung")
	tab.shot("de-phone-tickets")
	tab.do("a ticket", chromedp.Navigate(f.srv.URL+"/tickets/"+f.t1.Ref()), chromedp.WaitVisible(chromedp.CSS("main h1")))
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	zone, _ := f.t1.CreatedAt.In(berlin).Zone() // CET, or CEST in summer
	tab.expect("the ticket", "Beschreibung", "Verlauf", "Kommentar hinzufügen", zone)
	tab.shot("de-phone-ticket")
	tab.do("new ticket", chromedp.Navigate(f.srv.URL+"/new"), chromedp.WaitVisible(chromedp.CSS("#subject")))
	tab.expect("new ticket", "Beschreiben Sie in Ihren eigenen Worten", "Weiter")
	tab.shot("de-phone-new")
	t.Logf("screenshots in %s", b.shots)
}

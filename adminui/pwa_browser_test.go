package adminui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"ticketgate/storage/storagetest"
)

// offline cuts the network of the tab and of its service worker
// (DevTools' offline emulation, on both targets), or gives it back.
func (tb *tab) offline(off bool) {
	tb.b.t.Helper()
	targets := []context.Context{tb.ctx}
	infos, err := chromedp.Targets(tb.ctx)
	if err != nil {
		tb.b.t.Fatalf("targets: %v", err)
	}
	for _, ti := range infos {
		if ti.Type == "service_worker" && ti.BrowserContextID == chromedp.FromContext(tb.ctx).BrowserContextID {
			// The emulation lasts as long as the session attached to the
			// worker: until the test ends.
			wctx, cancel := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(ti.TargetID))
			tb.b.t.Cleanup(cancel)
			targets = append(targets, wctx)
		}
	}
	workers := 0
	for i, ctx := range targets {
		err := emulateOffline(ctx, off)
		switch {
		case err != nil && i == 0:
			tb.b.t.Fatalf("%s: emulate offline %v: %v", tb.name, off, err)
		case err != nil: // a worker that went away meanwhile (an old one after sign-out)
			tb.b.t.Logf("%s: a service worker: %v", tb.name, err)
		case i > 0:
			workers++
		}
	}
	if workers == 0 {
		tb.b.t.Fatalf("%s: no service worker to take offline", tb.name)
	}
}

// emulateOffline sets the emulation on a target. No deadline of its own:
// the first call on a worker's context attaches to it for as long as the
// context it gets lives, and the emulation lasts that long.
func emulateOffline(ctx context.Context, off bool) error {
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &off,
		MatchedNetworkConditions:    []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}},
	})
	return err
}

// eval runs a script (awaiting a promise) and returns its result.
func evalIn[T any](tb *tab, script string) T {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.b.t.Fatalf("%s: %s: %v", tb.name, script, err)
	}
	return v
}

// waitFor polls a script until it gives true.
func (tb *tab) waitFor(what, script string) {
	tb.b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !evalIn[bool](tb, script) {
		if time.Now().After(deadline) {
			tb.b.t.Fatalf("%s: waited in vain for %s", tb.name, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// workerReady waits until the service worker is active and controls the
// page.
func (tb *tab) workerReady() {
	tb.b.t.Helper()
	if !evalIn[bool](tb, "navigator.serviceWorker.ready.then(r => r.active !== null)") {
		tb.b.t.Fatalf("%s: no active service worker", tb.name)
	}
	tb.waitFor("the worker to control the page", "navigator.serviceWorker.controller !== null")
}

// savedPage is a script that tells whether path is among the offline pages.
func savedPage(path string) string {
	return fmt.Sprintf(`caches.keys().then(async names => {
		for (const n of names.filter(n => n.startsWith('tg-pages-'))) {
			if (await (await caches.open(n)).match(location.origin + %q)) return true;
		}
		return false;
	})`, path)
}

// TestBrowserInstallableOffline: the manifest is one Chromium accepts and
// the service worker installs; a requester's "My tickets" and a ticket she
// opened are there with the network cut, marked as offline copies, and a
// page she did not open is the offline page; after she signs out nothing
// of hers is kept: the same pages offline are the offline page. On a
// phone: screenshots offline-tickets-phone, offline-ticket-phone and
// offline-page-phone.
func TestBrowserInstallableOffline(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "pwa.db")})
	url, ref := f.srv.URL, f.t1.Ref()

	ann := b.person("ann")
	ann.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	ann.do("open the portal", chromedp.Navigate(url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	ann.workerReady()
	// What Chromium made of the manifest: its name and icons.
	man := evalIn[string](ann, `fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json()).then(m =>
		Promise.all(m.icons.map(i => new Promise((ok, bad) => { const img = new Image(); img.onload = () => ok(i.sizes + '=' + img.naturalWidth + 'x' + img.naturalHeight + ' ' + i.purpose); img.onerror = bad; img.src = i.src; })))
		.then(sizes => m.name + ' | ' + m.display + ' | ' + sizes.join(', ')))`)
	if want := "IT Helpdesk | standalone | 192x192=192x192 any, 512x512=512x512 any, 512x512=512x512 maskable"; man != want {
		t.Errorf("manifest and its icons: %q, want %q", man, want)
	}
	// Chromium's own reading: no parse error, nothing that stops an
	// install (but the window itself: each person's is a browser context
	// of its own, which Chromium counts as incognito).
	am, err := chromedp.Call(ann.ctx, page.GetAppManifest, page.GetAppManifestParams{})
	if err != nil || len(am.Errors) != 0 || am.Manifest == nil {
		t.Errorf("Page.getAppManifest: %v, errors %v", err, am.Errors)
	}
	ie, err := chromedp.Call(ann.ctx, page.GetInstallabilityErrors, cdp.Empty{})
	var why []string
	for _, e := range ie.InstallabilityErrors {
		if e.ErrorID != "in-incognito" {
			why = append(why, e.ErrorID)
		}
	}
	if err != nil || len(why) != 0 {
		t.Errorf("Page.getInstallabilityErrors: %v, %v", err, why)
	}
	ann.fill("sign in", [][2]string{{"#email", "ann@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
	ann.waitPath("/tickets")
	ann.workerReady()
	ann.do("my tickets", ann.markPage(), chromedp.Navigate(url+"/tickets"))
	ann.waitNewPage("my tickets")
	ann.waitFor("My tickets to be saved", savedPage("/tickets"))
	ann.click("open the ticket", fmt.Sprintf(`a[href="/tickets/%s"]`, ref))
	ann.waitFor("the ticket to be saved", savedPage("/tickets/"+ref))
	if v := evalIn[bool](ann, `document.getElementById('offline-copy').hidden`); !v {
		t.Error("the offline banner shows on a page fetched online")
	}

	ann.offline(true)
	ann.do("my tickets offline", ann.markPage(), chromedp.Navigate(url+"/tickets"))
	ann.waitNewPage("my tickets offline")
	ann.do("see the banner", chromedp.WaitVisible(chromedp.CSS("#offline-copy")))
	ann.expect("my tickets offline", "Offline copy", "saved", "UTC", ref, "ANNSUBJ1")
	ann.shot("offline-tickets-phone")
	ann.do("the ticket offline", ann.markPage(), chromedp.Navigate(url+"/tickets/"+ref))
	ann.waitNewPage("the ticket offline")
	ann.do("see the banner", chromedp.WaitVisible(chromedp.CSS("#offline-copy")))
	ann.expect("ticket offline", "Offline copy", "ANNSUBJ1", "ANNBODY1")
	ann.shot("offline-ticket-phone")
	ann.do("a page not saved", ann.markPage(), chromedp.Navigate(url+"/new"))
	ann.waitNewPage("a page not saved")
	ann.expect("offline page", "You are offline")
	ann.shot("offline-page-phone")

	// Back online she signs out: nothing of hers stays.
	ann.offline(false)
	ann.do("my tickets", ann.markPage(), chromedp.Navigate(url+"/tickets"))
	ann.waitNewPage("my tickets")
	ann.click("sign out", `form[action="/signout"] button`)
	ann.waitPath("/signin")
	ann.workerReady()
	if n := evalIn[int](ann, `caches.keys().then(ns => ns.filter(n => n.startsWith('tg-pages-')).length)`); n != 0 {
		t.Errorf("after sign-out %d caches of pages are left", n)
	}
	ann.offline(true)
	for _, page := range []string{"/tickets", "/tickets/" + ref} {
		ann.do(page+" offline, signed out", ann.markPage(), chromedp.Navigate(url+page))
		ann.waitNewPage(page + " offline, signed out")
		text := ann.text()
		if !strings.Contains(text, "You are offline") || strings.Contains(text, "ANNSUBJ1") || strings.Contains(text, "ann@company.test") {
			t.Errorf("%s offline after sign-out shows:\n%s", page, text)
		}
	}
	ann.offline(false)
	ann.noConsoleErrors("offline")
	t.Logf("screenshots in %s", b.shots)
}

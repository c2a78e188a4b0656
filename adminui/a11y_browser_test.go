package adminui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// The accessibility checks run axe-core (testdata/axe/axe.min.js, from the
// npm package axe-core as it came, with its licence; used by the tests
// only, never embedded in the binary) in Chromium over the portal's pages.
// A violation whose impact is serious or critical fails the test; minor
// and moderate ones are logged.

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

func axeScript(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
		axeSource = string(b)
	})
	if axeErr != nil {
		t.Fatalf("axe-core: %v", axeErr)
	}
	return axeSource
}

// axeViolation is what axe reports of one rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axe runs axe-core over the tab's page (injected through DevTools, which
// the page's CSP does not govern), failing the test for each serious or
// critical violation.
func (tb *tab) axe(page string) {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	// A page of a tab with JavaScript off (whose own scripts, Bootstrap's
	// among them, did not run) gets it back while axe runs: axe needs
	// timers. The page's scripts do not run for that.
	if off, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("typeof window.bootstrap === 'undefined'")); err == nil && off {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
			tb.b.t.Fatalf("%s: turn JavaScript on for axe: %v", tb.name, err)
		}
		defer func() {
			if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
				tb.b.t.Fatalf("%s: turn JavaScript off again: %v", tb.name, err)
			}
		}()
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("typeof window.axe === 'object'"))
	if err == nil && !loaded {
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](axeScript(tb.b.t)+"\n;true"))
	}
	if err != nil {
		tb.b.t.Fatalf("%s: load axe-core on %s: %v", tb.name, page, err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.b.t.Fatalf("%s: axe on %s: %v", tb.name, page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		tb.b.t.Fatalf("%s: axe's answer on %s: %v", tb.name, page, err)
	}
	for _, v := range vs {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+": "+strings.ReplaceAll(n.Summary, "\n", " "))
		}
		msg := fmt.Sprintf("%s: %s: axe %s (%s): %s\n\t%s", tb.name, page, v.ID, v.Impact, v.Help, strings.Join(where, "\n\t"))
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.b.t.Error(msg)
		} else {
			tb.b.t.Log(msg)
		}
	}
}

// axePages opens each page (a path of the portal) in the tab at a desktop
// and a phone size and runs axe over it.
func (tb *tab) axePages(base string, pages []string) {
	tb.b.t.Helper()
	for _, size := range []struct {
		name string
		act  chromedp.Action[chromedp.Void]
	}{
		{"desktop", chromedp.EmulateViewport(1280, 900)},
		{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)},
	} {
		tb.do(size.name, size.act)
		for _, p := range pages {
			tb.do("open "+p, tb.markPage(), chromedp.Navigate(base+p))
			tb.waitNewPage("open " + p)
			tb.axe(p + " (" + size.name + ")")
		}
	}
}

// TestBrowserAccessibility: axe-core finds no serious or critical
// violation on any page of the portal — signed out, a requester's, an
// agent's and an admin's, and the offline page — at a desktop and a phone
// size; and the status badges' text meets WCAG AA contrast (4.5:1) on
// their colours.
func TestBrowserAccessibility(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "a11y.db")})
	ctx := context.Background()
	base := f.srv.URL
	c := f.client()
	c.get("/forgot")
	c.post("/forgot", url.Values{"email": {"ann@company.test"}})
	link := strings.TrimPrefix(f.passwordLink("ann@company.test"), base)

	anon := b.person("signed out")
	anon.axePages(base, []string{"/signin", "/forgot", link, "/offline", "/unwatch/not-a-token", "/no-such-page"})
	anon.do("desktop", chromedp.EmulateViewport(1280, 900))
	anon.do("open the portal", chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	anon.fill("sign in wrongly", [][2]string{{"#email", "ann@company.test"}, {"#password", "not her password"}}, "main button[type=submit]")
	anon.axe("sign-in refused")

	ref := f.t1.Ref()
	for _, who := range []struct {
		name  string
		pages []string
	}{
		{"ann", []string{"/tickets", "/tickets?status=assigned", "/new", "/tickets/" + ref, "/profile", "/password"}},
		{"bob", []string{"/queue", "/tickets/" + ref, "/tickets/" + f.t3.Ref(), "/tickets"}},
		{"root", []string{"/admin", "/admin/tickets", "/admin/tickets/" + f.t2.Ref(), "/admin/users", "/admin/users/new",
			fmt.Sprintf("/admin/users/%d", f.users["ann"].ID), "/admin/categories", "/admin/categories/new",
			"/admin/team", fmt.Sprintf("/admin/team/%d", f.users["bob"].ID), "/admin/canned", "/admin/canned/new",
			"/admin/webhooks", "/admin/webhooks/new", "/admin/tokens", "/admin/mail/outbox", "/admin/mail/inbox",
			"/admin/mail/quarantine", "/admin/mail/approvals", "/admin/mail/mailboxes", "/admin/mail/mailboxes/new"}},
	} {
		p := b.person(who.name)
		p.do("open the portal", chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
		p.fill("sign in", [][2]string{{"#email", who.name + "@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
		p.axePages(base, who.pages)
		if who.name == "root" {
			cats, err := f.st.ListCategories(ctx)
			if err != nil || len(cats) == 0 {
				t.Fatalf("categories: %v", err)
			}
			p.axePages(base, []string{fmt.Sprintf("/admin/categories/%d", cats[0].ID)})
			p.badgeContrast()
		}
	}
}

// badgeContrast puts a badge of every status on the page, with the
// portal's own classes, and checks the contrast of its text on its
// background as the browser computes them (WCAG 2's relative luminance).
func (tb *tab) badgeContrast() {
	tb.b.t.Helper()
	var classes []string
	for _, s := range domain.Statuses {
		classes = append(classes, string(s))
	}
	list, _ := json.Marshal(classes)
	res := evalIn[string](tb, `(() => {
		const lum = (c) => {
			const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map(v => {
				v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
			return 0.2126 * r + 0.7152 * g + 0.0722 * b;
		};
		const out = {};
		for (const s of `+string(list)+`) {
			const el = document.createElement('span');
			el.className = 'badge status status-' + s;
			el.textContent = s;
			document.querySelector('main').append(el);
			const st = getComputedStyle(el);
			const [a, b] = [lum(st.color), lum(st.backgroundColor)];
			out[s] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
			el.remove();
		}
		return JSON.stringify(out);
	})()`)
	var ratios map[string]float64
	if err := json.Unmarshal([]byte(res), &ratios); err != nil || len(ratios) != len(classes) {
		tb.b.t.Fatalf("badge contrast: %s, %v", res, err)
	}
	for s, r := range ratios {
		if r < 4.5 {
			tb.b.t.Errorf("status %s badge: contrast %.2f:1, want at least 4.5:1 (WCAG AA)", s, r)
		} else {
			tb.b.t.Logf("status %s badge: contrast %.2f:1", s, r)
		}
	}
}

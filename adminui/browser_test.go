package adminui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
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

// The browser tests drive Debian's chromium (headless, no network, a fresh
// profile) through the portal's main flows with chromedp. Without a
// browser they skip, except under CI=true, where a missing browser fails:
// .ci/run installs it. Screenshots of the main pages are saved under the
// test's temp dir, and under $SCREENSHOT_DIR when it is set, to look at.

// findBrowser returns the path of a Chromium or Chrome, or "".
func findBrowser() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless browser for a test, with one tab per person.
type browser struct {
	t     *testing.T
	root  context.Context // the browser's first tab; people open their own
	shots string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := findBrowser()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium found (install the chromium package; .ci/run does): the browser tests must run in CI")
		}
		t.Skip("no Chromium found: skipping the browser tests (apt-get install chromium, or set CHROMIUM_PATH)")
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancel)
	root, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if _, err := chromedp.Run(root, chromedp.Title()); err != nil { // starts the browser
		t.Fatalf("start %s: %v", path, err)
	}
	shots := filepath.Join(t.TempDir(), "screenshots")
	os.MkdirAll(shots, 0o755)
	return &browser{t: t, root: root, shots: shots}
}

// tab is one person's browser window, with its own cookies, and the
// console errors its pages wrote.
type tab struct {
	b    *browser
	name string
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

// person opens a window with a cookie jar of its own.
func (b *browser) person(name string) *tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	tb := &tab{b: b, name: name, ctx: ctx}
	if _, err := chromedp.Run(ctx, chromedp.Title()); err != nil {
		b.t.Fatalf("open tab: %v", err)
	}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || (m.Type == chromedp.ConsoleWarning && m.Source == "security") {
				tb.mu.Lock()
				tb.errs = append(tb.errs, m.String())
				tb.mu.Unlock()
			}
		}
	}()
	return tb
}

// do runs steps with a time limit, failing the test on error.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.b.t.Fatalf("%s: %s: %v (at %s)", tb.name, what, err, tb.location())
	}
}

func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// text returns the text of the page's main element.
func (tb *tab) text() string {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		tb.b.t.Fatalf("%s: read page: %v", tb.name, err)
	}
	return s
}

// expect checks that the page's main text has every one of wants.
func (tb *tab) expect(page string, wants ...string) {
	tb.b.t.Helper()
	text := tb.text()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			tb.b.t.Errorf("%s: %s page lacks %q; it says:\n%s", tb.name, page, w, text)
		}
	}
}

// shot saves a screenshot of the whole page as name.png, checks the page
// has a title, that no console error was written so far, and that axe-core
// finds no serious or critical violation on it (a11y_browser_test.go).
func (tb *tab) shot(name string) {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.b.t.Fatalf("screenshot %s: %v", name, err)
	}
	for _, dir := range []string{tb.b.shots, os.Getenv("SCREENSHOT_DIR")} {
		if dir == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			tb.b.t.Errorf("save screenshot: %v", err)
		}
	}
	title, _ := chromedp.Run(ctx, chromedp.Title())
	if !strings.HasSuffix(title, "· IT Helpdesk") {
		tb.b.t.Errorf("%s: page %s has title %q", tb.name, name, title)
	}
	tb.noConsoleErrors(name)
	tb.axe(name)
}

// forgive drops the console's report of a page answered with status code,
// after a step that expects that answer (a refused form is a 4xx page,
// which the browser reports as a failed load).
// The report comes as an event some time after the page: forgive waits for
// it (2 s at most, on a loaded machine), so that it does not arrive later
// and count against the next page.
func (tb *tab) forgive(code int) {
	status := fmt.Sprintf("status of %d", code)
	drop := func() bool {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		var keep []string
		for _, e := range tb.errs {
			if !strings.Contains(e, status) {
				keep = append(keep, e)
			}
		}
		dropped := len(keep) < len(tb.errs)
		tb.errs = keep
		return dropped
	}
	for deadline := time.Now().Add(2 * time.Second); !drop() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
}

func (tb *tab) noConsoleErrors(page string) {
	tb.b.t.Helper()
	time.Sleep(50 * time.Millisecond) // let the last events arrive
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.errs {
		tb.b.t.Errorf("%s: console error on or before %s: %s", tb.name, page, e)
	}
	tb.errs = nil
}

// fill types into the fields (CSS selector → value), then clicks the
// button.
func (tb *tab) fill(what string, fields [][2]string, button string) {
	tb.b.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for _, f := range fields {
		clear := chromedp.Evaluate[bool](fmt.Sprintf("(document.querySelector(%q).value = '', true)", f[0]))
		steps = append(steps, chromedp.WaitVisible(chromedp.CSS(f[0])),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error { _, err := clear(ctx, t); return err }),
			chromedp.SendKeys(chromedp.CSS(f[0]), f[1]))
	}
	steps = append(steps, tb.markPage(), chromedp.Click(chromedp.CSS(button)))
	tb.do(what, steps...)
	tb.waitNewPage(what)
}

// markPage marks the current document, so waitNewPage can tell when the
// browser has loaded the next one.
func (tb *tab) markPage() chromedp.Action[chromedp.Void] {
	mark := chromedp.Evaluate[bool]("(window.__tgOld = true)")
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error { _, err := mark(ctx, t); return err })
}

// waitNewPage waits until the marked document is gone and the new one has
// loaded.
func (tb *tab) waitNewPage(what string) {
	tb.b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!window.__tgOld && document.readyState === 'complete'"))
		cancel()
		if err == nil && done {
			return
		}
		if time.Now().After(deadline) {
			tb.b.t.Fatalf("%s: %s: no new page loaded (at %s)", tb.name, what, tb.location())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// click clicks a link or button and waits for the page it leads to.
func (tb *tab) click(what, sel string) {
	tb.b.t.Helper()
	tb.do(what, tb.markPage(), chromedp.Click(chromedp.CSS(sel)))
	tb.waitNewPage(what)
}

// waitPath waits until the tab is at path (without query).
func (tb *tab) waitPath(path string) {
	tb.b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		loc := tb.location()
		if i := strings.Index(loc, "//"); i >= 0 {
			loc = loc[i+2:]
			if j := strings.Index(loc, "/"); j >= 0 {
				loc = loc[j:]
			}
		}
		loc, _, _ = strings.Cut(loc, "?")
		if loc == path || strings.HasSuffix(path, "*") && strings.HasPrefix(loc, strings.TrimSuffix(path, "*")) {
			return
		}
		if time.Now().After(deadline) {
			tb.b.t.Fatalf("%s: at %s, want %s", tb.name, loc, path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBrowserFlows(t *testing.T) {
	b := newBrowser(t)
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "browser.db")})
	ctx := context.Background()
	url := f.srv.URL

	// First sign-in with a one-time password → forced change → new ticket
	// → the ticket with its history.
	_, otp, err := f.desk.AddUser(ctx, "erin@company.test", "Erin", domain.RoleEmployee)
	if err != nil {
		t.Fatal(err)
	}
	erin := b.person("erin")
	erin.do("open the portal", chromedp.Navigate(url+"/"), chromedp.WaitVisible(chromedp.CSS("#email")))
	erin.waitPath("/signin")
	erin.shot("signin")
	erin.fill("sign in", [][2]string{{"#email", "erin@company.test"}, {"#password", "wrong password"}}, "main button[type=submit]")
	erin.expect("sign-in", "Wrong email or password")
	erin.forgive(401)
	erin.fill("sign in", [][2]string{{"#email", "erin@company.test"}, {"#password", otp}}, "main button[type=submit]")
	erin.waitPath("/password")
	erin.expect("password", "Choose a new one before you continue")
	erin.shot("password-forced")
	erin.do("try another page", chromedp.Navigate(url+"/tickets"), chromedp.WaitVisible(chromedp.CSS("main")))
	erin.waitPath("/password")
	erin.fill("change password", [][2]string{{"#current", otp}, {"#new", "1234567890"}, {"#confirm", "1234567890"}}, "main button[type=submit]")
	erin.expect("password", "most common")
	erin.forgive(422)
	erin.fill("change password", [][2]string{{"#current", otp}, {"#new", "erin's new passphrase"}, {"#confirm", "erin's new passphrase"}}, "main button[type=submit]")
	erin.waitPath("/tickets")
	erin.expect("my tickets", "Your password is set.", "No tickets")
	erin.click("go to new ticket", `a[href="/new"]`)
	erin.shot("new-ticket")
	upload := filepath.Join(t.TempDir(), "error-message.txt")
	os.WriteFile(upload, []byte("VPN error 809\n"), 0o644)
	erin.step("describe", [][2]string{{"#subject", "VPN does not connect"}, {"#body", "Since this morning the VPN says error 809."}}, "#continue")
	erin.do("attach", chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{upload}))
	erin.click("open ticket", "#open-ticket")
	erin.waitPath("/tickets/TKT-*")
	erin.expect("ticket", "VPN does not connect", "Since this morning the VPN says error 809.", "error-message.txt",
		"History", "Received", "received from erin@company.test by portal", "Your ticket is open")
	erin.shot("ticket-new")
	ref := strings.TrimPrefix(erin.location()[len(url):], "/tickets/")
	ref, _, _ = strings.Cut(ref, "?")
	id, err := domain.ParseRef(ref)
	if err != nil {
		t.Fatalf("ticket URL %q: %v", ref, err)
	}
	erin.do("list", chromedp.Navigate(url+"/tickets"), chromedp.WaitVisible(chromedp.CSS("table")))
	erin.expect("my tickets", ref, "VPN does not connect", "Being sorted")
	erin.shot("tickets")

	// An agent signs in, comments and resolves.
	if _, err := f.desk.Transition(ctx, id, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor,
		AssigneeID: f.users["bob"].ID, Detail: "assigned to bob@company.test"}); err != nil {
		t.Fatal(err)
	}
	bob := b.person("bob")
	bob.do("open the portal", chromedp.Navigate(url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	bob.fill("sign in", [][2]string{{"#email", "bob@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
	bob.waitPath("/queue")
	bob.expect("queue", ref, "VPN does not connect", "ANNSUBJ1", "available")
	bob.shot("queue")
	bob.click("open the ticket", fmt.Sprintf(`a[href="/tickets/%s"]`, ref))
	bob.fill("comment", [][2]string{{"#text", "Please restart the VPN client and try again."}}, "form[action$='/comment'] button")
	bob.expect("ticket", "Your comment was added.", "Please restart the VPN client and try again.")
	bob.fill("resolve", [][2]string{{"#note", "The VPN certificate was renewed."}}, "form[action$='/resolve'] button")
	bob.expect("ticket", "The ticket is resolved.", "Resolved", "The VPN certificate was renewed.")
	bob.shot("ticket-agent")

	// The requester sees the comment and the resolution, and can reopen.
	erin.do("reload", chromedp.Navigate(url+"/tickets/"+ref), chromedp.WaitVisible(chromedp.CSS("main")))
	erin.expect("ticket", "Please restart the VPN client and try again.", "The VPN certificate was renewed.", "Reopen ticket")
	erin.shot("ticket-resolved")

	// Forgot password → the link arrives → a new password works.
	erin.click("sign out", `form[action="/signout"] button`)
	erin.waitPath("/signin")
	erin.click("forgot", `a[href="/forgot"]`)
	erin.fill("ask for a link", [][2]string{{"#email", "erin@company.test"}}, "main button[type=submit]")
	erin.expect("forgot", "a link to set a new password is on its way")
	erin.shot("forgot-sent")
	link := f.passwordLink("erin@company.test")
	erin.do("open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#new")))
	erin.expect("reset", "Choose a new password", "erin@company.test")
	erin.shot("reset")
	erin.fill("set password", [][2]string{{"#new", "erin's third passphrase"}, {"#confirm", "erin's third passphrase"}}, "main button[type=submit]")
	erin.waitPath("/tickets")
	erin.expect("my tickets", "Your password is set.", ref)
	erin.click("sign out", `form[action="/signout"] button`)
	erin.fill("sign in", [][2]string{{"#email", "erin@company.test"}, {"#password", "erin's third passphrase"}}, "main button[type=submit]")
	erin.waitPath("/tickets")
	erin.do("profile", chromedp.Navigate(url+"/profile"), chromedp.WaitVisible(chromedp.CSS("main")))
	erin.expect("profile", "erin@company.test", "employee")
	erin.shot("profile")
	erin.do("used link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("main")))
	erin.expect("reset", "This link does not work")
	erin.forgive(410)
	erin.noConsoleErrors("used link")

	// Bootstrap's script runs under the CSP in a normal window...
	if v, err := chromedp.Run(erin.ctx, chromedp.Evaluate[string]("typeof window.bootstrap")); err != nil || v != "object" {
		t.Errorf("typeof window.bootstrap = %q, %v; want object (the bundle loaded and ran)", v, err)
	}
	// ...and nothing needs it: a requester with JavaScript off signs in,
	// reads their ticket and comments.
	ann := b.person("ann (no JavaScript)")
	if _, err := chromedp.Call(ann.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disable JavaScript: %v", err)
	}
	ann.do("open the portal", chromedp.Navigate(url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	if v, _ := chromedp.Run(ann.ctx, chromedp.Evaluate[string]("typeof window.bootstrap")); v != "undefined" {
		t.Errorf("with JavaScript off, typeof window.bootstrap = %q", v)
	}
	ann.fill("sign in", [][2]string{{"#email", "ann@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
	ann.waitPath("/tickets")
	ann.click("open the ticket", fmt.Sprintf(`a[href="/tickets/%s"]`, f.t1.Ref()))
	ann.fill("comment", [][2]string{{"#text", "Still broken, sorry."}}, "form[action$='/comment'] button")
	ann.expect("ticket", "Your comment was added.", "Still broken, sorry.", "ANNBODY1")
	ann.shot("ticket-no-javascript")

	// A phone-sized window still shows the ticket list.
	if err := chromedp.Do(erin.ctx, chromedp.EmulateViewport(390, 844)); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("phone viewport: %v", err)
	}
	erin.do("list on a phone", chromedp.Navigate(url+"/tickets"), chromedp.WaitVisible(chromedp.CSS("table")))
	erin.shot("tickets-phone")
	t.Logf("screenshots in %s", b.shots)
}

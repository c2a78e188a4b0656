package outbox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserFrenchApprovalMail renders the HTML part of a French
// approval mail in Chromium, as a mail program shows it, checks it names
// APPROUVÉ and APPROVE, and saves fr-approval-mail.png (under the test's
// temp dir, and $SCREENSHOT_DIR when set). It skips without a Chromium,
// except under CI=true.
func TestBrowserFrenchApprovalMail(t *testing.T) {
	path := ""
	for _, name := range []string{os.Getenv("CHROMIUM_PATH"), "/usr/bin/chromium", "chromium", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium found: the browser tests must run in CI")
		}
		t.Skip("no Chromium found")
	}
	c := testComposer(t, "help@company.test")
	m := i18nMails()["approval_needed"]
	m.Language = "fr"
	msg, err := c.Compose(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "mail.html")
	if err := os.WriteFile(file, []byte(parse(t, msg.Raw).html), 0o644); err != nil {
		t.Fatal(err)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(path),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(700, 900))
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file)); err != nil {
		t.Fatalf("open the mail: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("render the mail: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Bonjour Lea,", "l’approbation de", "APPROUVÉ (APPROVE)", "REFUSÉ (REJECT)", "Approuver", "Refuser"} {
		if !strings.Contains(text, want) {
			t.Errorf("the French approval mail shows no %q:\n%s", want, text)
		}
	}
	for _, dir := range []string{t.TempDir(), os.Getenv("SCREENSHOT_DIR")} {
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, "fr-approval-mail.png"), png, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
}

package adminui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ticketgate/domain/i18n"
)

// TestEveryNoticeCodeHasText: every ?ok=code a handler or template
// redirects to has its message in notices; a code without one would show
// nothing after the action.
func TestEveryNoticeCodeHasText(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := filepath.Glob("templates/*.html")
	code := regexp.MustCompile(`[?&]ok=([a-z]+)`)
	seen := 0
	for _, f := range append(files, tmpl...) {
		if f == "notices.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range code.FindAllSubmatch(b, -1) {
			seen++
			if notice(string(m[1])) == "" {
				t.Errorf("%s redirects to ?ok=%s, which has no message in notices", f, m[1])
			}
		}
	}
	if seen < 10 {
		t.Fatalf("found only %d ?ok= codes in the sources: the scan is broken", seen)
	}
	if notice("<script>") != "" || notice("") != "" {
		t.Error("an unknown code shows a message")
	}
}

// TestEveryNoticeTranslated: every notice has its catalog entry
// "notice.CODE", whose English is the notice's text, so that each
// language shows it (TestCatalogComplete checks the other languages have
// the entry).
func TestEveryNoticeTranslated(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en := cat.For(i18n.English, nil)
	for code, text := range notices {
		got, err := en.Text("notice." + code)
		if err != nil {
			t.Errorf("notice %s has no catalog entry notice.%s", code, code)
			continue
		}
		if got != text {
			t.Errorf("notice.%s = %q in the catalog, %q in notices", code, got, text)
		}
	}
}

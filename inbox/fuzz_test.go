package inbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// maxSeed keeps fuzz seeds small: big inputs slow every mutation.
const maxSeed = 16 << 10

// addSeeds adds the fixtures and, when present, the small corpus files.
func addSeeds(f *testing.F, folders ...string) {
	f.Helper()
	var files []string
	fixtures, _ := filepath.Glob("testdata/*.eml")
	files = append(files, fixtures...)
	for _, dir := range corpusDirs {
		for _, folder := range folders {
			more, _ := filepath.Glob(filepath.Join(dir, folder, "*"))
			files = append(files, more...)
		}
	}
	for _, path := range files {
		if strings.Contains(path, ".expected") {
			continue
		}
		raw, err := os.ReadFile(path)
		if err == nil && len(raw) <= maxSeed {
			f.Add(raw)
		}
	}
}

// FuzzParse checks that no input makes Parse panic or take long, and that
// what it returns keeps its promises: a Message-ID, valid UTF-8 text, new
// text no longer than the text, a classification.
func FuzzParse(f *testing.F) {
	addSeeds(f, "mime-edge", "bounces", "auto-replies")
	f.Add([]byte("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n--x--"))
	f.Add([]byte("Subject: =?utf-8?q?=E2=82?=\n\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		start := time.Now()
		in, err := Parse(raw)
		if d := time.Since(start); d > time.Second && len(raw) < 1<<20 {
			t.Fatalf("Parse took %v on %d bytes", d, len(raw))
		}
		if err != nil {
			if in != nil {
				t.Fatalf("Parse returned %+v with error %v", in, err)
			}
			return
		}
		if in.MessageID == "" {
			t.Fatal("empty MessageID")
		}
		if !utf8.ValidString(in.Text) || !utf8.ValidString(in.NewText) || !utf8.ValidString(in.Subject) {
			t.Fatalf("invalid UTF-8 in Text %q / NewText %q / Subject %q", in.Text, in.NewText, in.Subject)
		}
		if len(in.NewText) > len(in.Text) {
			t.Fatalf("NewText (%d bytes) longer than Text (%d)", len(in.NewText), len(in.Text))
		}
		if in.Size != int64(len(raw)) {
			t.Fatalf("Size = %d, want %d", in.Size, len(raw))
		}
		if len(in.Attachments) > maxParts || len(in.Warnings) > maxWarnings {
			t.Fatalf("%d attachments, %d warnings: over the limits", len(in.Attachments), len(in.Warnings))
		}
		in.Automatic()
	})
}

// FuzzNewText checks reply stripping (and HTML to text) on any text: no
// panic, fast, valid UTF-8 out of valid UTF-8 in, never longer than the
// input.
func FuzzNewText(f *testing.F) {
	for _, dir := range corpusDirs {
		files, _ := filepath.Glob(filepath.Join(dir, "replies", "*"))
		for _, path := range files {
			if raw, err := os.ReadFile(path); err == nil && len(raw) <= maxSeed && !strings.Contains(path, ".expected") {
				f.Add(string(raw))
			}
		}
	}
	f.Add("Hi\n\nOn Mon, 1 Jan 2026, A <a@b.c> wrote:\n> quoted\n")
	f.Add("<div>Hi</div><blockquote><p>quoted</p></blockquote>")
	f.Fuzz(func(t *testing.T, body string) {
		start := time.Now()
		got := NewText(body)
		text := htmlToText(body)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("took %v on %d bytes", d, len(body))
		}
		if len(got) > len(body) {
			t.Fatalf("NewText longer than its input: %q from %q", got, body)
		}
		if utf8.ValidString(body) && (!utf8.ValidString(got) || !utf8.ValidString(text)) {
			t.Fatalf("invalid UTF-8 out of valid input: %q, %q", got, text)
		}
		NewText(text)
	})
}

package inbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"ticketgate/inbox/hostile"
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

// maxTextPerByte bounds the text made per byte of input: an HTML line
// break inside eight quotes writes a line break and eight "> " prefixes.
const maxTextPerByte = 2*maxQuoteDepth + 2

// FuzzParse checks that no input makes Parse panic, and that what it
// returns keeps its promises: a Message-ID, valid UTF-8 text, new text no
// longer than the text, output within a small multiple of the input and
// within the limits (see checkBounds), a classification.
func FuzzParse(f *testing.F) {
	addSeeds(f, "mime-edge", "bounces", "auto-replies")
	f.Add([]byte("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n--x--"))
	f.Add([]byte("Subject: =?utf-8?q?=E2=82?=\n\n"))
	for _, c := range hostile.Cases() {
		f.Add(c.Make(8)) // the hostile patterns, small
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := Parse(raw)
		if err != nil {
			if in != nil {
				t.Fatalf("Parse returned %+v with error %v", in, err)
			}
			return
		}
		if in.MessageID == "" {
			t.Fatal("empty MessageID")
		}
		if in.Size != int64(len(raw)) {
			t.Fatalf("Size = %d, want %d", in.Size, len(raw))
		}
		markers := 0
		for _, c := range in.Cut {
			markers += len(cutMarker(c)) + 2
		}
		if len(in.Text) > maxTextPerByte*len(raw)+markers {
			t.Fatalf("Text of %d bytes from %d", len(in.Text), len(raw))
		}
		checkBounds(t, raw, in, maxTextPerByte)
		in.Automatic()
	})
}

// FuzzNewText checks reply stripping (and HTML to text) on any text: no
// panic, valid UTF-8 out of valid UTF-8 in, never longer than the input.
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
	f.Add(strings.Repeat("On 1 Jan 2026 at 10:00, Someone <a@b.test>\nmore words\nFrom: x\n-Ann Lee\n____\n\n", 8))
	f.Fuzz(func(t *testing.T, body string) {
		got := NewText(body)
		text := htmlToText(body)
		if len(got) > len(body) {
			t.Fatalf("NewText longer than its input: %q from %q", got, body)
		}
		if len(text) > maxTextPerByte*len(body) {
			t.Fatalf("htmlToText wrote %d bytes from %d", len(text), len(body))
		}
		if utf8.ValidString(body) && (!utf8.ValidString(got) || !utf8.ValidString(text)) {
			t.Fatalf("invalid UTF-8 out of valid input: %q, %q", got, text)
		}
		NewText(text)
	})
}

// FuzzHTMLToText checks the HTML to text conversion: no panic, output
// within maxTextPerByte of the input and maxTextBytes (and one token),
// valid UTF-8 out of valid UTF-8 in. TestHTMLToTextQuoteDepth checks the
// quote depth.
func FuzzHTMLToText(f *testing.F) {
	for _, dir := range corpusDirs {
		files, _ := filepath.Glob(filepath.Join(dir, "replies", "*.html"))
		for _, path := range files {
			if raw, err := os.ReadFile(path); err == nil && len(raw) <= maxSeed {
				f.Add(string(raw))
			}
		}
	}
	f.Add(strings.Repeat("<blockquote>quoted line\n", 12))
	f.Add(strings.Repeat("<blockquote><pre>\n\n", 10))
	f.Add(strings.Repeat(`<a href="https://example.test/x">link `, 40) + strings.Repeat("</a>", 40))
	f.Add("<p>Fish &amp; chips</p><ul><li>one<li>two</ul><hr><table><tr><td>a<td>b</table>")
	f.Fuzz(func(t *testing.T, src string) {
		text := htmlToText(src)
		if len(text) > maxTextPerByte*len(src) || len(text) > maxTextBytes+len(src) {
			t.Fatalf("htmlToText wrote %d bytes from %d", len(text), len(src))
		}
		if utf8.ValidString(src) && !utf8.ValidString(text) {
			t.Fatalf("invalid UTF-8 out of valid input: %q", text)
		}
	})
}

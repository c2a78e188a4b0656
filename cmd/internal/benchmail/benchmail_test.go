package benchmail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	text := strings.Repeat("word ", 100) + strings.Repeat("x", 90) + " end"
	got := Wrap(text, 76)
	for _, line := range strings.Split(got, "\r\n") {
		if len(line) > 76 && strings.Contains(line, " ") {
			t.Errorf("line of %d bytes: %q", len(line), line)
		}
	}
	if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(text), " ") {
		t.Error("Wrap changed more than the blanks")
	}
	if got := Wrap("  a \t b  ", 76); got != "a b" {
		t.Errorf("Wrap of blanks = %q, want %q", got, "a b")
	}
}

func TestSubjectAndBody(t *testing.T) {
	if got := Subject("one two three four five six seven eight nine ten"); got != "one two three four five six seven eight" {
		t.Errorf("Subject = %q", got)
	}
	if got := Subject("short text"); got != "short text" {
		t.Errorf("Subject of a short text = %q", got)
	}
	if got := Body("It jams."); got != "Hello,\r\n\r\nIt jams.\r\n\r\nThanks\r\n" {
		t.Errorf("Body = %q", got)
	}
}

func TestTexts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "train.csv")
	csv := "text,label\n\"The printer, again\",Hardware\n,Access\nVPN token,Access,extra\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Texts(path)
	if err != nil || len(got) != 2 || got[0] != "The printer, again" || got[1] != "VPN token" {
		t.Errorf("Texts = %q, %v", got, err)
	}
	if got, err := Texts(""); err != nil || len(got) != len(FallbackTexts()) {
		t.Errorf("Texts(\"\") = %d texts, %v", len(got), err)
	}
	empty := filepath.Join(t.TempDir(), "empty.csv")
	os.WriteFile(empty, []byte("text,label\n"), 0o644)
	if _, err := Texts(empty); err == nil {
		t.Error("Texts of a CSV without texts: no error")
	}
}

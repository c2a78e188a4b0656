// Package benchmail writes the mails ticketgate's benchmarks send: a
// requester's new-ticket mail made of a text of the shared ticket data
// set (../shared/datasets/it-service-tickets), its subject the text's
// first words and its body wrapped as a mail client wraps it. tgbench
// (bench and soak) and BenchmarkIntakeFull of cmd/ticketgate use it, so
// all of them measure the same mail. The product never imports it.
package benchmail

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxTexts bounds the texts Texts reads: enough variety for any run.
const maxTexts = 20000

// Dataset returns the path of the shared data set's train.csv, in a
// shared/ folder in the working directory or one of its parents (the
// repository's sibling, from a clone or from a worktree below it), or ""
// when there is none.
func Dataset() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", "datasets", "it-service-tickets", "train.csv")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Texts reads ticket texts from the first column of a CSV (a "text"
// header is skipped, and so are empty texts), at most 20,000 of them.
// With path "" it returns FallbackTexts.
func Texts(path string) ([]string, error) {
	if path == "" {
		return FallbackTexts(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	var out []string
	for len(out) < maxTexts {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if len(rec) > 0 && rec[0] != "text" && strings.TrimSpace(rec[0]) != "" {
			out = append(out, rec[0])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no texts", path)
	}
	return out, nil
}

// FallbackTexts are a few ticket texts of our own, for when the data set
// is not there.
func FallbackTexts() []string {
	return []string{
		"My laptop does not start since this morning, the power light blinks twice.",
		"Please give me access to the finance share, my manager approved it.",
		"The printer on the third floor jams on every second page.",
		"I need a second monitor and a docking station for the new desk.",
		"Outlook asks for my password again and again after the update.",
		"Could you reset my VPN token? It shows the wrong code.",
	}
}

// Subject is the subject a requester gives a mail of text: its first
// eight words, or all of it when it is shorter.
func Subject(text string) string {
	if f := strings.Fields(text); len(f) > 8 {
		return strings.Join(f[:8], " ")
	}
	return text
}

// Body is the text of a requester's mail about text: a greeting, the text
// wrapped at 76 bytes, thanks; CRLF line ends.
func Body(text string) string {
	return "Hello,\r\n\r\n" + Wrap(text, 76) + "\r\n\r\nThanks\r\n"
}

// Wrap breaks text into CRLF-separated lines of at most width bytes at
// blanks, as a mail client does; runs of blanks become one, and a word
// longer than width stands alone on its line.
func Wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for i, f := range strings.Fields(text) {
		if i > 0 {
			if n+1+len(f) > width {
				b.WriteString("\r\n")
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(f)
		n += len(f)
	}
	return b.String()
}

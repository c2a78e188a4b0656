package classify

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// TestRealisticTuneSetShape checks testdata/realistic_tune.csv, the
// hand-written mails the normalization and features are tuned on: 20
// mails for each of the eight starter categories, each a subject line, a
// blank line and a body, none twice, and none also in the evaluation set
// (realistic.csv) or the raw mails, so tuning never sees a mail it is
// judged on.
func TestRealisticTuneSetShape(t *testing.T) {
	mails := readTestdata(t, "realistic_tune.csv")
	if len(mails) != 160 {
		t.Errorf("%d mails, want 160", len(mails))
	}
	perLabel := map[string]int{}
	for _, c := range coldStartCategories(t) {
		perLabel[c.Name] = 0
	}
	seen := map[string]int{}
	for i, e := range mails {
		row := i + 2 // the CSV's header is row 1
		if _, ok := perLabel[e.Label]; !ok {
			t.Errorf("row %d: label %q is not a starter category", row, e.Label)
		} else {
			perLabel[e.Label]++
		}
		subject, body, ok := strings.Cut(e.Text, "\n\n")
		if !strings.HasPrefix(e.Text, "Subject: ") || !ok || strings.Contains(subject, "\n") ||
			strings.TrimSpace(strings.TrimPrefix(subject, "Subject: ")) == "" || strings.TrimSpace(body) == "" {
			t.Errorf("row %d: text %.60q is not \"Subject: <subject>\\n\\n<body>\"", row, e.Text)
		}
		if first, dup := seen[e.Text]; dup {
			t.Errorf("row %d: same text as row %d", row, first)
		}
		seen[e.Text] = row
	}
	for label, n := range perLabel {
		if n != 20 {
			t.Errorf("%d mails labelled %s, want 20", n, label)
		}
	}
	for _, other := range []string{"raw_mails.csv", "realistic.csv"} {
		if _, err := os.Stat("testdata/" + other); errors.Is(err, fs.ErrNotExist) {
			continue // the evaluation set may not be there yet
		}
		for _, e := range readTestdata(t, other) {
			if row, dup := seen[e.Text]; dup {
				t.Errorf("row %d is also in %s: the tuning set must stay apart from it", row, other)
			}
		}
	}
}

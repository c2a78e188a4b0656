package starter

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trainCSV finds the data set's train.csv in shared/datasets of a parent
// directory (../shared is the repository's sibling in CI; a worktree may
// sit deeper); "" when it is not there.
func trainCSV() string {
	dir, err := filepath.Abs(".")
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

// keyOf is the starter key of a data set label: "HR Support" → "hr_support".
func keyOf(label string) string {
	return strings.ReplaceAll(strings.ToLower(label), " ", "_")
}

// readTrainCSV returns train.csv's rows as the embedded file holds them:
// grouped by key in order of first appearance, the data set's order
// within a group.
func readTrainCSV(t *testing.T) ([]string, map[string][]string) {
	t.Helper()
	p := trainCSV()
	if p == "" {
		t.Skip("the data set's train.csv is not in a parent directory's shared/datasets")
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	groups := map[string][]string{}
	for _, r := range recs[1:] {
		k := keyOf(r[1])
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r[0])
	}
	return keys, groups
}

// TestEmbeddedIsTrainCSV: the embedded history is train.csv, every row
// with its label, nothing else. STARTER_WRITE=1 writes the file from
// train.csv instead (how it was made).
func TestEmbeddedIsTrainCSV(t *testing.T) {
	keys, groups := readTrainCSV(t)
	if os.Getenv("STARTER_WRITE") == "1" {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		for _, k := range keys {
			zw.Write([]byte("## " + k + "\n"))
			for _, text := range groups[k] {
				if strings.ContainsAny(text, "\r\n") || strings.HasPrefix(text, "#") {
					t.Fatalf("text cannot be written: %q", text)
				}
				zw.Write([]byte(text + "\n"))
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("tickets.txt.gz", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote tickets.txt.gz: %d bytes", buf.Len())
		return
	}
	rows, err := Rows()
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, k := range keys {
		for _, text := range groups[k] {
			if i >= len(rows) {
				t.Fatalf("embedded history ends at row %d", i)
			}
			if rows[i].Key != k || rows[i].Text != text {
				t.Fatalf("row %d: %q %q, want %q %q", i, rows[i].Key, rows[i].Text, k, text)
			}
			i++
		}
	}
	if i != len(rows) {
		t.Fatalf("embedded history has %d rows, train.csv %d", len(rows), i)
	}
}

// TestRows: the embedded history parses, with the eight keys of the
// starter set and the data set's counts (SOURCE.md's table).
func TestRows(t *testing.T) {
	rows, err := Rows()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range rows {
		count[r.Key]++
	}
	want := map[string]int{"hardware": 10883, "hr_support": 8740, "access": 5733, "miscellaneous": 5673,
		"storage": 2193, "purchase": 1978, "internal_project": 1717, "administrative_rights": 1368}
	if len(count) != len(want) {
		t.Errorf("keys %v, want %v", count, want)
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s: %d rows, want %d", k, count[k], n)
		}
	}
}

// TestReadRejects: a text before any key, a line longer than the bound
// and a file that is not gzip are errors, not rows.
func TestReadRejects(t *testing.T) {
	gz := func(s string) *bytes.Reader {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(s))
		zw.Close()
		return bytes.NewReader(buf.Bytes())
	}
	for name, r := range map[string]*bytes.Reader{
		"no key":   gz("monitor broken\n"),
		"too long": gz("## hardware\n" + strings.Repeat("a", maxLine+1) + "\n"),
		"empty":    gz(""),
		"not gzip": bytes.NewReader([]byte("## hardware\nmonitor\n")),
	} {
		if rows, err := Read(r); err == nil {
			t.Errorf("%s: %d rows, want an error", name, len(rows))
		}
	}
	rows, err := Read(gz("## hardware\nmonitor broken\n## access\nlocked out\n"))
	if err != nil || len(rows) != 2 || rows[1] != (Row{Key: "access", Text: "locked out"}) {
		t.Errorf("Read = %v, %v", rows, err)
	}
}

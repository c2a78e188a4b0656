package starter

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

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

// Package starter holds the warm-start history of the starter set
// (`ticketgate setup starter`): the 38,285 labelled tickets of the IT
// Service Ticket Classification data set's train.csv (CC0; see README.md
// for where they come from and how to cite them), embedded gzipped. The
// Learner of domain/classify learns from them for the starter set's
// categories until the helpdesk's own confirmed tickets replace them.
//
// The file holds one text per line, grouped by category: a line "## KEY"
// starts the group of the starter category whose key is KEY (the
// categories' StarterKey in domain), and every other line is a ticket's
// text as the data set has it (lower case, no digits, most punctuation
// and stop words removed). No text of the data set contains a newline or
// starts with "#".
package starter

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
)

//go:embed tickets.txt.gz
var tickets []byte

// Row is one ticket of the warm-start history.
type Row struct {
	Key  string // the starter category's key, e.g. "hardware"
	Text string
}

// Rows decompresses the embedded history (about 50 ms); rows come grouped
// by key, in the data set's order within a group. Nothing is kept in
// memory between calls: the history is only read when a model is trained.
func Rows() ([]Row, error) {
	return Read(bytes.NewReader(tickets))
}

// maxLine bounds one line of the file (the data set's longest text is
// 7,015 bytes).
const maxLine = 64 << 10

// Read parses a gzipped history in the format of the embedded file.
func Read(r io.Reader) ([]Row, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("starter history: %w", err)
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 8<<10), maxLine)
	rows := make([]Row, 0, 38285)
	key := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if k, ok := strings.CutPrefix(line, "## "); ok {
			key = strings.TrimSpace(k)
			continue
		}
		if key == "" {
			return nil, fmt.Errorf("starter history: line %d: a text before the first key", n)
		}
		rows = append(rows, Row{Key: key, Text: line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("starter history: %w", err)
	}
	if len(rows) == 0 {
		return nil, errors.New("starter history: no rows")
	}
	return rows, nil
}

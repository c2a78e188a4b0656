package main

import (
	"bytes"
	"strings"
	"testing"

	"ticketgate/domain"
)

func TestSplitLongLines(t *testing.T) {
	raw := []byte("Subject: x\r\n\r\n" + strings.Repeat("a", 2500) + "\r\nshort\r\n")
	out := splitLongLines(raw, 998)
	for _, line := range bytes.Split(out, []byte("\n")) {
		if len(bytes.TrimRight(line, "\r")) > 998 {
			t.Fatalf("a line of %d bytes is left", len(line))
		}
	}
	if got := bytes.ReplaceAll(out, []byte("\r\n"), nil); !bytes.Equal(got, bytes.ReplaceAll(raw, []byte("\r\n"), nil)) {
		t.Error("splitLongLines changed more than line breaks")
	}
}

func TestCounter(t *testing.T) {
	text := "# HELP x\nticketgate_mails_received_total{channel=\"smtp\",outcome=\"ticket\"} 12\n" +
		"ticketgate_mails_received_total{channel=\"smtp\",outcome=\"comment\"} 3\n"
	if got := counter(text, "ticketgate_mails_received_total", `channel="smtp",outcome="comment"`); got != 3 {
		t.Errorf("counter = %v, want 3", got)
	}
	if got := counter(text, "ticketgate_mails_received_total", `channel="imap",outcome="ticket"`); got != 0 {
		t.Errorf("counter of a missing series = %v, want 0", got)
	}
}

// TestBenchSetupParses: the bench's setup file is one ticketgate accepts,
// with every label a category and three team members each.
func TestBenchSetupParses(t *testing.T) {
	corpus, err := labelledTexts("")
	if err != nil {
		t.Fatal(err)
	}
	data, agents := benchSetup(corpus)
	f, err := domain.ParseSetup(data)
	if err != nil {
		t.Fatalf("ParseSetup: %v\n%s", err, data)
	}
	if len(f.Categories) != len(agents) || len(f.TeamMembers) != 3*len(agents) || len(f.Users) != 1+3*len(agents) {
		t.Errorf("%d categories, %d team members, %d users for %d labels", len(f.Categories), len(f.TeamMembers), len(f.Users), len(agents))
	}
}

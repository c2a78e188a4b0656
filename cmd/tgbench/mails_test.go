package main

import (
	"bytes"
	"strings"
	"testing"
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

func TestWrap(t *testing.T) {
	text := strings.Repeat("word ", 100)
	for _, line := range strings.Split(wrap(text, 76), "\r\n") {
		if len(line) > 76 {
			t.Errorf("line of %d bytes: %q", len(line), line)
		}
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

//go:build crashhook

package main

import (
	"bytes"
	"os"

	"ticketgate/domain"
	"ticketgate/inbox"
)

// crashHeader makes a test build exit while it parses the mail.
const crashHeader = "\nX-Ticketgate-Test-Crash: yes"

// parseMail is inbox.Parse, except that a mail whose header carries
// "X-Ticketgate-Test-Crash: yes" makes the process exit at once (status 2),
// as a crash while processing it would: after its in-flight record is
// committed, before anything else. Only a binary built with -tags crashhook
// has it, for the crash-loop test (crashloop_test.go).
func parseMail(raw []byte) (*domain.Inbound, error) {
	header, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	if bytes.Contains(header, []byte(crashHeader)) {
		os.Exit(2)
	}
	return inbox.Parse(raw)
}

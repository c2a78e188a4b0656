// Package outboxtest gives tests the real Composer with the helpdesk of
// the test data: help@company.test, "IT Helpdesk", its portal at
// http://portal.test. domain's use-case tests of mail and cmd/ticketgate's
// tests render with it.
package outboxtest

import (
	"testing"

	"ticketgate/outbox"
)

// Composer is the Composer of help@company.test.
func Composer(t testing.TB) *outbox.Composer {
	t.Helper()
	c, err := outbox.NewComposer(outbox.ComposerConfig{From: "help@company.test", FromName: "IT Helpdesk",
		HelpdeskAddress: "help@company.test", BaseURL: "http://portal.test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

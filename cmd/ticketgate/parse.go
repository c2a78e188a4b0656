//go:build !crashhook

package main

import (
	"ticketgate/domain"
	"ticketgate/inbox"
)

// parseMail is the parser of serve and `inbox import`: inbox.Parse. A test
// build (-tags crashhook) adds a crash hook, see parse_crashhook.go.
func parseMail(raw []byte) (*domain.Inbound, error) { return inbox.Parse(raw) }

package main

import (
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/outbox/outboxtest"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

var mt0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

var testComposer = outboxtest.Composer

func mailDesk(t testing.TB, st domain.Store, clock domain.Clock, relay bool) *domain.Desk {
	return domain.NewDesk(st, clock, storagetest.Logger(t), domain.WithComposer(testComposer(t), relay))
}

func addUser(t *testing.T, st *storage.Store, email, name string, role domain.Role) *domain.User {
	t.Helper()
	return storagetest.User(t, st, email, name, role, mt0)
}

// The helpers shared with domain's use-case tests of mail.
var (
	outboxRows = storagetest.OutboxRows
	mailHeader = storagetest.MailHeader
	threadOK   = storagetest.ThreadOK
)

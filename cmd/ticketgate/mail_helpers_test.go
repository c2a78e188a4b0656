package main

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/outbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

var mt0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func testComposer(t testing.TB) *outbox.Composer {
	t.Helper()
	c, err := outbox.NewComposer(outbox.ComposerConfig{From: "help@company.test", FromName: "IT Helpdesk",
		HelpdeskAddress: "help@company.test", BaseURL: "http://portal.test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mailDesk(t testing.TB, st domain.Store, clock domain.Clock, relay bool) *domain.Desk {
	return domain.NewDesk(st, clock, storagetest.Logger(t), domain.WithComposer(testComposer(t), relay))
}

func addUser(t *testing.T, st *storage.Store, email, name string, role domain.Role) *domain.User {
	t.Helper()
	u := &domain.User{Email: email, Name: name, Role: role, CreatedAt: mt0, UpdatedAt: mt0}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// The helpers shared with domain's use-case tests of mail.
var (
	outboxRows = storagetest.OutboxRows
	mailHeader = storagetest.MailHeader
	threadOK   = storagetest.ThreadOK
)

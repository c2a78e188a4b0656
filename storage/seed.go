package storage

import (
	"context"
	"fmt"

	"ticketgate/domain"
)

// Seed is a batch of rows written as they are, without the use cases that
// normally make them: tgbench's direct seeding of very large databases
// (a million tickets would take hours through mail). Nothing in the
// product calls it. Users and tickets carry their IDs (from SeedNextIDs);
// every other row gets its ID from the database.
type Seed struct {
	Users     []domain.User
	Tickets   []domain.Ticket
	Events    []domain.Event
	Approvals []domain.Approval
	Mail      []domain.OutboxMessage // Raw is stored as EnqueueMail stores it
	Processed []domain.ProcessedMail
}

// seedChunk is the rows per INSERT statement: Bun writes the values into
// the SQL text, so this bounds one statement to a few MB.
const seedChunk = 500

// SeedRows writes b in one transaction, in multi-row inserts.
func (s *Store) SeedRows(ctx context.Context, b *Seed) error {
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		users := make([]userRow, len(b.Users))
		for i := range b.Users {
			users[i] = *toUserRow(&b.Users[i])
		}
		if err := insertChunks(ctx, tx, "users", users); err != nil {
			return err
		}
		tickets := make([]ticketRow, len(b.Tickets))
		for i := range b.Tickets {
			tickets[i] = *toTicketRow(&b.Tickets[i])
		}
		if err := insertChunks(ctx, tx, "tickets", tickets); err != nil {
			return err
		}
		events := make([]eventRow, len(b.Events))
		for i, e := range b.Events {
			events[i] = eventRow{TicketID: e.TicketID, At: utc(e.At), Kind: string(e.Kind), Actor: e.Actor, Detail: e.Detail}
		}
		if err := insertChunks(ctx, tx, "events", events); err != nil {
			return err
		}
		approvals := make([]approvalRow, len(b.Approvals))
		for i, a := range b.Approvals {
			approvals[i] = approvalRow{TicketID: a.TicketID, Level: a.Level, Rule: string(a.Rule), Approver: a.Approver,
				Decision: string(a.Decision), Via: string(a.Via), Comment: a.Comment, DecidedAt: utcPtr(a.DecidedAt),
				CreatedAt: utc(a.CreatedAt)}
		}
		if err := insertChunks(ctx, tx, "approvals", approvals); err != nil {
			return err
		}
		mail := make([]outboxRow, len(b.Mail))
		for i := range b.Mail {
			m := &b.Mail[i]
			subject, messageID := storedHeaders(m.Subject, m.MessageID, m.Raw)
			mail[i] = outboxRow{TicketID: m.TicketID, Kind: m.Kind, ToAddr: m.To, Subject: subject, MessageID: messageID,
				Raw: packRaw(m.Kind, m.Raw), Status: string(m.Status), Attempts: m.Attempts, NextAttemptAt: utc(m.NextAttemptAt),
				LastError: m.LastError, CreatedAt: utc(m.CreatedAt), SentAt: utcPtr(m.SentAt), BodyDroppedAt: utcPtr(m.BodyDroppedAt),
				Mailbox: m.Mailbox}
		}
		if err := insertChunks(ctx, tx, "outbox", mail); err != nil {
			return err
		}
		processed := make([]processedRow, len(b.Processed))
		for i, p := range b.Processed {
			processed[i] = processedRow{Mailbox: p.Mailbox, UIDValidity: int64(p.UIDValidity), UID: int64(p.UID),
				MessageID: p.MessageID, TicketID: p.TicketID, At: utc(p.At)}
		}
		return insertChunks(ctx, tx, "processed_mail", processed)
	})
}

func insertChunks[T any](ctx context.Context, tx *Store, what string, rows []T) error {
	for i := 0; i < len(rows); i += seedChunk {
		chunk := rows[i:min(i+seedChunk, len(rows))]
		if _, err := tx.idb.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return mapErr(err, "seed %d %s", len(chunk), what)
		}
	}
	return nil
}

// SeedNextIDs returns the next free user and ticket IDs, for SeedRows.
func (s *Store) SeedNextIDs(ctx context.Context) (user, ticket int64, err error) {
	for _, c := range []struct {
		table string
		into  *int64
	}{{"users", &user}, {"tickets", &ticket}} {
		var maxID int64
		if err := s.idb.NewRaw("SELECT COALESCE(MAX(id), 0) FROM "+c.table).Scan(ctx, &maxID); err != nil {
			return 0, 0, mapErr(err, "max id of %s", c.table)
		}
		*c.into = maxID + 1
	}
	return user, ticket, nil
}

// SeedDone follows SeedRows: PostgreSQL's identity sequences of users and
// tickets move past the IDs written, and both engines refresh their
// planner statistics.
func (s *Store) SeedDone(ctx context.Context) error {
	if s.Postgres() {
		for _, t := range []string{"users", "tickets"} {
			q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT COALESCE(MAX(id), 1) FROM %s))", t, t)
			if _, err := s.db.ExecContext(ctx, q); err != nil {
				return mapErr(err, "move the id sequence of %s", t)
			}
		}
	}
	_, err := s.db.ExecContext(ctx, "ANALYZE")
	return mapErr(err, "analyze")
}

package storage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.OutboxStore = (*Store)(nil)

// ClaimOutbox returns up to limit due queued rows and leases them until
// leaseUntil, in one statement. On PostgreSQL the inner SELECT takes the
// rows FOR UPDATE SKIP LOCKED: a second worker running the same statement
// skips rows the first one holds, and rows it committed are no longer due
// when the lock is re-checked. SQLite runs one writer at a time.
func (s *Store) ClaimOutbox(ctx context.Context, now, leaseUntil time.Time, limit int) ([]domain.OutboxMessage, error) {
	lock := ""
	if s.Postgres() {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []outboxRow
	err := s.idb.NewRaw(`UPDATE outbox SET next_attempt_at = ?
		WHERE id IN (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`+lock+`)
		RETURNING *`, utc(leaseUntil), utc(now), limit).Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "claim outbox")
	}
	slices.SortFunc(rows, func(a, b outboxRow) int { return int(a.ID - b.ID) })
	out := make([]domain.OutboxMessage, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// GetOutbox returns one row with its raw bytes.
func (s *Store) GetOutbox(ctx context.Context, id int64) (*domain.OutboxMessage, error) {
	var row outboxRow
	if err := s.idb.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err, "get outbox message %d", id)
	}
	m := row.domain()
	return &m, nil
}

// UpdateOutbox writes the outcome of an attempt, and a mail going dead
// for a ticket writes the ticket's mail_failed event with it. Only that
// case needs a transaction: every other outcome is one statement.
func (s *Store) UpdateOutbox(ctx context.Context, m *domain.OutboxMessage) error {
	if m.Status != domain.OutboxDead || m.TicketID == 0 {
		res, err := s.outboxUpdate(m).Exec(ctx)
		return mapErr(mustAffect(res, err), "update outbox message %d", m.ID)
	}
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		// The write that makes the row dead is the one that tells the
		// ticket; writing a dead row again does not.
		res, err := tx.outboxUpdate(m).Where("status <> ?", string(domain.OutboxDead)).Exec(ctx)
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err != nil {
			return mapErr(err, "update outbox message %d", m.ID)
		}
		if n == 1 {
			return tx.AppendEvents(ctx, domain.MailFailedEvent(m, m.NextAttemptAt))
		}
		res, err = tx.outboxUpdate(m).Exec(ctx)
		return mapErr(mustAffect(res, err), "update outbox message %d", m.ID)
	})
}

// outboxUpdate is the statement that writes m's outcome fields.
func (s *Store) outboxUpdate(m *domain.OutboxMessage) *bun.UpdateQuery {
	return s.idb.NewUpdate().Model((*outboxRow)(nil)).
		Set("status = ?", string(m.Status)).
		Set("attempts = ?", m.Attempts).
		Set("next_attempt_at = ?", utc(m.NextAttemptAt)).
		Set("last_error = ?", m.LastError).
		Set("sent_at = ?", utcPtr(m.SentAt)).
		Where("id = ?", m.ID)
}

// DeleteOutbox removes a row that was not sent.
func (s *Store) DeleteOutbox(ctx context.Context, id int64) error {
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		var status string
		if err := tx.idb.NewSelect().Model((*outboxRow)(nil)).Column("status").Where("id = ?", id).Scan(ctx, &status); err != nil {
			return mapErr(err, "get outbox message %d", id)
		}
		if status == string(domain.OutboxSent) {
			return fmt.Errorf("outbox message %d: %w: it was sent", id, domain.ErrConflict)
		}
		res, err := tx.idb.NewDelete().Model((*outboxRow)(nil)).Where("id = ?", id).Exec(ctx)
		return mapErr(mustAffect(res, err), "delete outbox message %d", id)
	})
}

// RequeueOutbox moves unsent rows to status to, due at now.
func (s *Store) RequeueOutbox(ctx context.Context, id int64, from, to domain.OutboxStatus, now time.Time) (int, error) {
	q := s.idb.NewUpdate().Model((*outboxRow)(nil)).
		Set("status = ?", string(to)).
		Set("next_attempt_at = ?", utc(now)).
		Set("attempts = 0")
	if id != 0 {
		q = q.Where("id = ?", id)
	}
	// The literal condition of the partial index outbox_unsent: the
	// planners use it only when the query states it.
	q = q.Where("status <> 'sent'")
	if from != "" {
		q = q.Where("status = ?", string(from))
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, mapErr(err, "requeue outbox")
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err, "requeue outbox")
}

// TicketMail returns the mails of a ticket, oldest first, without raw
// bytes (read for their subjects and Message-IDs).
func (s *Store) TicketMail(ctx context.Context, ticketID int64) ([]domain.OutboxMessage, error) {
	var rows []outboxRow
	if err := s.idb.NewSelect().Model(&rows).
		Where("ticket_id = ?", ticketID).Order("id").Scan(ctx); err != nil {
		return nil, mapErr(err, "mail of %s", domain.FormatRef(ticketID))
	}
	return withoutRaw(rows), nil
}

type refusalRow struct {
	bun.BaseModel `bun:"table:mail_refusals"`

	Addr   string    `bun:"addr,pk"`
	LastAt time.Time `bun:"last_at"`
}

// refusalsLockKey is the advisory lock a transaction holds on PostgreSQL
// while it counts the refusals of the last hour and records one.
var refusalsLockKey = lockKey("refusals")

// LockRefusals takes the refusals lock for the rest of the transaction
// (see xactLock).
func (s *Store) LockRefusals(ctx context.Context) error {
	return s.xactLock(ctx, refusalsLockKey, "lock refusals")
}

// CountRefusalsSince counts the addresses whose last refusal is after
// since (an index scan on mail_refusals_last_at).
func (s *Store) CountRefusalsSince(ctx context.Context, since time.Time) (int, error) {
	n, err := s.idb.NewSelect().Model((*refusalRow)(nil)).Where("last_at > ?", utc(since)).Count(ctx)
	if err != nil {
		return 0, mapErr(err, "count refusals")
	}
	return int(n), nil
}

// MarkRefused records a refusal to addr unless one was recorded after
// since. The conditional upsert is one statement: racing instances serialize
// on the primary key and only the first one writes.
func (s *Store) MarkRefused(ctx context.Context, addr string, now, since time.Time) (bool, error) {
	res, err := s.idb.NewInsert().Model(&refusalRow{Addr: addr, LastAt: utc(now)}).
		On("CONFLICT (addr) DO UPDATE").Set("last_at = EXCLUDED.last_at").
		Where("?TableAlias.last_at <= ?", utc(since)).Exec(ctx)
	if err != nil {
		return false, mapErr(err, "mark refused %s", addr)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, mapErr(err, "mark refused %s", addr)
	}
	return n > 0, nil
}

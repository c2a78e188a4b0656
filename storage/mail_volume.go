package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.MailVolumeStore = (*Store)(nil)

type triageDigestRow struct {
	bun.BaseModel `bun:"table:triage_digests"`

	UserID    int64     `bun:"user_id,pk"`
	SentAt    time.Time `bun:"sent_at"`
	CoveredAt time.Time `bun:"covered_at"`
}

// triageWaiting is the condition of a ticket the classifier left in
// triage for an admin.
func triageWaiting(q *bun.SelectQuery) *bun.SelectQuery {
	return q.Where("t.status = ?", string(domain.StatusTriage)).Where("t.class_method <> ''")
}

// TriageWaiting returns the oldest tickets waiting in triage for an admin,
// their number and their newest change (index tickets_status_updated).
func (s *Store) TriageWaiting(ctx context.Context, limit int) ([]domain.Ticket, int, time.Time, error) {
	total, err := triageWaiting(s.idb.NewSelect().TableExpr("tickets AS t")).Count(ctx)
	if err != nil {
		return nil, 0, time.Time{}, mapErr(err, "count triage")
	}
	if total == 0 {
		return nil, 0, time.Time{}, nil
	}
	var newest []ticketRow
	if err := triageWaiting(s.idb.NewSelect().Model(&newest).ModelTableExpr("tickets AS t").Column("t.updated_at")).
		OrderExpr("t.updated_at DESC").Limit(1).Scan(ctx); err != nil {
		return nil, 0, time.Time{}, mapErr(err, "newest triage change")
	}
	var rows []ticketView
	if err := triageWaiting(s.ticketQuery(&rows)).OrderExpr("t.id").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, 0, time.Time{}, mapErr(err, "tickets in triage")
	}
	out := make([]domain.Ticket, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	var latest time.Time
	if len(newest) > 0 {
		latest = newest[0].UpdatedAt.UTC()
	}
	return out, int(total), latest, nil
}

// ClaimTriageDigest records a digest to userID unless one went out after
// before or covered latest already. The conditional upsert is one
// statement: racing instances serialize on the primary key and only the
// first one writes.
func (s *Store) ClaimTriageDigest(ctx context.Context, userID int64, now, before, latest time.Time) (bool, error) {
	res, err := s.idb.NewInsert().Model(&triageDigestRow{UserID: userID, SentAt: utc(now), CoveredAt: utc(latest)}).
		On("CONFLICT (user_id) DO UPDATE").Set("sent_at = EXCLUDED.sent_at").Set("covered_at = EXCLUDED.covered_at").
		Where("?TableAlias.sent_at <= ?", utc(before)).Where("?TableAlias.covered_at < ?", utc(latest)).Exec(ctx)
	if err != nil {
		return false, mapErr(err, "claim triage digest of user %d", userID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, mapErr(err, "claim triage digest of user %d", userID)
	}
	return n > 0, nil
}

// CountMailSince counts the outbox rows of kind to addr created after
// since. For acknowledgements it is an index scan of outbox_acks, whose
// condition the literal kind matches.
func (s *Store) CountMailSince(ctx context.Context, kind domain.MailKind, to string, since time.Time) (int, error) {
	q := s.idb.NewSelect().Model((*outboxRow)(nil)).Where("to_addr = ?", to).Where("created_at > ?", utc(since))
	if kind == domain.MailTicketReceived {
		q = q.Where("kind = 'ticket_received'")
	} else {
		q = q.Where("kind = ?", string(kind))
	}
	n, err := q.Count(ctx)
	if err != nil {
		return 0, mapErr(err, "count %s mail to %s", kind, to)
	}
	return int(n), nil
}

// CountMailSinceTo is CountMailSince for several addresses at once.
func (s *Store) CountMailSinceTo(ctx context.Context, kind domain.MailKind, tos []string, since time.Time) (map[string]int, error) {
	out := map[string]int{}
	if len(tos) == 0 {
		return out, nil
	}
	var rows []struct {
		ToAddr string `bun:"to_addr"`
		N      int    `bun:"n"`
	}
	q := s.idb.NewSelect().Model((*outboxRow)(nil)).ColumnExpr("to_addr, count(*) AS n").
		Where("to_addr IN (?)", bun.In(tos)).Where("created_at > ?", utc(since)).GroupExpr("to_addr")
	if kind == domain.MailTicketReceived {
		q = q.Where("kind = 'ticket_received'")
	} else {
		q = q.Where("kind = ?", string(kind))
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "count %s mail", kind)
	}
	for _, r := range rows {
		out[r.ToAddr] = r.N
	}
	return out, nil
}

// SentWithBody returns sent rows older than before that still have their
// body (index outbox_sent_kept), locked on PostgreSQL so that two
// instances never work on one row.
func (s *Store) SentWithBody(ctx context.Context, before time.Time, limit int) ([]domain.OutboxMessage, error) {
	var rows []outboxRow
	q := s.idb.NewSelect().Model(&rows).ModelTableExpr("outbox AS o").ColumnExpr("o.*").
		Where("o.status = 'sent'").Where("o.body_dropped_at IS NULL").Where("o.sent_at < ?", utc(before)).
		OrderExpr("o.sent_at, o.id").Limit(int64(limit))
	if err := s.skipLocked(q, "o").Scan(ctx); err != nil {
		return nil, mapErr(err, "sent mail with a body")
	}
	out := make([]domain.OutboxMessage, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// DropOutboxBody keeps only headers of sent row id.
func (s *Store) DropOutboxBody(ctx context.Context, id int64, headers []byte, at time.Time) error {
	res, err := s.idb.NewUpdate().Model((*outboxRow)(nil)).Set("raw = ?", packWith(packHeaders, headers)).Set("body_dropped_at = ?", utc(at)).
		Where("id = ?", id).Where("status = 'sent'").Exec(ctx)
	err = mapErr(mustAffect(res, err), "drop body of outbox message %d", id)
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("drop body of outbox message %d: %w: it is not sent", id, domain.ErrConflict)
	}
	return err
}

package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

// skipLocked makes q lock its rows on PostgreSQL, skipping rows that
// another transaction holds; SQLite serializes writers anyway.
func (s *Store) skipLocked(q *bun.SelectQuery, tables string) *bun.SelectQuery {
	if s.Postgres() {
		return q.For("UPDATE OF " + tables + " SKIP LOCKED")
	}
	return q
}

func (s *Store) approvalsDue(ctx context.Context, column string, before time.Time, limit int) ([]domain.Approval, error) {
	var rows []approvalRow
	q := s.idb.NewSelect().Model(&rows).ModelTableExpr("approvals AS a").ColumnExpr("a.*").
		Join("JOIN tickets AS t ON t.id = a.ticket_id").
		Where("a.decision = ?", string(domain.DecisionPending)).
		Where("t.status = ?", string(domain.StatusAwaitingApproval)).Where("t.approval_level = a.level").
		Where("a.created_at < ?", utc(before)).Where("a." + column + " IS NULL").
		OrderExpr("a.id").Limit(int64(limit))
	if err := s.skipLocked(q, "a").Scan(ctx); err != nil {
		return nil, mapErr(err, "approvals due (%s)", column)
	}
	out := make([]domain.Approval, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// ApprovalsToRemind returns pending approvals due for their reminder.
func (s *Store) ApprovalsToRemind(ctx context.Context, before time.Time, limit int) ([]domain.Approval, error) {
	return s.approvalsDue(ctx, "reminded_at", before, limit)
}

// ApprovalsToEscalate returns pending approvals due for escalation.
func (s *Store) ApprovalsToEscalate(ctx context.Context, before time.Time, limit int) ([]domain.Approval, error) {
	return s.approvalsDue(ctx, "escalated_at", before, limit)
}

// MarkReminded records a reminder.
func (s *Store) MarkReminded(ctx context.Context, id int64, at time.Time) error {
	_, err := s.idb.NewUpdate().Model((*approvalRow)(nil)).Set("reminded_at = ?", utc(at)).Where("id = ?", id).Exec(ctx)
	return mapErr(err, "mark approval %d reminded", id)
}

// MarkEscalated records an escalation.
func (s *Store) MarkEscalated(ctx context.Context, id int64, at time.Time) error {
	_, err := s.idb.NewUpdate().Model((*approvalRow)(nil)).Set("escalated_at = ?", utc(at)).Where("id = ?", id).Exec(ctx)
	return mapErr(err, "mark approval %d escalated", id)
}

// TicketsToClose returns resolved tickets last changed before before.
func (s *Store) TicketsToClose(ctx context.Context, before time.Time, limit int) ([]domain.Ticket, error) {
	var rows []ticketView
	q := s.ticketQuery(&rows).Where("t.status = ?", string(domain.StatusResolved)).
		Where("t.updated_at < ?", utc(before)).OrderExpr("t.id").Limit(int64(limit))
	if err := s.skipLocked(q, "t").Scan(ctx); err != nil {
		return nil, mapErr(err, "tickets to close")
	}
	out := make([]domain.Ticket, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.ClassifyStore = (*Store)(nil)

// confirmed selects tickets whose category a person confirmed: an admin
// set it, an approver approved the ticket at some level, or it was
// resolved (a closed ticket that was resolved keeps its assignee; one
// closed after a rejection has none).
func confirmed(q *bun.SelectQuery) *bun.SelectQuery {
	return q.Where("t.category_id IS NOT NULL").WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("t.class_method = ?", domain.MethodAdmin).
			WhereOr("t.status = ?", string(domain.StatusResolved)).
			WhereOr("t.status = ? AND t.assignee_id IS NOT NULL", string(domain.StatusClosed)).
			WhereOr("EXISTS (SELECT 1 FROM approvals AS ap WHERE ap.ticket_id = t.id AND ap.decision = ?)", string(domain.DecisionApproved))
	})
}

type trainingRow struct {
	ID       int64  `bun:"id"`
	Subject  string `bun:"subject"`
	Body     string `bun:"body"`
	Category string `bun:"category"`
}

func (r trainingRow) domain() domain.TrainingExample {
	return domain.TrainingExample{TicketID: r.ID, Subject: r.Subject, Body: r.Body, Category: r.Category}
}

// TrainingExamples returns confirmed tickets, newest first; see
// domain.ClassifyStore.
func (s *Store) TrainingExamples(ctx context.Context, limit int) ([]domain.TrainingExample, error) {
	var rows []trainingRow
	q := s.idb.NewSelect().TableExpr("tickets AS t").
		ColumnExpr("t.id, t.subject, t.body, c.name AS category").
		Join("JOIN categories AS c ON c.id = t.category_id").
		OrderExpr("t.id DESC")
	q = confirmed(q)
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "training examples")
	}
	out := make([]domain.TrainingExample, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CountTrainingExamples counts confirmed tickets.
func (s *Store) CountTrainingExamples(ctx context.Context) (int64, error) {
	n, err := confirmed(s.idb.NewSelect().TableExpr("tickets AS t")).Count(ctx)
	if err != nil {
		return 0, mapErr(err, "count training examples")
	}
	return int64(n), nil
}

// CountTrainingExamplesSince counts confirmed tickets changed at or after
// since: a walk of the tickets_updated index from since, whatever the
// size of the helpdesk.
func (s *Store) CountTrainingExamplesSince(ctx context.Context, since time.Time) (int64, error) {
	n, err := s.confirmedSince(since).Count(ctx)
	if err != nil {
		return 0, mapErr(err, "count training examples since %s", since.UTC().Format(time.RFC3339))
	}
	return int64(n), nil
}

// confirmedSince selects the confirmed tickets changed at or after since.
func (s *Store) confirmedSince(since time.Time) *bun.SelectQuery {
	return confirmed(s.idb.NewSelect().TableExpr("tickets AS t").ColumnExpr("t.id").Where("t.updated_at >= ?", utc(since)))
}

// UnclassifiedTickets returns triage tickets no classifier has looked at,
// oldest first.
func (s *Store) UnclassifiedTickets(ctx context.Context, limit int) ([]domain.Ticket, error) {
	var rows []ticketView
	q := s.ticketQuery(&rows).Where("t.status = ?", string(domain.StatusTriage)).
		Where("t.class_method = ''").OrderExpr("t.id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "unclassified tickets")
	}
	out := make([]domain.Ticket, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// GetTicketForUpdate returns ticket id, locking its row until the
// transaction ends on PostgreSQL.
func (s *Store) GetTicketForUpdate(ctx context.Context, id int64) (*domain.Ticket, error) {
	var v ticketView
	q := s.ticketQuery(&v).Where("t.id = ?", id)
	if s.Postgres() && s.inTx {
		q = q.For("UPDATE OF t")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "get ticket %s", domain.FormatRef(id))
	}
	t := v.domain()
	return &t, nil
}

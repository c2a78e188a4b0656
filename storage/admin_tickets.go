package storage

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.AdminTicketStore = (*Store)(nil)

// likePattern makes a case-insensitive LIKE pattern that matches text
// anywhere, with LIKE's wildcards in text taken literally (ESCAPE '\').
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(text)) + "%"
}

// SearchTickets returns one page of the tickets that match q, and how many
// match. Paging is by offset, which the domain bounds (MaxSearchPages);
// each sort has an index to walk (id, updated_at, status), so a page of
// an unfiltered list reads only its rows and those it skips.
func (s *Store) SearchTickets(ctx context.Context, q domain.TicketSearch, offset, limit int) ([]domain.Ticket, int, error) {
	filter := func(sq *bun.SelectQuery) *bun.SelectQuery {
		if q.Text != "" {
			pat := likePattern(q.Text)
			sq = sq.WhereGroup(" AND ", func(sq *bun.SelectQuery) *bun.SelectQuery {
				if id := q.RefID(); id > 0 {
					sq = sq.WhereOr("t.id = ?", id)
				}
				return sq.WhereOr(`lower(t.subject) LIKE ? ESCAPE '\'`, pat).
					WhereOr(`lower(t.body) LIKE ? ESCAPE '\'`, pat).
					WhereOr(`r.email LIKE ? ESCAPE '\'`, pat)
			})
		}
		if q.Status != "" {
			sq = sq.Where("t.status = ?", string(q.Status))
		}
		switch {
		case q.CategoryID == domain.NoCategory:
			sq = sq.Where("t.category_id IS NULL")
		case q.CategoryID > 0:
			sq = sq.Where("t.category_id = ?", q.CategoryID)
		}
		switch {
		case q.AssigneeID == domain.Nobody:
			sq = sq.Where("t.assignee_id IS NULL")
		case q.AssigneeID > 0:
			sq = sq.Where("t.assignee_id = ?", q.AssigneeID)
		}
		if !q.From.IsZero() {
			sq = sq.Where("t.created_at >= ?", utc(q.From))
		}
		if !q.To.IsZero() {
			sq = sq.Where("t.created_at < ?", utc(q.To))
		}
		return sq
	}
	count := s.idb.NewSelect().TableExpr("tickets AS t")
	if q.Text != "" {
		count = count.Join("JOIN users AS r ON r.id = t.requester_id")
	}
	total, err := filter(count).Count(ctx)
	if err != nil {
		return nil, 0, mapErr(err, "count tickets")
	}
	dir := " DESC"
	if q.Asc {
		dir = " ASC"
	}
	var rows []ticketView
	sq := filter(s.ticketQuery(&rows))
	switch q.Sort {
	case domain.SortUpdated:
		sq = sq.OrderExpr("t.updated_at" + dir).OrderExpr("t.id" + dir)
	case domain.SortStatus:
		sq = sq.OrderExpr("t.status" + dir).OrderExpr("t.id" + dir)
	case domain.SortSubject:
		sq = sq.OrderExpr("lower(t.subject)" + dir).OrderExpr("t.id" + dir)
	default:
		sq = sq.OrderExpr("t.id" + dir)
	}
	if err := sq.Limit(int64(limit)).Offset(int64(offset)).Scan(ctx); err != nil {
		return nil, 0, mapErr(err, "search tickets")
	}
	out := make([]domain.Ticket, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, int(total), nil
}

// ApprovalProblems returns refused approval replies and automatic replies
// on tickets awaiting approval, newest first.
func (s *Store) ApprovalProblems(ctx context.Context, limit int) ([]domain.ApprovalProblem, error) {
	var rows []struct {
		eventRow `bun:",extend"`
		Subject  string `bun:"subject"`
		Status   string `bun:"status"`
	}
	err := s.idb.NewRaw(`SELECT e.*, t.subject, t.status FROM events AS e JOIN tickets AS t ON t.id = e.ticket_id
		WHERE e.kind = 'approval_refused' OR (e.kind = 'auto_reply' AND t.status = 'awaiting_approval')
		ORDER BY e.at DESC, e.id DESC LIMIT ?`, limit).Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "approval problems")
	}
	out := make([]domain.ApprovalProblem, len(rows))
	for i, r := range rows {
		out[i] = domain.ApprovalProblem{
			Event: domain.Event{ID: r.ID, TicketID: r.TicketID, At: r.At.UTC(), Kind: domain.EventKind(r.Kind), Actor: r.Actor,
				Detail: r.Detail},
			Ticket: domain.FormatRef(r.TicketID), Subject: r.Subject, Status: domain.Status(r.Status)}
	}
	return out, nil
}

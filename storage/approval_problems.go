package storage

import (
	"context"

	"ticketgate/domain"
)

var _ domain.AdminTicketStore = (*Store)(nil)

// ApprovalProblems returns refused approval replies and automatic replies
// on tickets awaiting approval, newest first: a walk of the partial index
// events_problems, whose condition the query states as it is written there.
func (s *Store) ApprovalProblems(ctx context.Context, limit int) ([]domain.ApprovalProblem, error) {
	var rows []struct {
		eventRow `bun:",extend"`
		Subject  string `bun:"subject"`
		Status   string `bun:"status"`
	}
	err := s.idb.NewRaw(`SELECT e.*, t.subject, t.status FROM events AS e JOIN tickets AS t ON t.id = e.ticket_id
		WHERE e.kind IN ('approval_refused', 'auto_reply')
			AND (e.kind = 'approval_refused' OR (e.kind = 'auto_reply' AND t.status = 'awaiting_approval'))
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

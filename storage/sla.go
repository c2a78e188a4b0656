package storage

import (
	"context"
	"time"

	"ticketgate/domain"
)

var _ domain.SLAStore = (*Store)(nil)

// SLATicketsDue returns the tickets whose SLA clock the escalation job
// must look at; see domain.SLAStore. It walks the partial index
// tickets_sla_next, which holds only the tickets with a next instant.
func (s *Store) SLATicketsDue(ctx context.Context, now time.Time, limit int) ([]domain.Ticket, error) {
	var rows []ticketView
	q := s.ticketQuery(&rows).Where("t.sla_next_at IS NOT NULL").Where("t.sla_next_at <= ?", utc(now)).
		OrderExpr("t.sla_next_at, t.id").Limit(int64(limit))
	if err := s.skipLocked(q, "t").Scan(ctx); err != nil {
		return nil, mapErr(err, "sla tickets due")
	}
	out := make([]domain.Ticket, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

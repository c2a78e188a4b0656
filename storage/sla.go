package storage

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.SLAStore = (*Store)(nil)

// SLATicketsDue returns the tickets whose SLA clock the escalation job
// must look at; see domain.SLAStore. It walks the partial index
// tickets_sla_next, which holds only the tickets with a next instant.
func (s *Store) SLATicketsDue(ctx context.Context, now time.Time, limit int) ([]domain.Ticket, error) {
	var rows []ticketView
	if err := s.slaTicketsDue(&rows, now, limit).Scan(ctx); err != nil {
		return nil, mapErr(err, "sla tickets due")
	}
	out := make([]domain.Ticket, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// slaTicketsDue is the query of SLATicketsDue, into rows.
func (s *Store) slaTicketsDue(rows *[]ticketView, now time.Time, limit int) *bun.SelectQuery {
	q := s.ticketQuery(rows).Where("t.sla_next_at IS NOT NULL").Where("t.sla_next_at <= ?", utc(now)).
		OrderExpr("t.sla_next_at, t.id").Limit(int64(limit))
	return s.skipLocked(q, "t")
}

// slaComplianceSQL counts the stopped clocks per category and state; the
// index tickets_sla_stopped (sla_stopped_at, category_id, sla_state) holds
// every column it reads, so it is one range of that index. It is prepared
// once (stmt_cache.go), with since as its argument.
func (s *Store) slaComplianceSQL() string {
	return "SELECT t.category_id AS category_id, t.sla_state AS state, count(*) AS n FROM tickets AS t " +
		"WHERE t.sla_stopped_at IS NOT NULL AND t.sla_stopped_at >= " + s.rangeParam() + " AND t.sla_state IN ('met', 'breached') " +
		"GROUP BY t.category_id, t.sla_state"
}

// SLACompliance counts the tickets met and breached per category; see
// domain.SLAReportStore.
func (s *Store) SLACompliance(ctx context.Context, since time.Time) ([]domain.SLACompliance, error) {
	var rows []struct {
		CategoryID *int64 `bun:"category_id"`
		State      string `bun:"state"`
		N          int    `bun:"n"`
	}
	if err := s.scanCached(ctx, &rows, s.slaComplianceSQL(), s.timeArg(utc(since))); err != nil {
		return nil, mapErr(err, "sla compliance")
	}
	cats, err := s.ListCategories(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, c := range cats {
		names[c.ID] = c.Name
	}
	at := map[int64]int{} // category id → index in out
	var out []domain.SLACompliance
	for _, r := range rows {
		var id int64
		if r.CategoryID != nil {
			id = *r.CategoryID
		}
		i, ok := at[id]
		if !ok {
			i = len(out)
			at[id] = i
			out = append(out, domain.SLACompliance{CategoryID: id, Category: names[id]})
		}
		if r.State == string(domain.SLAMet) {
			out[i].Met += r.N
		} else {
			out[i].Breached += r.N
		}
	}
	slices.SortFunc(out, func(a, b domain.SLACompliance) int {
		return strings.Compare(strings.ToLower(a.Category), strings.ToLower(b.Category))
	})
	return out, nil
}

// slaAtRiskCountSQL counts the tickets at risk in the partial index
// tickets_sla_state, which holds only those at risk or breached.
const slaAtRiskCountSQL = "SELECT count(*) FROM tickets AS t WHERE t.sla_state IN ('at_risk', 'breached') AND t.sla_state = 'at_risk'"

// slaAtRiskSQL reads the soonest due of them, as ticketQuery, with the
// limit as its argument.
const slaAtRiskSQL = ticketsSelectSQL + " WHERE t.sla_state IN ('at_risk', 'breached') AND t.sla_state = 'at_risk' " +
	"ORDER BY t.sla_resolution_due_at, t.id LIMIT ?"

// SLAAtRisk counts the tickets at risk now and returns the soonest due.
func (s *Store) SLAAtRisk(ctx context.Context, limit int) (int, []domain.Ticket, error) {
	var n []int
	if err := s.scanCached(ctx, &n, slaAtRiskCountSQL); err != nil || len(n) != 1 {
		return 0, nil, mapErr(err, "count sla at risk")
	}
	var rows []ticketView
	if err := s.scanCached(ctx, &rows, slaAtRiskSQL, limit); err != nil {
		return 0, nil, mapErr(err, "sla at risk")
	}
	out := make([]domain.Ticket, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return n[0], out, nil
}

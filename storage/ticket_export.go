package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.TicketExportStore = (*Store)(nil)

// LastResolutions returns the time of each ticket's last own resolved
// event: one query over events_ticket's ranges of the page's tickets.
func (s *Store) LastResolutions(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	out := make(map[int64]time.Time, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		TicketID int64     `bun:"ticket_id"`
		At       time.Time `bun:"at"`
	}
	if err := s.lastResolutions(ids).Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "last resolutions")
	}
	for _, r := range rows {
		out[r.TicketID] = r.At.UTC()
	}
	return out, nil
}

// LastRatings returns each ticket's last satisfaction answer: one query
// over satisfaction_ratings_ticket's ranges of the page's tickets.
func (s *Store) LastRatings(ctx context.Context, ids []int64) (map[int64]domain.Rating, error) {
	out := make(map[int64]domain.Rating, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		TicketID int64  `bun:"ticket_id"`
		Rating   string `bun:"rating"`
	}
	if err := s.lastRatings(ids).Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "last ratings")
	}
	for _, r := range rows {
		out[r.TicketID] = domain.Rating(r.Rating)
	}
	return out, nil
}

// lastResolutions is LastResolutions' query.
func (s *Store) lastResolutions(ids []int64) *bun.SelectQuery {
	return s.idb.NewSelect().TableExpr("events AS e").ColumnExpr("e.ticket_id, max(e.at) AS at").
		Where("e.ticket_id IN (?)", bun.In(ids)).Where("e.kind = ?", string(domain.EventResolved)).
		Where("e.merged_from IS NULL").GroupExpr("e.ticket_id")
}

// lastRatings is LastRatings' query.
func (s *Store) lastRatings(ids []int64) *bun.SelectQuery {
	last := s.idb.NewSelect().TableExpr("satisfaction_ratings AS l").ColumnExpr("max(l.id)").
		Where("l.ticket_id IN (?)", bun.In(ids)).GroupExpr("l.ticket_id")
	return s.idb.NewSelect().TableExpr("satisfaction_ratings AS r").ColumnExpr("r.ticket_id, r.rating").
		Where("r.id IN (?)", last)
}

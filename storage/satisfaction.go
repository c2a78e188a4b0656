package storage

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.SatisfactionStore = (*Store)(nil)

type satisfactionRow struct {
	bun.BaseModel `bun:"table:satisfaction_ratings"`

	ID           int64     `bun:"id,pk,autoincrement"`
	TicketID     int64     `bun:"ticket_id"`
	ResolutionID int64     `bun:"resolution_id"`
	Requester    string    `bun:"requester"`
	Rating       string    `bun:"rating"`
	Comment      string    `bun:"comment"`
	Via          string    `bun:"via"`
	CreatedAt    time.Time `bun:"created_at"`
}

// AddSatisfaction inserts r; see domain.SatisfactionStore. The unique
// index on resolution_id makes a second answer a conflict.
func (s *Store) AddSatisfaction(ctx context.Context, r *domain.SatisfactionRating) error {
	row := &satisfactionRow{TicketID: r.TicketID, ResolutionID: r.ResolutionID, Requester: r.Requester, Rating: string(r.Rating),
		Comment: r.Comment, Via: string(r.Via), CreatedAt: utc(r.At)}
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "rate %s", domain.FormatRef(r.TicketID))
	}
	r.ID = row.ID
	return nil
}

// LastSatisfaction returns the ticket's latest answer (the last entry of
// satisfaction_ratings_ticket's range).
func (s *Store) LastSatisfaction(ctx context.Context, ticketID int64) (*domain.SatisfactionRating, error) {
	var row satisfactionRow
	q := s.builtSQL("last satisfaction of ticket", func(db *bun.DB) string {
		return lastSatisfaction(db, &row, ticketParam).String()
	})
	err := s.scanCached(ctx, &row, q, ticketID)
	if err == nil && row.ID == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return nil, mapErr(err, "satisfaction of %s", domain.FormatRef(ticketID))
	}
	return &domain.SatisfactionRating{ID: row.ID, TicketID: row.TicketID, ResolutionID: row.ResolutionID, Requester: row.Requester,
		Rating: domain.Rating(row.Rating), Comment: row.Comment, Via: domain.Via(row.Via), At: row.CreatedAt.UTC()}, nil
}

// LastOwnEvent returns the ticket's latest event of kind written on it:
// events_ticket's range of the ticket, walked from its end.
func (s *Store) LastOwnEvent(ctx context.Context, ticketID int64, kind domain.EventKind) (*domain.Event, error) {
	var r eventRow
	if err := s.lastOwnEvent(&r, ticketID, kind).Scan(ctx); err != nil {
		return nil, mapErr(err, "last %s event of %s", kind, domain.FormatRef(ticketID))
	}
	return &domain.Event{ID: r.ID, TicketID: r.TicketID, At: r.At.UTC(), Kind: domain.EventKind(r.Kind), Actor: r.Actor, Detail: r.Detail}, nil
}

// lastSatisfaction is LastSatisfaction's query.
func lastSatisfaction(db bun.IDB, row *satisfactionRow, ticket any) *bun.SelectQuery {
	return db.NewSelect().Model(row).Where("ticket_id = ?", ticket).OrderExpr("id DESC").Limit(1)
}

// lastOwnEvent is LastOwnEvent's query.
func (s *Store) lastOwnEvent(r *eventRow, ticketID int64, kind domain.EventKind) *bun.SelectQuery {
	return s.idb.NewSelect().Model(r).Where("ticket_id = ?", ticketID).Where("kind = ?", string(kind)).
		Where("merged_from IS NULL").OrderExpr("id DESC").Limit(1)
}

// SatisfactionSince counts the answers since since and the yes among
// them: a range of satisfaction_ratings_created, which holds both columns
// (an index-only scan on PostgreSQL, a covering index on SQLite).
func (s *Store) SatisfactionSince(ctx context.Context, since time.Time) (domain.SatisfactionScore, error) {
	var row struct {
		Total int `bun:"total"`
		Yes   int `bun:"yes"`
	}
	err := s.scanCached(ctx, &row, s.satisfactionSinceSQL(), s.timeArg(utc(since)))
	return domain.SatisfactionScore{Total: row.Total, Yes: row.Yes}, mapErr(err, "satisfaction score")
}

// satisfactionSinceSQL is SatisfactionSince's statement (prepared once:
// stmt_cache.go), with since as its argument.
func (s *Store) satisfactionSinceSQL() string {
	return "SELECT count(*) AS total, coalesce(sum(CASE WHEN r.rating = 'yes' THEN 1 ELSE 0 END), 0) AS yes " +
		"FROM satisfaction_ratings AS r WHERE r.created_at >= " + s.rangeParam()
}

package storage

import (
	"context"
	"fmt"
	"time"

	"ticketgate/domain"
)

// SatisfactionSinceSQLForTest returns the query of SatisfactionSince.
func (s *Store) SatisfactionSinceSQLForTest(since time.Time) string {
	return s.idb.NewRaw(s.satisfactionSinceSQL(), s.timeArg(utc(since))).String()
}

// SeedSatisfactionForTest answers every third resolved ticket of a
// SeedSpreadForTest store, yes on two of three answers, an answer a day
// after the ticket was created (one INSERT ... SELECT).
func (s *Store) SeedSatisfactionForTest(ctx context.Context) error {
	at := "t.created_at + interval '1 day'"
	if !s.Postgres() {
		at = "(strftime('%Y-%m-%d %H:%M:%S', t.created_at, '+1 day') || '+00:00')"
	}
	_, err := s.idb.NewRaw(`INSERT INTO satisfaction_ratings (ticket_id, resolution_id, requester, rating, comment, via, created_at)
		SELECT t.id, t.id, 'seed@seed.test', CASE WHEN t.id % 9 = 0 THEN 'no' ELSE 'yes' END, '', 'email', ` + at + `
		FROM tickets AS t WHERE t.status = 'resolved' AND t.id % 3 = 0`).Exec(ctx)
	if err != nil {
		return fmt.Errorf("seed satisfaction: %w", err)
	}
	return nil
}

// LastOwnEventSQLForTest and LastSatisfactionSQLForTest return the
// queries the resolved ticket's page and the satisfaction links run.
func (s *Store) LastOwnEventSQLForTest(ticketID int64) string {
	return s.lastOwnEvent(&eventRow{}, ticketID, domain.EventResolved).String()
}

func (s *Store) LastSatisfactionSQLForTest(ticketID int64) string {
	return lastSatisfaction(s.idb, &satisfactionRow{}, ticketID).String()
}

// ExportSQLForTest returns the queries an export runs beside a page of
// tickets ids.
func (s *Store) ExportSQLForTest(ids []int64) []string {
	return []string{s.lastResolutions(ids).String(), s.lastRatings(ids).String()}
}

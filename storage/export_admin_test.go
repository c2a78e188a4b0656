package storage

import (
	"context"
	"time"
)

// SeedTicketsForTest inserts n tickets in one statement (a recursive
// series), each with a received and an assigned event: the admin lists'
// scale test. Ticket i was created i minutes after from; every third is
// assigned to assignee, the others are resolved.
func (s *Store) SeedTicketsForTest(ctx context.Context, n int, requester, category, assignee int64, from time.Time) error {
	series := "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?) "
	at := "datetime(?, '+' || i || ' minutes')"
	if s.Postgres() {
		series = "WITH seq(i) AS (SELECT generate_series(1, ?)) "
		at = "(?::timestamptz + i * interval '1 minute')"
	}
	if _, err := s.idb.ExecContext(ctx, series+`INSERT INTO tickets (subject, body, requester_id, category_id, status, assignee_id, created_at, updated_at)
		SELECT 'Seeded ticket ' || i, 'seeded ' || i || ' body text of a ticket', ?, ?,
			CASE WHEN i % 3 = 0 THEN 'assigned' ELSE 'resolved' END, ?, `+at+`, `+at+` FROM seq`,
		n, requester, category, assignee, utc(from), utc(from)); err != nil {
		return err
	}
	for _, kind := range []string{"received", "assigned"} {
		if _, err := s.idb.ExecContext(ctx, `INSERT INTO events (ticket_id, at, kind, actor, detail)
			SELECT id, created_at, ?, 'system', 'seeded' FROM tickets WHERE subject LIKE 'Seeded ticket %'`, kind); err != nil {
			return err
		}
	}
	return nil
}

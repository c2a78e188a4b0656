package storage

import (
	"context"
	"strconv"

	"ticketgate/domain"
)

// examplesVersionKey names the counter that numbers admin picks.
const examplesVersionKey = "examples_version"

// RecordAdminPick numbers an admin's pick of ticket id's category with the
// bumped examples version; see domain.ClassifyStore. The bump takes the
// settings row's lock until the transaction ends, so concurrent picks get
// their numbers in commit order.
func (s *Store) RecordAdminPick(ctx context.Context, ticketID int64) error {
	var v string
	err := s.idb.NewRaw(`INSERT INTO settings (key, value) VALUES (?, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)
		RETURNING value`, examplesVersionKey).Scan(ctx, &v)
	if err != nil {
		return mapErr(err, "bump examples version")
	}
	seq, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return mapErr(err, "examples version %q", v)
	}
	if _, err := s.idb.NewRaw(`INSERT INTO admin_picks (seq, ticket_id) VALUES (?, ?)
		ON CONFLICT (ticket_id) DO UPDATE SET seq = EXCLUDED.seq`, seq, ticketID).Exec(ctx); err != nil {
		return mapErr(err, "record admin pick of %s", domain.FormatRef(ticketID))
	}
	if seq > domain.MaxAdminPicks {
		// One row at most per pick: the table stays at its bound.
		if _, err := s.idb.NewRaw(`DELETE FROM admin_picks WHERE seq <= ?`, seq-domain.MaxAdminPicks).Exec(ctx); err != nil {
			return mapErr(err, "drop old admin picks")
		}
	}
	return nil
}

// ExamplesVersion returns the number of the latest admin pick, 0 if none.
func (s *Store) ExamplesVersion(ctx context.Context) (int64, error) {
	return s.counter(ctx, examplesVersionKey)
}

type adminPickRow struct {
	Seq int64 `bun:"seq"`
	trainingRow
}

// AdminPicks returns the picks numbered above after, newest first, of
// tickets whose category is still an admin's.
func (s *Store) AdminPicks(ctx context.Context, after int64, limit int) ([]domain.AdminPick, error) {
	var rows []adminPickRow
	q := s.idb.NewSelect().TableExpr("admin_picks AS p").
		ColumnExpr("p.seq, t.id, t.subject, t.body, c.name AS category").
		Join("JOIN tickets AS t ON t.id = p.ticket_id").
		Join("JOIN categories AS c ON c.id = t.category_id").
		Where("p.seq > ?", after).Where("t.class_method = ?", domain.MethodAdmin).
		OrderExpr("p.seq DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "admin picks")
	}
	out := make([]domain.AdminPick, len(rows))
	for i, r := range rows {
		out[i] = domain.AdminPick{Seq: r.Seq, TrainingExample: r.domain()}
	}
	return out, nil
}

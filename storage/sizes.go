package storage

import (
	"context"
	"slices"
)

// TableSize is where a table's bytes go: its row count, its own pages and
// those of its indexes (PostgreSQL: TOAST included in Table).
type TableSize struct {
	Name    string
	Rows    int64
	Table   int64 // bytes
	Indexes int64 // bytes
}

// TableSizes measures every table of the database, largest first: on
// SQLite from the dbstat virtual table (pages in use, free pages not
// counted), on PostgreSQL from pg_table_size and pg_indexes_size. For
// tgbench's report; it reads every page, so it is slow on a big database.
func (s *Store) TableSizes(ctx context.Context) ([]TableSize, error) {
	var out []TableSize
	if s.Postgres() {
		err := s.idb.NewRaw(`SELECT c.relname AS name, 0 AS rows,
			pg_table_size(c.oid) AS "table", pg_indexes_size(c.oid) AS indexes
			FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
			WHERE c.relkind = 'r' AND n.nspname = current_schema()`).Scan(ctx, &out)
		if err != nil {
			return nil, mapErr(err, "table sizes")
		}
	} else {
		err := s.idb.NewRaw(`SELECT m.tbl_name AS name, 0 AS rows,
			SUM(CASE WHEN m.type = 'table' THEN d.pgsize ELSE 0 END) AS "table",
			SUM(CASE WHEN m.type = 'index' THEN d.pgsize ELSE 0 END) AS indexes
			FROM dbstat AS d JOIN sqlite_master AS m ON m.name = d.name
			GROUP BY m.tbl_name`).Scan(ctx, &out)
		if err != nil {
			return nil, mapErr(err, "table sizes (dbstat)")
		}
	}
	for i := range out {
		// Table names come from the catalogue, not from a caller.
		if err := s.idb.NewRaw(`SELECT COUNT(*) FROM "`+out[i].Name+`"`).Scan(ctx, &out[i].Rows); err != nil {
			return nil, mapErr(err, "count rows of %s", out[i].Name)
		}
	}
	slices.SortFunc(out, func(a, b TableSize) int {
		return int((b.Table + b.Indexes) - (a.Table + a.Indexes))
	})
	return out, nil
}

// DatabaseSize is the database's size in bytes: PostgreSQL's
// pg_database_size; on SQLite the pages of the main file (page_count ×
// page_size, without the WAL).
func (s *Store) DatabaseSize(ctx context.Context) (int64, error) {
	var n int64
	q := "SELECT pg_database_size(current_database())"
	if !s.Postgres() {
		q = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
	}
	if err := s.idb.NewRaw(q).Scan(ctx, &n); err != nil {
		return 0, mapErr(err, "database size")
	}
	return n, nil
}

// AutovacuumOff reports whether the PostgreSQL server runs without
// autovacuum (false on SQLite). Its planner then works from statistics of
// whenever someone last ran ANALYZE: after a burst of intake it can take
// "All tickets" filtered by status for a handful of rows and sort tens of
// thousands (measured: 276 ms a page instead of 0.4 ms at 100,000
// tickets).
func (s *Store) AutovacuumOff(ctx context.Context) (bool, error) {
	if !s.Postgres() {
		return false, nil
	}
	var v string
	if err := s.idb.NewRaw("SHOW autovacuum").Scan(ctx, &v); err != nil {
		return false, mapErr(err, "show autovacuum")
	}
	return v == "off", nil
}

// Analyze gathers the planner's statistics of every table (ANALYZE), as
// autovacuum does by itself when it runs.
func (s *Store) Analyze(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, "ANALYZE")
	return mapErr(err, "analyze")
}

package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// setBlob writes a large value (an attachment, a quarantined mail) into
// column of the row id of table, passing it to the driver as a parameter.
// Bun writes the values of its own queries into the SQL text: a blob of n
// bytes would become a statement of 2n hex digits for the database to
// parse back, three copies of a 25 MiB mail in memory at once.
func (s *Store) setBlob(ctx context.Context, table, column string, id int64, b []byte) error {
	q := "UPDATE " + table + " SET " + column + " = ? WHERE id = ?"
	args := []any{b, id}
	if s.Postgres() {
		q = "UPDATE " + table + " SET " + column + " = $1 WHERE id = $2"
		// A prepared statement (cached per connection: the text is the
		// same every time), so the bytes go in binary, not as text.
		args = append([]any{pgx.QueryExecModeCacheStatement}, args...)
	}
	var err error
	switch db := s.idb.(type) {
	case bun.Tx:
		_, err = db.Tx.ExecContext(ctx, q, args...)
	case *bun.DB:
		_, err = db.DB.ExecContext(ctx, q, args...)
	default:
		return fmt.Errorf("write %s.%s: no driver connection in %T", table, column, s.idb)
	}
	return err
}

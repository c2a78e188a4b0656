package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

type attemptRow struct {
	bun.BaseModel `bun:"table:auth_attempts"`

	ID    int64     `bun:"id,pk,autoincrement"`
	Scope string    `bun:"scope"`
	Key   string    `bun:"key"`
	At    time.Time `bun:"at"`
}

// ReserveAttempt records an attempt, forgets that key's old ones, and
// returns the new attempt's id.
func (s *Store) ReserveAttempt(ctx context.Context, scope, key string, at, olderThan time.Time) (int64, error) {
	row := &attemptRow{Scope: scope, Key: key, At: utc(at)}
	err := s.tx(ctx, func(ctx context.Context, tx *Store) error {
		if _, err := tx.idb.NewDelete().Model((*attemptRow)(nil)).Where("scope = ?", scope).Where("key = ?", key).
			Where("at < ?", utc(olderThan)).Exec(ctx); err != nil {
			return mapErr(err, "forget old %s attempts", scope)
		}
		_, err := tx.idb.NewInsert().Model(row).Exec(ctx)
		return mapErr(err, "record %s attempt", scope)
	})
	return row.ID, err
}

// ReleaseAttempt forgets attempt id.
func (s *Store) ReleaseAttempt(ctx context.Context, id int64) error {
	_, err := s.idb.NewDelete().Model((*attemptRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(err, "release attempt %d", id)
}

// LockAttempts takes the lock of one throttle key until the transaction
// ends: on PostgreSQL a transaction-scoped advisory lock on a hash of
// scope and key (a collision only makes two keys wait on each other); on
// SQLite nothing, as every write transaction begins IMMEDIATE and holds
// the database's write lock already.
func (s *Store) LockAttempts(ctx context.Context, scope, key string) error {
	return s.xactLock(ctx, lockKey("attempts\x00"+scope+"\x00"+key), "lock "+scope+" attempts")
}

// CountAttempts counts a key's attempts since a time, and returns the oldest.
func (s *Store) CountAttempts(ctx context.Context, scope, key string, since time.Time) (int, time.Time, error) {
	var rows []attemptRow
	if err := s.idb.NewSelect().Model(&rows).Column("at").Where("scope = ?", scope).Where("key = ?", key).
		Where("at > ?", utc(since)).Order("at").Scan(ctx); err != nil {
		return 0, time.Time{}, mapErr(err, "count %s attempts", scope)
	}
	if len(rows) == 0 {
		return 0, time.Time{}, nil
	}
	return len(rows), rows[0].At.UTC(), nil
}

// ClearAttempts forgets a key's attempts.
func (s *Store) ClearAttempts(ctx context.Context, scope, key string) error {
	_, err := s.idb.NewDelete().Model((*attemptRow)(nil)).Where("scope = ?", scope).Where("key = ?", key).Exec(ctx)
	return mapErr(err, "clear %s attempts", scope)
}

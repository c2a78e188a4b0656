package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type inFlightRow struct {
	bun.BaseModel `bun:"table:mail_in_flight"`

	Key      string    `bun:"mail_key,pk"`
	Instance string    `bun:"instance"`
	Crashes  int       `bun:"crashes"`
	At       time.Time `bun:"at"`
}

func (r *inFlightRow) domain() domain.InFlight {
	return domain.InFlight{Key: r.Key, Instance: r.Instance, Crashes: r.Crashes, At: r.At.UTC()}
}

// ClaimInFlight inserts the rows of keys that are not there yet and returns
// those that were.
func (s *Store) ClaimInFlight(ctx context.Context, keys []string, instance string, at time.Time) ([]domain.InFlight, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	rows := make([]inFlightRow, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			rows = append(rows, inFlightRow{Key: k, Instance: instance, At: utc(at)})
		}
	}
	var inserted []string
	// DO NOTHING rather than a unique violation: on PostgreSQL a failed
	// statement would abort the caller's transaction.
	err := s.idb.NewInsert().Model(&rows).On("CONFLICT (mail_key) DO NOTHING").Returning("mail_key").Scan(ctx, &inserted)
	if err != nil && !isNotFoundErr(err) {
		return nil, mapErr(err, "record mail in flight")
	}
	if len(inserted) == len(rows) {
		return nil, nil
	}
	for _, k := range inserted {
		delete(seen, k)
	}
	old := make([]string, 0, len(seen))
	for k := range seen {
		old = append(old, k)
	}
	var found []inFlightRow
	if err := s.idb.NewSelect().Model(&found).Where("mail_key IN (?)", bun.In(old)).Scan(ctx); err != nil {
		return nil, mapErr(err, "read mail in flight")
	}
	out := make([]domain.InFlight, len(found))
	for i := range found {
		out[i] = found[i].domain()
	}
	return out, nil
}

// TakeInFlight moves key's row to instance, counting a crash when another
// instance held it.
func (s *Store) TakeInFlight(ctx context.Context, key, instance string, at time.Time) (*domain.InFlight, error) {
	var row inFlightRow
	// Every right-hand side reads the row as it was, so the CASE sees the
	// previous holder.
	err := s.idb.NewUpdate().Model(&row).
		Set("crashes = crashes + CASE WHEN instance <> ? THEN 1 ELSE 0 END", instance).
		Set("instance = ?", instance).Set("at = ?", utc(at)).
		Where("mail_key = ?", key).Returning("*").Scan(ctx)
	if err != nil {
		return nil, mapErr(err, "take mail in flight %s", key)
	}
	f := row.domain()
	return &f, nil
}

// DeleteInFlight removes the rows of keys.
func (s *Store) DeleteInFlight(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := s.idb.NewDelete().Model((*inFlightRow)(nil)).Where("mail_key IN (?)", bun.In(keys)).Exec(ctx)
	return mapErr(err, "remove mail in flight")
}

// ReleaseInFlight removes the rows instance holds.
func (s *Store) ReleaseInFlight(ctx context.Context, instance string) error {
	_, err := s.idb.NewDelete().Model((*inFlightRow)(nil)).Where("instance = ?", instance).Exec(ctx)
	return mapErr(err, "release mails in flight")
}

// PruneInFlight removes the rows claimed or last taken before before.
func (s *Store) PruneInFlight(ctx context.Context, before time.Time) (int, error) {
	res, err := s.idb.NewDelete().Model((*inFlightRow)(nil)).Where("at < ?", utc(before)).Exec(ctx)
	if err != nil {
		return 0, mapErr(err, "prune mails in flight")
	}
	n, err := res.RowsAffected()
	return int(n), err
}

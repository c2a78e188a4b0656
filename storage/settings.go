package storage

import (
	"context"
	"errors"
	"strconv"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type settingRow struct {
	bun.BaseModel `bun:"table:settings"`

	Key   string `bun:"key,pk"`
	Value string `bun:"value"`
}

// categoriesVersionKey names the counter bumped by every category write.
const categoriesVersionKey = "categories_version"

// GetSetting returns the value of key; domain.ErrNotFound if never set.
func (s *Store) GetSetting(ctx context.Context, key string) (string, error) {
	var row settingRow
	if err := s.idb.NewSelect().Model(&row).Where("key = ?", key).Scan(ctx); err != nil {
		return "", mapErr(err, "get setting %s", key)
	}
	return row.Value, nil
}

// PutSetting sets key to value.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	_, err := s.idb.NewInsert().Model(&settingRow{Key: key, Value: value}).
		On("CONFLICT (key) DO UPDATE").Set("value = EXCLUDED.value").Exec(ctx)
	return mapErr(err, "put setting %s", key)
}

// PutSettingIfAbsent stores value unless key is set and returns what is
// stored.
func (s *Store) PutSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	if _, err := s.idb.NewInsert().Model(&settingRow{Key: key, Value: value}).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
		return "", mapErr(err, "put setting %s", key)
	}
	return s.GetSetting(ctx, key)
}

// CategoriesVersion returns the counter that every category write bumps.
func (s *Store) CategoriesVersion(ctx context.Context) (int64, error) {
	return s.counter(ctx, categoriesVersionKey)
}

// counter returns the setting key as a number, 0 if never set.
func (s *Store) counter(ctx context.Context, key string) (int64, error) {
	v, err := s.GetSetting(ctx, key)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return 0, nil
		}
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// bumpCategoriesVersion increments the counter atomically, inside the
// caller's transaction.
func (s *Store) bumpCategoriesVersion(ctx context.Context) error {
	_, err := s.idb.NewRaw(`INSERT INTO settings (key, value) VALUES (?, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)`,
		categoriesVersionKey).Exec(ctx)
	return mapErr(err, "bump categories version")
}

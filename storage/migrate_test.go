package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ticketgate/migrations"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestMigrateUpDownUp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s, err := storage.Open(ctx, db.URL, storagetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		m, err := s.Migrator()
		if err != nil {
			t.Fatal(err)
		}
		if n, err := m.Pending(ctx); err != nil || n == 0 {
			t.Fatalf("Pending on an empty database = %d, %v; want > 0", n, err)
		}
		up, err := m.Up(ctx)
		if err != nil || len(up) == 0 {
			t.Fatalf("Up = %v, %v", up, err)
		}
		if n, _ := m.Pending(ctx); n != 0 {
			t.Fatalf("Pending after Up = %d", n)
		}
		if again, err := m.Up(ctx); err != nil || len(again) != 0 {
			t.Fatalf("second Up = %v, %v; want nothing to do", again, err)
		}
		if _, err := s.CountUsers(ctx); err != nil {
			t.Fatalf("schema not usable after Up: %v", err)
		}
		down, err := m.Down(ctx)
		if err != nil || len(down) != len(up) {
			t.Fatalf("Down = %v, %v; want %v", down, err, up)
		}
		if _, err := s.CountUsers(ctx); err == nil {
			t.Fatal("users table still there after Down")
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("Up after Down: %v", err)
		}
		st, err := m.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range st {
			if !x.Applied {
				t.Errorf("Status: %s not applied after Up", x.Name)
			}
		}
	})
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s := storagetest.Open(t, db.URL)
		if err := s.RawExec(ctx, "INSERT INTO bun_migrations (name, group_id, migrated_at) VALUES ('29991231000000', 9, CURRENT_TIMESTAMP)"); err != nil {
			t.Fatal(err)
		}
		_, err := s.Migrate(ctx)
		if !errors.Is(err, migrations.ErrSchemaNewer) || !strings.Contains(err.Error(), "29991231000000") {
			t.Fatalf("Migrate on a newer schema = %v, want ErrSchemaNewer naming the migration", err)
		}
	})
}

package storage_test

import (
	"context"
	"errors"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestInFlightStore(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		old, err := s.ClaimInFlight(ctx, []string{"a", "b", "a"}, "life1", t0)
		if err != nil || len(old) != 0 {
			t.Fatalf("first claim = %+v, %v; want nothing old", old, err)
		}
		old, err = s.ClaimInFlight(ctx, []string{"b", "c"}, "life2", t0)
		if err != nil || len(old) != 1 || old[0].Key != "b" || old[0].Instance != "life1" || old[0].Crashes != 0 {
			t.Fatalf("second claim = %+v, %v; want b of life1", old, err)
		}
		// The same life takes its own row: no crash.
		f, err := s.TakeInFlight(ctx, "a", "life1", t0)
		if err != nil || f.Crashes != 0 || f.Instance != "life1" {
			t.Fatalf("take by the holder = %+v, %v", f, err)
		}
		// Another life takes it: one crash, and it holds it now.
		f, err = s.TakeInFlight(ctx, "a", "life2", t0)
		if err != nil || f.Crashes != 1 || f.Instance != "life2" {
			t.Fatalf("take by another life = %+v, %v", f, err)
		}
		if f, _ = s.TakeInFlight(ctx, "a", "life2", t0); f.Crashes != 1 {
			t.Fatalf("taken again by the same life: crashes = %d, want 1", f.Crashes)
		}
		if f, _ = s.TakeInFlight(ctx, "a", "life3", t0); f.Crashes != 2 {
			t.Fatalf("a third life: crashes = %d, want 2", f.Crashes)
		}
		if _, err := s.TakeInFlight(ctx, "nope", "life1", t0); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("take a missing row = %v, want ErrNotFound", err)
		}
		if err := s.DeleteInFlight(ctx, []string{"a", "missing"}); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseInFlight(ctx, "life2"); err != nil {
			t.Fatal(err)
		}
		rows, _ := s.InFlightRows(ctx)
		if len(rows) != 1 || rows["b"].Instance != "life1" {
			t.Fatalf("rows left = %+v, want only b of life1", rows)
		}
	})
}

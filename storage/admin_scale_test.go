package storage_test

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestAdminListsAt100k: the admins' ticket list and the dashboard stay
// fast at 100,000 tickets: every sort and filter walks an index, and the
// deepest page allowed (domain.MaxSearchPages) skips a bounded number of
// rows. The bound is generous (the machine may be busy); the timings are
// logged. Under the race detector, which makes timings meaningless, it
// runs the same queries on 20,000 tickets without the bound. Skipped with
// -short.
func TestAdminListsAt100k(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 tickets")
	}
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedAdminData(t, s)
		n := 100_000
		if raceEnabled {
			n = 20_000
		}
		start := time.Now()
		from := t0.Add(-60 * 24 * time.Hour)
		if err := s.SeedTicketsForTest(ctx, n, d.ann.ID, d.hw.ID, d.bob.ID, from); err != nil {
			t.Fatal(err)
		}
		t.Logf("seeded %d tickets in %v", n, time.Since(start))
		const bound = 3 * time.Second
		timed := func(what string, fn func() error) {
			t.Helper()
			start := time.Now()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			took := time.Since(start)
			t.Logf("%s: %v", what, took)
			if took > bound && !raceEnabled {
				t.Errorf("%s took %v, more than %v at %d tickets", what, took, bound, n)
			}
		}
		deepest := (domain.MaxSearchPages - 1) * domain.TicketPageSize
		for _, c := range []struct {
			name   string
			q      domain.TicketSearch
			offset int
		}{
			{"first page, newest first", domain.TicketSearch{}, 0},
			{"deepest page", domain.TicketSearch{}, deepest},
			{"by last change", domain.TicketSearch{Sort: domain.SortUpdated}, 0},
			{"by status, deepest page", domain.TicketSearch{Sort: domain.SortStatus, Asc: true}, deepest},
			{"by subject", domain.TicketSearch{Sort: domain.SortSubject}, 0},
			{"assigned, by last change", domain.TicketSearch{Status: domain.StatusAssigned, Sort: domain.SortUpdated}, 0},
			{"one assignee", domain.TicketSearch{AssigneeID: d.bob.ID}, 0},
			{"a category", domain.TicketSearch{CategoryID: d.hw.ID}, 0},
			{"a week", domain.TicketSearch{From: from.Add(2 * 24 * time.Hour), To: from.Add(9 * 24 * time.Hour)}, 0},
			{"text", domain.TicketSearch{Text: "seeded 4242"}, 0},
			{"a ref", domain.TicketSearch{Text: domain.FormatRef(int64(n / 2))}, 0},
		} {
			timed(c.name, func() error {
				ts, total, err := s.SearchTickets(ctx, c.q, c.offset, domain.TicketPageSize)
				if err == nil && (total == 0 || len(ts) == 0) {
					t.Errorf("%s: nothing found (total %d)", c.name, total)
				}
				return err
			})
		}
		timed("dashboard", func() error {
			_, err := domain.NewDesk(s, clockAt(t0), nil).Dashboard(ctx)
			return err
		})
	})
}

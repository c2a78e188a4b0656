package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestAdminListsAt100k: the admins' ticket list and the dashboard stay
// fast at 100,000 tickets: every sort and filter walks an index, and a
// deep page (keyset) costs what the first does (explain_test.go proves the
// plans). The bound is generous (the machine may be busy); the timings are
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
		deep := &domain.TicketCursor{Sort: domain.SortCreated, ID: int64(n / 10)}
		for _, c := range []struct {
			name string
			q    domain.TicketQuery
		}{
			{"first page, newest first", domain.TicketQuery{}},
			{"a deep page", domain.TicketQuery{After: deep}},
			{"by last change", domain.TicketQuery{Sort: domain.SortUpdated}},
			{"by status, oldest first", domain.TicketQuery{Sort: domain.SortStatus, Asc: true}},
			{"by subject", domain.TicketQuery{Sort: domain.SortSubject}},
			{"assigned, by last change", domain.TicketQuery{Status: domain.StatusAssigned, Sort: domain.SortUpdated}},
			{"one assignee", domain.TicketQuery{AssigneeID: d.bob.ID}},
			{"a category", domain.TicketQuery{CategoryID: d.hw.ID}},
			{"a week", domain.TicketQuery{From: from.Add(2 * 24 * time.Hour), To: from.Add(9 * 24 * time.Hour)}},
			{"text", domain.TicketQuery{Text: "seeded 4242"}},
			{"a ref", domain.TicketQuery{Text: domain.FormatRef(int64(n / 2))}},
		} {
			timed(c.name, func() error {
				q := c.q
				q.Limit = domain.TicketPageSize
				ts, err := s.ListTickets(ctx, q)
				total, cerr := s.CountTickets(ctx, q, domain.TicketCountCap+1)
				if err == nil && (total == 0 || len(ts) == 0) {
					t.Errorf("%s: nothing found (total %d)", c.name, total)
				}
				return errors.Join(err, cerr)
			})
		}
		timed("dashboard", func() error {
			_, err := domain.NewDesk(s, clockAt(t0), nil).Dashboard(ctx)
			return err
		})
	})
}

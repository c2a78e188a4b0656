package storage_test

import (
	"context"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestTicketListsPrepared: a ticket list without a search text is one
// statement per shape, its values parameters: two statuses and two
// cursors share a list statement and a count statement, prepared once (on
// SQLite; pgx keeps PostgreSQL's per connection). Shapes past the bound
// are run without being kept, and still answer right.
func TestTicketListsPrepared(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedQueryData(t, s, 45)
		base, _ := s.ShapesForTest() // the seed's reads
		list := func(q domain.TicketQuery) []int64 {
			t.Helper()
			ts, err := s.ListTickets(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CountTickets(ctx, q, 100); err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, tk := range ts {
				ids = append(ids, tk.ID)
			}
			return ids
		}
		for _, st := range []domain.Status{domain.StatusAssigned, domain.StatusResolved, domain.StatusClosed} {
			q := domain.TicketQuery{Status: st, Limit: 5}
			if got, want := list(q), expected(d.all, q); !equalPrefix(got, want, 5) {
				t.Errorf("%s: %v, want the first 5 of %v", st, got, want)
			}
		}
		shapes := func(want int, of string) {
			t.Helper()
			n, _ := s.ShapesForTest()
			n -= base
			if s.Postgres() {
				want = 0 // pgx keeps them
			}
			if n != want {
				t.Errorf("%d statements prepared after %s, want %d (one per shape)", n, of, want)
			}
		}
		shapes(2, "three statuses (a list and a count)")
		all := expected(d.all, domain.TicketQuery{})
		for i := range 4 {
			q := domain.TicketQuery{Limit: 3}
			if i > 0 {
				q.After = &domain.TicketCursor{ID: all[i-1]}
			}
			if got, want := list(q), all[i:]; !equalPrefix(got, want, 3) {
				t.Errorf("page from %d: %v, want the first 3 of %v", i, got, want)
			}
		}
		shapes(5, "four pages (a first page, pages after a cursor, and their count)")
		_, max := s.ShapesForTest()
		for limit := 1; limit <= max+10; limit++ {
			q := domain.TicketQuery{Limit: limit}
			if got, want := list(q), expected(d.all, q); !equalPrefix(got, want, limit) {
				t.Fatalf("limit %d: %v, want the first %d of %v", limit, got, limit, want)
			}
		}
		if n, max := s.ShapesForTest(); n > max {
			t.Errorf("%d statements of ticket lists kept, past the bound of %d", n, max)
		}
	})
}

// equalPrefix reports whether got is want's first n (or all of want).
func equalPrefix(got, want []int64, n int) bool {
	if len(want) > n {
		want = want[:n]
	}
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

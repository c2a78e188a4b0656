package domain_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestAssignConcurrent: 1,000 tickets assigned from 8 goroutines leave
// every member within 1 of every other.
func TestAssignConcurrent(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		assignConcurrently(t, []*storage.Store{s})
	})
}

// TestAssignConcurrentTwoInstances: the same from two stores (two
// connection pools, as two processes have) on one PostgreSQL schema.
func TestAssignConcurrentTwoInstances(t *testing.T) {
	url := storagetest.PostgresSchema(t)
	assignConcurrently(t, []*storage.Store{storagetest.Open(t, url), storagetest.Open(t, url)})
}

func assignConcurrently(t *testing.T, stores []*storage.Store) {
	const tickets, workers, members = 1000, 8, 5
	ctx := context.Background()
	f := newFixture(t, stores[0])
	hw := f.category("Hardware")
	for i := range members {
		f.member(fmt.Sprintf("m%d@x.test", i+1), nil, hw.ID)
	}
	ids := make(chan int64, tickets)
	err := stores[0].InTx(ctx, func(ctx context.Context, tx domain.Store) error {
		for range tickets {
			tk := &domain.Ticket{Subject: "x", RequesterID: f.ann.ID, CategoryID: hw.ID, Status: domain.StatusTriage, CreatedAt: t0, UpdatedAt: t0}
			if err := tx.CreateTicket(ctx, tk); err != nil {
				return err
			}
			ids <- tk.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	close(ids)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for w := range workers {
		d := domain.NewDesk(stores[w%len(stores)], nil, nil)
		wg.Go(func() {
			for id := range ids {
				if err := d.AssignForTest(ctx, id, domain.SystemActor); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	counts := openCounts(t, stores[0])
	lo, hi, sum := tickets, 0, 0
	for _, n := range counts {
		lo, hi, sum = min(lo, n), max(hi, n), sum+n
	}
	t.Logf("%d tickets from %d goroutines on %d store(s) in %v: %v", tickets, workers, len(stores), time.Since(start).Round(time.Millisecond), counts)
	if len(counts) != members || sum != tickets || hi-lo > 1 {
		t.Errorf("counts = %v (sum %d), want %d members within 1 of each other", counts, sum, members)
	}
}

// TestAssignWaitingConcurrent: AssignWaiting run at once from two stores
// (two instances) assigns every waiting ticket exactly once, balanced.
func TestAssignWaitingConcurrent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		const waiting, members = 200, 5
		ctx := context.Background()
		stores := []*storage.Store{storagetest.Open(t, db.URL), storagetest.Open(t, db.URL)}
		f := newFixture(t, stores[0])
		hw := f.category("Hardware")
		for i := range members {
			f.member(fmt.Sprintf("m%d@x.test", i+1), nil, hw.ID)
		}
		for range waiting {
			f.ticket(hw.ID, domain.StatusUnassigned)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for w := range 4 {
			d := domain.NewDesk(stores[w%2], nil, nil)
			wg.Go(func() {
				n, err := d.AssignWaiting(ctx)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		wg.Wait()
		ts, err := stores[1].ListTickets(ctx, domain.TicketQuery{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range ts {
			assigned := 0
			for _, e := range f.events(tk.ID) {
				if e.Kind == domain.EventAssigned {
					assigned++
				}
			}
			if tk.Status != domain.StatusAssigned || assigned != 1 {
				t.Errorf("%s: %s with %d assigned events, want assigned once", tk.Ref(), tk.Status, assigned)
			}
		}
		counts := openCounts(t, stores[0])
		lo, hi := waiting, 0
		for _, n := range counts {
			lo, hi = min(lo, n), max(hi, n)
		}
		if total != waiting || len(counts) != members || hi-lo > 1 {
			t.Errorf("AssignWaiting ×4 assigned %d, counts %v; want %d once each, balanced", total, counts, waiting)
		}
	})
}

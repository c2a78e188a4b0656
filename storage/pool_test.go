package storage_test

import (
	"context"
	"sync"
	"testing"

	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestPoolKeepsItsConnections: on PostgreSQL a burst of concurrent
// statements as wide as the pool closes none of the connections it
// opened when they go idle, so the next burst finds them open (a new
// connection is a backend process to start); on SQLite the pool is its
// own and not checked here.
func TestPoolKeepsItsConnections(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		if !s.Postgres() {
			t.Skip("PostgreSQL's pool")
		}
		ctx := context.Background()
		for range 3 {
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					if err := s.RawExec(ctx, "SELECT pg_sleep(0.05)"); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		st := s.PoolStats()
		if st.MaxIdleClosed != 0 {
			t.Errorf("the pool closed %d idle connections after bursts of 20 (open %d, idle %d)", st.MaxIdleClosed, st.OpenConnections, st.Idle)
		}
		if st.OpenConnections < 10 {
			t.Errorf("bursts of 20 statements left %d connections open, want the pool's width", st.OpenConnections)
		}
	})
}

package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// adminListCase is one of the admins' ticket lists at scale.
type adminListCase struct {
	name string
	q    domain.TicketQuery
}

// adminListCases are the lists of the admins' page, at n seeded tickets:
// every sort and filter it offers, a deep keyset page, text and a ref.
func adminListCases(d *adminData, n int, from time.Time) []adminListCase {
	deep := &domain.TicketCursor{Sort: domain.SortCreated, ID: int64(n / 10)}
	week := from.Add(time.Duration(n/5) * time.Minute) // ticket i is i minutes after from
	return []adminListCase{
		{"first page, newest first", domain.TicketQuery{}},
		{"a deep page", domain.TicketQuery{After: deep}},
		{"by last change", domain.TicketQuery{Sort: domain.SortUpdated}},
		{"by status, oldest first", domain.TicketQuery{Sort: domain.SortStatus, Asc: true}},
		{"by subject", domain.TicketQuery{Sort: domain.SortSubject}},
		{"assigned, by last change", domain.TicketQuery{Status: domain.StatusAssigned, Sort: domain.SortUpdated}},
		{"one assignee", domain.TicketQuery{AssigneeID: d.Bob.ID}},
		{"a category", domain.TicketQuery{CategoryID: d.HW.ID}},
		{"a week", domain.TicketQuery{From: week, To: week.Add(7 * 24 * time.Hour)}},
		{"text", domain.TicketQuery{Text: fmt.Sprintf("seeded %d", n/25+42)}},
		{"a ref", domain.TicketQuery{Text: domain.FormatRef(int64(n / 2))}},
	}
}

// seedAdminScale seeds n tickets over 60 days for the admins' lists and
// returns the first day.
func seedAdminScale(tb testing.TB, s *storage.Store, d *adminData, n int) time.Time {
	tb.Helper()
	from := t0.Add(-60 * 24 * time.Hour)
	if err := s.SeedTicketsForTest(context.Background(), n, d.Ann.ID, d.HW.ID, d.Bob.ID, from); err != nil {
		tb.Fatal(err)
	}
	return from
}

// TestAdminListsAtScale: the admins' ticket lists and the dashboard answer
// on thousands of seeded tickets, each list finding tickets and a count.
// That they stay fast at 100,000 is shown by BenchmarkAdminLists (and
// explain_test.go proves the plans), not asserted here: a busy machine
// makes wall time noise.
func TestAdminListsAtScale(t *testing.T) {
	n := 10_000
	if raceEnabled || testing.Short() {
		n = 2_000
	}
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedAdminData(t, s)
		from := seedAdminScale(t, s, d, n)
		for _, c := range adminListCases(d, n, from) {
			q := c.q
			q.Limit = domain.TicketPageSize
			ts, err := s.ListTickets(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			total, err := s.CountTickets(ctx, q, domain.TicketCountCap+1)
			if err != nil {
				t.Fatalf("%s: count: %v", c.name, err)
			}
			if total == 0 || len(ts) == 0 {
				t.Errorf("%s: nothing found (%d tickets, total %d)", c.name, len(ts), total)
			}
			if len(ts) > domain.TicketPageSize {
				t.Errorf("%s: %d tickets on a page of %d", c.name, len(ts), domain.TicketPageSize)
			}
		}
		if _, err := domain.NewDesk(s, clockAt(t0), nil).Dashboard(ctx); err != nil {
			t.Fatalf("dashboard: %v", err)
		}
	})
}

// BenchmarkAdminLists: each of the admins' ticket lists (a page and its
// capped count) and the dashboard at 100,000 seeded tickets
// (BENCH_ADMIN_TICKETS changes the number), on each database. A deep page
// should cost what the first does. Seeding takes a while: run it alone,
//
//	go test -run '^$' -bench AdminLists -benchtime 100x ./storage/
func BenchmarkAdminLists(b *testing.B) {
	n := storagetest.Size(b, "BENCH_ADMIN_TICKETS", 100_000)
	benchEach(b, func(b *testing.B, s *storage.Store) {
		ctx := context.Background()
		d := seedAdminData(b, s)
		start := time.Now()
		from := seedAdminScale(b, s, d, n)
		b.Logf("seeded %d tickets in %v", n, time.Since(start).Round(time.Millisecond))
		for _, c := range adminListCases(d, n, from) {
			b.Run(strings.ReplaceAll(c.name, " ", "_"), func(b *testing.B) {
				q := c.q
				q.Limit = domain.TicketPageSize
				for b.Loop() {
					ts, err := s.ListTickets(ctx, q)
					if err != nil || len(ts) == 0 {
						b.Fatalf("%s: %d tickets, %v", c.name, len(ts), err)
					}
					if _, err := s.CountTickets(ctx, q, domain.TicketCountCap+1); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run("dashboard", func(b *testing.B) {
			desk := domain.NewDesk(s, clockAt(t0), nil)
			for b.Loop() {
				if _, err := desk.Dashboard(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

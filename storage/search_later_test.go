package storage_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestSearchIndexedAtCommit: tickets created in a transaction are found by
// search once it commits, with the comments and the subject written in the
// same transaction; on SQLite they wait in ticket_search_later until then
// (indexed once, at the end), and the list is empty after a commit and a
// rollback alike. Tickets created outside a transaction are indexed at once.
func TestSearchIndexedAtCommit(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@x.test", domain.RoleEmployee)
		var ids []int64
		err := s.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
			for i, subject := range []string{"printer jammed", "vpn broken", "monitor flickers"} {
				tk := &domain.Ticket{Subject: subject, Body: "please help", RequesterID: ann.ID, Status: domain.StatusTriage,
					CreatedAt: t0, UpdatedAt: t0}
				es := []*domain.Event{{At: t0, Kind: domain.EventReceived, Actor: ann.Email}}
				if i == 1 {
					es = append(es, &domain.Event{At: t0, Kind: domain.EventCommented, Actor: ann.Email, Detail: "zebra crossing"})
				}
				if err := tx.CreateTicket(ctx, tk, es...); err != nil {
					return err
				}
				ids = append(ids, tk.ID)
				if i == 2 {
					if err := tx.AppendEvents(ctx, &domain.Event{TicketID: tk.ID, At: t0, Kind: domain.EventCommented,
						Actor: ann.Email, Detail: "yellow flicker"}); err != nil {
						return err
					}
					tk.Subject = "monitor goes dark"
					if err := tx.UpdateTicket(ctx, tk, domain.StatusTriage); err != nil {
						return err
					}
				}
			}
			later, err := tx.(*storage.Store).SearchLaterForTest(ctx)
			if err != nil {
				return err
			}
			if !s.Postgres() && !slices.Equal(later, append([]int64{0}, ids...)) {
				t.Errorf("inside the transaction ticket_search_later = %v, want 0 and %v", later, ids)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			text string
			want string
		}{
			{"printer", refs([]domain.Ticket{{ID: ids[0]}})},
			{"zebra", refs([]domain.Ticket{{ID: ids[1]}})},
			{"yellow dark", refs([]domain.Ticket{{ID: ids[2]}})},
			{"flickers", ""}, // the subject was changed in the same transaction
			{"help", refs([]domain.Ticket{{ID: ids[2]}, {ID: ids[1]}, {ID: ids[0]}})},
		} {
			if got, _ := search(t, s, c.text, domain.SortCreated); sortedRefs(got) != sortedRefs(c.want) {
				t.Errorf("search %q = %q, want %q", c.text, got, c.want)
			}
		}
		if later, err := s.SearchLaterForTest(ctx); err != nil || len(later) > 0 {
			t.Errorf("after commit ticket_search_later = %v, %v", later, err)
		}

		// A rollback leaves neither the ticket nor the list.
		errBack := errors.New("roll back")
		err = s.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
			tk := &domain.Ticket{Subject: "kangaroo", Body: "x", RequesterID: ann.ID, Status: domain.StatusTriage, CreatedAt: t0, UpdatedAt: t0}
			if err := tx.CreateTicket(ctx, tk); err != nil {
				return err
			}
			return errBack
		})
		if !errors.Is(err, errBack) {
			t.Fatal(err)
		}
		if later, err := s.SearchLaterForTest(ctx); err != nil || len(later) > 0 {
			t.Errorf("after rollback ticket_search_later = %v, %v", later, err)
		}

		// Outside a transaction a ticket is indexed by its insert.
		tk := searchTicket(t, s, ann, "koala sighting", "y")
		if got, _ := search(t, s, "koala", domain.SortCreated); got != refs([]domain.Ticket{{ID: tk.ID}}) {
			t.Errorf("search koala = %q", got)
		}
	})
}

// sortedRefs is a comma-separated list of refs in sorted order.
func sortedRefs(list string) string {
	parts := strings.Split(list, ",")
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

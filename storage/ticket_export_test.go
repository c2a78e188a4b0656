package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestExportTicketsPages: the export walks the list in keyset pages of
// domain.ExportPageSize and gives exactly the list's tickets in the
// list's order, for each filter and sort (a search in order of relevance
// too), on 1,000 seeded tickets on both databases; its last resolutions
// and answers are the tickets' own; only admins export.
func TestExportTicketsPages(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		ids, err := s.SeedSpreadForTest(ctx, 1_000, from)
		if err != nil {
			t.Fatal(err)
		}
		desk := domain.NewDesk(s, clockAt(t0), storagetest.Logger(t))
		admin := &domain.User{ID: 1, Email: "root@x.test", Role: domain.RoleAdmin}
		for _, q := range []domain.TicketQuery{
			{},
			{Asc: true},
			{Status: domain.StatusResolved, Sort: domain.SortUpdated},
			{Sort: domain.SortSubject, Asc: true},
			{Sort: domain.SortStatus},
			{CategoryID: ids.Category + 1, Sort: domain.SortCreated},
			{AssigneeID: domain.Nobody},
			{Text: "printer"},
			{Text: "printer", Sort: domain.SortSubject},
			{From: from.Add(100 * time.Hour), To: from.Add(400 * time.Hour)},
		} {
			want := q
			if err := want.Validate(); err != nil {
				t.Fatal(err)
			}
			list, err := s.ListTickets(ctx, want)
			if err != nil {
				t.Fatal(err)
			}
			var wantIDs, got []int64
			for _, tk := range list {
				wantIDs = append(wantIDs, tk.ID)
			}
			pages := 0
			err = desk.ExportTickets(ctx, admin, q, func(rows []domain.ExportRow) error {
				pages++
				if len(rows) > domain.ExportPageSize {
					t.Errorf("a page of %d rows", len(rows))
				}
				for _, r := range rows {
					got = append(got, r.Ticket.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("ExportTickets(%+v): %v", q, err)
			}
			if !slices.Equal(got, wantIDs) {
				t.Errorf("ExportTickets(%+v) gives %d tickets (first %v), the list %d (first %v)", q, len(got), got[:min(5, len(got))],
					len(wantIDs), wantIDs[:min(5, len(wantIDs))])
			}
			if len(wantIDs) > domain.ExportPageSize && pages < 2 {
				t.Errorf("ExportTickets(%+v) read %d tickets in %d page(s)", q, len(got), pages)
			}
		}

		// The last resolution and answer of a page's tickets.
		tk := int64(16) // resolved in the seed (i % 10 = 5)
		for i, at := range []time.Time{t0.Add(-2 * time.Hour), t0.Add(-time.Hour)} {
			if err := s.AppendEvents(ctx, &domain.Event{TicketID: tk, At: at, Kind: domain.EventResolved, Actor: "system", Detail: "x"}); err != nil {
				t.Fatal(err)
			}
			if err := s.AddSatisfaction(ctx, &domain.SatisfactionRating{TicketID: tk, ResolutionID: int64(900 + i), Requester: "a@x.test",
				Rating: []domain.Rating{domain.RatingNo, domain.RatingYes}[i], Via: domain.ViaEmail, At: at}); err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.LastResolutions(ctx, []int64{tk, tk + 1})
		if err != nil || len(res) != 1 || !res[tk].Equal(t0.Add(-time.Hour)) {
			t.Errorf("LastResolutions = %v, %v", res, err)
		}
		rt, err := s.LastRatings(ctx, []int64{tk, tk + 1})
		if err != nil || len(rt) != 1 || rt[tk] != domain.RatingYes {
			t.Errorf("LastRatings = %v, %v", rt, err)
		}
		var row *domain.ExportRow
		desk.ExportTickets(ctx, admin, domain.TicketQuery{Text: domain.FormatRef(tk)}, func(rows []domain.ExportRow) error {
			for i := range rows {
				if rows[i].Ticket.ID == tk {
					row = &rows[i]
				}
			}
			return nil
		})
		if row == nil || !row.ResolvedAt.Equal(t0.Add(-time.Hour)) || row.Satisfaction != domain.RatingYes {
			t.Errorf("the export's row of %d = %+v", tk, row)
		}

		for _, u := range []*domain.User{nil, {ID: 2, Email: "a@x.test", Role: domain.RoleAgent}, {ID: 3, Email: "e@x.test", Role: domain.RoleEmployee}} {
			called := false
			err := desk.ExportTickets(ctx, u, domain.TicketQuery{}, func([]domain.ExportRow) error { called = true; return nil })
			if !errors.Is(err, domain.ErrForbidden) || called {
				t.Errorf("ExportTickets as %+v = %v (called %v), want ErrForbidden", u, err, called)
			}
		}
		if err := desk.ExportTickets(ctx, admin, domain.TicketQuery{Sort: "nope"}, func([]domain.ExportRow) error { return nil }); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("a bad sort = %v, want ErrInvalid", err)
		}
	})
}

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

// TestDashboardSatisfaction: the dashboard's satisfaction score counts
// the answers from the window's first midnight (UTC) on, and the yes
// among them, against known data on each database; an answer's
// resolution is answered once; a ticket's last answer and last own
// resolution are the newest ones.
func TestDashboardSatisfaction(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedAdminData(t, s)
		desk := domain.NewDesk(s, clockAt(t0), storagetest.Logger(t))
		db, err := desk.Dashboard(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if db.Satisfaction != (domain.SatisfactionScore{}) || db.Satisfaction.Percent() != 0 {
			t.Errorf("no answers: %+v", db.Satisfaction)
		}
		since := time.Date(2026, 10, 29, 0, 0, 0, 0, time.UTC) // t0's window's first day
		answers := []struct {
			t      *domain.Ticket
			rating domain.Rating
			at     time.Time
		}{
			{d.T1, domain.RatingYes, t0.Add(-time.Hour)},
			{d.T2, domain.RatingNo, t0.AddDate(0, 0, -10)},
			{d.T3, domain.RatingYes, since},                    // the first instant in
			{d.T4, domain.RatingYes, since.Add(-time.Second)},  // the last one out
			{d.T5, domain.RatingNo, t0.AddDate(0, 0, -40)},     // long ago
			{d.T6, domain.RatingYes, t0.AddDate(0, 0, -29)},    // 29 days and 9 hours in
			{d.T7, domain.RatingNo, t0.Add(-30 * time.Minute)}, // today
		}
		for i, a := range answers {
			r := &domain.SatisfactionRating{TicketID: a.t.ID, ResolutionID: int64(1000 + i), Requester: "ann@x.test",
				Rating: a.rating, Via: domain.ViaEmail, At: a.at}
			if err := s.AddSatisfaction(ctx, r); err != nil || r.ID == 0 {
				t.Fatalf("AddSatisfaction(%d): %v", i, err)
			}
		}
		if db, err = desk.Dashboard(ctx); err != nil {
			t.Fatal(err)
		}
		if want := (domain.SatisfactionScore{Yes: 3, Total: 5}); db.Satisfaction != want || db.Satisfaction.Percent() != 60 {
			t.Errorf("Satisfaction = %+v (%d %%), want %+v (60 %%)", db.Satisfaction, db.Satisfaction.Percent(), want)
		}

		// One answer per resolution; the last answer of a ticket.
		dup := &domain.SatisfactionRating{TicketID: d.T1.ID, ResolutionID: 1000, Requester: "ann@x.test", Rating: domain.RatingNo,
			Via: domain.ViaPortal, At: t0}
		if err := s.AddSatisfaction(ctx, dup); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("a second answer to one resolution = %v, want ErrConflict", err)
		}
		again := &domain.SatisfactionRating{TicketID: d.T1.ID, ResolutionID: 2000, Requester: "ann@x.test", Rating: domain.RatingNo,
			Comment: "again", Via: domain.ViaPortal, At: t0}
		if err := s.AddSatisfaction(ctx, again); err != nil {
			t.Fatal(err)
		}
		if r, err := s.LastSatisfaction(ctx, d.T1.ID); err != nil || r.ResolutionID != 2000 || r.Comment != "again" || r.Via != domain.ViaPortal {
			t.Errorf("LastSatisfaction = %+v, %v", r, err)
		}
		if _, err := s.LastSatisfaction(ctx, d.T8.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("LastSatisfaction of a ticket without answers = %v, want ErrNotFound", err)
		}

		// LastOwnEvent: the newest of the kind, not one moved in by a merge.
		ev := func(id int64, kind domain.EventKind, from int64) {
			if err := s.AppendEvents(ctx, &domain.Event{TicketID: id, At: t0, Kind: kind, Actor: "system", Detail: "x", MergedFrom: from}); err != nil {
				t.Fatal(err)
			}
		}
		ev(d.T8.ID, domain.EventResolved, 0)
		ev(d.T8.ID, domain.EventResolved, 0)
		ev(d.T8.ID, domain.EventCommented, 0)
		ev(d.T8.ID, domain.EventResolved, d.T7.ID)
		all, err := s.ListEvents(ctx, d.T8.ID)
		if err != nil {
			t.Fatal(err)
		}
		var want int64
		for _, e := range all {
			if e.Kind == domain.EventResolved && e.MergedFrom == 0 {
				want = e.ID
			}
		}
		if e, err := s.LastOwnEvent(ctx, d.T8.ID, domain.EventResolved); err != nil || e.ID != want {
			t.Errorf("LastOwnEvent = %+v, %v, want event %d", e, err, want)
		}
		if _, err := s.LastOwnEvent(ctx, d.T8.ID, domain.EventRated); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("LastOwnEvent of a kind it lacks = %v, want ErrNotFound", err)
		}
	})
}

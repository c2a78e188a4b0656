package domain_test

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestDashboardMediansJob: RefreshDashboard recomputes the medians once
// per period, on one of two instances sharing the database, and the
// dashboard shows the snapshot with its time.
func TestDashboardMediansJob(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedAdminData(t, s)
		clock := storagetest.NewClock(t0)
		one := domain.NewDesk(s, clock, storagetest.Logger(t))
		two := domain.NewDesk(s, clock, storagetest.Logger(t))
		db, err := one.Dashboard(ctx)
		if err != nil || !db.MediansAt.IsZero() || db.AssignedN != 0 {
			t.Fatalf("before the job: medians at %v over %d, %v", db.MediansAt, db.AssignedN, err)
		}
		if did, err := one.RefreshDashboard(ctx); !did || err != nil {
			t.Fatalf("first refresh = %v, %v; want it to compute", did, err)
		}
		if did, err := two.RefreshDashboard(ctx); did || err != nil {
			t.Fatalf("the other instance's refresh within the period = %v, %v; want nothing done", did, err)
		}
		db, err = two.Dashboard(ctx)
		if err != nil || !db.MediansAt.Equal(t0) || db.ToAssigned != 150*time.Minute || db.AssignedN != 4 || db.ResolvedN != 1 {
			t.Fatalf("dashboard medians = %v over %d, %d resolved, at %v (%v); want 2h30m over 4, 1, at t0",
				db.ToAssigned, db.AssignedN, db.ResolvedN, db.MediansAt, err)
		}
		// A ticket assigned after 8h arrives: the snapshot shows it after
		// the period only.
		tk := &domain.Ticket{Subject: "late", RequesterID: d.Ann.ID, Status: domain.StatusAssigned, AssigneeID: d.Bob.ID,
			CategoryID: d.HW.ID, CreatedAt: t0.Add(-10 * time.Hour), UpdatedAt: t0}
		if err := s.CreateTicket(ctx, tk, &domain.Event{At: t0.Add(-2 * time.Hour), Kind: domain.EventAssigned, Actor: "system"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(domain.DashboardMediansEvery - time.Second)
		if did, err := two.RefreshDashboard(ctx); did || err != nil {
			t.Fatalf("refresh before the period's end = %v, %v", did, err)
		}
		if db, _ = one.Dashboard(ctx); db.AssignedN != 4 || db.Open != 7 {
			t.Errorf("before the period's end: medians over %d (want 4, the snapshot), open %d (want 7: counts are live)", db.AssignedN, db.Open)
		}
		clock.Advance(time.Second)
		if did, err := two.RefreshDashboard(ctx); !did || err != nil {
			t.Fatalf("refresh at the period's end = %v, %v", did, err)
		}
		if db, _ = one.Dashboard(ctx); db.AssignedN != 5 || db.ToAssigned != 3*time.Hour || !db.MediansAt.Equal(clock.Now()) {
			t.Errorf("after the period: %v over %d at %v; want 3h over 5 at %v", db.ToAssigned, db.AssignedN, db.MediansAt, clock.Now())
		}
	})
}

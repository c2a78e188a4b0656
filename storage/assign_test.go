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

// TestAssignStore: TeamLoad reads a category's members with their open
// (assigned) tickets in every category; MarkAssigned and SaveAvailability
// write only their columns.
func TestAssignStore(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		hw := &domain.Category{Name: "Hardware", CreatedAt: t0, UpdatedAt: t0}
		net := &domain.Category{Name: "Network", CreatedAt: t0, UpdatedAt: t0}
		for _, c := range []*domain.Category{hw, net} {
			if err := s.CreateCategory(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		ann := mustUser(t, s, "ann@x.test", domain.RoleEmployee)
		bob := mustUser(t, s, "bob@x.test", domain.RoleAgent)
		cleo := mustUser(t, s, "cleo@x.test", domain.RoleAgent)
		nick := mustUser(t, s, "nick@x.test", domain.RoleAgent)
		cleo.Disabled = true
		if err := s.UpdateUser(ctx, cleo); err != nil {
			t.Fatal(err)
		}
		mb := &domain.TeamMember{UserID: bob.ID, CategoryIDs: []int64{hw.ID, net.ID}, Available: true, CreatedAt: t0}
		mc := &domain.TeamMember{UserID: cleo.ID, CategoryIDs: []int64{hw.ID}, Available: true, CreatedAt: t0}
		mn := &domain.TeamMember{UserID: nick.ID, CategoryIDs: []int64{net.ID}, Available: true, CreatedAt: t0}
		for _, m := range []*domain.TeamMember{mb, mc, mn} {
			if err := s.SaveTeamMember(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		// bob: 2 assigned (one per category), 1 resolved; nick: 1 assigned.
		for _, tk := range []domain.Ticket{
			{CategoryID: hw.ID, Status: domain.StatusAssigned, AssigneeID: bob.ID},
			{CategoryID: net.ID, Status: domain.StatusAssigned, AssigneeID: bob.ID},
			{CategoryID: hw.ID, Status: domain.StatusResolved, AssigneeID: bob.ID},
			{CategoryID: net.ID, Status: domain.StatusAssigned, AssigneeID: nick.ID},
			{CategoryID: hw.ID, Status: domain.StatusUnassigned},
		} {
			tk.Subject, tk.RequesterID, tk.CreatedAt, tk.UpdatedAt = "x", ann.ID, t0, t0
			if err := s.CreateTicket(ctx, &tk); err != nil {
				t.Fatal(err)
			}
		}
		at := t0.Add(time.Hour)
		if err := s.MarkAssigned(ctx, mb.ID, at); err != nil {
			t.Fatal(err)
		}
		back := t0.Add(48 * time.Hour)
		if err := s.SaveAvailability(ctx, mb.ID, false, &back); err != nil {
			t.Fatal(err)
		}
		loads, err := s.TeamLoad(ctx, hw.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(loads) != 2 {
			t.Fatalf("TeamLoad(Hardware) = %+v, want bob and cleo", loads)
		}
		b, c := loads[0], loads[1]
		if b.Member.ID != mb.ID || b.Member.Email != "bob@x.test" || b.Member.UserID != bob.ID || b.Open != 2 || b.Disabled ||
			b.Member.Available || b.Member.AwayUntil == nil || !b.Member.AwayUntil.Equal(back) ||
			b.Member.LastAssignedAt == nil || !b.Member.LastAssignedAt.Equal(at) {
			t.Errorf("bob's load = %+v", b)
		}
		if c.Member.ID != mc.ID || c.Open != 0 || !c.Disabled || !c.Member.Available || c.Member.LastAssignedAt != nil {
			t.Errorf("cleo's load = %+v", c)
		}
		if m, err := s.GetTeamMemberByUser(ctx, bob.ID); err != nil || len(m.CategoryIDs) != 2 {
			t.Errorf("bob after SaveAvailability = %+v, %v; want both categories kept", m, err)
		}
		if loads, err := s.TeamLoad(ctx, 999); err != nil || len(loads) != 0 {
			t.Errorf("TeamLoad(no such category) = %v, %v", loads, err)
		}
		if err := s.MarkAssigned(ctx, 999, at); !isNotFound(err) {
			t.Errorf("MarkAssigned(no such member) = %v, want ErrNotFound", err)
		}
		if err := s.SaveAvailability(ctx, 999, true, nil); !isNotFound(err) {
			t.Errorf("SaveAvailability(no such member) = %v, want ErrNotFound", err)
		}
		err = s.InTx(ctx, func(ctx context.Context, tx domain.Store) error { return tx.LockAssignment(ctx) })
		if err != nil {
			t.Errorf("LockAssignment in a transaction = %v", err)
		}
		if err := s.LockAssignment(ctx); s.Postgres() && err == nil {
			t.Error("LockAssignment outside a transaction on PostgreSQL = nil, want an error (the lock would be held by nothing)")
		}
	})
}

func isNotFound(err error) bool { return errors.Is(err, domain.ErrNotFound) }

package domain_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestAdminTeam(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		cat, err := d.SaveCategory(ctx, admin, domain.Category{Name: "Hardware"})
		if err != nil {
			t.Fatal(err)
		}
		emp := mustUser(t, s, "dan@x.test", domain.RoleEmployee)
		// A waiting ticket of the category.
		tk, _ := d.OpenTicket(ctx, domain.NewTicket{Subject: "s", From: "ann@x.test"})
		tk.CategoryID = cat.ID
		s.UpdateTicket(ctx, tk, tk.Status)
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusUnassigned, Actor: domain.SystemActor}); err != nil {
			t.Fatal(err)
		}
		var fe domain.FieldErrors
		past := t0.Add(-time.Hour)
		for _, c := range []struct {
			ch    domain.TeamMemberChange
			field string
		}{
			{domain.TeamMemberChange{Email: "nobody@x.test", Available: true}, "email"},
			{domain.TeamMemberChange{Email: "bad", Available: true}, "email"},
			{domain.TeamMemberChange{Email: "dan@x.test", AwayUntil: &past}, "away_until"},
			{domain.TeamMemberChange{Email: "dan@x.test", CategoryIDs: []int64{999}, Available: true}, "categories"},
		} {
			if _, err := d.SaveTeamMember(ctx, admin, c.ch); !errors.As(err, &fe) || fe[c.field] == "" {
				t.Errorf("SaveTeamMember(%+v) = %v, want a message for %s", c.ch, err, c.field)
			}
		}
		if ms, _ := s.ListTeamMembers(ctx); len(ms) != 0 {
			t.Fatalf("members after refused saves = %v", ms)
		}
		// Away: the ticket waits. Then available: it is assigned at once.
		m, err := d.SaveTeamMember(ctx, admin, domain.TeamMemberChange{Email: "dan@x.test", CategoryIDs: []int64{cat.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if u, _ := s.GetUser(ctx, emp.ID); u.Role != domain.RoleAgent {
			t.Errorf("an employee on the team is %s, want agent", u.Role)
		}
		if got, _ := s.GetTicket(ctx, tk.ID); got.Status != domain.StatusUnassigned {
			t.Errorf("ticket with its member away = %s", got.Status)
		}
		if _, err := d.SaveTeamMember(ctx, admin, domain.TeamMemberChange{Email: "dan@x.test", CategoryIDs: []int64{cat.ID}, Available: true}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetTicket(ctx, tk.ID); got.Status != domain.StatusAssigned || got.AssigneeID != emp.ID {
			t.Errorf("ticket after the member is back = %s to %d", got.Status, got.AssigneeID)
		}
		team, err := d.AdminTeam(ctx, admin)
		if err != nil || len(team) != 1 || team[0].Open != 1 || len(team[0].Member.CategoryIDs) != 1 || team[0].Member.ID != m.ID {
			t.Errorf("AdminTeam = %+v, %v", team, err)
		}
		if err := d.RemoveTeamMember(ctx, admin, m.ID); err != nil {
			t.Fatal(err)
		}
		if team, _ := d.AdminTeam(ctx, admin); len(team) != 0 {
			t.Errorf("team after removal = %+v", team)
		}
	})
}

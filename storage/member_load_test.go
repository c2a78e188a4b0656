package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// The members' loads that assignment reads (TeamLoad's Open; on SQLite
// from the dashboard's trigger-kept counts) equal a count of their assigned
// tickets after a random run of creations, assignments, reassignments,
// status changes, deletes and members leaving and joining, on both
// databases.
func TestMemberLoadsEqualCounts(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(7, 13))
		now := time.Now()
		cat := &domain.Category{Name: "Hardware", CreatedAt: now, UpdatedAt: now}
		if err := s.CreateCategory(ctx, cat); err != nil {
			t.Fatal(err)
		}
		req := mustUser(t, s, "req@x.test", domain.RoleEmployee)
		var agents []*domain.User
		members := map[int64]*domain.TeamMember{} // by user id
		join := func(u *domain.User) {
			m := &domain.TeamMember{UserID: u.ID, CategoryIDs: []int64{cat.ID}, Available: true, CreatedAt: now}
			if err := s.SaveTeamMember(ctx, m); err != nil {
				t.Fatal(err)
			}
			members[u.ID] = m
		}
		for i := range 4 {
			u := mustUser(t, s, fmt.Sprintf("agent%d@x.test", i), domain.RoleAgent)
			agents = append(agents, u)
			join(u)
		}
		statuses := []domain.Status{domain.StatusAssigned, domain.StatusAssigned, domain.StatusUnassigned, domain.StatusResolved, domain.StatusClosed}
		var tickets []*domain.Ticket
		check := func(step int) {
			t.Helper()
			want, err := s.MemberLoadsFromScratchForTest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			loads, err := s.TeamLoad(ctx, cat.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(loads) != len(want) {
				t.Fatalf("step %d: %d members in TeamLoad, %d in the table", step, len(loads), len(want))
			}
			for _, l := range loads {
				if l.Open != want[l.Member.UserID] {
					t.Fatalf("step %d: %s has Open %d, but %d assigned tickets", step, l.Member.Email, l.Open, want[l.Member.UserID])
				}
			}
		}
		for step := range 600 {
			switch op := rng.IntN(10); {
			case op < 4 || len(tickets) == 0: // a new ticket, assigned or not
				tk := &domain.Ticket{Subject: "s", RequesterID: req.ID, CategoryID: cat.ID, Status: statuses[rng.IntN(len(statuses))],
					CreatedAt: now, UpdatedAt: now}
				if tk.Status != domain.StatusUnassigned {
					tk.AssigneeID = agents[rng.IntN(len(agents))].ID
				}
				if err := s.CreateTicket(ctx, tk); err != nil {
					t.Fatal(err)
				}
				tickets = append(tickets, tk)
			case op < 8: // a status change, a reassignment, or both
				tk := tickets[rng.IntN(len(tickets))]
				prev := tk.Status
				tk.Status = statuses[rng.IntN(len(statuses))]
				if rng.IntN(2) == 0 || tk.AssigneeID == 0 {
					tk.AssigneeID = agents[rng.IntN(len(agents))].ID
				}
				if err := s.UpdateTicket(ctx, tk, prev); err != nil {
					t.Fatal(err)
				}
			case op < 9: // a ticket deleted
				i := rng.IntN(len(tickets))
				if err := s.ExecForTest(ctx, "DELETE FROM tickets WHERE id = ?", tickets[i].ID); err != nil {
					t.Fatal(err)
				}
				tickets = append(tickets[:i], tickets[i+1:]...)
			default: // a member leaves, or joins again with the tickets they have
				u := agents[rng.IntN(len(agents))]
				if m, ok := members[u.ID]; ok {
					if err := s.DeleteTeamMember(ctx, m.ID); err != nil {
						t.Fatal(err)
					}
					delete(members, u.ID)
				} else {
					join(u)
				}
			}
			if step%50 == 0 {
				check(step)
			}
		}
		check(600)
	})
}

// Assignment reads every candidate's load under the assignment lock: the
// statement reads the dashboard's counts, never the tickets, so its cost
// does not grow with the helpdesk (on PostgreSQL it once counted each
// candidate's tickets and slowed intake to 64 mails/s at 10,000 assigned).
func TestTeamLoadReadsNoTickets(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		steps, err := s.ExplainForTest(ctx, s.TeamLoadSQLForTest(1))
		if err != nil {
			t.Fatal(err)
		}
		read := map[string]bool{}
		for _, st := range steps {
			read[st.Table] = true
		}
		if read["tickets"] {
			t.Errorf("TeamLoad reads tickets: %+v", steps)
		}
		if !read["dashboard_counts"] {
			t.Errorf("TeamLoad does not read dashboard_counts: %+v", steps)
		}
	})
}

package domain_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestOpenTicket(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "  Need a\r\nlaptop ", Body: "Mine broke.",
			From: "Ann Lee <Ann@Company.test>", FromName: "Ann Lee", MessageID: "m1@mail.test", Channel: "smtp"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Ref() != fmt.Sprintf("TKT-%d", tk.ID) || tk.Status != domain.StatusTriage || tk.Subject != "Need a laptop" {
			t.Fatalf("OpenTicket = %+v", tk)
		}
		detail, err := d.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if detail.Ticket.Requester != "ann@company.test" || detail.Ticket.MessageID != "m1@mail.test" {
			t.Errorf("ticket = %+v", detail.Ticket)
		}
		kinds := eventKinds(detail.Events)
		if kinds != "received,triaged" {
			t.Errorf("events = %s, want received,triaged", kinds)
		}
		u, err := s.GetUserByEmail(ctx, "ann@company.test")
		if err != nil || u.Role != domain.RoleEmployee || u.PasswordHash != "" || u.Name != "Ann Lee" {
			t.Errorf("requester = %+v, %v; want an employee without password", u, err)
		}
		// The same requester again: no second user.
		if _, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "again", From: "ann@company.test"}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountUsers(ctx); n != 1 {
			t.Errorf("users = %d, want 1", n)
		}
		if _, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "not an address"}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("OpenTicket from a bad address = %v, want ErrInvalid", err)
		}
	})
}

// pathTo lists the changes that take a new (triage) ticket to status st.
func pathTo(st domain.Status, agent int64) []domain.Change {
	toAssigned := domain.Change{To: domain.StatusAssigned, AssigneeID: agent, Actor: admin}
	switch st {
	case domain.StatusAwaitingApproval:
		return []domain.Change{{To: st, ApprovalLevel: 1, Actor: admin}}
	case domain.StatusRejected:
		return append(pathTo(domain.StatusAwaitingApproval, agent), domain.Change{To: st, Actor: admin})
	case domain.StatusUnassigned:
		return []domain.Change{{To: st, Actor: admin}}
	case domain.StatusAssigned:
		return []domain.Change{toAssigned}
	case domain.StatusWaitingOnRequester:
		return append(pathTo(domain.StatusAssigned, agent), domain.Change{To: st, Actor: admin})
	case domain.StatusResolved:
		return append(pathTo(domain.StatusAssigned, agent), domain.Change{To: st, Actor: admin})
	case domain.StatusClosed:
		return append(pathTo(domain.StatusResolved, agent), domain.Change{To: st, Actor: admin})
	}
	return nil
}

// TestTransitionsThroughDesk walks every pair of statuses through the real
// store: legal moves change the status and append exactly one event; illegal
// ones return ErrIllegalTransition and change nothing.
func TestTransitionsThroughDesk(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		agent := mustUser(t, s, "bob@x.test", domain.RoleAgent)
		for _, from := range domain.Statuses {
			for _, to := range domain.Statuses {
				tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: string(from) + "→" + string(to), From: "ann@x.test"})
				if err != nil {
					t.Fatal(err)
				}
				for _, ch := range pathTo(from, agent.ID) {
					if _, err := d.Transition(ctx, tk.ID, ch); err != nil {
						t.Fatalf("path to %s: %v", from, err)
					}
				}
				before, _ := d.Ticket(ctx, tk.ID)
				ch := domain.Change{To: to, Actor: admin, Detail: "test move"}
				switch to {
				case domain.StatusAssigned:
					ch.AssigneeID = agent.ID
				case domain.StatusAwaitingApproval:
					ch.ApprovalLevel = before.Ticket.ApprovalLevel + 1
				}
				_, terr := d.Transition(ctx, tk.ID, ch)
				after, _ := d.Ticket(ctx, tk.ID)
				wantKind, legalErr := domain.CheckTransition(from, to, admin)
				if legalErr != nil {
					if !errors.Is(terr, domain.ErrIllegalTransition) {
						t.Errorf("%s → %s: err = %v, want ErrIllegalTransition", from, to, terr)
					}
					if after.Ticket.Status != from || len(after.Events) != len(before.Events) {
						t.Errorf("%s → %s refused but changed: status %s, %d → %d events", from, to, after.Ticket.Status, len(before.Events), len(after.Events))
					}
					continue
				}
				if terr != nil {
					t.Errorf("%s → %s: %v", from, to, terr)
					continue
				}
				if after.Ticket.Status != to || len(after.Events) != len(before.Events)+1 {
					t.Errorf("%s → %s: status %s, %d → %d events", from, to, after.Ticket.Status, len(before.Events), len(after.Events))
					continue
				}
				last := after.Events[len(after.Events)-1]
				if last.Kind != wantKind || last.Actor != admin.Email || last.Detail != "test move" {
					t.Errorf("%s → %s: event %+v, want kind %s by %s", from, to, last, wantKind, admin.Email)
				}
			}
		}
	})
}

func TestTransitionConflict(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "ann@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		stale, _ := s.GetTicket(ctx, tk.ID)
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusUnassigned, Actor: admin}); err != nil {
			t.Fatal(err)
		}
		// A writer that read the ticket before the move loses.
		stale.Status = domain.StatusAwaitingApproval
		if err := s.UpdateTicket(ctx, stale, domain.StatusTriage); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("stale UpdateTicket = %v, want ErrConflict", err)
		}
		if _, err := d.Transition(ctx, 9999, domain.Change{To: domain.StatusUnassigned, Actor: admin}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("Transition(9999) = %v, want ErrNotFound", err)
		}
	})
}

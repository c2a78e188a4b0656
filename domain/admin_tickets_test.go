package domain_test

import (
	"context"
	"errors"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestAdminTicketUseCases: the rules of Reassign, CloseTicket,
// ReopenTicket and DeleteQuarantined beyond what the portal's forms show.
func TestAdminTicketUseCases(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedAdminData(t, s)
		desk := domain.NewDesk(s, clockAt(t0), storagetest.Logger(t))
		agent := domain.Actor{Email: "bob@x.test"}
		if _, err := desk.Reassign(ctx, d.T7.ID, "bob@x.test", agent); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("Reassign by an agent = %v, want ErrForbidden", err)
		}
		if _, err := desk.CloseTicket(ctx, d.T3.ID, "", agent); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("CloseTicket by an agent = %v, want ErrForbidden", err)
		}
		if _, err := desk.ReopenTicket(ctx, d.T6.ID, agent); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("ReopenTicket by an agent = %v, want ErrForbidden", err)
		}
		qs, _ := s.ListQuarantine(ctx, 0)
		if err := desk.DeleteQuarantined(ctx, qs[0].ID, agent); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("DeleteQuarantined by an agent = %v, want ErrForbidden", err)
		}
		// An away member may be given a ticket by an admin; a disabled one not.
		tk, err := desk.Reassign(ctx, d.T7.ID, "Nick@X.test", admin)
		if err != nil || tk.Status != domain.StatusAssigned || tk.AssigneeID != d.Nick.ID {
			t.Fatalf("Reassign to away nick = %+v, %v", tk, err)
		}
		es, _ := s.ListEvents(ctx, d.T7.ID)
		if e := es[len(es)-1]; e.Kind != domain.EventAssigned || e.Detail != "assigned to nick@x.test by root@x.test" {
			t.Errorf("event = %+v", e)
		}
		d.Nick.Disabled = true
		if err := s.UpdateUser(ctx, d.Nick); err != nil {
			t.Fatal(err)
		}
		if _, err := desk.Reassign(ctx, d.T1.ID, "nick@x.test", admin); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Reassign to a disabled member = %v, want ErrInvalid", err)
		}
		if _, err := desk.Reassign(ctx, d.T1.ID, "not an address", admin); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Reassign to nonsense = %v, want ErrInvalid", err)
		}
		// Reopen: resolved back to its agent, closed to triage.
		if tk, err := desk.ReopenTicket(ctx, d.T3.ID, admin); err != nil || tk.Status != domain.StatusAssigned || tk.AssigneeID != d.Nick.ID {
			t.Errorf("reopen resolved t3 = %+v, %v", tk, err)
		}
		if tk, err := desk.ReopenTicket(ctx, d.T6.ID, admin); err != nil || tk.Status != domain.StatusTriage || tk.AssigneeID != 0 {
			t.Errorf("reopen closed t6 = %+v, %v", tk, err)
		}
		if _, err := desk.ReopenTicket(ctx, d.T6.ID, admin); !errors.Is(err, domain.ErrIllegalTransition) {
			t.Errorf("reopen a triage ticket = %v, want ErrIllegalTransition", err)
		}
		if err := desk.DeleteQuarantined(ctx, qs[0].ID, admin); err != nil {
			t.Fatal(err)
		}
		if err := desk.DeleteQuarantined(ctx, qs[0].ID, admin); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("deleting twice = %v, want ErrNotFound", err)
		}
	})
}

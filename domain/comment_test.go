package domain_test

import (
	"context"
	"errors"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestComment(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "ann@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Comment(ctx, tk.ID, domain.Actor{Email: "ann@x.test"}, "  more detail  ", "portal"); err != nil {
			t.Fatal(err)
		}
		if err := d.Comment(ctx, tk.ID, domain.Actor{Email: "eve@x.test"}, "sneaky", "portal"); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("stranger's comment = %v, want ErrForbidden", err)
		}
		if err := d.Comment(ctx, tk.ID, admin, " ", "portal"); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("empty comment = %v, want ErrInvalid", err)
		}
		detail, _ := d.Ticket(ctx, tk.ID)
		last := detail.Events[len(detail.Events)-1]
		if len(detail.Events) != 3 || last.Kind != domain.EventCommented || last.Detail != "more detail" || last.Actor != "ann@x.test" {
			t.Errorf("events = %+v", detail.Events)
		}
	})
}

package domain_test

import (
	"context"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestLongThreadReferences: References keeps the root and the newest mails,
// ten Message-IDs at most, and In-Reply-To is always the newest.
func TestLongThreadReferences(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		d := mailDesk(t, st, storagetest.NewClock(mt0), false)
		bob := addUser(t, st, "bob@company.test", "", domain.RoleAgent)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "long", From: "ann@company.test", MessageID: "root@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: bob.ID}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 12; i++ {
			if err := d.Comment(ctx, tk.ID, domain.Actor{Email: "bob@company.test"}, "note", "portal"); err != nil {
				t.Fatal(err)
			}
		}
		rows := outboxRows(t, st)
		h := mailHeader(t, rows[len(rows)-1].Raw)
		refs, _ := h.MsgIDList("References")
		irt, _ := h.MsgIDList("In-Reply-To")
		prev := rows[len(rows)-2].MessageID
		if len(refs) != 10 || refs[0] != "root@x.test" || refs[9] != prev || len(irt) != 1 || irt[0] != prev {
			t.Errorf("13th mail: References %v (%d), In-Reply-To %v; want root, …, %s", refs, len(refs), irt, prev)
		}
		if refs[1] != rows[len(rows)-10].MessageID {
			t.Errorf("References[1] = %s, want the 9th newest mail %s", refs[1], rows[len(rows)-10].MessageID)
		}
	})
}

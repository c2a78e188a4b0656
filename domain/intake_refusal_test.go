package domain_test

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestRefusalOncePerDay(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		clock := storagetest.NewClock(mt0)
		d := mailDesk(t, st, clock, true)
		for i := 0; i < 3; i++ {
			if _, err := d.RefuseSender(ctx, "Stranger <Stranger@Elsewhere.test>"); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
		}
		for _, robot := range []string{"MAILER-DAEMON@elsewhere.test", "noreply@elsewhere.test", "postmaster@x.test"} {
			if _, err := d.RefuseSender(ctx, robot); err != nil {
				t.Fatal(err)
			}
		}
		rows := outboxRows(t, st)
		if len(rows) != 1 || rows[0].Kind != "refusal" || rows[0].To != "stranger@elsewhere.test" || rows[0].TicketID != 0 ||
			rows[0].Status != domain.OutboxQueued || rows[0].Subject != "Your message to IT Helpdesk" {
			t.Fatalf("refusals: %+v, want one queued to stranger@", rows)
		}
		clock.Advance(domain.RefusalInterval)
		if _, err := d.RefuseSender(ctx, "stranger@elsewhere.test"); err != nil {
			t.Fatal(err)
		}
		if n := len(outboxRows(t, st)); n != 2 {
			t.Errorf("a day later: %d refusals, want 2", n)
		}
	})
}

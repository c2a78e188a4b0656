package domain_test

import (
	"context"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestPasswordLinkAskAnnounced: a recorded ask wakes the job; a throttled
// one is not recorded.
func TestPasswordLinkAskAnnounced(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := portalDesk(t, s)
		if err := d.RequestPasswordLink(ctx, "who@x.test", "10.8.8.8", "http://h"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-d.PasswordLinksRequested():
		default:
			t.Error("no wake-up after an ask")
		}
		for range domain.LinkAccountLimit {
			d.RequestPasswordLink(ctx, "who@x.test", "10.8.8.8", "http://h")
		}
		// Only LinkAccountLimit asks were recorded: the job drops the rest.
		var claimed int
		for {
			var found bool
			s.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
				r, err := tx.ClaimPasswordLinkRequest(ctx)
				if err != nil {
					return err
				}
				found = true
				claimed++
				return tx.DeletePasswordLinkRequest(ctx, r.ID)
			})
			if !found {
				break
			}
		}
		if claimed != domain.LinkAccountLimit {
			t.Errorf("%d asks recorded, want %d (the others throttled)", claimed, domain.LinkAccountLimit)
		}
	})
}

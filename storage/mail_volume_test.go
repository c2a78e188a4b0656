package storage_test

import (
	"context"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// The statements of the acknowledgement count and of the retention job
// use their indexes, on both databases.
func TestMailVolumeQueryPlans(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		var queries []string
		s.RecordQueries(func(q string) { queries = append(queries, q) })
		if _, err := s.CountMailSince(ctx, domain.MailTicketReceived, "ann@x.test", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SentWithBody(ctx, t0, 100); err != nil {
			t.Fatal(err)
		}
		if len(queries) != 2 {
			t.Fatalf("recorded %d queries, want 2", len(queries))
		}
		for i, index := range []string{"outbox_acks", "outbox_sent_kept"} {
			plan, err := s.QueryPlan(ctx, queries[i])
			if err != nil {
				t.Fatalf("plan of %s: %v", queries[i], err)
			}
			if !strings.Contains(plan, index) {
				t.Errorf("plan of %s does not use %s:\n%s", queries[i], index, plan)
			}
		}
	})
}

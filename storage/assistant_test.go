package storage_test

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestShareableTicketsBounded: the New ticket assistant's candidates are
// the newest marked, resolved or closed tickets of a category, read by one
// walk of the partial index tickets_shareable (no scan of tickets, no
// sort) on both databases; unmarked and open tickets never come back.
func TestShareableTicketsBounded(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if _, err := s.SeedSpreadForTest(ctx, 20000, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		// One ticket in 4 shared by its requester, one in 97 a public answer:
		// more matches than the limit, so that the walk stops early.
		if err := s.ExecForTest(ctx, "UPDATE tickets SET share_ok = TRUE WHERE id % 4 = 0"); err != nil {
			t.Fatal(err)
		}
		if err := s.ExecForTest(ctx, "UPDATE tickets SET public_answer = TRUE WHERE id % 97 = 0"); err != nil {
			t.Fatal(err)
		}
		if err := s.AnalyzeForTest(ctx); err != nil {
			t.Fatal(err)
		}
		cats, err := s.ListCategories(ctx)
		if err != nil || len(cats) == 0 {
			t.Fatalf("categories: %v %v", cats, err)
		}
		steps := assertIndexed(t, s, storage.ShareableSQLForTest, cats[0].ID, domain.SimilarCandidates)
		noSort(t, "shareable tickets", steps)
		got, err := s.ShareableTickets(ctx, cats[0].ID, domain.SimilarCandidates)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || len(got) > domain.SimilarCandidates {
			t.Fatalf("%d candidates, want 1 to %d", len(got), domain.SimilarCandidates)
		}
		for i, c := range got {
			tk, err := s.GetTicket(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !(tk.ShareOK || tk.PublicAnswer) || tk.CategoryID != cats[0].ID ||
				(tk.Status != domain.StatusResolved && tk.Status != domain.StatusClosed) {
				t.Errorf("candidate %s: share %v public %v category %d status %s", tk.Ref(), tk.ShareOK, tk.PublicAnswer, tk.CategoryID, tk.Status)
			}
			if i > 0 && c.ID >= got[i-1].ID {
				t.Errorf("candidates not newest first: %d after %d", c.ID, got[i-1].ID)
			}
		}
	})
}

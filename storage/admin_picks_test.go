package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestAdminPicks: Desk.Categorize records a pick numbered by the examples
// version; a ticket keeps its latest pick; AdminPicks reads those after a
// number, newest first, with the ticket's current category; the oldest
// beyond MaxAdminPicks are dropped.
func TestAdminPicks(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		applySetup(t, d, classifySetup)
		if v, err := s.ExamplesVersion(ctx); err != nil || v != 0 {
			t.Fatalf("ExamplesVersion of a new database = %d, %v; want 0", v, err)
		}
		open := func(subject string) int64 {
			tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: subject, Body: "body of " + subject, From: "bob@x.test"})
			if err != nil {
				t.Fatal(err)
			}
			return tk.ID
		}
		picks := func(after int64, limit int) string {
			t.Helper()
			ps, err := s.AdminPicks(ctx, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range ps {
				if p.Body != "body of "+p.Subject || p.TicketID == 0 {
					t.Errorf("pick %+v", p)
				}
				out = append(out, fmt.Sprintf("%d %s %s", p.Seq, p.Subject, p.Category))
			}
			return fmt.Sprint(out)
		}
		a, b := open("screen"), open("vpn")
		for _, step := range []struct{ id int64 }{{a}, {b}} {
			if _, err := d.Categorize(ctx, step.id, "Hardware Request", admin); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := picks(0, 0), "[2 vpn Hardware Request 1 screen Hardware Request]"; got != want {
			t.Errorf("picks = %s, want %s", got, want)
		}
		// Changed later: the ticket's pick moves to the new number.
		if _, err := d.Categorize(ctx, b, "Access", admin); err != nil {
			t.Fatal(err)
		}
		if v, err := s.ExamplesVersion(ctx); err != nil || v != 3 {
			t.Errorf("ExamplesVersion = %d, %v; want 3", v, err)
		}
		if got, want := picks(0, 0), "[3 vpn Access 1 screen Hardware Request]"; got != want {
			t.Errorf("picks after the change = %s, want %s", got, want)
		}
		if got, want := picks(1, 0), "[3 vpn Access]"; got != want {
			t.Errorf("picks after 1 = %s, want %s", got, want)
		}
		if got, want := picks(0, 1), "[3 vpn Access]"; got != want {
			t.Errorf("picks limited to 1 = %s, want %s", got, want)
		}
		if got := picks(3, 0); got != "[]" {
			t.Errorf("picks after 3 = %s, want none", got)
		}
		// A pick whose category a classifier set again since is not one.
		if err := s.RawExec(ctx, "UPDATE tickets SET class_method = 'local' WHERE id = ?", a); err != nil {
			t.Fatal(err)
		}
		if got, want := picks(0, 0), "[3 vpn Access]"; got != want {
			t.Errorf("picks = %s, want %s", got, want)
		}
		// The oldest are dropped beyond the bound.
		if err := s.PutSetting(ctx, "examples_version", strconv.Itoa(domain.MaxAdminPicks+2)); err != nil {
			t.Fatal(err)
		}
		c := open("keyboard")
		if _, err := d.Categorize(ctx, c, "Hardware Request", admin); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("[%d keyboard Hardware Request]", domain.MaxAdminPicks+3)
		if got := picks(0, 0); got != want {
			t.Errorf("picks past the bound = %s, want %s (numbers up to 3 dropped)", got, want)
		}
	})
}

// TestAdminPicksConcurrent: picks made at once by several transactions get
// distinct numbers, and the version is the highest.
func TestAdminPicksConcurrent(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		applySetup(t, d, classifySetup)
		const n = 8
		ids := make([]int64, n)
		for i := range ids {
			tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: fmt.Sprint("ticket ", i), Body: "x", From: "bob@x.test"})
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = tk.ID
		}
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				if _, err := d.Categorize(ctx, id, "Access", admin); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		ps, err := s.AdminPicks(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, p := range ps {
			seqs = append(seqs, p.Seq)
		}
		if want := []int64{8, 7, 6, 5, 4, 3, 2, 1}; !slices.Equal(seqs, want) {
			t.Errorf("pick numbers = %v, want %v", seqs, want)
		}
		if v, err := s.ExamplesVersion(ctx); err != nil || v != n {
			t.Errorf("ExamplesVersion = %d, %v; want %d", v, err, n)
		}
	})
}

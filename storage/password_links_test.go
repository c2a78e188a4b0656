package storage_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// lockArg hides the advisory lock key, a hash of the address.
var lockArg = regexp.MustCompile(`pg_advisory_xact_lock\(-?\d+\)`)

// TestForgotSameWorkForEveryAddress: asking for a password link runs the
// same SQL statements for an address with an account and one without
// (but for the address itself), and looks up no user: the answer's time
// tells nothing. The job then mails the link to the known user only.
func TestForgotSameWorkForEveryAddress(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := portalDesk(t, s)
		userWithPassword(t, s, "known@x.test", domain.RoleEmployee, "a known password")
		var mu sync.Mutex
		var queries []string
		s.RecordQueries(func(q string) {
			mu.Lock()
			queries = append(queries, q)
			mu.Unlock()
		})
		ask := func(email string) []string {
			t.Helper()
			mu.Lock()
			queries = nil
			mu.Unlock()
			if err := d.RequestPasswordLink(ctx, email, "10.7.7.7", "https://help.x.test"); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			out := make([]string, len(queries))
			for i, q := range queries {
				out[i] = lockArg.ReplaceAllString(strings.ReplaceAll(q, email, "ADDR"), "pg_advisory_xact_lock(KEY)")
			}
			return out
		}
		known, unknown := ask("known@x.test"), ask("nobody@x.test")
		if len(known) == 0 || !slices.Equal(known, unknown) {
			t.Errorf("a known and an unknown address run different statements:\nknown:\n%s\nunknown:\n%s",
				strings.Join(known, "\n"), strings.Join(unknown, "\n"))
		}
		for _, q := range known {
			if strings.Contains(q, "users") {
				t.Errorf("the request looks up users: %s", q)
			}
		}
		if ms, _ := s.ListOutbox(ctx, "", 0); len(ms) != 0 {
			t.Fatalf("the request made mail itself: %+v", ms)
		}

		// The job: one link, to the known address; both asks are gone.
		n, err := d.SendPasswordLinks(ctx)
		if err != nil || n != 1 {
			t.Fatalf("SendPasswordLinks = %d, %v; want 1", n, err)
		}
		ms, _ := s.ListOutbox(ctx, "", 0)
		if len(ms) != 1 || ms[0].To != "known@x.test" || !strings.Contains(ms[0].Subject, "https://help.x.test/reset/") {
			t.Fatalf("outbox after the job = %+v, want one link to known@x.test", ms)
		}
		if n, err := d.SendPasswordLinks(ctx); err != nil || n != 0 {
			t.Errorf("second SendPasswordLinks = %d, %v; want nothing left", n, err)
		}
	})
}

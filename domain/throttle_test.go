package domain_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// parallelSignIns sends n wrong passwords for email at once, through the
// desks in turn, and counts the answers: ErrBadCredentials, throttled.
func parallelSignIns(t *testing.T, desks []*domain.Desk, email string, n int) (bad, throttled int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		d := desks[i%len(desks)]
		wg.Go(func() {
			<-start
			_, _, _, err := d.SignIn(context.Background(), domain.SignInRequest{Email: email, Password: "a wrong guess", ClientAddr: "10.3.3.3"})
			var th *domain.ThrottledError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, domain.ErrBadCredentials):
				bad++
			case errors.As(err, &th):
				throttled++
			default:
				t.Errorf("parallel SignIn = %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	return bad, throttled
}

// TestSignInThrottledInParallel: 30 wrong passwords for one account sent at
// once get at most SignInAccountLimit answers that are not "throttled":
// each attempt is counted before its password is checked, one after the
// other.
func TestSignInThrottledInParallel(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		d, _ := portalDesk(t, s)
		userWithPassword(t, s, "par@x.test", domain.RoleEmployee, "the right password 1")
		bad, throttled := parallelSignIns(t, []*domain.Desk{d}, "par@x.test", 30)
		if bad > domain.SignInAccountLimit || bad+throttled != 30 {
			t.Errorf("30 parallel wrong passwords: %d wrong-password answers, %d throttled; want at most %d, the rest throttled",
				bad, throttled, domain.SignInAccountLimit)
		}
		n, _, err := s.CountAttempts(context.Background(), "signin_account", "par@x.test", time.Time{})
		if err != nil || n != bad {
			t.Errorf("%d attempts recorded (%v), want %d", n, err, bad)
		}
	})
}

// TestSignInThrottledInParallelTwoInstances: the same through two stores
// (two connection pools, as two processes have) on one PostgreSQL schema.
func TestSignInThrottledInParallelTwoInstances(t *testing.T) {
	url := storagetest.PostgresSchema(t)
	a, b := storagetest.Open(t, url), storagetest.Open(t, url)
	da, _ := portalDesk(t, a)
	db, _ := portalDesk(t, b)
	userWithPassword(t, a, "par@x.test", domain.RoleEmployee, "the right password 1")
	bad, throttled := parallelSignIns(t, []*domain.Desk{da, db}, "par@x.test", 30)
	if bad > domain.SignInAccountLimit || bad+throttled != 30 {
		t.Errorf("30 parallel wrong passwords on two instances: %d wrong-password answers, %d throttled; want at most %d",
			bad, throttled, domain.SignInAccountLimit)
	}
}

// TestWrongCurrentPasswordThrottled: wrong current passwords on the
// change-password page count like failed sign-ins; past the limit even the
// right one waits, and the password is unchanged. A right current password
// (with a new one that breaks a rule) is not counted.
func TestWrongCurrentPasswordThrottled(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, clock := portalDesk(t, s)
		u := userWithPassword(t, s, "pat@x.test", domain.RoleEmployee, "pat's first password")
		for i := 0; i < 3; i++ {
			if _, _, err := d.ChangePassword(ctx, u.ID, "pat's first password", "short", "10.4.4.4"); !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("ChangePassword to a short one = %v, want ErrInvalid", err)
			}
		}
		for i := 0; i < domain.SignInAccountLimit; i++ {
			if _, _, err := d.ChangePassword(ctx, u.ID, "a wrong guess", "pat's second password", "10.4.4.4"); !errors.Is(err, domain.ErrBadCredentials) {
				t.Fatalf("wrong current password %d = %v, want ErrBadCredentials", i+1, err)
			}
		}
		var th *domain.ThrottledError
		if _, _, err := d.ChangePassword(ctx, u.ID, "pat's first password", "pat's second password", "10.5.5.5"); !errors.As(err, &th) || th.RetryAfter <= 0 {
			t.Fatalf("ChangePassword after %d wrong current passwords = %v, want ThrottledError", domain.SignInAccountLimit, err)
		}
		// The account is one: sign-in waits too.
		if _, _, _, err := d.SignIn(ctx, domain.SignInRequest{Email: "pat@x.test", Password: "pat's first password", ClientAddr: "10.5.5.5"}); !errors.As(err, &th) {
			t.Errorf("SignIn after %d wrong current passwords = %v, want ThrottledError", domain.SignInAccountLimit, err)
		}
		if got, _ := s.GetUser(ctx, u.ID); !domain.CheckPassword(got.PasswordHash, "pat's first password") {
			t.Error("the password changed while throttled")
		}
		clock.Add(domain.SignInWindow)
		if _, _, err := d.ChangePassword(ctx, u.ID, "pat's first password", "pat's second password", "10.5.5.5"); err != nil {
			t.Fatalf("ChangePassword once the window moved on = %v", err)
		}
		if n, _, _ := s.CountAttempts(ctx, "signin_address", "10.5.5.5", time.Time{}); n != 0 {
			t.Errorf("%d attempts left for the address after a right current password, want 0", n)
		}
	})
}

// TestThrottleKeyBounded: a huge "address" typed into the sign-in form is
// counted under a bounded key, not stored whole.
func TestThrottleKeyBounded(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := portalDesk(t, s)
		huge := strings.Repeat("x", 100_000)
		if _, _, _, err := d.SignIn(ctx, domain.SignInRequest{Email: huge, Password: "p", ClientAddr: "10.9.9.1"}); !errors.Is(err, domain.ErrBadCredentials) {
			t.Fatalf("SignIn with a huge address = %v", err)
		}
		if n, _, _ := s.CountAttempts(ctx, "signin_account", huge[:320], time.Time{}); n != 1 {
			t.Errorf("attempts under the cut key = %d, want 1", n)
		}
	})
}

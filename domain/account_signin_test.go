package domain_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestSignInAndSessions(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, clock := portalDesk(t, s)
		ann := userWithPassword(t, s, "ann@x.test", domain.RoleEmployee, "correct horse battery")

		for _, tt := range []struct{ email, password string }{
			{"ann@x.test", "wrong password!"}, {"nobody@x.test", "correct horse battery"}, {"not an address", "x"},
		} {
			if _, _, _, err := d.SignIn(ctx, domain.SignInRequest{Email: tt.email, Password: tt.password, ClientAddr: "10.0.0.1"}); !errors.Is(err, domain.ErrBadCredentials) {
				t.Errorf("SignIn(%q, %q) = %v, want ErrBadCredentials", tt.email, tt.password, err)
			}
		}
		sess, token, u, err := d.SignIn(ctx, domain.SignInRequest{Email: " Ann@X.test ", Password: "correct horse battery", ClientAddr: "10.0.0.1"})
		if err != nil || u.ID != ann.ID {
			t.Fatalf("SignIn = %v, %v", u, err)
		}
		if strings.Contains(sess.SecretHash, strings.SplitN(token, ".", 2)[1]) {
			t.Fatal("the database keeps the session secret")
		}
		if _, got, err := d.Authenticate(ctx, token); err != nil || got.ID != ann.ID {
			t.Fatalf("Authenticate = %v, %v", got, err)
		}
		// A session whose cookie never comes back.
		_, forgotten, _, err := d.SignIn(ctx, domain.SignInRequest{Email: "ann@x.test", Password: "correct horse battery", ClientAddr: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		id, _, _ := strings.Cut(token, ".")
		for _, bad := range []string{"", "x", id + ".wrongsecret", id, "." + token} {
			if _, _, err := d.Authenticate(ctx, bad); !errors.Is(err, domain.ErrSignedOut) {
				t.Errorf("Authenticate(%q) = %v, want ErrSignedOut", bad, err)
			}
		}

		// Idle expiry: used within the idle time it lives on.
		clock.Add(domain.SessionIdleTimeout - time.Minute)
		if _, _, err := d.Authenticate(ctx, token); err != nil {
			t.Fatalf("Authenticate before idle expiry: %v", err)
		}
		clock.Add(domain.SessionIdleTimeout - time.Minute)
		if _, _, err := d.Authenticate(ctx, token); err != nil {
			t.Fatalf("Authenticate after a renewal: %v", err)
		}
		clock.Add(domain.SessionIdleTimeout)
		if _, _, err := d.Authenticate(ctx, token); !errors.Is(err, domain.ErrSignedOut) {
			t.Fatalf("Authenticate after idle expiry = %v, want ErrSignedOut", err)
		}

		// Absolute expiry: even a session in use ends.
		_, token, _, err = d.SignIn(ctx, domain.SignInRequest{Email: "ann@x.test", Password: "correct horse battery", ClientAddr: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		for waited := time.Duration(0); waited < domain.SessionMaxAge-time.Hour; waited += time.Hour {
			clock.Add(time.Hour)
			if _, _, err := d.Authenticate(ctx, token); err != nil {
				t.Fatalf("Authenticate after %s of use: %v", waited, err)
			}
		}
		clock.Add(2 * time.Hour)
		if _, _, err := d.Authenticate(ctx, token); !errors.Is(err, domain.ErrSignedOut) {
			t.Fatalf("Authenticate past the absolute expiry = %v, want ErrSignedOut", err)
		}

		// Rotation: signing in ends the session the browser had.
		_, old, _, _ := d.SignIn(ctx, domain.SignInRequest{Email: "ann@x.test", Password: "correct horse battery"})
		_, fresh, _, err := d.SignIn(ctx, domain.SignInRequest{Email: "ann@x.test", Password: "correct horse battery", OldToken: old})
		if err != nil || fresh == old {
			t.Fatalf("second SignIn = %q, %v", fresh, err)
		}
		if _, _, err := d.Authenticate(ctx, old); !errors.Is(err, domain.ErrSignedOut) {
			t.Errorf("old session after a new sign-in = %v, want ErrSignedOut", err)
		}

		// A new session sweeps the expired ones, whose cookies never came back.
		stale, _, _ := strings.Cut(forgotten, ".")
		if _, err := s.GetSession(ctx, stale); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("expired session %s still stored after a sign-in: %v", stale, err)
		}

		// Sign out.
		if err := d.SignOut(ctx, fresh); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.Authenticate(ctx, fresh); !errors.Is(err, domain.ErrSignedOut) {
			t.Errorf("Authenticate after SignOut = %v", err)
		}
	})
}

func TestSessionsRevoked(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := portalDesk(t, s)
		userWithPassword(t, s, "bob@x.test", domain.RoleAgent, "first password 1")
		signIn := func(pw string) string {
			t.Helper()
			_, tok, _, err := d.SignIn(ctx, domain.SignInRequest{Email: "bob@x.test", Password: pw, ClientAddr: "10.0.0.2"})
			if err != nil {
				t.Fatalf("SignIn: %v", err)
			}
			return tok
		}
		alive := func(tok string) bool { _, _, err := d.Authenticate(ctx, tok); return err == nil }

		a, b := signIn("first password 1"), signIn("first password 1")
		u, _ := s.GetUserByEmail(ctx, "bob@x.test")
		if _, _, err := d.ChangePassword(ctx, u.ID, "wrong", "second password 2", ""); !errors.Is(err, domain.ErrBadCredentials) {
			t.Errorf("ChangePassword with a wrong current one = %v", err)
		}
		if _, _, err := d.ChangePassword(ctx, u.ID, "first password 1", "short", ""); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("ChangePassword to a short one = %v", err)
		}
		if !alive(a) || !alive(b) {
			t.Fatal("failed changes ended sessions")
		}
		_, c, err := d.ChangePassword(ctx, u.ID, "first password 1", "second password 2", "")
		if err != nil {
			t.Fatal(err)
		}
		if alive(a) || alive(b) || !alive(c) {
			t.Errorf("after a password change: old sessions alive %v %v, new one alive %v; want false false true", alive(a), alive(b), alive(c))
		}
		if _, _, _, err := d.SignIn(ctx, domain.SignInRequest{Email: "bob@x.test", Password: "first password 1"}); !errors.Is(err, domain.ErrBadCredentials) {
			t.Errorf("old password still works: %v", err)
		}

		// An admin's reset ends them too, and sets the must-change flag.
		if _, err := d.ResetPassword(ctx, "bob@x.test"); err != nil {
			t.Fatal(err)
		}
		if alive(c) {
			t.Error("session alive after ResetPassword")
		}
		// And disabling.
		otp, _ := d.ResetPassword(ctx, "bob@x.test")
		e := signIn(otp)
		if err := d.SetUserDisabled(ctx, "bob@x.test", true); err != nil {
			t.Fatal(err)
		}
		if alive(e) {
			t.Error("session alive after the user was disabled")
		}
		if _, _, _, err := d.SignIn(ctx, domain.SignInRequest{Email: "bob@x.test", Password: otp}); !errors.Is(err, domain.ErrBadCredentials) {
			t.Errorf("a disabled user signed in: %v", err)
		}
	})
}

func TestSignInThrottling(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, clock := portalDesk(t, s)
		userWithPassword(t, s, "cat@x.test", domain.RoleEmployee, "cats are great 9")
		try := func(email, pw, addr string) error {
			_, _, _, err := d.SignIn(ctx, domain.SignInRequest{Email: email, Password: pw, ClientAddr: addr})
			return err
		}
		for i := 0; i < domain.SignInAccountLimit; i++ {
			if err := try("cat@x.test", "wrong", "10.0.0.1"); !errors.Is(err, domain.ErrBadCredentials) {
				t.Fatalf("failure %d = %v", i+1, err)
			}
			clock.Add(time.Minute)
		}
		// Now even the right password waits, from any address.
		var th *domain.ThrottledError
		if err := try("cat@x.test", "cats are great 9", "10.9.9.9"); !errors.As(err, &th) {
			t.Fatalf("sign-in after %d failures = %v, want ThrottledError", domain.SignInAccountLimit, err)
		}
		if want := domain.SignInWindow - time.Duration(domain.SignInAccountLimit)*time.Minute; th.RetryAfter != want {
			t.Errorf("RetryAfter = %s, want %s (until the first failure leaves the window)", th.RetryAfter, want)
		}
		clock.Add(th.RetryAfter)
		if err := try("cat@x.test", "cats are great 9", "10.9.9.9"); err != nil {
			t.Fatalf("sign-in once the window moved on = %v", err)
		}
		// The success cleared the account's count.
		for i := 0; i < domain.SignInAccountLimit-1; i++ {
			if err := try("cat@x.test", "wrong", "10.0.0.3"); !errors.Is(err, domain.ErrBadCredentials) {
				t.Fatalf("failure %d after a success = %v", i+1, err)
			}
		}
		if err := try("cat@x.test", "cats are great 9", "10.0.0.3"); err != nil {
			t.Fatalf("sign-in after %d fresh failures = %v", domain.SignInAccountLimit-1, err)
		}

		// Per address: 20 failures over many accounts.
		for i := 0; i < domain.SignInAddressLimit; i++ {
			if err := try("user"+string(rune('a'+i))+"@x.test", "guess", "10.6.6.6"); !errors.Is(err, domain.ErrBadCredentials) {
				t.Fatalf("address failure %d = %v", i+1, err)
			}
		}
		if err := try("cat@x.test", "cats are great 9", "10.6.6.6"); !errors.As(err, &th) {
			t.Errorf("sign-in from an address with %d failures = %v, want ThrottledError", domain.SignInAddressLimit, err)
		}
		if err := try("cat@x.test", "cats are great 9", "10.0.0.4"); err != nil {
			t.Errorf("sign-in from another address = %v", err)
		}
	})
}

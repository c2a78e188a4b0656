package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// movingClock is a clock the test moves forward.
type movingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movingClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *movingClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// linkComposer renders a password link mail as its link alone, so a test
// can read it back from the outbox.
type linkComposer struct{}

func (linkComposer) Compose(_ context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	return &domain.OutboxMessage{Kind: string(m.Kind), To: m.To, Subject: m.Vars["purpose"] + " " + m.Vars["link"],
		MessageID: "test@x", Raw: []byte(m.Vars["link"])}, nil
}

func portalDesk(t *testing.T, s *storage.Store) (*domain.Desk, *movingClock) {
	c := &movingClock{now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	return domain.NewDesk(s, c, storagetest.Logger(t), domain.WithComposer(linkComposer{}, false)), c
}

// userWithPassword adds a user whose password is known and need not change.
func userWithPassword(t *testing.T, s *storage.Store, email string, role domain.Role, password string) *domain.User {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost) // fast under -race
	if err != nil {
		t.Fatal(err)
	}
	u := &domain.User{Email: email, Role: role, PasswordHash: string(hash), CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

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
		clock.add(domain.SessionIdleTimeout - time.Minute)
		if _, _, err := d.Authenticate(ctx, token); err != nil {
			t.Fatalf("Authenticate before idle expiry: %v", err)
		}
		clock.add(domain.SessionIdleTimeout - time.Minute)
		if _, _, err := d.Authenticate(ctx, token); err != nil {
			t.Fatalf("Authenticate after a renewal: %v", err)
		}
		clock.add(domain.SessionIdleTimeout)
		if _, _, err := d.Authenticate(ctx, token); !errors.Is(err, domain.ErrSignedOut) {
			t.Fatalf("Authenticate after idle expiry = %v, want ErrSignedOut", err)
		}

		// Absolute expiry: even a session in use ends.
		_, token, _, err = d.SignIn(ctx, domain.SignInRequest{Email: "ann@x.test", Password: "correct horse battery", ClientAddr: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		for waited := time.Duration(0); waited < domain.SessionMaxAge-time.Hour; waited += time.Hour {
			clock.add(time.Hour)
			if _, _, err := d.Authenticate(ctx, token); err != nil {
				t.Fatalf("Authenticate after %s of use: %v", waited, err)
			}
		}
		clock.add(2 * time.Hour)
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
			clock.add(time.Minute)
		}
		// Now even the right password waits, from any address.
		var th *domain.ThrottledError
		if err := try("cat@x.test", "cats are great 9", "10.9.9.9"); !errors.As(err, &th) {
			t.Fatalf("sign-in after %d failures = %v, want ThrottledError", domain.SignInAccountLimit, err)
		}
		if want := domain.SignInWindow - time.Duration(domain.SignInAccountLimit)*time.Minute; th.RetryAfter != want {
			t.Errorf("RetryAfter = %s, want %s (until the first failure leaves the window)", th.RetryAfter, want)
		}
		clock.add(th.RetryAfter)
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

func TestPasswordLinks(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, clock := portalDesk(t, s)
		dan := userWithPassword(t, s, "dan@x.test", domain.RoleEmployee, "old password 123")
		// The asks are recorded by the request and mailed by the job.
		request := func(email, client, baseURL string) {
			t.Helper()
			if err := d.RequestPasswordLink(ctx, email, client, baseURL); err != nil {
				t.Fatal(err)
			}
			if _, err := d.SendPasswordLinks(ctx); err != nil {
				t.Fatal(err)
			}
		}
		lastLink := func() string {
			t.Helper()
			ms, err := s.ListOutbox(ctx, "", 1)
			if err != nil || len(ms) == 0 {
				t.Fatalf("outbox: %v, %v", ms, err)
			}
			_, link, _ := strings.Cut(ms[0].Subject, " ")
			return link
		}
		tokenOf := func(link string) string {
			_, tok, ok := strings.Cut(link, domain.PasswordLinkPath)
			if !ok {
				t.Fatalf("link %q has no %s", link, domain.PasswordLinkPath)
			}
			return tok
		}

		request("nobody@x.test", "10.0.0.1", "https://help.x.test")
		if ms, _ := s.ListOutbox(ctx, "", 0); len(ms) != 0 {
			t.Fatalf("a link was mailed to an unknown address: %+v", ms)
		}
		request("Dan@X.test", "10.0.0.1", "https://help.x.test/")
		link := lastLink()
		if !strings.HasPrefix(link, "https://help.x.test/reset/") {
			t.Fatalf("link = %q", link)
		}
		tok := tokenOf(link)
		_, before, _, _ := d.SignIn(ctx, domain.SignInRequest{Email: "dan@x.test", Password: "old password 123"})

		if u, purpose, err := d.CheckPasswordLink(ctx, tok); err != nil || u.ID != dan.ID || purpose != domain.LinkReset {
			t.Fatalf("CheckPasswordLink = %v, %q, %v", u, purpose, err)
		}
		if _, _, _, err := d.SetPasswordWithLink(ctx, tok, "old password 123", ""); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("SetPasswordWithLink with the old password = %v, want ErrInvalid", err)
		}
		if _, _, _, err := d.SetPasswordWithLink(ctx, tok+"x", "new password 456", ""); !errors.Is(err, domain.ErrLinkInvalid) {
			t.Errorf("SetPasswordWithLink with a wrong secret = %v", err)
		}
		_, session, u, err := d.SetPasswordWithLink(ctx, tok, "new password 456", "")
		if err != nil || u.ID != dan.ID {
			t.Fatalf("SetPasswordWithLink = %v, %v", u, err)
		}
		if _, _, err := d.Authenticate(ctx, session); err != nil {
			t.Errorf("the link did not sign in: %v", err)
		}
		if _, _, err := d.Authenticate(ctx, before); err == nil {
			t.Error("a session from before the new password is alive")
		}
		if _, _, _, err := d.SetPasswordWithLink(ctx, tok, "third password 789", ""); !errors.Is(err, domain.ErrLinkInvalid) {
			t.Errorf("a used link worked again: %v", err)
		}
		if _, _, _, err := d.SignIn(ctx, domain.SignInRequest{Email: "dan@x.test", Password: "new password 456"}); err != nil {
			t.Errorf("the new password does not sign in: %v", err)
		}

		// Expiry after an hour.
		clock.add(time.Minute)
		request("dan@x.test", "10.0.0.1", "http://h")
		tok = tokenOf(lastLink())
		clock.add(domain.PasswordLinkTTL)
		if _, _, err := d.CheckPasswordLink(ctx, tok); !errors.Is(err, domain.ErrLinkInvalid) {
			t.Errorf("a link an hour old = %v, want ErrLinkInvalid", err)
		}

		// Throttled: at most LinkAccountLimit mails an hour for one account.
		clock.add(domain.LinkWindow)
		for i := 0; i < domain.LinkAccountLimit+2; i++ {
			request("dan@x.test", "10.0.0.9", "http://h")
		}
		ms, _ := s.ListOutbox(ctx, "", 0)
		if len(ms) != 2+domain.LinkAccountLimit {
			t.Errorf("outbox has %d mails, want %d (throttled)", len(ms), 2+domain.LinkAccountLimit)
		}

		// Invitation: same link, purpose invite, for a user without password.
		requester := &domain.User{Email: "eve@x.test", Role: domain.RoleEmployee, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		s.CreateUser(ctx, requester)
		if err := d.Invite(ctx, "eve@x.test", "http://h"); err != nil {
			t.Fatal(err)
		}
		ms, _ = s.ListOutbox(ctx, "", 1)
		if ms[0].To != "eve@x.test" || !strings.HasPrefix(ms[0].Subject, domain.LinkInvite+" ") {
			t.Errorf("invitation = %+v", ms[0])
		}
		if _, _, _, err := d.SetPasswordWithLink(ctx, tokenOf(lastLink()), "eve's own password", ""); err != nil {
			t.Errorf("invitation link: %v", err)
		}

		// An employee created from mail asks for a link: it is an invitation.
		if _, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "hi", From: "fred@x.test"}); err != nil {
			t.Fatal(err)
		}
		request("fred@x.test", "10.1.1.1", "http://h")
		if ms, _ = s.ListOutbox(ctx, "", 1); ms[0].To != "fred@x.test" || !strings.HasPrefix(ms[0].Subject, domain.LinkInvite+" ") {
			t.Errorf("link for an employee without password = %+v, want an invitation", ms[0])
		}
		if u, purpose, err := d.CheckPasswordLink(ctx, tokenOf(lastLink())); err != nil || u.Email != "fred@x.test" || purpose != domain.LinkInvite {
			t.Errorf("CheckPasswordLink = %v, %q, %v", u, purpose, err)
		}
	})
}

func TestTicketPagesAndQueueOrder(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := portalDesk(t, s)
		agent := userWithPassword(t, s, "gus@x.test", domain.RoleAgent, "agent password 1")
		var ids []int64
		for i := 0; i < 5; i++ {
			tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "q", From: "req@x.test"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAssigned, AssigneeID: agent.ID, Actor: domain.SystemActor}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		// The second and the fourth are done.
		for _, id := range []int64{ids[1], ids[3]} {
			if _, err := d.ResolveAs(ctx, agent, id, "done"); err != nil {
				t.Fatal(err)
			}
		}
		p, err := d.MyQueue(ctx, agent, domain.PageAt{})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, tk := range p.Tickets {
			got = append(got, tk.ID)
		}
		want := []int64{ids[0], ids[2], ids[4], ids[3], ids[1]} // open oldest first, then done newest first
		if fmt.Sprint(got) != fmt.Sprint(want) || p.Total != 5 || p.Pages != 1 {
			t.Errorf("queue = %v (total %d, pages %d), want %v", got, p.Total, p.Pages, want)
		}
		req, _ := s.GetUserByEmail(ctx, "req@x.test")
		after := &domain.TicketCursor{Sort: domain.SortCreated, ID: ids[4]}
		ts, err := s.ListTickets(ctx, domain.TicketQuery{RequesterID: req.ID, After: after, Limit: 2})
		if err != nil || len(ts) != 2 || ts[0].ID != ids[3] || ts[1].ID != ids[2] {
			t.Errorf("page of 2 after the newest = %v, %v", ts, err)
		}
		ts, _ = s.ListTickets(ctx, domain.TicketQuery{RequesterID: req.ID, Status: domain.StatusResolved, Limit: 10})
		if total, _ := s.CountTickets(ctx, domain.TicketQuery{RequesterID: req.ID, Status: domain.StatusResolved}, 10); total != 2 || len(ts) != 2 {
			t.Errorf("resolved = %d of %d", len(ts), total)
		}

		a := &domain.Attachment{TicketID: ids[0], Name: "x.bin", ContentType: "application/octet-stream", Size: 3, Content: []byte{1, 2, 3}, CreatedAt: time.Now()}
		if err := s.AddAttachment(ctx, a); err != nil {
			t.Fatal(err)
		}
		got2, err := readAttachment(t, s, a.ID)
		if err != nil || string(got2.Content) != "\x01\x02\x03" || got2.TicketID != ids[0] {
			t.Errorf("GetAttachment = %+v, %v", got2, err)
		}
		if _, err := readAttachment(t, s, a.ID+100); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("GetAttachment of nothing = %v", err)
		}
	})
}

func TestSetupDisablingRevokesSessions(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := portalDesk(t, s)
		userWithPassword(t, s, "hal@x.test", domain.RoleEmployee, "hal's password 1")
		userWithPassword(t, s, "ida@x.test", domain.RoleEmployee, "ida's password 1")
		signIn := func(email, pw string) string {
			t.Helper()
			_, tok, _, err := d.SignIn(ctx, domain.SignInRequest{Email: email, Password: pw})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		hal, ida := signIn("hal@x.test", "hal's password 1"), signIn("ida@x.test", "ida's password 1")
		f, err := domain.ParseSetup([]byte(`{"users": [{"email": "hal@x.test", "role": "employee", "disabled": true}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ApplySetup(ctx, f, false); err != nil {
			t.Fatal(err)
		}
		hid, _, _ := strings.Cut(hal, ".")
		if _, err := s.GetSession(ctx, hid); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a user disabled by setup apply keeps a session: %v", err)
		}
		// --prune disables ida, whom the file leaves out.
		if _, err := d.ApplySetup(ctx, f, true); err != nil {
			t.Fatal(err)
		}
		iid, _, _ := strings.Cut(ida, ".")
		if _, err := s.GetSession(ctx, iid); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a user disabled by --prune keeps a session: %v", err)
		}
	})
}

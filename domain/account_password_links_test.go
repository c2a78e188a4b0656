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
		clock.Add(time.Minute)
		request("dan@x.test", "10.0.0.1", "http://h")
		tok = tokenOf(lastLink())
		clock.Add(domain.PasswordLinkTTL)
		if _, _, err := d.CheckPasswordLink(ctx, tok); !errors.Is(err, domain.ErrLinkInvalid) {
			t.Errorf("a link an hour old = %v, want ErrLinkInvalid", err)
		}

		// Throttled: at most LinkAccountLimit mails an hour for one account.
		clock.Add(domain.LinkWindow)
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

package domain_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestNotifyMailboxReauthorization: a mailbox that needs reauthorization
// gets one mail per enabled admin, whatever the number of instances
// calling at once (two Stores on one database, as two processes) and
// however often the poller reports it again; an error meanwhile sends
// nothing more; once the mailbox worked (state ok), the next refusal
// mails again. It fails without the compare-and-set of the claim.
func TestNotifyMailboxReauthorization(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		one, two := storagetest.Open(t, db.URL), storagetest.Open(t, db.URL)
		c1, c2 := &recordingComposer{}, &recordingComposer{}
		d1 := domain.NewDesk(one, fixedClock{}, storagetest.Logger(t), domain.WithComposer(c1, true))
		d2 := domain.NewDesk(two, fixedClock{}, storagetest.Logger(t), domain.WithComposer(c2, true))
		for _, u := range []domain.User{
			{Email: "root@x.test", Name: "Root", Role: domain.RoleAdmin},
			{Email: "ops@x.test", Role: domain.RoleAdmin},
			{Email: "gone@x.test", Role: domain.RoleAdmin, Disabled: true},
			{Email: "agent@x.test", Role: domain.RoleAgent},
		} {
			u.CreatedAt, u.UpdatedAt = t0, t0
			if err := one.CreateUser(ctx, &u); err != nil {
				t.Fatal(err)
			}
		}
		mb := oauthMailbox("help@company.test")
		mb.CreatedAt, mb.UpdatedAt = t0, t0
		if err := mb.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := one.CreateMailbox(ctx, &mb); err != nil {
			t.Fatal(err)
		}
		const reason = "OAuth2 refresh: the provider answered HTTP 400 invalid_grant: consent revoked"
		notifyBoth := func() int {
			var wg sync.WaitGroup
			var mu sync.Mutex
			total := 0
			for _, d := range []*domain.Desk{d1, d2, d1, d2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := d.NotifyMailboxReauthorization(ctx, mb.ID, mb.Address, reason, "")
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					total += n
					mu.Unlock()
				}()
			}
			wg.Wait()
			return total
		}
		if err := one.SetMailboxState(ctx, mb.ID, domain.MailboxNeedsReauthorization, reason, t0); err != nil {
			t.Fatal(err)
		}
		if n := notifyBoth(); n != 2 {
			t.Fatalf("four calls from two instances queued %d mails, want 2 (one per enabled admin)", n)
		}
		queued := func() map[string]int {
			ms, err := one.ListOutbox(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, m := range ms {
				if m.Kind == string(domain.MailMailboxReauth) {
					got[m.To]++
				}
			}
			return got
		}
		if got := queued(); len(got) != 2 || got["root@x.test"] != 1 || got["ops@x.test"] != 1 {
			t.Errorf("outbox holds %v, want one mail to root@ and one to ops@", got)
		}
		for _, m := range append(c1.Mails, c2.Mails...) {
			if m.Vars["mailbox"] != "help@company.test" || m.Vars["reason"] != reason {
				t.Errorf("mail %+v lacks the mailbox or the reason", m)
			}
		}

		// Retries, a restart, an error in between: nothing more.
		if err := one.SetMailboxState(ctx, mb.ID, domain.MailboxError, "connect to login.example: timeout", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := one.SetMailboxState(ctx, mb.ID, domain.MailboxNeedsReauthorization, reason, t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := notifyBoth(); n != 0 {
			t.Errorf("told again while still unconnected: %d mails", n)
		}
		// Reconnected: it works; a new refusal is news.
		if err := one.SetMailboxState(ctx, mb.ID, domain.MailboxOK, "", t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := notifyBoth(); n != 2 {
			t.Errorf("after the mailbox worked again, a new refusal queued %d mails, want 2", n)
		}
		if _, err := d1.NotifyMailboxReauthorization(ctx, mb.ID+100, "nobody@company.test", reason, ""); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("NotifyMailboxReauthorization(unknown mailbox) = %v, want ErrNotFound", err)
		}
	})
}

// TestReauthMailGoesThroughAWorkingMailbox: when the refused mailbox is
// the helpdesk address's own row (whose relay may be the default one), the
// admins' mail goes out from another mailbox that works and has a relay
// of its own; when another mailbox is refused, from the default.
func TestReauthMailGoesThroughAWorkingMailbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		c := &recordingComposer{}
		d := domain.NewDesk(st, fixedClock{}, storagetest.Logger(t), domain.WithComposer(c, true),
			domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test"}))
		root := domain.User{Email: "root@x.test", Role: domain.RoleAdmin, CreatedAt: t0, UpdatedAt: t0}
		if err := st.CreateUser(ctx, &root); err != nil {
			t.Fatal(err)
		}
		boxes := map[string]*domain.Mailbox{}
		for _, addr := range []string{"help@company.test", "facilities@company.test", "hr@company.test"} {
			mb := oauthMailbox(addr)
			mb.Name = "Desk " + addr
			mb.CreatedAt, mb.UpdatedAt = t0, t0
			if err := mb.Normalize(); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateMailbox(ctx, &mb); err != nil {
				t.Fatal(err)
			}
			boxes[addr] = &mb
		}
		// facilities@ is in error: not a working mailbox; hr@ works.
		if err := st.SetMailboxState(ctx, boxes["facilities@company.test"].ID, domain.MailboxError, "timeout", t0); err != nil {
			t.Fatal(err)
		}
		if err := st.SetMailboxState(ctx, boxes["hr@company.test"].ID, domain.MailboxOK, "", t0); err != nil {
			t.Fatal(err)
		}
		d.InvalidateMailboxes()
		for _, tc := range []struct{ refused, from string }{
			{"help@company.test", "hr@company.test"},
			{"facilities@company.test", ""},
		} {
			c.Mails = nil
			mb := boxes[tc.refused]
			if err := st.SetMailboxState(ctx, mb.ID, domain.MailboxNeedsReauthorization, "invalid_grant", t0); err != nil {
				t.Fatal(err)
			}
			if n, err := d.NotifyMailboxReauthorization(ctx, mb.ID, mb.Address, "invalid_grant", ""); err != nil || n != 1 {
				t.Fatalf("%s refused: %d mails, %v", tc.refused, n, err)
			}
			if len(c.Mails) != 1 || c.Mails[0].From != tc.from {
				t.Errorf("%s refused: the admins' mail goes out from %q; want %q", tc.refused, c.Mails[0].From, tc.from)
			}
		}
	})
}

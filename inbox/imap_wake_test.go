package inbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ticketgate/domain/mailauth"
	"ticketgate/domain/mailauth/mailauthtest"
)

// TestPollerWakeAfterReconnect: a poller whose grant was refused waits a
// minute between tries; once the mailbox is connected again, a wake-up
// makes it log in at once with the new grant, and it reports the refused
// grant, then the recovery, each once.
func TestPollerWakeAfterReconnect(t *testing.T) {
	p := mailauthtest.New("help@company.test", mailauthtest.Client{ID: "tg", Secret: "tg-secret", Email: "help@company.test"})
	if err := p.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	del := mailauth.Generic{AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), ClientID: "tg", ClientSecret: "tg-secret"}.
		Delegated("http://portal.test/admin/mailboxes/oauth/callback")
	// A grant the provider no longer knows: its refresh is invalid_grant.
	store := mailauth.NewMemoryStore(mailauth.StoredToken{RefreshToken: "rt-revoked", Expiry: time.Now().Add(-time.Hour)})
	s := newMemOAuthServer(t, p, "XOAUTH2")
	wake := make(chan struct{}, 1)
	var mu sync.Mutex
	var reports []string
	cfg := IMAPConfig{URL: fmt.Sprintf("imap://help%%40company.test@%s/Help?tls=none", s.addr), TLS: &tls.Config{}, PollInterval: time.Minute,
		SASL: mailauth.Login{User: "help@company.test", Tokens: del.Source(store, mailauth.SourceOptions{})}.Factory(), Wake: wake,
		Report: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				reports = append(reports, "ok")
			case errors.Is(err, mailauth.ErrNeedsReauthorization):
				reports = append(reports, "reauth")
			default:
				reports = append(reports, err.Error())
			}
		}}
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	s.appendMail(t, s.mailbox, rawMail("w1@x.test", "ann@company.test", "Waiting mail"))
	poller := startPoller(t, in, cfg).p
	eventually(t, "needs reauthorization", func() bool { return poller.State().NeedsReauthorization })

	// The admin connects the mailbox again, into the same store.
	a, err := del.Start("help@company.test")
	if err != nil {
		t.Fatal(err)
	}
	state, code := mailauthtest.SignIn(t, a.URL)
	tok, err := del.Exchange(context.Background(), a, state, code, mailauth.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := mailauth.Connect(context.Background(), store, tok); err != nil {
		t.Fatal(err)
	}
	wake <- struct{}{}
	// Well inside the minute the poller would otherwise wait.
	eventually(t, "the waiting mail's ticket", func() bool { return len(in.tickets(t)) == 1 })
	// The poller reports its recovery once its first pass is done, which
	// may come just after the ticket is committed.
	eventually(t, "connected again", func() bool {
		ps := poller.State()
		return !ps.NeedsReauthorization && ps.Connected
	})
	eventually(t, "the recovery reported", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(reports) >= 2
	})
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 2 || reports[0] != "reauth" || reports[1] != "ok" {
		t.Errorf("reports %q, want reauth then ok", reports)
	}
}

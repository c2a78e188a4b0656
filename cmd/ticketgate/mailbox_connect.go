package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"ticketgate/adminui"
	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/storage"
)

// This file is "Connect" on the Mailboxes page (adminui.MailboxOAuth): the
// authorization-code flow with PKCE of a delegated OAuth2 mailbox, built
// with the same provider settings and secrets as its poller
// (mailboxSecrets.grant), its tokens kept in the mailbox's token store, and
// the wake-up of this instance's poller once the mailbox is connected.

// connectTTL bounds an authorization between Connect and the callback
// (the page's cookie lives as long).
const connectTTL = 10 * time.Minute

// mailboxConnector implements adminui.MailboxOAuth.
type mailboxConnector struct {
	st      *storage.Store
	secrets mailboxSecrets
	resume  func(address string) // wakes this instance's poller; may be nil
	now     func() time.Time
}

var _ adminui.MailboxOAuth = (*mailboxConnector)(nil)

// pendingConnect is what the admin's browser keeps, sealed, between
// Connect and the callback.
type pendingConnect struct {
	Address  string    `json:"address"`
	State    string    `json:"state"`
	Verifier string    `json:"verifier"`
	At       time.Time `json:"at"`
}

// pendingLabel binds a sealed pending flow to the admin's session.
func pendingLabel(bind string) string { return "mailbox-connect:" + bind }

// delegated returns the mailbox at address and its authorization-code
// flow.
func (c *mailboxConnector) delegated(ctx context.Context, address string) (*domain.Mailbox, *mailauth.Delegated, error) {
	if c.secrets.sealer == nil {
		return nil, nil, errNoSecretKey
	}
	m, err := c.st.GetMailboxByAddress(ctx, address)
	if err != nil {
		return nil, nil, err
	}
	if m.Auth != domain.AuthOAuth2 || m.OAuth2.Grant != domain.GrantDelegated {
		return nil, nil, fmt.Errorf("%s does not log in with a delegated OAuth2 grant", m.Address)
	}
	_, d, err := c.secrets.grant(m, mailauth.SourceOptions{})
	if err != nil {
		return nil, nil, err
	}
	return m, d, nil
}

// Start implements adminui.MailboxOAuth. The provider is asked to sign in
// the mailbox's IMAP user (login_hint).
func (c *mailboxConnector) Start(ctx context.Context, address, bind string) (string, []byte, error) {
	m, d, err := c.delegated(ctx, address)
	if err != nil {
		return "", nil, err
	}
	a, err := d.Start(loginUser(m, m.IMAPURL))
	if err != nil {
		return "", nil, err
	}
	b, err := json.Marshal(pendingConnect{Address: m.Address, State: a.State, Verifier: a.Verifier, At: c.now().UTC()})
	if err != nil {
		return "", nil, err
	}
	sealed, err := c.secrets.sealer.Seal(b, pendingLabel(bind))
	if err != nil {
		return "", nil, err
	}
	return a.URL, sealed, nil
}

// Finish implements adminui.MailboxOAuth.
func (c *mailboxConnector) Finish(ctx context.Context, pending []byte, bind, state, code string) (string, error) {
	if c.secrets.sealer == nil {
		return "", errNoSecretKey
	}
	b, err := c.secrets.sealer.Open(pending, pendingLabel(bind))
	if err != nil { // another session's, or altered
		return "", fmt.Errorf("%w (%v)", mailauth.ErrStateMismatch, err)
	}
	var p pendingConnect
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("%w (unreadable)", mailauth.ErrStateMismatch)
	}
	if age := c.now().Sub(p.At); age < 0 || age > connectTTL {
		return "", fmt.Errorf("%w (started %s ago)", mailauth.ErrStateMismatch, age.Round(time.Second))
	}
	m, d, err := c.delegated(ctx, p.Address)
	if err != nil {
		return "", err
	}
	tok, err := d.Exchange(ctx, mailauth.Authorization{State: p.State, Verifier: p.Verifier}, state, code, mailauth.SourceOptions{})
	if err != nil {
		return "", err
	}
	if err := mailauth.Connect(ctx, c.st.MailboxTokens(m, c.secrets.sealer), tok); err != nil {
		return "", fmt.Errorf("keep the grant of %s: %w", m.Address, err)
	}
	return m.Address, nil
}

// Resume implements adminui.MailboxOAuth.
func (c *mailboxConnector) Resume(address string) {
	if c.resume != nil {
		c.resume(address)
	}
}

// Connected implements adminui.MailboxOAuth: a grant is stored (one that
// no longer opens, SECRET_KEY having changed, counts: it is there to
// replace).
func (c *mailboxConnector) Connected(ctx context.Context, address string) (bool, error) {
	if c.secrets.sealer == nil {
		return false, nil
	}
	m, err := c.st.GetMailboxByAddress(ctx, address)
	if err != nil {
		return false, err
	}
	_, err = c.st.MailboxTokens(m, c.secrets.sealer).Load(ctx)
	switch {
	case err == nil, errors.Is(err, mailauth.ErrUnsealable):
		return true, nil
	case errors.Is(err, mailauth.ErrNoToken):
		return false, nil
	}
	return false, err
}

// wakers are the wake-ups of this instance's pollers of the mailboxes
// table, by address.
type wakers struct {
	mu sync.Mutex
	by map[string]func()
}

// resumable returns the Report and the Wake channel of the poller of the
// mailbox at address. Waking it also starts a fresh state writer, whose
// first report is written even when it repeats the state the mailbox was
// in before it was connected again (Connect sets the state to new).
func (w *wakers) resumable(address string, newReport func() func(error)) (func(error), <-chan struct{}) {
	var cur atomic.Pointer[func(error)]
	first := newReport()
	cur.Store(&first)
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.by == nil {
		w.by = map[string]func(){}
	}
	w.by[address] = func() {
		fresh := newReport()
		cur.Store(&fresh)
		select {
		case ch <- struct{}{}:
		default: // one is pending already
		}
	}
	return func(err error) { (*cur.Load())(err) }, ch
}

// resume wakes the poller of the mailbox at address, if this instance
// runs one.
func (w *wakers) resume(address string) {
	w.mu.Lock()
	wake := w.by[address]
	w.mu.Unlock()
	if wake != nil {
		wake()
	}
}

// forget drops the wake-up of the poller of the mailbox at address, once
// that poller has stopped (its mailbox disabled, changed or deleted).
func (w *wakers) forget(address string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.by, address)
}

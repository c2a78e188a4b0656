package inbox

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// CheckIMAP logs in to cfg's mailbox as the poller would (the same
// connection, TLS and login, a fresh OAuth2 token through cfg.SASL),
// opens its folder read-only (EXAMINE: no flag changes, mail stays
// unseen) and logs out. It returns what it saw, for people ("INBOX: 3
// mails"). ctx bounds the whole check: when it ends the connection is
// closed, whatever step it was in. For `ticketgate mailbox test` and the
// admin page's "Test connection".
func CheckIMAP(ctx context.Context, cfg IMAPConfig) (string, error) {
	a, err := parseIMAPURL(cfg.URL)
	if err != nil {
		return "", err
	}
	p := &Poller{cfg: cfg, acct: a}
	type result struct {
		info string
		err  error
	}
	done := make(chan result, 1)
	// connect's dial and greeting take no context: run it aside and give
	// up on it when ctx ends (its connection is closed as soon as it
	// returns).
	go func() {
		c, _, err := p.connect(ctx, make(chan struct{}, 1))
		if err != nil {
			done <- result{err: err}
			return
		}
		stop := context.AfterFunc(ctx, func() { c.Close() })
		defer stop()
		defer c.Close()
		sel, err := c.Select(a.mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			done <- result{err: fmt.Errorf("select %s: %w", a.mailbox, err)}
			return
		}
		c.Logout().Wait()
		done <- result{info: fmt.Sprintf("%s: %d mail(s)", a.mailbox, sel.NumMessages)}
	}()
	select {
	case r := <-done:
		if r.err != nil && ctx.Err() != nil {
			return "", fmt.Errorf("%w (%v)", ctx.Err(), r.err)
		}
		return r.info, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("connect to %s: no answer in time: %w", a.addr, ctx.Err())
	}
}

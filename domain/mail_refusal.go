package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RefusalInterval is the least time between two refusals to one sender:
// someone outside ALLOWED_SENDER_DOMAINS who writes ten times a day gets one
// polite answer, and a loop with another robot dies out.
const RefusalInterval = 24 * time.Hour

// robotLocalParts are senders that never read mail: answering them only
// feeds loops.
var robotLocalParts = []string{"mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply", "bounce", "bounces"}

// refuseSender answers a mail from a sender outside ALLOWED_SENDER_DOMAINS,
// which opens no ticket, with a polite refusal: at most one per sender per
// RefusalInterval (recorded in tx, so it holds across instances), never to
// robot addresses (MAILER-DAEMON, postmaster, no-reply…). The mail-in
// pipeline calls it only for mail that is not an auto-reply, bounce or list
// mail (those are never answered; DESIGN.md "Mail in" step 1), so
// refuseSender does not see auto-replies. subject is the refused mail's. It
// returns nil without sending when the sender was refused recently or when
// the Desk sends no mail.
func (d *Desk) refuseSender(ctx context.Context, tx Store, from, subject string) error {
	if !d.mailing() {
		return nil
	}
	addr, err := NormalizeEmail(from)
	if err != nil {
		return fmt.Errorf("refuse sender: %w", err)
	}
	local := addr[:strings.LastIndexByte(addr, '@')]
	for _, r := range robotLocalParts {
		if local == r || strings.HasPrefix(local, r+"+") {
			d.log.InfoContext(ctx, "no refusal to a robot address", "to", addr)
			return nil
		}
	}
	now := d.clock.Now()
	ok, err := tx.MarkRefused(ctx, addr, now, now.Add(-RefusalInterval))
	if err != nil {
		return fmt.Errorf("refuse %s: %w", addr, err)
	}
	if !ok {
		d.log.InfoContext(ctx, "refusal already sent today", "to", addr)
		return nil
	}
	return d.sendMail(ctx, tx, Mail{Kind: MailRefusal, To: addr, Vars: map[string]string{"Subject": subject}})
}

// RefuseSender is refuseSender in a transaction of its own, for callers
// that write nothing else about the refused mail.
func (d *Desk) RefuseSender(ctx context.Context, from, subject string) error {
	return d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		return d.refuseSender(ctx, tx, from, subject)
	})
}

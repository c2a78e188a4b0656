package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RefusalInterval is the least time between two refusals to one sender:
// someone outside ALLOWED_SENDER_DOMAINS who writes ten times a day gets one
// polite answer, and a loop with another robot dies out. It must stay
// longer than RefusalWindow: the refusals of the last RefusalWindow are
// counted as the senders refused in it (see RefusalStore).
const RefusalInterval = 24 * time.Hour

// RefusalWindow is the period REFUSALS_PER_HOUR counts over.
const RefusalWindow = time.Hour

// DefaultRefusalsPerHour is REFUSALS_PER_HOUR's default.
const DefaultRefusalsPerHour = 60

// refusalCapped is the inbox log's note for a refused mail that got no
// refusal because REFUSALS_PER_HOUR was reached.
const refusalCapped = "refusal not sent: REFUSALS_PER_HOUR reached"

// WithRefusalsPerHour caps the refusals sent to senders outside
// ALLOWED_SENDER_DOMAINS, all senders together, over the last hour
// (REFUSALS_PER_HOUR; 0 sends none). Past the cap a refused mail is only
// logged. Without this option the cap is DefaultRefusalsPerHour.
func WithRefusalsPerHour(n int) Option {
	return func(d *Desk) { d.refusalsPerHour = max(n, 0) }
}

// robotLocalParts are senders that never read mail: answering them only
// feeds loops.
var robotLocalParts = []string{"mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply", "bounce", "bounces"}

// refuseSender answers a mail from a sender outside ALLOWED_SENDER_DOMAINS,
// which opens no ticket, with a polite refusal: at most one per sender per
// RefusalInterval and at most REFUSALS_PER_HOUR over all senders in the
// last RefusalWindow (both recorded in tx, so they hold across instances),
// never to robot addresses (MAILER-DAEMON, postmaster, no-reply…). The
// mail-in pipeline calls it only for mail that is not an auto-reply, bounce
// or list mail (those are never answered; docs/design.md "Mail in" step 1), so
// refuseSender does not see auto-replies.
//
// The refusal carries nothing of the refused mail: a forged sender must not
// make the helpdesk mail its subject, name or links to a third party (see
// the refusal template). It returns a note for the inbox log when the cap
// kept the refusal back, "" otherwise; it sends nothing either when the
// sender was refused recently or when the Desk sends no mail.
func (d *Desk) refuseSender(ctx context.Context, tx Store, from, mailbox string) (string, error) {
	if !d.mailing() {
		return "", nil
	}
	addr, err := NormalizeEmail(from)
	if err != nil {
		return "", fmt.Errorf("refuse sender: %w", err)
	}
	local := addr[:strings.LastIndexByte(addr, '@')]
	for _, r := range robotLocalParts {
		if local == r || strings.HasPrefix(local, r+"+") {
			d.log.InfoContext(ctx, "no refusal to a robot address", "to", addr)
			return "", nil
		}
	}
	now := d.clock.Now()
	capped, err := d.refusalsCapped(ctx, tx, now)
	if err != nil {
		return "", err
	}
	if capped {
		d.log.InfoContext(ctx, refusalCapped, "to", addr, "refusals_per_hour", d.refusalsPerHour)
		return refusalCapped, nil
	}
	ok, err := tx.MarkRefused(ctx, addr, now, now.Add(-RefusalInterval))
	if err != nil {
		return "", fmt.Errorf("refuse %s: %w", addr, err)
	}
	if !ok {
		d.log.InfoContext(ctx, "refusal already sent today", "to", addr)
		return "", nil
	}
	// From the mailbox the sender wrote to: hr@ refuses what came to hr@.
	fromAddr, fromName := d.senderOf(ctx, tx, mailbox)
	return "", d.sendMail(ctx, tx, Mail{Kind: MailRefusal, To: addr, From: fromAddr, FromName: fromName})
}

// refusalsCapped reports whether REFUSALS_PER_HOUR refusals went out in
// the last RefusalWindow. It takes the refusals lock first, held to the end
// of tx, so instances that refuse at once count one after the other and
// the cap holds across them.
func (d *Desk) refusalsCapped(ctx context.Context, tx Store, now time.Time) (bool, error) {
	if d.refusalsPerHour <= 0 {
		return true, nil
	}
	if err := tx.LockRefusals(ctx); err != nil {
		return false, err
	}
	n, err := tx.CountRefusalsSince(ctx, now.Add(-RefusalWindow))
	if err != nil {
		return false, fmt.Errorf("count refusals: %w", err)
	}
	return n >= d.refusalsPerHour, nil
}

// RefuseSender is refuseSender in a transaction of its own, for callers
// that write nothing else about the refused mail. It returns the note of
// refuseSender.
func (d *Desk) RefuseSender(ctx context.Context, from string) (string, error) {
	var note string
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		note, err = d.refuseSender(ctx, tx, from, "")
		return err
	})
	return note, err
}

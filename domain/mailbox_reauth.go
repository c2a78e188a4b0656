package domain

import (
	"context"
	"fmt"
)

// NotifyMailboxReauthorization tells every enabled admin, by one mail
// each, that mailbox id (address) must be connected again: its OAuth2
// provider refused the grant. reason is why, in the provider's words (it
// never holds a token); advice, what to do about it ("" for the mail's
// general words). The mail links to the admin page of mailboxes.
//
// It mails once per entry into the state: the claim
// (ClaimMailboxReauthNotice) is a compare-and-set in the transaction that
// queues the mails, so of several instances sharing the database, a
// poller's retries and a restart, one call sends and the others queue
// nothing; the claim is forgotten when the mailbox works again (state
// ok). It returns how many mails it queued. Nothing is sent without a
// Composer.
//
// The mail goes out like every other, from the helpdesk's address
// (MAIL_FROM through SMTP_URL's relay).
func (d *Desk) NotifyMailboxReauthorization(ctx context.Context, id int64, address, reason, advice string) (int, error) {
	if !d.mailing() {
		return 0, nil
	}
	n := 0
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		n = 0
		claimed, err := tx.ClaimMailboxReauthNotice(ctx, id, d.clock.Now())
		if err != nil || !claimed {
			return err
		}
		admins, err := tx.ListUsers(ctx, UserFilter{Role: RoleAdmin})
		if err != nil {
			return err
		}
		for _, a := range admins {
			if a.Disabled {
				continue
			}
			// MailMailboxReauth reads these Vars:
			//   mailbox  the mailbox's address
			//   reason   the provider's words ("OAuth2 refresh: … invalid_grant: …")
			//   advice   what to do about it ("" : reconnect it)
			err := d.sendMail(ctx, tx, Mail{Kind: MailMailboxReauth, To: a.Email, ToName: a.Name,
				Vars: map[string]string{"mailbox": address, "reason": reason, "advice": advice}})
			if err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("tell admins that mailbox %s needs reauthorization: %w", address, err)
	}
	if n > 0 {
		d.log.InfoContext(ctx, "admins told that a mailbox must be connected again", "mailbox", address, "mails", n)
	}
	return n, nil
}

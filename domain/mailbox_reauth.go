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
// (MAIL_FROM through the default relay), unless the refused mailbox is the
// helpdesk address's own row, whose relay may be the default one (see
// cmd/ticketgate's defaultRelayMailbox): then it goes out through another
// mailbox that works (state ok, a relay of its own), when there is one.
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
		from, fromName := d.workingMailboxBeside(ctx, tx, address)
		for _, a := range admins {
			if a.Disabled {
				continue
			}
			// MailMailboxReauth reads these Vars:
			//   mailbox  the mailbox's address
			//   reason   the provider's words ("OAuth2 refresh: … invalid_grant: …")
			//   advice   what to do about it ("" : reconnect it)
			err := d.sendMail(ctx, tx, Mail{Kind: MailMailboxReauth, To: a.Email, ToName: a.Name, From: from, FromName: fromName,
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

// workingMailboxBeside is the mailbox a mail about the refused mailbox
// goes out from: "" (the default) unless refused is the helpdesk address,
// then the first other enabled mailbox in state ok with a relay of its
// own, if any.
func (d *Desk) workingMailboxBeside(ctx context.Context, st MailboxStore, refused string) (addr, name string) {
	if !SameMailbox(refused, d.intake.HelpdeskAddress) {
		return "", ""
	}
	set, err := d.mailboxes(ctx, st)
	if err != nil {
		return "", ""
	}
	var best *Mailbox
	for _, m := range set.byAddr {
		if m.Enabled && m.State == MailboxOK && m.SMTPURL != "" && !SameMailbox(m.Address, refused) &&
			(best == nil || m.Address < best.Address) {
			best = m
		}
	}
	if best == nil {
		return "", ""
	}
	return best.Address, best.Name
}

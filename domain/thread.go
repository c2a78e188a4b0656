package domain

import (
	"context"
	"fmt"
)

// ticketThreadKinds are the mails of a ticket's one thread with its
// requester and agent. Approval mails (approval needed, reminders, "could
// not read your reply") are threads of their own with each approver: their
// Message-IDs carry approval tokens and must never appear in another mail's
// In-Reply-To or References, so this is an allow-list.
var ticketThreadKinds = map[string]bool{
	string(MailTicketReceived): true,
	string(MailRejected):       true,
	string(MailAssigned):       true,
	string(MailComment):        true,
	string(MailResolved):       true,
	string(MailTriageNotice):   true,

	string(MailAssignedRequester): true, // domain/assign.go
	string(MailMerged):            true, // domain/merge.go
}

// maxReferences bounds the References header: the root and the newest
// mails are what clients need to thread (RFC 5322 §3.6.4 allows trimming
// the middle).
const maxReferences = 10

// thread is where a new mail of a ticket's thread goes.
type thread struct {
	InReplyTo  string
	References []string
}

// threadFor returns the In-Reply-To and References of the next mail of t's
// thread. The thread is rooted at the requester's first mail
// (Ticket.MessageID); a portal ticket has none, so the first mail we sent
// about it is the root. Every mail of the thread we wrote since follows in
// order, and the new mail replies to the newest. The outbox rows are the
// record: nothing else needs storing.
func (d *Desk) threadFor(ctx context.Context, tx Store, t *Ticket) (thread, error) {
	sent, err := tx.TicketMail(ctx, t.ID)
	if err != nil {
		return thread{}, fmt.Errorf("thread of %s: %w", t.Ref(), err)
	}
	var chain []string
	if t.MessageID != "" {
		chain = append(chain, t.MessageID)
	}
	for _, m := range sent {
		// A watcher's copy has the Message-ID of the mail it copies,
		// written just before it (see sendWatched).
		if ticketThreadKinds[m.Kind] && m.MessageID != "" && (len(chain) == 0 || chain[len(chain)-1] != m.MessageID) {
			chain = append(chain, m.MessageID)
		}
	}
	if len(chain) == 0 {
		return thread{}, nil
	}
	if len(chain) > maxReferences {
		chain = append(chain[:1], chain[len(chain)-maxReferences+1:]...)
	}
	return thread{InReplyTo: chain[len(chain)-1], References: chain}, nil
}

// mailing reports whether this Desk sends mail. A Desk built without a
// Composer (admin tools, and tests of the ticket rules alone) changes
// tickets without writing any mail; serve always has one. Use cases that
// notify people check it so they work in both.
func (d *Desk) mailing() bool { return d.composer != nil }

// sendTicketMail sends m, about ticket t, as the next mail of t's thread;
// a mail to the requester goes to the ticket's watchers as well, Cc
// (watchedKinds, sendWatched).
func (d *Desk) sendTicketMail(ctx context.Context, tx Store, t *Ticket, m Mail) error {
	th, err := d.threadFor(ctx, tx, t)
	if err != nil {
		return err
	}
	m.Ticket, m.InReplyTo, m.References = t, th.InReplyTo, th.References
	if !watchedKinds[m.Kind] || !SameMailbox(m.To, t.Requester) {
		return d.sendMail(ctx, tx, m)
	}
	ws, err := tx.ListWatchers(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("watchers of %s: %w", t.Ref(), err)
	}
	return d.sendWatched(ctx, tx, t, m, ws)
}

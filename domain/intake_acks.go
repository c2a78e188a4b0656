package domain

import (
	"context"
	"fmt"
	"time"
)

// DefaultAcksPerSenderPerHour is ACKS_PER_SENDER_PER_HOUR's default.
const DefaultAcksPerSenderPerHour = 10

// AckWindow is the period ACKS_PER_SENDER_PER_HOUR counts over.
const AckWindow = time.Hour

// EventMailSkipped is a mail the helpdesk chose not to send about a
// ticket (an acknowledgement past ACKS_PER_SENDER_PER_HOUR), kept in the
// history so that nobody wonders where it went.
const EventMailSkipped EventKind = "mail_skipped"

// WithAcksPerSenderPerHour caps the acknowledgements one requester gets in
// an hour (ACKS_PER_SENDER_PER_HOUR; 0 sends none). Past the cap the
// ticket is opened all the same and its history says the acknowledgement
// was skipped. Without this option the cap is DefaultAcksPerSenderPerHour.
func WithAcksPerSenderPerHour(n int) Option {
	return func(d *Desk) { d.acksPerHour = max(n, 0) }
}

// mailTicketReceived acknowledges a new ticket to its requester, in the
// ticket's transaction: the mail exists exactly when the ticket does. It
// replies to the requester's own mail, so the acknowledgement and every later
// mail of the ticket sit in the requester's thread.
//
// A Desk without a Composer sends no acknowledgement (see mailing): the
// ticket is opened all the same.
//
// At most ACKS_PER_SENDER_PER_HOUR acknowledgements go to one requester in
// an hour, counted from the outbox in the same transaction (an index
// scan of outbox_acks); past that the ticket gets a mail_skipped event
// instead.
//
// It runs once per ticket opened, so it reads nothing back but that count:
// the ticket was just written (no category yet, no mail sent about it),
// and its thread is the requester's mail alone. In a batch of intake the
// count comes from the batch, which counted its senders' acknowledgements
// at once when it began (batchTx.CountMailSince).
//
// The ticket's watchers (ws, added with it) get copies (sendWatched).
// questions are asked in it (NewTicket.Questions).
func (d *Desk) mailTicketReceived(ctx context.Context, tx Store, t *Ticket, requester *User, ws []Watcher, questions []string) error {
	if !d.mailing() {
		return nil
	}
	sent, err := tx.CountMailSince(ctx, MailTicketReceived, t.Requester, d.clock.Now().Add(-AckWindow))
	if err != nil {
		return err
	}
	if sent >= d.acksPerHour {
		return d.event(ctx, tx, t.ID, EventMailSkipped, SystemActor.String(), fmt.Sprintf(
			"acknowledgement not sent: %s was sent %d in the last hour (ACKS_PER_SENDER_PER_HOUR is %d)", t.Requester, sent, d.acksPerHour))
	}
	m := Mail{Kind: MailTicketReceived, To: t.Requester, ToName: requester.Name, Ticket: t, Questions: questions}
	if t.MessageID != "" {
		m.InReplyTo, m.References = t.MessageID, []string{t.MessageID}
	}
	return d.sendWatched(ctx, tx, t, m, ws)
}

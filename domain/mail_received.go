package domain

import "context"

// mailTicketReceived acknowledges a new ticket to its requester, in the
// ticket's transaction: the mail exists exactly when the ticket does. It
// replies to the requester's own mail, so the acknowledgement and every later
// mail of the ticket sit in the requester's thread.
//
// A Desk without a Composer sends no acknowledgement (see mailing): the
// ticket is opened all the same.
//
// It runs once per ticket opened, so it reads nothing back: the ticket was
// just written (no category yet, no mail sent about it), and its thread is
// the requester's mail alone.
func (d *Desk) mailTicketReceived(ctx context.Context, tx Store, t *Ticket, requester *User) error {
	if !d.mailing() {
		return nil
	}
	m := Mail{Kind: MailTicketReceived, To: t.Requester, ToName: requester.Name, Ticket: t}
	if t.MessageID != "" {
		m.InReplyTo, m.References = t.MessageID, []string{t.MessageID}
	}
	return d.sendMail(ctx, tx, m)
}

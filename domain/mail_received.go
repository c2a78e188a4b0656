package domain

import (
	"context"
	"fmt"
)

// mailTicketReceived acknowledges a new ticket to its requester, in the
// ticket's transaction: the mail exists exactly when the ticket does. It
// replies to the requester's own mail, so the acknowledgement and every later
// mail of the ticket sit in the requester's thread.
//
// A Desk without a Composer sends no acknowledgement (see mailing): the
// ticket is opened all the same.
func (d *Desk) mailTicketReceived(ctx context.Context, tx Store, t *Ticket) error {
	if !d.mailing() {
		return nil
	}
	// Read back: the category's and requester's names are filled on read.
	full, err := tx.GetTicket(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("ticket received mail: %w", err)
	}
	m := Mail{Kind: MailTicketReceived, To: full.Requester}
	if u, err := tx.GetUser(ctx, full.RequesterID); err == nil {
		m.ToName = u.Name
	}
	return d.sendTicketMail(ctx, tx, full, m)
}

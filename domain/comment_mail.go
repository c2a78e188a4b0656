package domain

import (
	"context"
	"fmt"
)

// relayComment mails a comment to the other side of ticket t, in the
// comment's transaction: the requester's or a watcher's comment goes to
// the assignee (to nobody while the ticket has none: whoever takes it
// reads the history), an assignee's or admin's comment goes to the
// requester and, Cc, the watchers (sendTicketMail). Nobody is mailed
// their own words. The comment's files go with it (Mail.Attachments). A
// Desk without a Composer relays nothing (see mailing).
func (d *Desk) relayComment(ctx context.Context, tx Store, t *Ticket, actor Actor, text string, files []Attachment) error {
	if !d.mailing() {
		return nil
	}
	to, toID := t.Requester, t.RequesterID
	if SameMailbox(actor.Email, t.Requester) || (!actor.Admin && !SameMailbox(actor.Email, t.Assignee)) {
		// The requester's comment, or a watcher's (whose reply-all
		// reached the requester already), goes to the agent.
		to, toID = t.Assignee, t.AssigneeID
	}
	if to == "" || SameMailbox(to, actor.Email) {
		return nil
	}
	author := actor.String()
	if u, err := tx.GetUserByEmail(ctx, actor.Email); err == nil && u.Name != "" {
		author = u.Name
	}
	m := Mail{Kind: MailComment, To: to, Vars: map[string]string{"Author": author, "AuthorEmail": actor.Email, "Comment": text},
		Attachments: files}
	if u, err := tx.GetUser(ctx, toID); err == nil {
		m.ToName = u.Name
	}
	if err := d.sendTicketMail(ctx, tx, t, m); err != nil {
		return fmt.Errorf("relay comment: %w", err)
	}
	return nil
}

package domain

import "context"

// Comment adds text to a ticket's history as actor's comment. The requester,
// the assignee and admins may comment; anyone else gets ErrForbidden.
// channel says how it came ("email", "portal"), for the log. Relaying the
// comment to the other side by mail is part of this use case.
func (d *Desk) Comment(ctx context.Context, id int64, actor Actor, text, channel string) error {
	return d.commentWithFiles(ctx, id, actor, text, channel, nil)
}

// comment is Comment inside the caller's transaction, once the actor is
// known to take part in t.
func (d *Desk) comment(ctx context.Context, tx Store, t *Ticket, actor Actor, text string) error {
	return d.commentFiles(ctx, tx, t, actor, text, nil)
}

// commentFiles is comment with files stored on t already, which its mail
// carries.
func (d *Desk) commentFiles(ctx context.Context, tx Store, t *Ticket, actor Actor, text string, files []Attachment) error {
	text = cleanText(text)
	if err := d.event(ctx, tx, t.ID, EventCommented, actor.String(), text); err != nil {
		return err
	}
	return d.relayComment(ctx, tx, t, actor, text, files)
}

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
	if err := d.relayComment(ctx, tx, t, actor, text, files); err != nil {
		return err
	}
	return d.afterComment(ctx, tx, t, actor)
}

// afterComment moves t's SLA clock for a public comment by actor (issue
// 18): the requester's reply puts a ticket waiting on them back to its
// agent; the first comment of the team (its assignee or an admin, not
// as the requester) is the first response.
func (d *Desk) afterComment(ctx context.Context, tx Store, t *Ticket, actor Actor) error {
	requester := SameMailbox(actor.Email, t.Requester)
	if requester && t.Status == StatusWaitingOnRequester {
		return d.move(ctx, tx, t, Change{To: StatusAssigned, AssigneeID: t.AssigneeID, Actor: actor,
			Detail: "the requester " + actor.Email + " replied: back to " + t.Assignee})
	}
	team := !actor.System && !requester && (actor.Admin || (t.Assignee != "" && SameMailbox(actor.Email, t.Assignee)))
	if !team || t.SLA.FirstResponseAt != nil || !t.Status.IsOpen() {
		return nil
	}
	prev := t.Status
	if err := d.slaSync(ctx, tx, t, d.clock.Now(), true, false); err != nil {
		return err
	}
	if t.SLA.FirstResponseAt == nil {
		return nil // no calendar: no clock
	}
	return tx.UpdateTicket(ctx, t, prev)
}

package domain

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Comment adds text to a ticket's history as actor's comment. The requester,
// the assignee and admins may comment; anyone else gets ErrForbidden.
// channel says how it came ("email", "portal"), for the log. Relaying the
// comment to the other side by mail is part of this use case.
func (d *Desk) Comment(ctx context.Context, id int64, actor Actor, text, channel string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return fmt.Errorf("comment on %s: %w: empty comment", FormatRef(id), ErrInvalid)
	}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, err := tx.GetTicket(ctx, id)
		if err != nil {
			return err
		}
		if !actor.Admin && !SameMailbox(actor.Email, t.Requester) && !SameMailbox(actor.Email, t.Assignee) {
			return ErrForbidden
		}
		return d.comment(ctx, tx, t, actor, text)
	})
	if err != nil {
		return fmt.Errorf("comment on %s: %w", FormatRef(id), err)
	}
	d.log.InfoContext(ctx, "comment", slog.String("ticket", FormatRef(id)), slog.String("by", actor.String()), slog.String("channel", channel))
	return nil
}

// comment is Comment inside the caller's transaction, once the actor is
// known to take part in t.
func (d *Desk) comment(ctx context.Context, tx Store, t *Ticket, actor Actor, text string) error {
	text = cleanText(text)
	if err := d.event(ctx, tx, t.ID, EventCommented, actor.String(), text); err != nil {
		return err
	}
	return d.relayComment(ctx, tx, t, actor, text)
}

package domain

import (
	"context"
	"fmt"
	"log/slog"
)

// WaitOnRequester puts an assigned ticket in waiting_on_requester, by its
// assignee or an admin (issue 18): its SLA clock pauses until the
// requester replies (afterComment puts it back to the assignee). A user
// who may see the ticket but not do this gets ErrForbidden, one who may
// not see it ErrNotFound.
func (d *Desk) WaitOnRequester(ctx context.Context, u *User, id int64) (*Ticket, error) {
	t, err := d.visibleTicket(ctx, d.store, u, id)
	if err != nil {
		return nil, fmt.Errorf("wait on requester: %w", err)
	}
	if !accessOf(u, t).WaitOnRequester {
		return nil, fmt.Errorf("wait on requester %s: %w", t.Ref(), ErrForbidden)
	}
	return d.Transition(ctx, id, Change{To: StatusWaitingOnRequester, Actor: actorOf(u),
		Detail: fmt.Sprintf("waiting on the requester %s, set by %s; the SLA clock pauses until they reply", t.Requester, u.Email)})
}

// SetPriority gives ticket id priority p, by an admin or an agent who
// sees it (not as its requester), on an open ticket. The change is an
// event (priority_changed) and recomputes the SLA due times, whose targets
// may depend on the priority. Setting the priority it has changes
// nothing.
func (d *Desk) SetPriority(ctx context.Context, u *User, id int64, p Priority) (*Ticket, error) {
	p, err := ParsePriority(string(p))
	if err != nil {
		return nil, err
	}
	var t *Ticket
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if t, err = d.visibleTicket(ctx, tx, u, id); err != nil {
			return err
		}
		if !accessOf(u, t).Priority {
			return ErrForbidden
		}
		was := t.Priority
		if was == "" {
			was = PriorityNormal
		}
		if was == p {
			return nil
		}
		t.Priority, t.UpdatedAt = p, d.clock.Now()
		if err := d.slaSync(ctx, tx, t, t.UpdatedAt, false, false); err != nil {
			return err
		}
		if err := tx.UpdateTicket(ctx, t, t.Status); err != nil {
			return err
		}
		return d.event(ctx, tx, t.ID, EventPriority, u.Email, fmt.Sprintf("priority %s → %s by %s", was, p, u.Email))
	})
	if err != nil {
		return nil, fmt.Errorf("set priority of %s: %w", FormatRef(id), err)
	}
	d.log.InfoContext(ctx, "priority set", slog.String("ticket", t.Ref()), slog.String("priority", string(p)), slog.String("by", u.Email))
	return t, nil
}

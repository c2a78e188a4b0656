package domain

import (
	"context"
	"fmt"
	"strings"
)

// Resolve marks ticket id resolved by actor, with an optional resolution
// note for the requester, and mails the requester in the same transaction.
// Only the assignee or an admin may (ErrForbidden otherwise); the ticket
// must be assigned (ErrIllegalTransition otherwise).
func (d *Desk) Resolve(ctx context.Context, id int64, actor Actor, note string) (*Ticket, error) {
	note = strings.TrimSpace(note)
	var t *Ticket
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		if t, err = tx.GetTicket(ctx, id); err != nil {
			return err
		}
		return d.resolve(ctx, tx, t, actor, note)
	})
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", FormatRef(id), err)
	}
	return t, nil
}

// resolve is Resolve inside the caller's transaction.
func (d *Desk) resolve(ctx context.Context, tx Store, t *Ticket, actor Actor, note string) error {
	if !actor.Admin && !SameMailbox(actor.Email, t.Assignee) {
		return fmt.Errorf("%w: only the assignee or an admin may resolve it", ErrForbidden)
	}
	detail := "resolved by " + actor.String()
	if note != "" {
		detail += ": " + note
	}
	if err := d.move(ctx, tx, t, Change{To: StatusResolved, Actor: actor, Detail: detail}); err != nil {
		return err
	}
	return d.mailResolved(ctx, tx, t, actor, note)
}

// mailResolved tells the requester their ticket is resolved, with the note
// how to reopen it, and the links that answer whether it was solved. A Desk without a Composer sends nothing (see
// mailing).
func (d *Desk) mailResolved(ctx context.Context, tx Store, t *Ticket, actor Actor, note string) error {
	if !d.mailing() {
		return nil
	}
	by := actor.String()
	if u, err := tx.GetUserByEmail(ctx, actor.Email); err == nil && u.Name != "" {
		by = u.Name
	}
	m := Mail{Kind: MailResolved, To: t.Requester, Vars: map[string]string{"Note": note, "ResolvedBy": by}}
	if u, err := tx.GetUser(ctx, t.RequesterID); err == nil {
		m.ToName = u.Name
	}
	// The question "was it solved?" (satisfaction.go): two signed links,
	// for the requester alone (watchers' copies go without them).
	yes, no, err := d.satisfactionLinks(ctx, tx, t)
	if err != nil {
		return err
	}
	m.Vars["satisfaction_yes"], m.Vars["satisfaction_no"] = yes, no
	return d.sendTicketMail(ctx, tx, t, m)
}

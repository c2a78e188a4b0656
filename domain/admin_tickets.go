package domain

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// AllTickets returns the page of the tickets that match q at at, for
// admins. The list is keyset-paged: a page link carries the position of
// its first or last ticket, so a deep page costs what the first one does.
func (d *Desk) AllTickets(ctx context.Context, q TicketQuery, at PageAt) (*TicketPage, error) {
	q.Limit = 0
	p, err := d.ticketPage(ctx, q, at)
	if err != nil {
		return nil, fmt.Errorf("search tickets: %w", err)
	}
	return p, nil
}

// Agents returns every team member with their open tickets and
// availability, in member id order.
func (d *Desk) Agents(ctx context.Context) ([]MemberLoad, error) {
	ls, err := d.store.AgentLoads(ctx)
	if err != nil {
		return nil, fmt.Errorf("agents: %w", err)
	}
	return ls, nil
}

// Reassign gives ticket id to the team member with address agentEmail, as
// an admin's decision: an assigned ticket changes hands, an unassigned one
// stops waiting. The member must be enabled; being away does not stop an
// admin (they may know better). It writes the assigned event and mails the
// agent and the requester, like assignment does.
func (d *Desk) Reassign(ctx context.Context, id int64, agentEmail string, actor Actor) (*Ticket, error) {
	if !actor.Admin {
		return nil, fmt.Errorf("reassign %s: %w: only admins reassign", FormatRef(id), ErrForbidden)
	}
	email, err := NormalizeEmail(agentEmail)
	if err != nil {
		return nil, fmt.Errorf("reassign %s: %w: pick a team member", FormatRef(id), ErrInvalid)
	}
	var t *Ticket
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if err := tx.LockAssignment(ctx); err != nil {
			return err
		}
		if t, err = tx.GetTicket(ctx, id); err != nil {
			return err
		}
		if t.Status != StatusAssigned && t.Status != StatusUnassigned {
			return fmt.Errorf("%w: only an assigned or waiting ticket can be given to someone (it is %s)", ErrIllegalTransition, t.Status)
		}
		u, err := tx.GetUserByEmail(ctx, email)
		if isNotFound(err) {
			return fmt.Errorf("%w: %s is not a team member", ErrInvalid, email)
		}
		if err != nil {
			return err
		}
		m, err := tx.GetTeamMemberByUser(ctx, u.ID)
		if isNotFound(err) {
			return fmt.Errorf("%w: %s is not a team member", ErrInvalid, email)
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return fmt.Errorf("%w: %s is disabled", ErrInvalid, email)
		}
		if t.Status == StatusAssigned && t.AssigneeID == u.ID {
			return fmt.Errorf("%w: %s has it already", ErrInvalid, email)
		}
		reassigned, was := t.Status == StatusAssigned, t.Assignee
		detail := fmt.Sprintf("assigned to %s by %s", email, actor)
		if reassigned {
			detail = fmt.Sprintf("reassigned from %s to %s by %s", was, email, actor)
		}
		if err := d.move(ctx, tx, t, Change{To: StatusAssigned, AssigneeID: u.ID, Actor: actor, Detail: detail}); err != nil {
			return err
		}
		if err := tx.MarkAssigned(ctx, m.ID, d.clock.Now()); err != nil {
			return err
		}
		m.Email, m.Name = u.Email, u.Name
		return d.mailAssigned(ctx, tx, t, *m, reassigned)
	})
	if err != nil {
		return nil, fmt.Errorf("reassign %s: %w", FormatRef(id), err)
	}
	d.log.InfoContext(ctx, "ticket reassigned", slog.String("ticket", t.Ref()), slog.String("assignee", email), slog.String("by", actor.String()))
	return t, nil
}

// CloseTicket closes a resolved or rejected ticket, as an admin's
// decision, with an optional note in the event.
func (d *Desk) CloseTicket(ctx context.Context, id int64, note string, actor Actor) (*Ticket, error) {
	if !actor.Admin {
		return nil, fmt.Errorf("close %s: %w: only admins close tickets", FormatRef(id), ErrForbidden)
	}
	detail := "closed by " + actor.String()
	if note = strings.TrimSpace(cleanText(note)); note != "" {
		detail += ": " + note
	}
	return d.Transition(ctx, id, Change{To: StatusClosed, Actor: actor, Detail: detail})
}

// ReopenTicket reopens a ticket as an admin's decision: a resolved one goes
// back to its agent; a rejected or closed one goes back to triage, where
// an admin picks its category again.
func (d *Desk) ReopenTicket(ctx context.Context, id int64, actor Actor) (*Ticket, error) {
	if !actor.Admin {
		return nil, fmt.Errorf("reopen %s: %w: only admins reopen here", FormatRef(id), ErrForbidden)
	}
	t, err := d.store.GetTicket(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reopen %s: %w", FormatRef(id), err)
	}
	ch := Change{To: StatusTriage, Actor: actor, Detail: fmt.Sprintf("reopened by %s into triage", actor)}
	if t.Status == StatusResolved {
		ch = Change{To: StatusAssigned, Actor: actor, AssigneeID: t.AssigneeID,
			Detail: fmt.Sprintf("reopened by %s, back to %s", actor, t.Assignee)}
	}
	return d.Transition(ctx, id, ch)
}

// AdminActions says which admin actions a ticket's status allows now.
type AdminActions struct {
	Categorize bool // always: in triage it routes the ticket, elsewhere it is recorded
	Decide     bool // awaiting approval: approve or reject for a pending approver
	Reassign   bool // assigned or waiting for an agent
	Resolve    bool // assigned
	Close      bool // resolved or rejected
	Reopen     bool // resolved (back to its agent), rejected or closed (back to triage)
	Comment    bool // not closed
}

// AdminActionsFor returns the actions t's status allows an admin.
func AdminActionsFor(t *Ticket) AdminActions {
	s := t.Status
	return AdminActions{
		Categorize: true,
		Decide:     s == StatusAwaitingApproval,
		Reassign:   s == StatusAssigned || s == StatusUnassigned,
		Resolve:    s == StatusAssigned,
		Close:      s == StatusResolved || s == StatusRejected,
		Reopen:     s == StatusResolved || s == StatusRejected || s == StatusClosed,
		Comment:    s != StatusClosed,
	}
}

// TicketChoices are what the admins' ticket forms offer: every category
// and every team member with their load.
type TicketChoices struct {
	Categories []Category
	Agents     []MemberLoad
}

// AdminTicketChoices returns the categories and team members to choose
// from on the admins' ticket pages.
func (d *Desk) AdminTicketChoices(ctx context.Context) (*TicketChoices, error) {
	cats, err := d.store.ListCategories(ctx)
	if err != nil {
		return nil, fmt.Errorf("ticket choices: %w", err)
	}
	agents, err := d.store.AgentLoads(ctx)
	if err != nil {
		return nil, fmt.Errorf("ticket choices: %w", err)
	}
	return &TicketChoices{Categories: cats, Agents: agents}, nil
}

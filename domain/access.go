package domain

import (
	"context"
	"fmt"
	"io"
	"slices"
)

// Who may see a ticket, in one place: admins see every ticket; the
// requester sees their own; an agent (or admin) sees the tickets assigned
// to them and those of the categories they serve as a team member. Anyone
// else is told the ticket does not exist (ErrNotFound), never that it is
// forbidden: refs are guessable, and a 403 would confirm that one exists.

// TicketAccess says what a user may do with a ticket they can see.
type TicketAccess struct {
	// Comment: the requester, the assignee and admins, on a ticket that is
	// not closed.
	Comment bool
	// Reopen: the requester or an admin, on a resolved ticket.
	Reopen bool
	// Resolve: the assignee or an admin, on an assigned ticket.
	Resolve bool
	// Notes: admins, and agents who see the ticket and did not request
	// it, whatever its status: they read and write its internal notes
	// (see note.go). Everyone else sees the ticket without them.
	Notes bool
	// AddWatcher: the requester, the assignee and admins, on a ticket that
	// is not closed.
	AddWatcher bool
	// RemoveWatcher: the assignee and admins, on a ticket that is not
	// closed.
	RemoveWatcher bool
	// Merge: admins, and agents who see the ticket and did not request
	// it, on a ticket that is not merged (merge.go; the ticket it goes
	// into has its own rules).
	Merge bool
	// WaitOnRequester: the assignee or an admin, on an assigned ticket
	// (issue 18: the SLA clock pauses until the requester replies).
	WaitOnRequester bool
	// Priority: admins, and agents who see the ticket and did not
	// request it, on an open ticket.
	Priority bool
}

// canSee reports whether u may see t.
func (d *Desk) canSee(ctx context.Context, st Store, u *User, t *Ticket) (bool, error) {
	switch {
	case u == nil || u.Disabled:
		return false, nil
	case u.IsAdmin(), t.RequesterID == u.ID, t.AssigneeID != 0 && t.AssigneeID == u.ID:
		return true, nil
	case u.Role == RoleEmployee || t.CategoryID == 0:
		return false, nil
	}
	m, err := st.GetTeamMemberByUser(ctx, u.ID)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return slices.Contains(m.CategoryIDs, t.CategoryID), nil
}

// accessOf says what u, who can see t, may do with it.
func accessOf(u *User, t *Ticket) TicketAccess {
	involved := u.IsAdmin() || t.RequesterID == u.ID || (t.AssigneeID != 0 && t.AssigneeID == u.ID)
	return TicketAccess{
		Comment: involved && t.Status != StatusClosed,
		Reopen:  (u.IsAdmin() || t.RequesterID == u.ID) && t.Status == StatusResolved,
		Resolve: (u.IsAdmin() || t.AssigneeID == u.ID) && (t.Status == StatusAssigned || t.Status == StatusWaitingOnRequester),
		Notes:   mayNote(u, t),

		AddWatcher:    involved && t.Status != StatusClosed,
		RemoveWatcher: (u.IsAdmin() || (t.AssigneeID != 0 && t.AssigneeID == u.ID)) && t.Status != StatusClosed,

		Merge: mayNote(u, t) && t.MergedInto == 0,

		WaitOnRequester: (u.IsAdmin() || t.AssigneeID == u.ID) && t.Status == StatusAssigned,
		Priority:        mayNote(u, t) && t.Status.IsOpen(),
	}
}

// mayNote reports whether u, who can see t, is staff on it: an admin, or
// an agent who is not its requester (an agent's own ticket shows them
// what it shows any requester).
func mayNote(u *User, t *Ticket) bool {
	return u.IsAdmin() || (u.Role == RoleAgent && t.RequesterID != u.ID)
}

// visibleTicket returns ticket id if u may see it, else ErrNotFound.
func (d *Desk) visibleTicket(ctx context.Context, st Store, u *User, id int64) (*Ticket, error) {
	t, err := st.GetTicket(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := d.canSee(ctx, st, u, t)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("ticket %s: %w", FormatRef(id), ErrNotFound)
	}
	return t, nil
}

// TicketFor returns ticket id with its history, approvals and attachments,
// and what u may do with it; ErrNotFound when u may not see it. Internal
// notes and their files are left out unless u may read them
// (TicketAccess.Notes).
func (d *Desk) TicketFor(ctx context.Context, u *User, id int64) (*TicketDetail, TicketAccess, error) {
	if _, err := d.visibleTicket(ctx, d.store, u, id); err != nil {
		return nil, TicketAccess{}, fmt.Errorf("show ticket: %w", err)
	}
	td, err := d.Ticket(ctx, id)
	if err != nil {
		return nil, TicketAccess{}, err
	}
	acc := accessOf(u, &td.Ticket)
	if !acc.Notes {
		td.Events = slices.DeleteFunc(td.Events, Event.Internal)
		td.Attachments = slices.DeleteFunc(td.Attachments, func(a Attachment) bool { return a.Internal })
	}
	return td, acc, nil
}

// AttachmentFor returns attachment attID of ticket ticketID and a reader
// of its content, which the caller closes; ErrNotFound when u may not see
// the ticket or the attachment is not the ticket's, or is an internal
// note's and u may not read notes.
func (d *Desk) AttachmentFor(ctx context.Context, u *User, ticketID, attID int64) (*Attachment, io.ReadCloser, error) {
	t, err := d.visibleTicket(ctx, d.store, u, ticketID)
	if err != nil {
		return nil, nil, fmt.Errorf("attachment: %w", err)
	}
	a, rc, err := d.store.OpenAttachment(ctx, attID)
	if err != nil {
		return nil, nil, fmt.Errorf("attachment %d: %w", attID, err)
	}
	if a.TicketID != ticketID || (a.Internal && !mayNote(u, t)) {
		rc.Close()
		return nil, nil, fmt.Errorf("attachment %d of %s: %w", attID, FormatRef(ticketID), ErrNotFound)
	}
	return a, rc, nil
}

// actorOf is the Actor that u's portal actions are recorded as.
func actorOf(u *User) Actor { return Actor{Email: u.Email, Admin: u.IsAdmin()} }

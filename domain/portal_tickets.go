package domain

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"path"
	"strings"
	"time"
	"unicode"
)

// MyTickets returns the page at at of the tickets u requested, newest
// first; status "" means every status.
func (d *Desk) MyTickets(ctx context.Context, u *User, status Status, at PageAt) (*TicketPage, error) {
	p, err := d.ticketPage(ctx, TicketQuery{RequesterID: u.ID, Status: status}, at)
	if err != nil {
		return nil, fmt.Errorf("tickets of %s: %w", u.Email, err)
	}
	return p, nil
}

// MyQueue returns the page at at of the tickets assigned to u in order
// sort: SortDue (also for ""), the open ones by resolution due time, or
// SortQueue, those still open first, oldest first, then the others,
// newest first. Another sort wraps ErrInvalid.
func (d *Desk) MyQueue(ctx context.Context, u *User, sort TicketSort, at PageAt) (*TicketPage, error) {
	switch sort {
	case "":
		sort = SortDue
	case SortDue, SortQueue:
	default:
		return nil, fmt.Errorf("%w: the queue has no order %q (due or queue)", ErrInvalid, sort)
	}
	p, err := d.ticketPage(ctx, TicketQuery{AssigneeID: u.ID, Sort: sort}, at)
	if err != nil {
		return nil, fmt.Errorf("queue of %s: %w", u.Email, err)
	}
	return p, nil
}

// CommentAs adds u's comment to ticket id from the portal (see Comment).
// ErrNotFound when u may not see the ticket; ErrForbidden when u sees it but
// may not comment (an agent who serves its category but does not have it,
// or a closed ticket).
func (d *Desk) CommentAs(ctx context.Context, u *User, id int64, text string) error {
	return d.CommentWithFilesAs(ctx, u, id, PortalComment{Text: text})
}

// Reopen puts a resolved ticket back to its agent, at its requester's (or
// an admin's) request from the portal.
func (d *Desk) Reopen(ctx context.Context, u *User, id int64) (*Ticket, error) {
	t, err := d.visibleTicket(ctx, d.store, u, id)
	if err != nil {
		return nil, fmt.Errorf("reopen: %w", err)
	}
	if !accessOf(u, t).Reopen {
		return nil, fmt.Errorf("reopen %s: %w", t.Ref(), ErrForbidden)
	}
	return d.Transition(ctx, id, Change{To: StatusAssigned, Actor: actorOf(u), AssigneeID: t.AssigneeID,
		Detail: fmt.Sprintf("reopened by %s in the portal", u.Email)})
}

// MaxResolutionNote is the longest resolution note, in characters.
const MaxResolutionNote = 10000

// ResolveAs marks an assigned ticket resolved from the portal, with a note
// for the requester (required there), by its assignee or an admin; another
// user who may see the ticket gets ErrForbidden, one who may not
// ErrNotFound.
func (d *Desk) ResolveAs(ctx context.Context, u *User, id int64, note string) (*Ticket, error) {
	note = strings.TrimSpace(note)
	if note == "" {
		return nil, fmt.Errorf("%w: write a resolution note for the requester", ErrInvalid)
	}
	if len([]rune(note)) > MaxResolutionNote {
		return nil, fmt.Errorf("%w: the note is longer than %d characters", ErrInvalid, MaxResolutionNote)
	}
	t, err := d.visibleTicket(ctx, d.store, u, id)
	if err != nil {
		return nil, fmt.Errorf("resolve: %w", err)
	}
	if !accessOf(u, t).Resolve {
		return nil, fmt.Errorf("resolve %s: %w", t.Ref(), ErrForbidden)
	}
	return d.Resolve(ctx, id, actorOf(u), note)
}

// NewAttachment is a file given with a new ticket.
type NewAttachment struct {
	Name        string
	ContentType string
	Content     []byte
}

// PortalTicket is what the portal's "New ticket" form sends.
type PortalTicket struct {
	Subject     string
	Body        string
	Attachments []NewAttachment
}

// Validate checks the form's rules; the error wraps ErrInvalid and speaks
// to people.
func (p *PortalTicket) Validate() error {
	switch {
	case strings.TrimSpace(p.Subject) == "":
		return fmt.Errorf("%w: a subject is required", ErrInvalid)
	case len([]rune(strings.TrimSpace(p.Subject))) > MaxSubject:
		return fmt.Errorf("%w: the subject is longer than %d characters", ErrInvalid, MaxSubject)
	case strings.TrimSpace(p.Body) == "":
		return fmt.Errorf("%w: describe what you need", ErrInvalid)
	}
	return nil
}

// OpenPortalTicket opens a ticket for u from the portal through the same
// pipeline as mail (OpenTicket, channel "portal"), then stores its
// attachments.
func (d *Desk) OpenPortalTicket(ctx context.Context, u *User, in PortalTicket) (*Ticket, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	nt := NewTicket{Subject: in.Subject, Body: strings.TrimSpace(in.Body), From: u.Email, FromName: u.Name, Channel: "portal"}
	nt.Attachments = portalFiles(in.Attachments)
	// The ticket and its files commit together.
	t, err := d.OpenTicket(ctx, nt)
	if err != nil {
		return nil, err
	}
	d.log.InfoContext(ctx, "portal ticket", slog.String("ticket", t.Ref()), slog.Int("attachments", len(in.Attachments)))
	return t, nil
}

// cleanFileName keeps the last path element of a browser-given name,
// without control characters.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		return "attachment"
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}

func cleanContentType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt == "" {
		return "application/octet-stream"
	}
	return mt
}

// TeamMemberOf returns u's team member record, or ErrNotFound when u is not
// on the team.
func (d *Desk) TeamMemberOf(ctx context.Context, u *User) (*TeamMember, error) {
	m, err := d.store.GetTeamMemberByUser(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("team member %s: %w", u.Email, err)
	}
	return m, nil
}

// SetAway marks team member u away until until (nil: back now). The time
// must be in the future. ErrNotFound when u is not on the team.
func (d *Desk) SetAway(ctx context.Context, u *User, until *time.Time) error {
	if until != nil && !until.After(d.clock.Now()) {
		return fmt.Errorf("%w: the end of the absence must be in the future", ErrInvalid)
	}
	var at *time.Time
	if until != nil {
		t := until.UTC()
		at = &t
	}
	// One use case for every change of availability: it takes the
	// assignment lock, and coming back assigns waiting tickets at once.
	return d.SetAvailability(ctx, u.Email, until == nil, at, actorOf(u))
}

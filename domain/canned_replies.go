package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Canned replies (issue 17): answers agents give again and again ("restart
// the VPN client…"), kept by admins with a title, a text and optionally a
// category. On a ticket's page an agent or admin picks one of those fit
// for the ticket's category (no category, or the ticket's), the server
// puts its text, placeholders filled, into the comment box, and the agent
// edits and sends it as a normal comment: inserting changes nothing.

// CannedReply is a saved reply.
type CannedReply struct {
	ID    int64
	Title string // unique, case-insensitively
	Body  string // may hold the placeholders of canned_placeholders.go
	// CategoryID is the category whose tickets it is for; nil: every
	// ticket.
	CategoryID *int64
	Category   string // its name; filled on read
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// FitFor reports whether the reply is offered on a ticket of category
// categoryID (0: none).
func (c *CannedReply) FitFor(categoryID int64) bool {
	return c.CategoryID == nil || *c.CategoryID == categoryID
}

// normalizeCanned trims the title (inner runs of space become one) and
// the body's ends (its line breaks stay).
func normalizeCanned(c *CannedReply) {
	c.Title = strings.Join(strings.Fields(c.Title), " ")
	c.Body = strings.TrimSpace(strings.ReplaceAll(c.Body, "\r\n", "\n"))
	if c.CategoryID != nil && *c.CategoryID == 0 {
		c.CategoryID = nil
	}
}

// AdminCannedReplies returns every canned reply, by title.
func (d *Desk) AdminCannedReplies(ctx context.Context, actor Actor) ([]CannedReply, error) {
	if err := mustBeAdmin(actor, "list canned replies"); err != nil {
		return nil, err
	}
	cs, err := d.store.ListCannedReplies(ctx, CannedReplyFilter{})
	if err != nil {
		return nil, fmt.Errorf("list canned replies: %w", err)
	}
	return cs, nil
}

// AdminCannedReply returns canned reply id.
func (d *Desk) AdminCannedReply(ctx context.Context, actor Actor, id int64) (*CannedReply, error) {
	if err := mustBeAdmin(actor, "show canned reply"); err != nil {
		return nil, err
	}
	c, err := d.store.GetCannedReply(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get canned reply %d: %w", id, err)
	}
	return c, nil
}

// SaveCannedReply creates c (ID 0) or updates reply c.ID with c's title,
// body and category. What is wrong with the fields (an empty or too long
// title or body, an unknown placeholder, a title another reply has, a
// category that does not exist) is a FieldErrors, and nothing is saved
// then.
func (d *Desk) SaveCannedReply(ctx context.Context, actor Actor, c CannedReply) (*CannedReply, error) {
	if err := mustBeAdmin(actor, "save canned reply"); err != nil {
		return nil, err
	}
	normalizeCanned(&c)
	if errs := checkCannedText(c.Title, c.Body); len(errs) > 0 {
		return nil, errs
	}
	taken := FieldErrors{"title": "Another reply has this title."}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if c.CategoryID != nil {
			cat, err := tx.GetCategory(ctx, *c.CategoryID)
			if isNotFound(err) {
				return FieldErrors{"category": "That category no longer exists; choose another."}
			}
			if err != nil {
				return err
			}
			c.Category = cat.Name
		}
		other, err := tx.GetCannedReplyByTitle(ctx, c.Title)
		switch {
		case err == nil && other.ID != c.ID:
			return taken
		case err != nil && !isNotFound(err):
			return err
		}
		now := d.clock.Now()
		c.UpdatedAt = now
		if c.ID == 0 {
			c.CreatedAt = now
			return tx.CreateCannedReply(ctx, &c)
		}
		cur, err := tx.GetCannedReply(ctx, c.ID)
		if err != nil {
			return err
		}
		c.CreatedAt = cur.CreatedAt
		return tx.UpdateCannedReply(ctx, &c)
	})
	switch {
	case errors.Is(err, ErrConflict): // the same title saved at the same moment
		return nil, taken
	case err != nil:
		return nil, fmt.Errorf("save canned reply %q: %w", c.Title, err)
	}
	d.log.InfoContext(ctx, "canned reply saved", slog.String("title", c.Title), slog.String("by", actor.String()))
	return &c, nil
}

// DeleteCannedReply deletes canned reply id.
func (d *Desk) DeleteCannedReply(ctx context.Context, actor Actor, id int64) error {
	if err := mustBeAdmin(actor, "delete canned reply"); err != nil {
		return err
	}
	if err := d.store.DeleteCannedReply(ctx, id); err != nil {
		return fmt.Errorf("delete canned reply %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "canned reply deleted", slog.Int64("id", id), slog.String("by", actor.String()))
	return nil
}

// mayUseCanned reports whether u may insert canned replies on t: agents
// and admins who may comment on it (not its requester as such).
func mayUseCanned(u *User, t *Ticket) bool {
	return (u.Role == RoleAgent || u.IsAdmin()) && accessOf(u, t).Comment
}

// CannedRepliesFor returns the canned replies u may insert on ticket t (as
// TicketFor or Ticket returned it), by title: those fit for its category,
// when u is an agent or admin who may comment on it; none otherwise.
func (d *Desk) CannedRepliesFor(ctx context.Context, u *User, t *Ticket) ([]CannedReply, error) {
	if u == nil || u.Disabled || !mayUseCanned(u, t) {
		return nil, nil
	}
	cs, err := d.store.ListCannedReplies(ctx, CannedReplyFilter{FitFor: true, CategoryID: t.CategoryID})
	if err != nil {
		return nil, fmt.Errorf("canned replies for %s: %w", t.Ref(), err)
	}
	return cs, nil
}

// InsertCannedReply returns the text of canned reply replyID for u's
// comment on ticket ticketID, its placeholders filled: {{requester.name}}
// the requester's name (their address when no name is known),
// {{ticket.ref}} the ticket's ref, {{agent.name}} u's name (or address).
// Nothing is stored. ErrNotFound when u may not see the ticket;
// ErrForbidden when u sees it but may not comment or is its requester
// only; a FieldErrors (field "canned") when the reply does not exist, is
// for another category, or holds an unknown placeholder.
func (d *Desk) InsertCannedReply(ctx context.Context, u *User, ticketID, replyID int64) (string, error) {
	t, err := d.visibleTicket(ctx, d.store, u, ticketID)
	if err != nil {
		return "", fmt.Errorf("insert canned reply: %w", err)
	}
	if !mayUseCanned(u, t) {
		return "", fmt.Errorf("insert canned reply on %s: %w", t.Ref(), ErrForbidden)
	}
	c, err := d.store.GetCannedReply(ctx, replyID)
	if isNotFound(err) {
		return "", FieldErrors{"canned": "That saved reply no longer exists; choose another."}
	}
	if err != nil {
		return "", fmt.Errorf("insert canned reply %d: %w", replyID, err)
	}
	if !c.FitFor(t.CategoryID) {
		return "", FieldErrors{"canned": fmt.Sprintf("The saved reply %q is for tickets of %s; choose another.", c.Title, c.Category)}
	}
	requester, err := d.store.GetUser(ctx, t.RequesterID)
	if err != nil {
		return "", fmt.Errorf("insert canned reply on %s: requester: %w", t.Ref(), err)
	}
	text, err := FillPlaceholders(c.Body, map[string]string{
		PlaceholderRequesterName: nameOrEmail(requester),
		PlaceholderTicketRef:     t.Ref(),
		PlaceholderAgentName:     nameOrEmail(u),
	})
	if err != nil {
		return "", FieldErrors{"canned": fmt.Sprintf("The saved reply %q cannot be used: %s. An admin must correct it.", c.Title, err)}
	}
	return text, nil
}

// nameOrEmail is how a reply names u: their name, else their address.
func nameOrEmail(u *User) string {
	if n := strings.TrimSpace(u.Name); n != "" {
		return n
	}
	return u.Email
}

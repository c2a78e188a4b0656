package domain

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// TicketSort is a column the admins' ticket list sorts by.
type TicketSort string

// The sorts of the admins' ticket list.
const (
	SortCreated TicketSort = "created" // by id, which follows creation
	SortUpdated TicketSort = "updated"
	SortStatus  TicketSort = "status"
	SortSubject TicketSort = "subject"
	// SortRelevance ranks the matches of the search text (see
	// MaxRankedMatches); it is the default when there is a text.
	SortRelevance TicketSort = "relevance"
)

// TicketSorts lists every sort, the default first.
var TicketSorts = []TicketSort{SortCreated, SortUpdated, SortStatus, SortSubject, SortRelevance}

// MaxRankedMatches bounds the list in order of relevance: the newest
// MaxRankedMatches tickets whose text matches are ranked (so a common word
// costs no more than a rare one), and the list ends there. Sorting by
// another column lists every match.
const MaxRankedMatches = 1000

// MaxSearchCount bounds the count of the tickets a text matches: past it
// the count says "more than" (TicketPage.More).
const MaxSearchCount = 10_000

// MaxSearchPages bounds how deep the admins' list pages: past it, the
// database would skip more rows than it is worth; a narrower search is the
// way on.
const MaxSearchPages = 500

// TicketSearch is the admins' query over all tickets. Zero fields match
// all.
type TicketSearch struct {
	// Text is a search in the syntax of ParseSearch: words and phrases of
	// the subject, the text and the comments, exclusions, a ref, a
	// requester's address.
	Text       string
	Status     Status
	CategoryID int64 // NoCategory: tickets without one
	AssigneeID int64 // Nobody: tickets without an assignee
	// From and To bound the creation time: From <= created_at < To.
	From, To time.Time
	Sort     TicketSort // "" is SortRelevance with a Text, else SortCreated
	Asc      bool       // oldest or A first; the default is newest or Z first
}

// NoCategory and Nobody, as TicketSearch's CategoryID and AssigneeID, match
// tickets without a category or an assignee.
const (
	NoCategory int64 = -1
	Nobody     int64 = -1
)

// RefID returns the ticket id s.Text names, or 0 when it names none.
func (s TicketSearch) RefID() int64 {
	id, err := ParseRef(s.Text)
	if err != nil {
		return 0
	}
	return id
}

// Validate checks the query's values; the error wraps ErrInvalid.
func (s *TicketSearch) Validate() error {
	s.Text = strings.TrimSpace(s.Text)
	if _, err := ParseSearch(s.Text); err != nil {
		return err
	}
	if s.Sort == "" {
		s.Sort = SortCreated
		if s.Text != "" {
			s.Sort = SortRelevance
		}
	}
	known := false
	for _, k := range TicketSorts {
		known = known || k == s.Sort
	}
	if !known {
		return fmt.Errorf("%w: no sort %q", ErrInvalid, s.Sort)
	}
	if !s.From.IsZero() && !s.To.IsZero() && !s.From.Before(s.To) {
		return fmt.Errorf("%w: the date range ends before it starts", ErrInvalid)
	}
	return nil
}

// AllTickets returns page page of the tickets that match s, for admins.
// Pages past MaxSearchPages are ErrInvalid.
func (d *Desk) AllTickets(ctx context.Context, s TicketSearch, page int) (*TicketPage, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if page < 1 {
		page = 1
	}
	if page > MaxSearchPages {
		return nil, fmt.Errorf("%w: only the first %d pages are shown; narrow the search", ErrInvalid, MaxSearchPages)
	}
	ts, total, err := d.store.SearchTickets(ctx, s, (page-1)*TicketPageSize, TicketPageSize)
	if err != nil {
		return nil, fmt.Errorf("search tickets: %w", err)
	}
	more := s.Text != "" && total > MaxSearchCount
	if more {
		total = MaxSearchCount
	}
	last := MaxSearchPages
	if s.Text != "" && s.Sort == SortRelevance {
		last = MaxRankedMatches / TicketPageSize
	}
	pages := min(max(1, (total+TicketPageSize-1)/TicketPageSize), last)
	return &TicketPage{Tickets: ts, Page: page, Pages: pages, Total: total, More: more}, nil
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

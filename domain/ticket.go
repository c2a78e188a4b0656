package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Ticket is one request for help, made from a mail or the portal.
type Ticket struct {
	ID      int64
	Subject string
	Body    string

	RequesterID int64
	Requester   string // email; filled on read

	CategoryID int64  // 0: none yet
	Category   string // name; filled on read
	// ClassMethod is local, openai or admin; "" when never classified.
	ClassMethod     string
	ClassConfidence float64

	Status Status
	// ApprovalLevel is the level whose approvals are out (1..n) while the
	// ticket is awaiting_approval, else 0.
	ApprovalLevel int

	AssigneeID int64  // 0: nobody
	Assignee   string // email; filled on read

	// MessageID is the Message-ID of the mail that opened the ticket (without
	// angle brackets), the root of its mail thread; "" for portal tickets.
	MessageID string
	// Mailbox is the normalized address of the mailbox the ticket came in
	// on (issue 14); "" for the default mailbox, HELPDESK_ADDRESS's. Mail
	// about the ticket goes out from it. It never changes.
	Mailbox string
	// MergedInto is the ticket this one was merged into (merge.go), 0
	// for a ticket that was not merged; only MergeStore writes it.
	MergedInto int64

	// Priority is set by an admin or agent (issue 18); "" reads as normal.
	Priority Priority
	// SLA is the ticket's SLA clock (sla_clock.go).
	SLA SLAClock
	// Fields are the answers to its category's questions (the "New
	// ticket" assistant, or a mailed reply to the acknowledgement), in
	// the order asked; written by AssistantStore alone.
	Fields []TicketField
	// PublicAnswer (an admin's mark) and ShareOK (its requester's
	// consent) let the assistant show this ticket, once resolved, to
	// other employees as a similar one; written by AssistantStore alone.
	PublicAnswer bool
	ShareOK      bool

	CreatedAt time.Time
	UpdatedAt time.Time
}

// RefPrefix starts every ticket reference.
const RefPrefix = "TKT-"

// Ref returns the ticket's reference, "TKT-<id>".
func (t *Ticket) Ref() string { return FormatRef(t.ID) }

// FormatRef returns the reference of ticket id.
func FormatRef(id int64) string { return RefPrefix + strconv.FormatInt(id, 10) }

// ParseRef accepts "TKT-12", "tkt-12" or "12" and returns 12.
func ParseRef(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if len(s) >= len(RefPrefix) && strings.EqualFold(s[:len(RefPrefix)], RefPrefix) {
		s = s[len(RefPrefix):]
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: ticket reference %q (want TKT-<number>)", ErrInvalid, s)
	}
	return id, nil
}

// Actor is who makes a change: a person by email, or the system.
type Actor struct {
	Email  string
	Admin  bool
	System bool
}

// SystemActor is ticketgate itself: the mail pipeline, the scheduler.
var SystemActor = Actor{Email: "system", System: true}

// String returns the name written in events.
func (a Actor) String() string {
	if a.Email == "" {
		return "system"
	}
	return a.Email
}

// Change is a move of a ticket to another status, with what the move needs:
// an assignee to become assigned, the level whose approvals are out to await
// approval.
type Change struct {
	To            Status
	Actor         Actor
	Detail        string // for people; written in the event
	AssigneeID    int64  // required when To is assigned
	ApprovalLevel int    // required when To is awaiting_approval
}

// apply moves t as ch says, keeping the fields that depend on the status
// consistent, and returns the event kind the move writes. On error t is
// unchanged.
func (t *Ticket) apply(ch Change) (EventKind, error) {
	kind, err := CheckTransition(t.Status, ch.To, ch.Actor)
	if err != nil {
		return "", err
	}
	level, assignee := t.ApprovalLevel, t.AssigneeID
	switch ch.To {
	case StatusAwaitingApproval:
		want := 1
		if t.Status == StatusAwaitingApproval {
			want = t.ApprovalLevel + 1
		}
		if ch.ApprovalLevel != want {
			return "", fmt.Errorf("%w: approval level %d after level %d", ErrIllegalTransition, ch.ApprovalLevel, t.ApprovalLevel)
		}
		level = ch.ApprovalLevel
	case StatusAssigned:
		if ch.AssigneeID == 0 {
			return "", fmt.Errorf("%w: assigned needs an assignee", ErrInvalid)
		}
		assignee, level = ch.AssigneeID, 0
	case StatusUnassigned, StatusTriage:
		assignee, level = 0, 0
	case StatusRejected:
		level = 0
	case StatusResolved, StatusClosed:
		// The assignee stays: who resolved it is part of the record.
	}
	t.Status, t.ApprovalLevel, t.AssigneeID = ch.To, level, assignee
	return kind, nil
}

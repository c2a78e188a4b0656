package domain

import "fmt"

// Status is where a ticket is in its life (docs/design.md "Ticket statuses").
type Status string

// The ticket statuses.
const (
	StatusTriage           Status = "triage"
	StatusAwaitingApproval Status = "awaiting_approval"
	StatusRejected         Status = "rejected"
	StatusUnassigned       Status = "unassigned"
	StatusAssigned         Status = "assigned"
	// StatusWaitingOnRequester: the agent asked the requester something;
	// the SLA clock pauses until the requester replies (issue 18).
	StatusWaitingOnRequester Status = "waiting_on_requester"
	StatusResolved           Status = "resolved"
	StatusClosed             Status = "closed"
)

// Statuses lists every status in the order of the table.
var Statuses = []Status{
	StatusTriage, StatusAwaitingApproval, StatusRejected, StatusUnassigned,
	StatusAssigned, StatusWaitingOnRequester, StatusResolved, StatusClosed,
}

// ParseStatus returns the status named s, or an ErrInvalid error.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("%w: status %q (want one of %v)", ErrInvalid, s, Statuses)
}

// IsOpen reports whether a ticket in s still needs work.
func (s Status) IsOpen() bool {
	return s != StatusRejected && s != StatusResolved && s != StatusClosed
}

// EventKind names an entry of a ticket's history.
type EventKind string

// Event kinds of docs/design.md; later features add their own.
const (
	EventReceived          EventKind = "received"
	EventClassified        EventKind = "classified"
	EventTriaged           EventKind = "triaged"
	EventApprovalRequested EventKind = "approval_requested"
	EventApproved          EventKind = "approved"
	EventRejected          EventKind = "rejected"
	EventApprovalRefused   EventKind = "approval_refused"
	EventAssigned          EventKind = "assigned"
	EventUnassigned        EventKind = "unassigned"
	EventCommented         EventKind = "commented"
	EventResolved          EventKind = "resolved"
	EventReopened          EventKind = "reopened"
	EventClosed            EventKind = "closed"
	EventRecategorized     EventKind = "recategorized"
	EventAutoReply         EventKind = "auto_reply"
	EventMailFailed        EventKind = "mail_failed"
	// EventWaitingOnRequester: an agent put the ticket in
	// waiting_on_requester (issue 18).
	EventWaitingOnRequester EventKind = "waiting_on_requester"
	// EventSLAAtRisk and EventSLABreached: the escalation job found a
	// target at risk or breached and mailed about it (issue 18).
	EventSLAAtRisk   EventKind = "sla_at_risk"
	EventSLABreached EventKind = "sla_breached"
	// EventPriority: an admin or agent changed the ticket's priority.
	EventPriority EventKind = "priority_changed"
)

// who may make a transition.
type who int

const (
	anyone        who = iota
	adminOrSystem     // an admin, or the scheduler (automatic close)
	adminOnly
)

type transition struct {
	kind EventKind
	who  who
}

// transitions is docs/design.md's status table, row by row; nothing else is legal.
// The empty "from" is a new ticket's first status.
var transitions = map[Status]map[Status]transition{
	"": {
		StatusTriage:           {EventTriaged, anyone},
		StatusAwaitingApproval: {EventApprovalRequested, anyone},
		StatusUnassigned:       {EventUnassigned, anyone},
		StatusAssigned:         {EventAssigned, anyone},
	},
	StatusTriage: {
		StatusAwaitingApproval: {EventApprovalRequested, anyone},
		StatusUnassigned:       {EventUnassigned, anyone},
		StatusAssigned:         {EventAssigned, anyone},
	},
	StatusAwaitingApproval: {
		StatusAwaitingApproval: {EventApprovalRequested, anyone}, // next level
		StatusRejected:         {EventRejected, anyone},
		StatusUnassigned:       {EventUnassigned, anyone},
		StatusAssigned:         {EventAssigned, anyone},
	},
	StatusRejected: {
		StatusClosed: {EventClosed, anyone},
		StatusTriage: {EventReopened, adminOnly},
	},
	StatusUnassigned: {
		StatusAssigned: {EventAssigned, anyone},
	},
	StatusAssigned: {
		StatusAssigned:           {EventAssigned, anyone}, // reassigned
		StatusUnassigned:         {EventUnassigned, anyone},
		StatusWaitingOnRequester: {EventWaitingOnRequester, anyone},
		StatusResolved:           {EventResolved, anyone},
	},
	StatusWaitingOnRequester: {
		StatusAssigned:   {EventAssigned, anyone}, // the requester replied, or reassigned
		StatusUnassigned: {EventUnassigned, anyone},
		StatusResolved:   {EventResolved, anyone},
	},
	StatusResolved: {
		StatusAssigned: {EventReopened, anyone},
		StatusClosed:   {EventClosed, adminOrSystem},
	},
	StatusClosed: {
		StatusTriage: {EventReopened, adminOnly},
	},
}

// CheckTransition says whether a ticket may go from one status to another
// (from "" for a new ticket) and which event kind the move writes. It wraps
// ErrIllegalTransition for a move the table does not list, and ErrForbidden
// when the actor lacks the role the move needs.
func CheckTransition(from, to Status, actor Actor) (EventKind, error) {
	t, ok := transitions[from][to]
	if !ok {
		name := string(from)
		if name == "" {
			name = "(new)"
		}
		return "", fmt.Errorf("%w: %s → %s", ErrIllegalTransition, name, to)
	}
	switch {
	case t.who == adminOnly && !actor.Admin,
		t.who == adminOrSystem && !actor.Admin && !actor.System:
		return "", fmt.Errorf("%w: only an admin may move a ticket from %s to %s", ErrForbidden, from, to)
	}
	return t.kind, nil
}

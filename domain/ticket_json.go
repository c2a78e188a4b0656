package domain

import (
	"cmp"
	"time"
)

// TicketJSON is a ticket as `ticket list --json` prints it and the REST
// API sends it (docs/design.md "JSON of the commands"): other tools read
// these names, so both build it here.
type TicketJSON struct {
	ID             int64               `json:"id"`
	Ref            string              `json:"ref"`
	Subject        string              `json:"subject"`
	Status         string              `json:"status"`
	ApprovalLevel  *int                `json:"approval_level"`
	Category       *string             `json:"category"`
	Classification *ClassificationJSON `json:"classification"`
	Requester      string              `json:"requester"`
	Assignee       *string             `json:"assignee"`
	// Mailbox is the address the ticket came in on: HELPDESK_ADDRESS for
	// the default mailbox (never null: every ticket came in somewhere).
	Mailbox   string `json:"mailbox"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	// Priority is low, normal, high or urgent (issue 18).
	Priority string `json:"priority"`
	// The SLA clock (docs/sla.md): the due times of the category's
	// targets in business time, null without a target; the state, null
	// when no policy applies.
	SLAFirstResponseDueAt *string `json:"sla_first_response_due_at"`
	SLAResolutionDueAt    *string `json:"sla_resolution_due_at"`
	SLAState              *string `json:"sla_state"`
}

// ClassificationJSON is a part of TicketJSON or TicketDetailJSON.
type ClassificationJSON struct {
	Method     string  `json:"method"`
	Confidence float64 `json:"confidence"`
}

// TicketDetailJSON is `ticket show --json` and GET /api/v1/tickets/{ref}:
// the list fields and more.
type TicketDetailJSON struct {
	TicketJSON
	Body        string           `json:"body"`
	Events      []EventJSON      `json:"events"`
	Approvals   []ApprovalJSON   `json:"approvals"`
	Attachments []AttachmentJSON `json:"attachments"`
	// Watchers are the addresses that follow the ticket (issue 17).
	Watchers []string `json:"watchers"`
	// MergedInto is the ref of the ticket this one was merged into;
	// absent for a ticket that was not merged.
	MergedInto *string `json:"merged_into,omitempty"`
	// Fields are the answers to its category's questions, in the order
	// asked (issue 21); empty when there are none.
	Fields []TicketField `json:"fields"`
	// Satisfaction is the requester's latest answer to "was your problem
	// solved?" (issue 18); null when there is none.
	Satisfaction *SatisfactionJSON `json:"satisfaction"`
}

// SatisfactionJSON is a part of TicketDetailJSON: rating is yes or no.
type SatisfactionJSON struct {
	Rating  string `json:"rating"`
	Comment string `json:"comment"`
	RatedAt string `json:"rated_at"`
}

// EventJSON is a part of TicketJSON or TicketDetailJSON.
type EventJSON struct {
	At     string `json:"at"`
	Kind   string `json:"kind"`
	Actor  string `json:"actor"`
	Detail string `json:"detail"`
	// Internal is true on an internal note (kind note), which the
	// requester never sees; absent on every other event.
	Internal bool `json:"internal,omitempty"`
	// MergedFrom is the ref of the ticket the event was moved from by a
	// merge; absent on every other event.
	MergedFrom *string `json:"merged_from,omitempty"`
}

// ApprovalJSON is a part of TicketJSON or TicketDetailJSON.
type ApprovalJSON struct {
	Level     int     `json:"level"`
	Rule      string  `json:"rule"`
	Approver  string  `json:"approver"`
	Decision  string  `json:"decision"`
	Via       *string `json:"via"`
	DecidedAt *string `json:"decided_at"`
	Comment   string  `json:"comment"`
}

// AttachmentJSON is a part of TicketJSON or TicketDetailJSON.
type AttachmentJSON struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	// Internal is true on a file of an internal note; absent otherwise.
	Internal bool `json:"internal,omitempty"`
}

// NewTicketJSON is t as JSON; helpdesk is HELPDESK_ADDRESS, the address of
// the default mailbox.
func NewTicketJSON(t *Ticket, helpdesk string) TicketJSON {
	j := TicketJSON{ID: t.ID, Ref: t.Ref(), Subject: t.Subject, Status: string(t.Status), Category: jsonString(t.Category),
		Requester: t.Requester, Assignee: jsonString(t.Assignee), Mailbox: cmp.Or(t.Mailbox, helpdesk),
		CreatedAt: jsonTime(t.CreatedAt), UpdatedAt: jsonTime(t.UpdatedAt), Priority: string(cmp.Or(t.Priority, PriorityNormal)),
		SLAFirstResponseDueAt: jsonTimePtr(t.SLA.FirstResponseDueAt), SLAResolutionDueAt: jsonTimePtr(t.SLA.ResolutionDueAt),
		SLAState: jsonString(string(t.SLA.State))}
	if t.ApprovalLevel > 0 {
		lvl := t.ApprovalLevel
		j.ApprovalLevel = &lvl
	}
	if t.ClassMethod != "" {
		j.Classification = &ClassificationJSON{Method: t.ClassMethod, Confidence: t.ClassConfidence}
	}
	return j
}

// NewTicketDetailJSON is d as JSON; helpdesk as for NewTicketJSON.
func NewTicketDetailJSON(d *TicketDetail, helpdesk string) TicketDetailJSON {
	j := TicketDetailJSON{TicketJSON: NewTicketJSON(&d.Ticket, helpdesk), Body: d.Ticket.Body,
		Events: []EventJSON{}, Approvals: []ApprovalJSON{}, Attachments: []AttachmentJSON{}, Watchers: []string{},
		Fields: append([]TicketField{}, d.Ticket.Fields...)}
	for _, w := range d.Watchers {
		j.Watchers = append(j.Watchers, w.Email)
	}
	if r := d.Satisfaction; r != nil {
		j.Satisfaction = &SatisfactionJSON{Rating: string(r.Rating), Comment: r.Comment, RatedAt: jsonTime(r.At)}
	}
	if d.Ticket.MergedInto != 0 {
		j.MergedInto = jsonString(FormatRef(d.Ticket.MergedInto))
	}
	for _, e := range d.Events {
		ej := EventJSON{At: jsonTime(e.At), Kind: string(e.Kind), Actor: e.Actor, Detail: e.Detail, Internal: e.Internal()}
		if e.MergedFrom != 0 {
			ej.MergedFrom = jsonString(FormatRef(e.MergedFrom))
		}
		j.Events = append(j.Events, ej)
	}
	for _, ap := range d.Approvals {
		aj := ApprovalJSON{Level: ap.Level, Rule: string(ap.Rule), Approver: ap.Approver, Decision: string(ap.Decision),
			Via: jsonString(string(ap.Via)), Comment: ap.Comment}
		if ap.DecidedAt != nil {
			s := jsonTime(*ap.DecidedAt)
			aj.DecidedAt = &s
		}
		j.Approvals = append(j.Approvals, aj)
	}
	for _, at := range d.Attachments {
		j.Attachments = append(j.Attachments, AttachmentJSON{Name: at.Name, ContentType: at.ContentType, Size: at.Size, Internal: at.Internal})
	}
	return j
}

func jsonTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func jsonTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := jsonTime(*t)
	return &s
}

func jsonString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

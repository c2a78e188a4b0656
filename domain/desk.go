package domain

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Desk runs the helpdesk's use cases. Each method is one use case and runs
// in one transaction: the ticket change, its events and its outbox rows
// commit together.
type Desk struct {
	store Store
	clock Clock
	log   *slog.Logger

	composer Composer // renders mail; see WithComposer
	relay    bool     // an outgoing relay is configured: mail is queued, not held

	intake IntakePolicy // which mail may open tickets; see WithIntake
	secret secretKey    // signs approval tokens; see WithSecretKey

	authservID string   // TRUSTED_AUTHSERV_ID; see WithTrustedAuthserv
	schedule   Schedule // the scheduled jobs' periods; see WithSchedule

	refusalsPerHour int // REFUSALS_PER_HOUR; see WithRefusalsPerHour
	acksPerHour     int // ACKS_PER_SENDER_PER_HOUR; see WithAcksPerSenderPerHour

	maxMessageBytes int64 // MAX_MESSAGE_BYTES; see WithMaxMessageBytes

	classify *classifying // see WithClassifier

	similarity TextSimilarity // the assistant's similar tickets; see WithSimilarity
	writer     AssistWriter   // the assistant's wording; see WithAssistWriter

	boxes mailboxCache // the mailboxes, for routing (mailbox_route.go)

	leave *leaveReading // leave status from the providers; see WithLeave

	linkRequested chan struct{} // see PasswordLinksRequested

	// instance names this process life in the rows of mails in flight
	// (see Intake): random, new for every Desk.
	instance string
}

// Option configures a Desk beyond its store, clock and logger: the
// classifier, the mail composer, the helpdesk's policies. Each feature
// defines its own option beside its use cases.
type Option func(*Desk)

// NewDesk returns a Desk over store. A nil clock means SystemClock; a nil
// logger discards.
func NewDesk(store Store, clock Clock, log *slog.Logger, opts ...Option) *Desk {
	if clock == nil {
		clock = SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Desk{store: store, clock: clock, log: log, linkRequested: make(chan struct{}, 1),
		refusalsPerHour: DefaultRefusalsPerHour, acksPerHour: DefaultAcksPerSenderPerHour, instance: newInstanceID()}
	for _, o := range opts {
		o(d)
	}
	return d
}

// MaxSubject is the longest subject kept; longer ones are cut.
const MaxSubject = 300

// NewTicket is what a ticket is opened from.
type NewTicket struct {
	Subject   string
	Body      string
	From      string // the requester's address
	FromName  string
	MessageID string // of the mail, without angle brackets; "" from the portal
	Channel   string // how it came: imap, smtp, lmtp, import, portal
	// Mailbox is the address of the mailbox it came in on ("" the default
	// one, HELPDESK_ADDRESS's); see Ticket.Mailbox.
	Mailbox string
	// Attachments are stored with the ticket, in its transaction.
	Attachments []InboundAttachment
	// Watchers become the ticket's watchers before its acknowledgement
	// goes out (the caller applied the rules: see mailWatchers).
	Watchers []string
	// Questions are asked by its acknowledgement: the required questions
	// of the category it is about to get (see askByMail).
	Questions []string
}

// OpenTicket creates a ticket for a requester, creating the requester as an
// employee without a password when the address is new. The ticket starts in
// triage: classification moves it on.
func (d *Desk) OpenTicket(ctx context.Context, in NewTicket) (*Ticket, error) {
	var t *Ticket
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		t, err = d.openTicket(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open ticket: %w", err)
	}
	d.ClassifyLater(t.ID)
	return t, nil
}

// openTicket is OpenTicket inside the caller's transaction.
func (d *Desk) openTicket(ctx context.Context, tx Store, in NewTicket) (*Ticket, error) {
	return d.openTicketFor(ctx, tx, in, nil, false)
}

// openTicketFor is openTicket for a requester already looked up (nil: look
// up or create by in.From). With classifyNow the caller classifies the
// ticket in the same transaction (intake with an inline classifier,
// classifyOpened): its history then starts with received and goes on with
// what the classification wrote (classified and the move it makes, or
// triaged with the reason), without a triaged event saying it waits for
// an admin, which it never did. Otherwise the ticket waits in triage and
// its history says so.
func (d *Desk) openTicketFor(ctx context.Context, tx Store, in NewTicket, requester *User, classifyNow bool) (*Ticket, error) {
	from, err := NormalizeEmail(in.From)
	if err != nil {
		return nil, fmt.Errorf("requester: %w", err)
	}
	subject, body := ticketText(in)
	channel := in.Channel
	if channel == "" {
		channel = "mail"
	}
	if requester == nil || requester.Email != from {
		if requester, err = d.requester(ctx, tx, from, cleanText(in.FromName)); err != nil {
			return nil, err
		}
	}
	now := d.clock.Now()
	t := &Ticket{
		Subject:     subject,
		Body:        body,
		RequesterID: requester.ID,
		Requester:   requester.Email,
		MessageID:   in.MessageID,
		Mailbox:     in.Mailbox,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	kind, err := t.apply(Change{To: StatusTriage, Actor: SystemActor})
	if err != nil {
		return nil, err
	}
	events := []*Event{{At: now, Kind: EventReceived, Actor: requester.Email,
		Detail: fmt.Sprintf("received from %s by %s", requester.Email, channel)}}
	if !classifyNow {
		events = append(events, &Event{At: now, Kind: kind, Actor: SystemActor.String(),
			Detail: "waiting in triage for an admin to pick a category"})
	}
	if err := tx.CreateTicket(ctx, t, events...); err != nil {
		return nil, err
	}
	if err := d.addAttachments(ctx, tx, t.ID, in.Attachments, false); err != nil {
		return nil, err
	}
	ws, err := d.addWatchers(ctx, tx, t, in.Watchers, Actor{Email: requester.Email}, "in To or Cc of the first mail")
	if err != nil {
		return nil, err
	}
	if err := d.mailTicketReceived(ctx, tx, t, requester, ws, in.Questions); err != nil {
		return nil, err
	}
	d.log.InfoContext(ctx, "ticket opened", slog.String("ticket", t.Ref()), slog.String("channel", channel))
	return t, nil
}

// ticketText is the subject and body a ticket opened from in keeps: what
// the classifier reads.
func ticketText(in NewTicket) (subject, body string) {
	subject = strings.Join(strings.Fields(cleanText(in.Subject)), " ")
	if subject == "" {
		subject = "(no subject)"
	}
	if r := []rune(subject); len(r) > MaxSubject {
		subject = string(r[:MaxSubject])
	}
	return subject, cleanText(in.Body)
}

// cleanText makes s safe to store: valid UTF-8 and no NUL bytes (which
// PostgreSQL refuses in text).
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

// requester returns the user with address email, creating an employee
// without a password if there is none.
func (d *Desk) requester(ctx context.Context, tx Store, email, name string) (*User, error) {
	u, err := tx.GetUserByEmail(ctx, email)
	if err == nil {
		return u, nil
	}
	if !isNotFound(err) {
		return nil, err
	}
	now := d.clock.Now()
	u = &User{Email: email, Name: strings.TrimSpace(name), Role: RoleEmployee, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("create requester %s: %w", email, err)
	}
	return u, nil
}

// Transition moves ticket id as ch says and writes the event, in one
// transaction. An illegal move returns an error wrapping
// ErrIllegalTransition (or ErrForbidden) and changes nothing.
func (d *Desk) Transition(ctx context.Context, id int64, ch Change) (*Ticket, error) {
	var t *Ticket
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		t, err = tx.GetTicket(ctx, id)
		if err != nil {
			return err
		}
		return d.move(ctx, tx, t, ch)
	})
	if err != nil {
		return nil, fmt.Errorf("ticket %s to %s: %w", FormatRef(id), ch.To, err)
	}
	return t, nil
}

// move applies ch to t, saves t and writes the event, inside tx.
func (d *Desk) move(ctx context.Context, tx Store, t *Ticket, ch Change) error {
	prev := t.Status
	kind, err := t.apply(ch)
	if err != nil {
		return err
	}
	t.UpdatedAt = d.clock.Now()
	// An assignment mails the agent; going back to them (the requester
	// replied, a reopening) does not.
	mailed := t.Status == StatusAssigned && prev != StatusWaitingOnRequester && prev != StatusResolved
	if err := d.slaSync(ctx, tx, t, t.UpdatedAt, false, mailed); err != nil {
		return err
	}
	if err := tx.UpdateTicket(ctx, t, prev); err != nil {
		return err
	}
	detail := ch.Detail
	if detail == "" {
		detail = fmt.Sprintf("%s → %s", prev, t.Status)
	}
	if err := d.event(ctx, tx, t.ID, kind, ch.Actor.String(), detail); err != nil {
		return err
	}
	d.log.InfoContext(ctx, "ticket moved", slog.String("ticket", t.Ref()),
		slog.String("from", string(prev)), slog.String("to", string(t.Status)))
	return nil
}

func (d *Desk) event(ctx context.Context, tx Store, ticketID int64, kind EventKind, actor, detail string) error {
	return tx.AppendEvents(ctx, &Event{TicketID: ticketID, At: d.clock.Now(), Kind: kind, Actor: actor, Detail: detail})
}

// TicketDetail is a ticket with everything that hangs off it.
type TicketDetail struct {
	Ticket      Ticket
	Events      []Event
	Approvals   []Approval
	Attachments []Attachment
	Watchers    []Watcher
	// Satisfaction is the requester's latest answer to "was it solved?"
	// (satisfaction.go), nil when there is none.
	Satisfaction *SatisfactionRating
}

// Ticket returns ticket id with its history, approvals and attachments.
func (d *Desk) Ticket(ctx context.Context, id int64) (*TicketDetail, error) {
	t, err := d.store.GetTicket(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get ticket %s: %w", FormatRef(id), err)
	}
	out := &TicketDetail{Ticket: *t}
	if out.Events, err = d.store.ListEvents(ctx, id); err != nil {
		return nil, fmt.Errorf("events of %s: %w", t.Ref(), err)
	}
	if out.Approvals, err = d.store.ListApprovals(ctx, id); err != nil {
		return nil, fmt.Errorf("approvals of %s: %w", t.Ref(), err)
	}
	if out.Attachments, err = d.store.ListAttachments(ctx, id); err != nil {
		return nil, fmt.Errorf("attachments of %s: %w", t.Ref(), err)
	}
	if out.Watchers, err = d.store.ListWatchers(ctx, id); err != nil {
		return nil, fmt.Errorf("watchers of %s: %w", t.Ref(), err)
	}
	switch r, err := d.store.LastSatisfaction(ctx, id); {
	case err == nil:
		out.Satisfaction = r
	case !isNotFound(err):
		return nil, fmt.Errorf("satisfaction of %s: %w", t.Ref(), err)
	}
	return out, nil
}

// Tickets lists the tickets that match q (see TicketQuery).
func (d *Desk) Tickets(ctx context.Context, q TicketQuery) ([]Ticket, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	ts, err := d.store.ListTickets(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return ts, nil
}

// Ready checks that the database answers.
func (d *Desk) Ready(ctx context.Context) error { return d.store.Ping(ctx) }

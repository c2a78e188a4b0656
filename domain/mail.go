package domain

import (
	"context"
	"errors"
	"fmt"
)

// MailKind names a mail the product sends; each kind has its own template.
type MailKind string

// The mails of docs/design.md "Mail out".
const (
	MailTicketReceived   MailKind = "ticket_received"   // to the requester
	MailApprovalNeeded   MailKind = "approval_needed"   // to each approver of a level
	MailApprovalReminder MailKind = "approval_reminder" // to approvers who have not answered
	MailRejected         MailKind = "rejected"          // to the requester
	MailAssigned         MailKind = "assigned"          // to the agent (and the requester)
	MailComment          MailKind = "comment"           // a comment relayed to the other side
	MailResolved         MailKind = "resolved"          // to the requester
	MailRefusal          MailKind = "refusal"           // to a sender outside policy
	MailUnreadableReply  MailKind = "unreadable_reply"  // "could not read your reply"
	MailTriageNotice     MailKind = "triage_notice"     // to admins
	MailPasswordLink     MailKind = "password_link"     // invitation or password reset
	MailApprovalExpired  MailKind = "approval_expired"  // to admins: an approval waited too long
	// MailMailboxReauth: to admins, once, when a mailbox's OAuth2 grant was
	// refused and it must be connected again.
	MailMailboxReauth MailKind = "mailbox_reauthorization"
	// MailWebhookDisabled: to admins, once, when a webhook failed for
	// 24 h and was turned off.
	MailWebhookDisabled MailKind = "webhook_disabled"
)

// Mail is a mail to send, before it is rendered. Vars carry what the kind's
// template shows beyond the ticket (a comment's text and author, a reason,
// a link); each kind documents the names it reads.
type Mail struct {
	Kind   MailKind
	To     string // a normalized address
	ToName string
	Ticket *Ticket // nil for mail about no ticket
	Vars   map[string]string
	// Lines is a list the kind's template shows, one entry a line (the
	// tickets of a triage digest); nil for most kinds.
	Lines []MailLine
	// ReplyTo is set where a flow needs answers at another address (the
	// approval plus-address).
	ReplyTo string
	// From and FromName are the mailbox the mail goes out from, its
	// address and display name; "" for the default (MAIL_FROM and
	// HELPDESK_NAME). sendMail sets them from the ticket's mailbox.
	From     string
	FromName string
	// InReplyTo and References thread the mail; empty starts a thread.
	InReplyTo  string
	References []string
	// Token, on approval mails, is the approval token; it stands in the
	// Message-ID in place of the random part, so a reply that threads
	// carries it.
	Token string
	// Attachments are files the mail carries as MIME parts (a portal
	// comment's files): Name, ContentType and Content of each.
	Attachments []Attachment
	// MessageID, when set, is the Message-ID the mail gets (made by the
	// composer's MessageIDMaker beforehand); empty, the composer makes one.
	MessageID string
	// Cc are the addresses the mail shows in Cc (a ticket's watchers, on
	// the requester's mails: see domain/watchers.go).
	Cc []string
	// Language and TimeZone are what the mail is written in: a supported
	// language code and a time zone name. sendMail fills them when empty
	// (mailLanguage): the recipient's settings, else the language of the
	// mail that opened the ticket, else DEFAULT_LANGUAGE and
	// DEFAULT_TIMEZONE.
	Language string
	TimeZone string
	// CopyTo, when set, makes this the copy of the mail for one of its Cc
	// addresses: headers as for everyone (To, Cc, the same MessageID),
	// delivered to CopyTo alone (the outbox row's To).
	CopyTo string
	// Questions, on a ticket's acknowledgement, are its category's
	// required questions still unanswered: the mail asks the requester to
	// reply with them filled in ("Question: answer"; see fillFromReply).
	Questions []string
}

// MailLine is one entry of a mail's list: a ticket and a note about it.
type MailLine struct {
	Ref     string // the ticket's ref, TKT-N
	Subject string
	Note    string // e.g. the classifier's top guess
}

// Composer renders a Mail into a complete message ready to send (headers,
// text and HTML parts). It does no I/O and is safe for concurrent use.
type Composer interface {
	Compose(ctx context.Context, m Mail) (*OutboxMessage, error)
}

// MessageIDMaker is a Composer that can make a mail's Message-ID before
// rendering it. Intake uses it to render a batch's mails on all cores at
// the end of the batch (see batchTx): a later mail of a ticket's thread
// needs the Message-IDs of the earlier ones.
type MessageIDMaker interface {
	MessageID(m Mail) (string, error)
}

// ErrNoComposer is returned when a use case must send mail and the Desk
// has no Composer.
var ErrNoComposer = errors.New("no mail composer configured")

// WithComposer makes the Desk render mail with c. relay says whether an
// outgoing relay is configured: without one, mail is kept as held.
func WithComposer(c Composer, relay bool) Option {
	return func(d *Desk) { d.composer, d.relay = c, relay }
}

// sendMail renders m and writes it to the outbox inside tx, so it goes out
// exactly when the change that causes it commits.
func (d *Desk) sendMail(ctx context.Context, tx Store, m Mail) error {
	_, err := d.sendMailMsg(ctx, tx, m)
	return err
}

// sendMailMsg is sendMail, returning the outbox row it wrote (its
// Message-ID is set; in a batch its text comes at the batch's end).
func (d *Desk) sendMailMsg(ctx context.Context, tx Store, m Mail) (*OutboxMessage, error) {
	if d.composer == nil {
		return nil, fmt.Errorf("send %s mail: %w", m.Kind, ErrNoComposer)
	}
	if m.From == "" && m.Ticket != nil {
		// Mail about a ticket goes out from the mailbox it came in on.
		m.From, m.FromName = d.sender(ctx, tx, m.Ticket)
	}
	d.mailLanguage(ctx, tx, &m)
	var msg *OutboxMessage
	if b, ok := tx.(*batchTx); ok && b.ids != nil {
		// Rendered beside the batch, put in its row when the batch ends.
		var err error
		if msg, err = b.renderLater(ctx, m); err != nil {
			return nil, fmt.Errorf("compose %s mail to %s: %w", m.Kind, m.To, err)
		}
	} else {
		var err error
		if msg, err = d.composer.Compose(ctx, m); err != nil {
			return nil, fmt.Errorf("compose %s mail to %s: %w", m.Kind, m.To, err)
		}
	}
	if m.CopyTo != "" {
		msg.To = m.CopyTo // the copy's one recipient, whatever its headers say
	}
	now := d.clock.Now()
	msg.Status, msg.NextAttemptAt, msg.CreatedAt = OutboxHeld, now, now
	if d.relay {
		msg.Status = OutboxQueued
	}
	if m.Ticket != nil {
		msg.TicketID = m.Ticket.ID
	}
	msg.Mailbox = m.From
	if err := tx.EnqueueMail(ctx, msg); err != nil {
		return nil, err
	}
	return msg, nil
}

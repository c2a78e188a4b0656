package domain

import "time"

// Event is one entry of a ticket's history. Events are only ever appended.
type Event struct {
	ID       int64
	TicketID int64
	At       time.Time
	Kind     EventKind
	Actor    string // an email address or "system"
	Detail   string // a sentence for people
	// MergedFrom is the ticket the event was moved from by a merge
	// (merge.go); 0 for an event written on its own ticket.
	MergedFrom int64
}

// Decision is an approver's answer.
type Decision string

// Approval decisions.
const (
	DecisionPending  Decision = "pending"
	DecisionApproved Decision = "approved"
	DecisionRejected Decision = "rejected"
)

// Via says how a decision was given.
type Via string

// Decision channels.
const (
	ViaEmail  Via = "email"
	ViaPortal Via = "portal"
)

// Approval is one approver's part in one level of one ticket. The rows are
// written when the level is mailed, so a ticket keeps the approvers it was
// sent to even if the category changes later.
type Approval struct {
	ID        int64
	TicketID  int64
	Level     int
	Rule      Rule
	Approver  string
	Decision  Decision
	Via       Via // "" while pending
	Comment   string
	DecidedAt *time.Time
	CreatedAt time.Time
}

// Attachment is a file that came with a ticket's mail or portal form.
type Attachment struct {
	ID          int64
	TicketID    int64
	Name        string
	ContentType string
	Size        int64
	// Content holds the bytes when they are kept in the database; Path names
	// the file under ATTACHMENTS_DIR otherwise. Lists leave Content nil.
	Content []byte
	Path    string
	// Internal is set on the files of an internal note (a NOTE reply's
	// attachments): only agents and admins see them, like the note.
	Internal  bool
	CreatedAt time.Time
}

// OutboxStatus is where an outgoing mail is.
type OutboxStatus string

// Outbox statuses of docs/design.md "Mail out".
const (
	OutboxQueued OutboxStatus = "queued"
	OutboxHeld   OutboxStatus = "held" // no relay configured: kept until there is one
	OutboxSent   OutboxStatus = "sent"
	OutboxDead   OutboxStatus = "dead"
)

// OutboxMessage is one rendered mail waiting to go out (or gone). It is
// written in the same transaction as the change that causes it.
type OutboxMessage struct {
	ID            int64
	TicketID      int64 // 0: not about a ticket
	Kind          string
	To            string
	Subject       string
	MessageID     string
	Raw           []byte // the whole RFC 5322 message
	Status        OutboxStatus
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
	// BodyDroppedAt is when OUTBOX_RETENTION dropped the body of this
	// sent mail: Raw then holds its header section alone.
	BodyDroppedAt *time.Time
	// Mailbox is the address of the mailbox the mail goes out from and
	// through (its SMTP settings); "" for the default one (MAIL_FROM
	// through SMTP_URL).
	Mailbox string
}

// InboxLogEntry records a mail that made no ticket, and why.
type InboxLogEntry struct {
	ID        int64
	At        time.Time
	Channel   string // imap, smtp, lmtp, import
	MessageID string
	From      string
	Subject   string
	Reason    string
	TicketID  int64 // the ticket it refers to, if any
}

// ProcessedMail marks a mail as handled, exactly once: it is written in the
// transaction that makes the mail's ticket or event. UID is 0 for mail that
// did not come over IMAP.
type ProcessedMail struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	MessageID   string
	TicketID    int64
	At          time.Time
}

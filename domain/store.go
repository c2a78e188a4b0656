package domain

import "context"

// Store is the persistence Desk needs. Implementations map "no row" to
// ErrNotFound and unique or foreign-key violations to ErrConflict, and never
// return a nil entity with a nil error.
type Store interface {
	// InTx runs fn in one transaction with a Store bound to it: everything fn
	// writes commits together, or nothing does if fn returns an error. InTx
	// on a Store that is already in a transaction runs fn in that one.
	InTx(ctx context.Context, fn func(ctx context.Context, tx Store) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error

	UserStore
	CategoryStore
	TeamStore
	TicketStore
	MailStore
	OutboxStore
	RefusalStore
	SettingStore
	InboxStore
	ApprovalStore
	JobStore
	MailVolumeStore // store_mail_volume.go
	ClassifyStore   // store_training.go
	AssignStore
	PortalStore
	AdminStore        // store_admin.go
	AdminTicketStore  // store_admin_tickets.go
	DashboardStore    // store_dashboard.go
	MailboxStore      // store_mailboxes.go
	CannedReplyStore  // store_canned.go
	WatcherStore      // watchers.go
	WebhookStore      // webhook.go
	APITokenStore     // store_api.go
	LeaveStore        // leave.go
	MergeStore        // merge.go
	SatisfactionStore // satisfaction.go
	TicketExportStore // ticket_export.go
	CalendarStore     // store_calendars.go
	SLAStore          // store_sla.go
	SLAReportStore    // store_sla.go
	AssistantStore    // store_assistant.go
}

// UserStore keeps users.
type UserStore interface {
	// CreateUser inserts u and sets its ID; ErrConflict if the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser writes every field of u.
	UpdateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, id int64) (*User, error)
	// GetUserByEmail takes a normalized address.
	GetUserByEmail(ctx context.Context, email string) (*User, error)
	// ListUsers returns the users that match f, in id order.
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)
	CountUsers(ctx context.Context) (int, error)
	// LockAdmins holds the admins lock until the transaction ends: every
	// transaction that could take away the last enabled admin (disabling
	// or demoting one, setup apply) takes it before it counts them, so two
	// of them never both count the other's admin. On PostgreSQL it is a
	// transaction-scoped advisory lock; on SQLite, whose write
	// transactions are serialized already, it does nothing. It must be
	// called inside InTx.
	LockAdmins(ctx context.Context) error
}

// UserFilter narrows ListUsers; zero fields match all.
type UserFilter struct {
	Role Role
}

// CategoryStore keeps categories. Every write also bumps the categories
// version (see SettingStore) in the same transaction, so classifiers on
// every instance notice the change.
type CategoryStore interface {
	// CreateCategory inserts c and sets its ID; ErrConflict if the name is
	// taken (case-insensitively), or c's StarterKey.
	CreateCategory(ctx context.Context, c *Category) error
	// UpdateCategory writes c's fields but StarterKey, which only
	// CreateCategory writes, and CalendarID and SLA, which only
	// CreateCategory and SetCategorySLA write.
	UpdateCategory(ctx context.Context, c *Category) error
	// SetCategorySLA writes category id's calendar and SLA policy (nil:
	// none); ErrNotFound when there is no category id.
	SetCategorySLA(ctx context.Context, id int64, calendarID *int64, sla *SLAPolicy) error
	// DeleteCategory removes it, and it from team members; ErrConflict while
	// tickets use it.
	DeleteCategory(ctx context.Context, id int64) error
	GetCategory(ctx context.Context, id int64) (*Category, error)
	// GetCategoryByName matches case-insensitively.
	GetCategoryByName(ctx context.Context, name string) (*Category, error)
	// ListCategories returns all categories in id order.
	ListCategories(ctx context.Context) ([]Category, error)
	// HasCategories reports whether there is a category at all: a few
	// bytes read, where ListCategories decodes every category.
	HasCategories(ctx context.Context) (bool, error)
	// CategoriesVersion changes whenever a category is written.
	CategoriesVersion(ctx context.Context) (int64, error)
}

// TeamStore keeps team members.
type TeamStore interface {
	// SaveTeamMember inserts m (ID 0) or updates it, categories included.
	SaveTeamMember(ctx context.Context, m *TeamMember) error
	GetTeamMemberByUser(ctx context.Context, userID int64) (*TeamMember, error)
	// ListTeamMembers returns every member in id order.
	ListTeamMembers(ctx context.Context) ([]TeamMember, error)
	DeleteTeamMember(ctx context.Context, id int64) error
}

// TicketStore keeps tickets and what hangs off them.
type TicketStore interface {
	// CreateTicket inserts t and sets its ID, then appends events (whose
	// TicketID it sets) in order: a new ticket and its first history in as
	// few round trips as the database allows.
	CreateTicket(ctx context.Context, t *Ticket, events ...*Event) error
	// UpdateTicket writes t if its status in the database is still prev,
	// else returns ErrConflict (someone else moved it meanwhile).
	UpdateTicket(ctx context.Context, t *Ticket, prev Status) error
	GetTicket(ctx context.Context, id int64) (*Ticket, error)
	// ListTickets returns the tickets that match q, in q's order, from
	// q.After (or up to q.Before: the last q.Limit before it, still in q's
	// order), at most q.Limit (0: all). q must be valid (Validate). Every
	// ticket list is this one query (see TicketQuery).
	ListTickets(ctx context.Context, q TicketQuery) ([]Ticket, error)
	// CountTickets counts the tickets that match q's filters (its cursor,
	// sort and limit aside), up to max: it reads at most max rows.
	CountTickets(ctx context.Context, q TicketQuery, max int) (int, error)

	// AppendEvents inserts es, in order, in one statement (their IDs are
	// left unset: nothing needs them, and multi-row RETURNING order is not
	// guaranteed on SQLite).
	AppendEvents(ctx context.Context, es ...*Event) error
	// ListEvents returns a ticket's history, oldest first.
	ListEvents(ctx context.Context, ticketID int64) ([]Event, error)

	CreateApproval(ctx context.Context, a *Approval) error
	// ListApprovals returns a ticket's approvals by level, then id.
	ListApprovals(ctx context.Context, ticketID int64) ([]Approval, error)

	AddAttachment(ctx context.Context, a *Attachment) error
	// ListAttachments returns a ticket's attachments without their content.
	ListAttachments(ctx context.Context, ticketID int64) ([]Attachment, error)
}

// MailStore keeps the mail records: outbox, inbox log, processed marks.
type MailStore interface {
	// EnqueueMail inserts m and sets its ID.
	EnqueueMail(ctx context.Context, m *OutboxMessage) error
	// EnqueueMails inserts ms, in order, in as few statements as the
	// database allows; their IDs are left unset.
	EnqueueMails(ctx context.Context, ms []*OutboxMessage) error
	// ListOutbox returns messages, newest first; status "" matches all.
	ListOutbox(ctx context.Context, status OutboxStatus, limit int) ([]OutboxMessage, error)

	AddInboxLog(ctx context.Context, e *InboxLogEntry) error
	// ListInboxLog returns entries, newest first.
	ListInboxLog(ctx context.Context, limit int) ([]InboxLogEntry, error)

	// RecordProcessed marks a mail handled; ErrConflict if its Message-ID, or
	// its mailbox/UIDVALIDITY/UID, was recorded before.
	RecordProcessed(ctx context.Context, p *ProcessedMail) error
	// IsProcessed reports whether a mail with this Message-ID was handled.
	IsProcessed(ctx context.Context, messageID string) (bool, error)
}

// SettingStore keeps small named values that must live in the database
// (the generated secret key, for one).
type SettingStore interface {
	// GetSetting returns ErrNotFound when key was never set.
	GetSetting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error
	// PutSettingIfAbsent stores value unless key is set, and returns the
	// value that is stored now: the first writer wins.
	PutSettingIfAbsent(ctx context.Context, key, value string) (string, error)
}

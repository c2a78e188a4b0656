package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type ticketRow struct {
	bun.BaseModel `bun:"table:tickets"`

	ID              int64     `bun:"id,pk,autoincrement"`
	Subject         string    `bun:"subject"`
	Body            string    `bun:"body"`
	RequesterID     int64     `bun:"requester_id"`
	CategoryID      int64     `bun:"category_id,nullzero"`
	ClassMethod     string    `bun:"class_method"`
	ClassConfidence float64   `bun:"class_confidence"`
	Status          string    `bun:"status"`
	ApprovalLevel   int       `bun:"approval_level,nullzero"`
	AssigneeID      int64     `bun:"assignee_id,nullzero"`
	MessageID       string    `bun:"message_id"`
	Mailbox         string    `bun:"mailbox"`
	MergedInto      int64     `bun:"merged_into,nullzero"` // written by MergeTickets alone
	Fields          string    `bun:"fields"`               // JSON of []domain.TicketField, '' for none; written by SetTicketFields alone
	PublicAnswer    bool      `bun:"public_answer"`        // written by SetTicketSharing alone
	ShareOK         bool      `bun:"share_ok"`             // written by SetTicketSharing alone
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
	slaColumns
}

// slaColumns are a ticket's priority and SLA clock (issue 18).
type slaColumns struct {
	Priority           string     `bun:"priority"`
	SLAState           string     `bun:"sla_state,nullzero"`
	FirstResponseDueAt *time.Time `bun:"sla_first_response_due_at"`
	ResolutionDueAt    *time.Time `bun:"sla_resolution_due_at"`
	FirstResponseAt    *time.Time `bun:"sla_first_response_at"`
	PausedAt           *time.Time `bun:"sla_paused_at"`
	PausedSeconds      int64      `bun:"sla_paused_seconds"`
	StoppedAt          *time.Time `bun:"sla_stopped_at"`
	NextAt             *time.Time `bun:"sla_next_at"`
	AtRiskMailedAt     *time.Time `bun:"sla_at_risk_mailed_at"`
	BreachedMailedAt   *time.Time `bun:"sla_breached_mailed_at"`
}

func toSLAColumns(t *domain.Ticket) slaColumns {
	p := string(t.Priority)
	if p == "" {
		p = string(domain.PriorityNormal)
	}
	c := &t.SLA
	return slaColumns{Priority: p, SLAState: string(c.State), FirstResponseDueAt: utcPtr(c.FirstResponseDueAt),
		ResolutionDueAt: utcPtr(c.ResolutionDueAt), FirstResponseAt: utcPtr(c.FirstResponseAt), PausedAt: utcPtr(c.PausedAt),
		PausedSeconds: c.PausedSeconds, StoppedAt: utcPtr(c.StoppedAt), NextAt: utcPtr(c.NextAt),
		AtRiskMailedAt: utcPtr(c.AtRiskMailedAt), BreachedMailedAt: utcPtr(c.BreachedMailedAt)}
}

func (r *slaColumns) domain() (domain.Priority, domain.SLAClock) {
	p := domain.Priority(r.Priority)
	if p == "" {
		p = domain.PriorityNormal
	}
	return p, domain.SLAClock{State: domain.SLAState(r.SLAState), FirstResponseDueAt: utcPtr(r.FirstResponseDueAt),
		ResolutionDueAt: utcPtr(r.ResolutionDueAt), FirstResponseAt: utcPtr(r.FirstResponseAt), PausedAt: utcPtr(r.PausedAt),
		PausedSeconds: r.PausedSeconds, StoppedAt: utcPtr(r.StoppedAt), NextAt: utcPtr(r.NextAt),
		AtRiskMailedAt: utcPtr(r.AtRiskMailedAt), BreachedMailedAt: utcPtr(r.BreachedMailedAt)}
}

// slaArgs are the values of updateTicketSQL's SLA columns, in order.
func (s *Store) slaArgs(c slaColumns) []any {
	tm := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return s.timeArg(*t)
	}
	var state any
	if c.SLAState != "" {
		state = c.SLAState
	}
	return []any{c.Priority, state, tm(c.FirstResponseDueAt), tm(c.ResolutionDueAt), tm(c.FirstResponseAt), tm(c.PausedAt),
		c.PausedSeconds, tm(c.StoppedAt), tm(c.NextAt), tm(c.AtRiskMailedAt), tm(c.BreachedMailedAt)}
}

// ticketView is a ticket with the names its ids point at.
type ticketView struct {
	ticketRow `bun:",extend"`

	RequesterEmail string `bun:"requester_email"`
	AssigneeEmail  string `bun:"assignee_email,nullzero"`
	CategoryName   string `bun:"category_name,nullzero"`
}

func toTicketRow(t *domain.Ticket) *ticketRow {
	return &ticketRow{ID: t.ID, Subject: t.Subject, Body: t.Body, RequesterID: t.RequesterID, CategoryID: t.CategoryID,
		ClassMethod: t.ClassMethod, ClassConfidence: t.ClassConfidence, Status: string(t.Status),
		ApprovalLevel: t.ApprovalLevel, AssigneeID: t.AssigneeID, MessageID: t.MessageID, Mailbox: t.Mailbox,
		CreatedAt: utc(t.CreatedAt), UpdatedAt: utc(t.UpdatedAt), slaColumns: toSLAColumns(t)}
}

func (v *ticketView) domain() domain.Ticket {
	t := domain.Ticket{ID: v.ID, Subject: v.Subject, Body: v.Body, RequesterID: v.RequesterID, Requester: v.RequesterEmail,
		CategoryID: v.CategoryID, Category: v.CategoryName, ClassMethod: v.ClassMethod, ClassConfidence: v.ClassConfidence,
		Status: domain.Status(v.Status), ApprovalLevel: v.ApprovalLevel, AssigneeID: v.AssigneeID, Assignee: v.AssigneeEmail,
		MessageID: v.MessageID, Mailbox: v.Mailbox, MergedInto: v.MergedInto, CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(),
		Fields: decodeFields(v.Fields), PublicAnswer: v.PublicAnswer, ShareOK: v.ShareOK}
	t.Priority, t.SLA = v.slaColumns.domain()
	return t
}

// The statements that write a ticket, prepared once (stmt_cache.go): on
// SQLite, preparing Bun's text anew compiled the full-text and dashboard
// triggers of tickets at every write. Their values are ticketArgs'.
const (
	insertTicketSQL = "INSERT INTO tickets (subject, body, category_id, class_method, class_confidence, status, " +
		"approval_level, assignee_id, message_id, updated_at, requester_id, created_at, mailbox) " +
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
	updateTicketSQL = "UPDATE tickets SET subject = ?, body = ?, category_id = ?, class_method = ?, class_confidence = ?, " +
		"status = ?, approval_level = ?, assignee_id = ?, message_id = ?, updated_at = ?, " +
		"priority = ?, sla_state = ?, sla_first_response_due_at = ?, sla_resolution_due_at = ?, sla_first_response_at = ?, " +
		"sla_paused_at = ?, sla_paused_seconds = ?, sla_stopped_at = ?, sla_next_at = ?, " +
		// The escalation marks only ever go from NULL to a time: a writer
		// that read the ticket before the job marked it keeps the mark.
		"sla_at_risk_mailed_at = COALESCE(sla_at_risk_mailed_at, ?), sla_breached_mailed_at = COALESCE(sla_breached_mailed_at, ?) " +
		"WHERE id = ? AND status = ?"
)

// ticketArgs are r's values in the order of updateTicketSQL's SET, and with
// created, insertTicketSQL's three more, as Bun would write them (strings
// without NUL, zero ids and levels NULL, times as Bun stores them).
func (s *Store) ticketArgs(r *ticketRow, created bool) []any {
	args := make([]any, 0, 14)
	args = append(args, stripNUL(r.Subject), stripNUL(r.Body), nullInt(r.CategoryID), stripNUL(r.ClassMethod), r.ClassConfidence,
		stripNUL(r.Status), nullInt(int64(r.ApprovalLevel)), nullInt(r.AssigneeID), stripNUL(r.MessageID), s.timeArg(r.UpdatedAt))
	if created {
		args = append(args, r.RequesterID, s.timeArg(r.CreatedAt), stripNUL(r.Mailbox))
	}
	return args
}

// CreateTicket inserts t and its first events. On PostgreSQL that is one
// statement (the events insert from the ticket's RETURNING in a CTE), since
// round trips are what intake costs there; SQLite, in process, takes two.
func (s *Store) CreateTicket(ctx context.Context, t *domain.Ticket, events ...*domain.Event) error {
	row := toTicketRow(t)
	if err := s.deferSearch(ctx); err != nil {
		return mapErr(err, "create ticket")
	}
	if !s.Postgres() || len(events) == 0 {
		rows, err := s.queryCached(ctx, insertTicketSQL, s.ticketArgs(row, true)...)
		if err == nil {
			err = scanID(rows, &t.ID)
		}
		if err != nil {
			return mapErr(err, "create ticket")
		}
		for _, e := range events {
			e.TicketID = t.ID
		}
		return s.AppendEvents(ctx, events...)
	}
	ins := s.idb.NewInsert().Model(row).Returning("id")
	var values strings.Builder
	args := []any{}
	for i, e := range events {
		if i > 0 {
			values.WriteString(", ")
		}
		values.WriteString("(?::int, ?::timestamptz, ?, ?, ?)")
		args = append(args, i, utc(e.At), string(e.Kind), e.Actor, e.Detail)
	}
	q := s.idb.NewRaw("WITH t AS (?), e AS (INSERT INTO events (ticket_id, at, kind, actor, detail) "+
		"SELECT t.id, v.at, v.kind, v.actor, v.detail FROM t, (VALUES "+values.String()+") AS v(ord, at, kind, actor, detail) ORDER BY v.ord) "+
		"SELECT id FROM t", append([]any{ins}, args...)...)
	if err := q.Scan(ctx, &t.ID); err != nil {
		return mapErr(err, "create ticket")
	}
	for _, e := range events {
		e.TicketID = t.ID
	}
	return nil
}

// UpdateTicket writes t if its stored status is still prev.
func (s *Store) UpdateTicket(ctx context.Context, t *domain.Ticket, prev domain.Status) error {
	row := toTicketRow(t)
	args := append(s.ticketArgs(row, false), s.slaArgs(row.slaColumns)...)
	res, err := s.execCached(ctx, updateTicketSQL, append(args, t.ID, string(prev))...)
	if err := mustAffect(res, err); err != nil {
		if isNotFoundErr(err) {
			if _, gerr := s.GetTicket(ctx, t.ID); gerr != nil {
				return gerr
			}
			return mapErr(domain.ErrConflict, "update ticket %s: it is no longer %s", t.Ref(), prev)
		}
		return mapErr(err, "update ticket %s", t.Ref())
	}
	return nil
}

func (s *Store) ticketQuery(rows any) *bun.SelectQuery {
	return s.idb.NewSelect().Model(rows).ModelTableExpr("tickets AS t").
		ColumnExpr("t.*").
		ColumnExpr("r.email AS requester_email, a.email AS assignee_email, c.name AS category_name").
		Join("LEFT JOIN users AS r ON r.id = t.requester_id"). // LEFT: keeps tickets the outer loop, walked in index order
		Join("LEFT JOIN users AS a ON a.id = t.assignee_id").
		Join("LEFT JOIN categories AS c ON c.id = t.category_id")
}

// getTicketSQL is ticketQuery's statement for one ticket, prepared once
// (stmt_cache.go): intake reads a ticket back for the mails of its routing.
const getTicketSQL = ticketsSelectSQL + " WHERE t.id = ?"

// ticketsSelectSQL is ticketQuery's SELECT, for the statements of the
// cache that read tickets.
const ticketsSelectSQL = "SELECT t.*, r.email AS requester_email, a.email AS assignee_email, c.name AS category_name " +
	"FROM tickets AS t LEFT JOIN users AS r ON r.id = t.requester_id LEFT JOIN users AS a ON a.id = t.assignee_id " +
	"LEFT JOIN categories AS c ON c.id = t.category_id"

// GetTicket returns ticket id.
func (s *Store) GetTicket(ctx context.Context, id int64) (*domain.Ticket, error) {
	var v ticketView
	err := s.scanCached(ctx, &v, getTicketSQL, id)
	if err == nil && v.ID == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return nil, mapErr(err, "get ticket %s", domain.FormatRef(id))
	}
	t := v.domain()
	return &t, nil
}

type eventRow struct {
	bun.BaseModel `bun:"table:events"`

	ID       int64     `bun:"id,pk,autoincrement"` // set by the database
	TicketID int64     `bun:"ticket_id"`
	At       time.Time `bun:"at"`
	Kind     string    `bun:"kind"`
	Actor    string    `bun:"actor"`
	Detail   string    `bun:"detail"`
	// MergedFrom is the ticket an event came from when it was merged
	// (MergeTickets); NULL for every other event.
	MergedFrom int64 `bun:"merged_from,nullzero"`
}

// AppendEvents inserts es, in order, in one statement.
func (s *Store) AppendEvents(ctx context.Context, es ...*domain.Event) error {
	if len(es) == 0 {
		return nil
	}
	rows := make([]eventRow, len(es))
	merged := false
	for i, e := range es {
		rows[i] = eventRow{TicketID: e.TicketID, At: utc(e.At), Kind: string(e.Kind), Actor: e.Actor, Detail: e.Detail, MergedFrom: e.MergedFrom}
		merged = merged || e.MergedFrom != 0
	}
	q := s.idb.NewInsert().Model(&rows)
	if !merged {
		// The statement of every event but a merge's names the columns
		// it did before merges (and works on the schema before them).
		q = q.ExcludeColumn("merged_from")
	}
	_, err := q.Exec(ctx)
	return mapErr(err, "append %s event to %s", es[0].Kind, domain.FormatRef(es[0].TicketID))
}

// ListEvents returns a ticket's history, oldest first.
func (s *Store) ListEvents(ctx context.Context, ticketID int64) ([]domain.Event, error) {
	var rows []eventRow
	q := s.builtSQL("events of ticket", func(db *bun.DB) string {
		return db.NewSelect().Model((*eventRow)(nil)).Where("ticket_id = ?", ticketParam).Order("id").String()
	})
	if err := s.scanCached(ctx, &rows, q, ticketID); err != nil {
		return nil, mapErr(err, "events of %s", domain.FormatRef(ticketID))
	}
	out := make([]domain.Event, len(rows))
	for i, r := range rows {
		out[i] = domain.Event{ID: r.ID, TicketID: r.TicketID, At: r.At.UTC(), Kind: domain.EventKind(r.Kind), Actor: r.Actor, Detail: r.Detail,
			MergedFrom: r.MergedFrom}
	}
	return out, nil
}

type approvalRow struct {
	bun.BaseModel `bun:"table:approvals"`

	ID        int64      `bun:"id,pk,autoincrement"`
	TicketID  int64      `bun:"ticket_id"`
	Level     int        `bun:"level"`
	Rule      string     `bun:"rule"`
	Approver  string     `bun:"approver"`
	Decision  string     `bun:"decision"`
	Via       string     `bun:"via"`
	Comment   string     `bun:"comment"`
	DecidedAt *time.Time `bun:"decided_at"`
	CreatedAt time.Time  `bun:"created_at"`

	RemindedAt  *time.Time `bun:"reminded_at"`  // set by the reminder job
	EscalatedAt *time.Time `bun:"escalated_at"` // set by the escalation job
}

// CreateApproval inserts a and sets its ID.
func (s *Store) CreateApproval(ctx context.Context, a *domain.Approval) error {
	decision := a.Decision
	if decision == "" {
		decision = domain.DecisionPending
	}
	row := &approvalRow{TicketID: a.TicketID, Level: a.Level, Rule: string(a.Rule), Approver: a.Approver,
		Decision: string(decision), Via: string(a.Via), Comment: a.Comment, DecidedAt: utcPtr(a.DecidedAt), CreatedAt: utc(a.CreatedAt)}
	var decided any
	if row.DecidedAt != nil {
		decided = s.timeArg(*row.DecidedAt)
	}
	// Prepared once (stmt_cache.go): intake asks each ticket's approvals.
	rows, err := s.queryCached(ctx, "INSERT INTO approvals (ticket_id, level, rule, approver, decision, via, comment, decided_at, created_at) "+
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", row.TicketID, row.Level, stripNUL(row.Rule), stripNUL(row.Approver),
		stripNUL(row.Decision), stripNUL(row.Via), stripNUL(row.Comment), decided, s.timeArg(row.CreatedAt))
	if err == nil {
		err = scanID(rows, &row.ID)
	}
	if err != nil {
		return mapErr(err, "create approval for %s", domain.FormatRef(a.TicketID))
	}
	a.ID, a.Decision = row.ID, decision
	return nil
}

// ListApprovals returns a ticket's approvals by level, then id.
func (s *Store) ListApprovals(ctx context.Context, ticketID int64) ([]domain.Approval, error) {
	var rows []approvalRow
	q := s.builtSQL("approvals of ticket", func(db *bun.DB) string {
		return db.NewSelect().Model((*approvalRow)(nil)).Where("ticket_id = ?", ticketParam).Order("level", "id").String()
	})
	if err := s.scanCached(ctx, &rows, q, ticketID); err != nil {
		return nil, mapErr(err, "approvals of %s", domain.FormatRef(ticketID))
	}
	out := make([]domain.Approval, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

func (r *approvalRow) domain() domain.Approval {
	return domain.Approval{ID: r.ID, TicketID: r.TicketID, Level: r.Level, Rule: domain.Rule(r.Rule), Approver: r.Approver,
		Decision: domain.Decision(r.Decision), Via: domain.Via(r.Via), Comment: r.Comment, DecidedAt: utcPtr(r.DecidedAt),
		CreatedAt: r.CreatedAt.UTC()}
}

// GetApproval returns approval id.
func (s *Store) GetApproval(ctx context.Context, id int64) (*domain.Approval, error) {
	var row approvalRow
	if err := s.idb.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err, "get approval %d", id)
	}
	a := row.domain()
	return &a, nil
}

// DecideApproval writes a's decision if it is still pending.
func (s *Store) DecideApproval(ctx context.Context, a *domain.Approval) error {
	res, err := s.idb.NewUpdate().Model((*approvalRow)(nil)).
		Set("decision = ?", string(a.Decision)).Set("via = ?", string(a.Via)).
		Set("comment = ?", a.Comment).Set("decided_at = ?", utcPtr(a.DecidedAt)).
		Where("id = ?", a.ID).Where("decision = ?", string(domain.DecisionPending)).Exec(ctx)
	if err := mustAffect(res, err); err != nil {
		if isNotFoundErr(err) {
			return fmt.Errorf("decide approval %d: already decided: %w", a.ID, domain.ErrConflict)
		}
		return mapErr(err, "decide approval %d", a.ID)
	}
	return nil
}

// PendingApprovalsOf returns approver's pending approvals of tickets still
// awaiting approval, newest first.
func (s *Store) PendingApprovalsOf(ctx context.Context, approver string) ([]domain.Approval, error) {
	var rows []approvalRow
	err := s.idb.NewSelect().Model(&rows).ModelTableExpr("approvals AS a").ColumnExpr("a.*").
		Join("JOIN tickets AS t ON t.id = a.ticket_id").
		Where("a.approver = ?", approver).Where("a.decision = ?", string(domain.DecisionPending)).
		Where("t.status = ?", string(domain.StatusAwaitingApproval)).Where("t.approval_level = a.level").
		OrderExpr("a.id DESC").Scan(ctx)
	if err != nil {
		return nil, mapErr(err, "pending approvals of %s", approver)
	}
	out := make([]domain.Approval, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

type attachmentRow struct {
	bun.BaseModel `bun:"table:attachments"`

	ID          int64     `bun:"id,pk,autoincrement"`
	TicketID    int64     `bun:"ticket_id"`
	Name        string    `bun:"name"`
	ContentType string    `bun:"content_type"`
	Size        int64     `bun:"size"`
	Content     []byte    `bun:"content"`
	Path        string    `bun:"path"`
	Internal    bool      `bun:"internal"`
	CreatedAt   time.Time `bun:"created_at"`
}

// AddAttachment inserts a and sets its ID.
func (s *Store) AddAttachment(ctx context.Context, a *domain.Attachment) error {
	row := &attachmentRow{TicketID: a.TicketID, Name: a.Name, ContentType: a.ContentType, Size: a.Size,
		Content: a.Content, Path: a.Path, Internal: a.Internal, CreatedAt: utc(a.CreatedAt)}
	if s.attachmentsDir != "" && a.Content != nil {
		name, err := s.writeAttachmentFile(a.Content)
		if err != nil {
			return fmt.Errorf("add attachment to %s: %w", domain.FormatRef(a.TicketID), err)
		}
		row.Content, row.Path = nil, name
		a.Path = name
	}
	content := row.Content
	if content != nil {
		row.Content = []byte{} // written below, as a driver parameter
	}
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "add attachment to %s", domain.FormatRef(a.TicketID))
	}
	if content != nil {
		if err := s.setBlob(ctx, "attachments", "content", row.ID, content); err != nil {
			return mapErr(err, "add attachment to %s", domain.FormatRef(a.TicketID))
		}
	}
	a.ID = row.ID
	return nil
}

// ListAttachments returns a ticket's attachments without their content.
func (s *Store) ListAttachments(ctx context.Context, ticketID int64) ([]domain.Attachment, error) {
	var rows []attachmentRow
	q := s.builtSQL("attachments of ticket", func(db *bun.DB) string {
		return db.NewSelect().Model((*attachmentRow)(nil)).ExcludeColumn("content").
			Where("ticket_id = ?", ticketParam).Order("id").String()
	})
	if err := s.scanCached(ctx, &rows, q, ticketID); err != nil {
		return nil, mapErr(err, "attachments of %s", domain.FormatRef(ticketID))
	}
	out := make([]domain.Attachment, len(rows))
	for i, r := range rows {
		out[i] = domain.Attachment{ID: r.ID, TicketID: r.TicketID, Name: r.Name, ContentType: r.ContentType,
			Size: r.Size, Path: r.Path, Internal: r.Internal, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

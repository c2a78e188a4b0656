package storage

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type outboxRow struct {
	bun.BaseModel `bun:"table:outbox"`

	ID            int64      `bun:"id,pk,autoincrement"`
	TicketID      int64      `bun:"ticket_id,nullzero"`
	Kind          string     `bun:"kind"`
	ToAddr        string     `bun:"to_addr"`
	Subject       string     `bun:"subject"`
	MessageID     string     `bun:"message_id"`
	Raw           []byte     `bun:"raw"`
	Status        string     `bun:"status"`
	Attempts      int        `bun:"attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	LastError     string     `bun:"last_error"`
	CreatedAt     time.Time  `bun:"created_at"`
	SentAt        *time.Time `bun:"sent_at"`
	BodyDroppedAt *time.Time `bun:"body_dropped_at"`
	Mailbox       string     `bun:"mailbox"`
}

// domain is the row as the domain sees it: its mail unpacked, and its
// subject and Message-ID read from the mail where the row leaves them
// empty (see mail_headers.go).
func (r *outboxRow) domain() domain.OutboxMessage {
	m := r.withoutRaw()
	m.Raw = unpackRaw(r.Raw)
	return m
}

// withoutRaw is domain without the mail, which is inflated only as far
// as its headers when the row leaves its subject or Message-ID to them.
func (r *outboxRow) withoutRaw() domain.OutboxMessage {
	subject, messageID := fromHeaders(r.Subject, r.MessageID, r.Raw)
	return domain.OutboxMessage{ID: r.ID, TicketID: r.TicketID, Kind: r.Kind, To: r.ToAddr, Subject: subject,
		MessageID: messageID, Status: domain.OutboxStatus(r.Status), Attempts: r.Attempts,
		NextAttemptAt: r.NextAttemptAt.UTC(), LastError: r.LastError, CreatedAt: r.CreatedAt.UTC(), SentAt: utcPtr(r.SentAt),
		BodyDroppedAt: utcPtr(r.BodyDroppedAt), Mailbox: r.Mailbox}
}

// EnqueueMail inserts m and sets its ID.
func (s *Store) EnqueueMail(ctx context.Context, m *domain.OutboxMessage) error {
	subject, messageID := storedHeaders(m.Subject, m.MessageID, m.Raw)
	raw := packRaw(m.Kind, m.Raw)
	row := &outboxRow{TicketID: m.TicketID, Kind: m.Kind, ToAddr: m.To, Subject: subject, MessageID: messageID,
		Raw: raw, Status: string(m.Status), Attempts: m.Attempts, NextAttemptAt: utc(m.NextAttemptAt),
		LastError: m.LastError, CreatedAt: utc(m.CreatedAt), SentAt: utcPtr(m.SentAt), Mailbox: m.Mailbox}
	large := len(raw) > largeRaw
	if large {
		row.Raw = []byte{} // written below, as a driver parameter
	}
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "enqueue %s mail to %s", m.Kind, m.To)
	}
	if large {
		if err := s.setBlob(ctx, "outbox", "raw", row.ID, raw); err != nil {
			return mapErr(err, "enqueue %s mail to %s", m.Kind, m.To)
		}
	}
	m.ID = row.ID
	return nil
}

// largeRaw is the packed size past which EnqueueMail writes a mail as a
// driver parameter (setBlob) rather than in the SQL text: a mail with
// files (a portal comment's) may be MAX_MESSAGE_BYTES.
const largeRaw = 64 << 10

// enqueueChunk bounds the rows of one multi-row insert into the outbox.
const enqueueChunk = 100

// EnqueueMails inserts ms, in order, enqueueChunk rows per statement; their
// IDs are left unset. Unlike Bun's inserts, which write every value into
// the SQL text (a rendered mail as hex, twice its size, for the database
// to parse back), the values go to the driver as parameters; on
// PostgreSQL the statement is prepared once per connection and size.
//
// The mails are packed (mail_pack.go) first, on all cores: packing is
// DEFLATE, and inside the transaction it was the longest part of the
// insert.
func (s *Store) EnqueueMails(ctx context.Context, ms []*domain.OutboxMessage) error {
	pg := s.Postgres()
	packed := packAll(ms)
	for len(ms) > 0 {
		n := min(len(ms), enqueueChunk)
		var q strings.Builder
		q.WriteString("INSERT INTO outbox (ticket_id, kind, to_addr, subject, message_id, raw, status, attempts, " +
			"next_attempt_at, last_error, created_at, sent_at, mailbox) VALUES ")
		args := make([]any, 0, 1+13*n)
		if pg {
			args = append(args, pgx.QueryExecModeCacheStatement)
		}
		for i, m := range ms[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j := range 13 {
				if j > 0 {
					q.WriteString(", ")
				}
				if pg {
					fmt.Fprintf(&q, "$%d", i*13+j+1)
				} else {
					q.WriteByte('?')
				}
			}
			q.WriteByte(')')
			var ticket, sent any
			if m.TicketID != 0 {
				ticket = m.TicketID
			}
			if m.SentAt != nil {
				sent = s.timeArg(*m.SentAt)
			}
			subject, messageID := storedHeaders(stripNUL(m.Subject), stripNUL(m.MessageID), m.Raw)
			args = append(args, ticket, stripNUL(m.Kind), stripNUL(m.To), subject, messageID, packed[i],
				stripNUL(string(m.Status)), m.Attempts, s.timeArg(m.NextAttemptAt), stripNUL(m.LastError), s.timeArg(m.CreatedAt), sent, stripNUL(m.Mailbox))
		}
		var err error
		switch db := s.idb.(type) {
		case bun.Tx:
			_, err = db.Tx.ExecContext(ctx, q.String(), args...)
		case *bun.DB:
			_, err = db.DB.ExecContext(ctx, q.String(), args...)
		default:
			err = fmt.Errorf("no driver connection in %T", s.idb)
		}
		if err != nil {
			return mapErr(err, "enqueue %d mails", n)
		}
		ms, packed = ms[n:], packed[n:]
	}
	return nil
}

// packAll packs the raw mail of ms on GOMAXPROCS workers, in order.
func packAll(ms []*domain.OutboxMessage) [][]byte {
	out := make([][]byte, len(ms))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ms)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ms) {
					return
				}
				out[i] = packRaw(ms[i].Kind, ms[i].Raw)
			}
		})
	}
	wg.Wait()
	return out
}

// timeArg is t as a driver parameter, stored as Bun stores it: on SQLite
// the very text Bun writes (times are compared as text there).
func (s *Store) timeArg(t time.Time) any {
	if s.Postgres() {
		return t.UTC()
	}
	b := s.db.Dialect().AppendTime(nil, t)
	return string(b[1 : len(b)-1])
}

// ListOutbox returns messages, newest first, without their raw bytes
// (read for their subjects and Message-IDs).
func (s *Store) ListOutbox(ctx context.Context, status domain.OutboxStatus, limit int) ([]domain.OutboxMessage, error) {
	var rows []outboxRow
	q := s.idb.NewSelect().Model(&rows).OrderExpr("id DESC")
	if status != "" {
		q = q.Where("status = ?", string(status))
		if status != domain.OutboxSent {
			q = q.Where("status <> 'sent'") // outbox_unsent's condition, for the planners
		}
	}
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "list outbox")
	}
	return withoutRaw(rows), nil
}

// withoutRaw is rows as the domain sees them, without their mail.
func withoutRaw(rows []outboxRow) []domain.OutboxMessage {
	out := make([]domain.OutboxMessage, len(rows))
	for i := range rows {
		out[i] = rows[i].withoutRaw()
	}
	return out
}

type inboxLogRow struct {
	bun.BaseModel `bun:"table:inbox_log"`

	ID        int64     `bun:"id,pk,autoincrement"`
	At        time.Time `bun:"at"`
	Channel   string    `bun:"channel"`
	MessageID string    `bun:"message_id"`
	FromAddr  string    `bun:"from_addr"`
	Subject   string    `bun:"subject"`
	Reason    string    `bun:"reason"`
	TicketID  int64     `bun:"ticket_id,nullzero"`
}

// AddInboxLog inserts e and sets its ID.
func (s *Store) AddInboxLog(ctx context.Context, e *domain.InboxLogEntry) error {
	row := &inboxLogRow{At: utc(e.At), Channel: e.Channel, MessageID: e.MessageID, FromAddr: e.From,
		Subject: e.Subject, Reason: e.Reason, TicketID: e.TicketID}
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "add inbox log entry")
	}
	e.ID = row.ID
	return nil
}

// ListInboxLog returns entries, newest first.
func (s *Store) ListInboxLog(ctx context.Context, limit int) ([]domain.InboxLogEntry, error) {
	var rows []inboxLogRow
	q := s.idb.NewSelect().Model(&rows).OrderExpr("id DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "list inbox log")
	}
	out := make([]domain.InboxLogEntry, len(rows))
	for i, r := range rows {
		out[i] = domain.InboxLogEntry{ID: r.ID, At: r.At.UTC(), Channel: r.Channel, MessageID: r.MessageID,
			From: r.FromAddr, Subject: r.Subject, Reason: r.Reason, TicketID: r.TicketID}
	}
	return out, nil
}

type processedRow struct {
	bun.BaseModel `bun:"table:processed_mail"`

	ID          int64     `bun:"id,pk,autoincrement"`
	Mailbox     string    `bun:"mailbox"`
	UIDValidity int64     `bun:"uidvalidity"`
	UID         int64     `bun:"uid"`
	MessageID   string    `bun:"message_id"`
	TicketID    int64     `bun:"ticket_id,nullzero"`
	At          time.Time `bun:"at"`
}

// RecordProcessed marks a mail handled; domain.ErrConflict if it was before.
func (s *Store) RecordProcessed(ctx context.Context, p *domain.ProcessedMail) error {
	row := &processedRow{Mailbox: p.Mailbox, UIDValidity: int64(p.UIDValidity), UID: int64(p.UID),
		MessageID: p.MessageID, TicketID: p.TicketID, At: utc(p.At)}
	// DO NOTHING instead of a unique violation: on PostgreSQL a failed
	// statement would abort the caller's whole transaction.
	res, err := s.idb.NewInsert().Model(row).On("CONFLICT DO NOTHING").Exec(ctx)
	if err := mustAffect(res, err); err != nil {
		if isNotFoundErr(err) {
			return fmt.Errorf("record processed mail %s: seen before: %w", p.MessageID, domain.ErrConflict)
		}
		return mapErr(err, "record processed mail %s", p.MessageID)
	}
	return nil
}

// IsProcessed reports whether a mail with this Message-ID was handled.
func (s *Store) IsProcessed(ctx context.Context, messageID string) (bool, error) {
	ok, err := s.idb.NewSelect().Model((*processedRow)(nil)).Where("message_id = ?", messageID).Exists(ctx)
	return ok, mapErr(err, "is processed %s", messageID)
}

// RecordProcessedBatch inserts the processed marks in one statement and
// reports which were new.
func (s *Store) RecordProcessedBatch(ctx context.Context, ps []*domain.ProcessedMail) ([]bool, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	rows := make([]processedRow, len(ps))
	for i, p := range ps {
		rows[i] = processedRow{Mailbox: p.Mailbox, UIDValidity: int64(p.UIDValidity), UID: int64(p.UID),
			MessageID: p.MessageID, TicketID: p.TicketID, At: utc(p.At)}
	}
	var ids []string
	if err := s.idb.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Returning("message_id").Scan(ctx, &ids); err != nil && !isNotFoundErr(err) {
		return nil, mapErr(err, "record processed mail")
	}
	fresh := make(map[string]bool, len(ids))
	for _, id := range ids {
		fresh[id] = true
	}
	out := make([]bool, len(ps))
	for i, p := range ps {
		out[i] = fresh[p.MessageID]
		fresh[p.MessageID] = false // a second copy in the same batch is a duplicate
	}
	return out, nil
}

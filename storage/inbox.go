package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type mailboxStateRow struct {
	bun.BaseModel `bun:"table:mailbox_state"`

	Mailbox     string    `bun:"mailbox,pk"`
	UIDValidity int64     `bun:"uidvalidity"`
	LastUID     int64     `bun:"last_uid"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

// GetMailboxState returns how far the poller got in mailbox.
func (s *Store) GetMailboxState(ctx context.Context, mailbox string) (*domain.MailboxState, error) {
	var row mailboxStateRow
	if err := s.idb.NewSelect().Model(&row).Where("mailbox = ?", mailbox).Scan(ctx); err != nil {
		return nil, mapErr(err, "mailbox state of %s", mailbox)
	}
	return &domain.MailboxState{Mailbox: row.Mailbox, UIDValidity: uint32(row.UIDValidity),
		LastUID: uint32(row.LastUID), UpdatedAt: row.UpdatedAt.UTC()}, nil
}

// SaveMailboxState writes st.
func (s *Store) SaveMailboxState(ctx context.Context, st *domain.MailboxState) error {
	row := &mailboxStateRow{Mailbox: st.Mailbox, UIDValidity: int64(st.UIDValidity), LastUID: int64(st.LastUID), UpdatedAt: utc(st.UpdatedAt)}
	_, err := s.idb.NewInsert().Model(row).On("CONFLICT (mailbox) DO UPDATE").
		Set("uidvalidity = EXCLUDED.uidvalidity, last_uid = EXCLUDED.last_uid, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return mapErr(err, "save mailbox state of %s", st.Mailbox)
}

type quarantineRow struct {
	bun.BaseModel `bun:"table:quarantine"`

	ID          int64     `bun:"id,pk,autoincrement"`
	At          time.Time `bun:"at"`
	Channel     string    `bun:"channel"`
	Mailbox     string    `bun:"mailbox"`
	UIDValidity int64     `bun:"uidvalidity"`
	UID         int64     `bun:"uid"`
	MessageID   string    `bun:"message_id"`
	FromAddr    string    `bun:"from_addr"`
	Subject     string    `bun:"subject"`
	Reason      string    `bun:"reason"`
	Raw         []byte    `bun:"raw"`
	Size        int64     `bun:"size"`
}

func (r *quarantineRow) domain() domain.Quarantined {
	return domain.Quarantined{ID: r.ID, At: r.At.UTC(), Channel: r.Channel, Mailbox: r.Mailbox, UIDValidity: uint32(r.UIDValidity),
		UID: uint32(r.UID), MessageID: r.MessageID, From: r.FromAddr, Subject: r.Subject, Reason: r.Reason, Raw: r.Raw, Size: r.Size}
}

// AddQuarantine inserts q and sets its ID.
func (s *Store) AddQuarantine(ctx context.Context, q *domain.Quarantined) error {
	raw := q.Raw
	if raw == nil {
		raw = []byte{}
	}
	row := &quarantineRow{At: utc(q.At), Channel: q.Channel, Mailbox: q.Mailbox, UIDValidity: int64(q.UIDValidity), UID: int64(q.UID),
		MessageID: q.MessageID, FromAddr: q.From, Subject: q.Subject, Reason: q.Reason, Raw: []byte{}, Size: int64(len(raw))}
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "quarantine mail")
	}
	if err := s.setBlob(ctx, "quarantine", "raw", row.ID, raw); err != nil {
		return mapErr(err, "quarantine mail")
	}
	q.ID, q.Size = row.ID, row.Size
	return nil
}

// ListQuarantine returns entries newest first, without their bytes.
func (s *Store) ListQuarantine(ctx context.Context, limit int) ([]domain.Quarantined, error) {
	var rows []quarantineRow
	q := s.idb.NewSelect().Model(&rows).ExcludeColumn("raw").OrderExpr("id DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "list quarantine")
	}
	out := make([]domain.Quarantined, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// GetQuarantine returns entry id with its bytes.
func (s *Store) GetQuarantine(ctx context.Context, id int64) (*domain.Quarantined, error) {
	var row quarantineRow
	if err := s.idb.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err, "get quarantined mail %d", id)
	}
	q := row.domain()
	return &q, nil
}

// DeleteQuarantine removes entry id.
func (s *Store) DeleteQuarantine(ctx context.Context, id int64) error {
	res, err := s.idb.NewDelete().Model((*quarantineRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "delete quarantined mail %d", id)
}

// DeleteProcessed forgets the processed mark of messageID.
func (s *Store) DeleteProcessed(ctx context.Context, messageID string) error {
	_, err := s.idb.NewDelete().Model((*processedRow)(nil)).Where("message_id = ?", messageID).Exec(ctx)
	return mapErr(err, "forget processed mail %s", messageID)
}

// TicketByMessageID finds the ticket of a thread by one of its Message-IDs:
// the requester's mail that opened it (tickets_message_id), or a mail we
// sent about it. Ours name their ticket (tkt-N.KIND.RANDOM@domain,
// docs/design.md), so they are looked for among ticket N's mail alone
// (outbox_ticket): no index of every Message-ID we ever sent is needed.
func (s *Store) TicketByMessageID(ctx context.Context, messageID string) (int64, error) {
	var id int64
	err := s.idb.NewSelect().Model((*ticketRow)(nil)).Column("id").
		Where("message_id = ?", messageID).Where("message_id <> ''").OrderExpr("id").Limit(1).Scan(ctx, &id)
	if err == nil {
		return id, nil
	}
	if !isNotFoundErr(err) {
		return 0, mapErr(err, "ticket of message %s", messageID)
	}
	ticket, ok := messageIDTicket(messageID)
	if !ok {
		return 0, fmt.Errorf("ticket of message %s: %w", messageID, domain.ErrNotFound)
	}
	// Most rows keep their Message-ID in their mail alone (mail_headers.go).
	var rows []outboxRow
	err = s.idb.NewSelect().Model(&rows).Column("message_id", "raw").
		Where("ticket_id = ?", ticket).Where("message_id IN ('', ?)", messageID).
		Where("kind NOT IN (?)", bun.In(approvalKinds)).Scan(ctx)
	if err != nil {
		return 0, mapErr(err, "ticket of message %s", messageID)
	}
	for _, r := range rows {
		if r.MessageID == messageID {
			return ticket, nil
		}
		if _, id := fromHeaders("", "", r.Raw); r.MessageID == "" && id == messageID {
			return ticket, nil
		}
	}
	return 0, fmt.Errorf("ticket of message %s: %w", messageID, domain.ErrNotFound)
}

// messageIDTicket returns the ticket number N of a Message-ID of ours,
// "tkt-N.…"; false for any other.
func messageIDTicket(messageID string) (int64, bool) {
	rest, ok := strings.CutPrefix(messageID, "tkt-")
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, ".")
	if !ok || digits == "" || len(digits) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n > 0
}

// approvalKinds are outbox kinds whose Message-IDs belong to approval
// threads, never to the ticket's thread.
var approvalKinds = []string{string(domain.MailApprovalNeeded), string(domain.MailApprovalReminder), string(domain.MailUnreadableReply)}

package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

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

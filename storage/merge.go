package storage

import (
	"context"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.MergeStore = (*Store)(nil)

// MergeTickets moves from's events of kinds and its attachments to into,
// and marks from merged; see domain.MergeStore. Three statements, each a
// walk of an index by ticket (events_ticket, attachments_ticket, the
// primary key); the search triggers of events re-index both tickets.
func (s *Store) MergeTickets(ctx context.Context, from, into int64, kinds []domain.EventKind) (int, error) {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	moved := 0
	if len(names) > 0 {
		res, err := s.idb.NewUpdate().Model((*eventRow)(nil)).Set("ticket_id = ?", into).Set("merged_from = ?", from).
			Where("ticket_id = ?", from).Where("kind IN (?)", bun.In(names)).Exec(ctx)
		if err != nil {
			return 0, mapErr(err, "merge events of %s", domain.FormatRef(from))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, mapErr(err, "merge events of %s", domain.FormatRef(from))
		}
		moved = int(n)
	}
	if _, err := s.idb.NewUpdate().Model((*attachmentRow)(nil)).Set("ticket_id = ?", into).Where("ticket_id = ?", from).Exec(ctx); err != nil {
		return 0, mapErr(err, "merge attachments of %s", domain.FormatRef(from))
	}
	err := mustAffect(s.idb.NewUpdate().Model((*ticketRow)(nil)).Set("merged_into = ?", into).
		Where("id = ?", from).Where("merged_into IS NULL").Exec(ctx))
	if isNotFoundErr(err) {
		return 0, mapErr(domain.ErrConflict, "merge %s: it is merged already", domain.FormatRef(from))
	}
	if err != nil {
		return 0, mapErr(err, "merge %s", domain.FormatRef(from))
	}
	// The tickets merged into from earlier now lead to into: one hop.
	_, err = s.idb.NewUpdate().Model((*ticketRow)(nil)).Set("merged_into = ?", into).Where("merged_into = ?", from).Exec(ctx)
	return moved, mapErr(err, "merge the tickets merged into %s", domain.FormatRef(from))
}

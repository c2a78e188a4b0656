package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.WatcherStore = (*Store)(nil)

type watcherRow struct {
	bun.BaseModel `bun:"table:ticket_watchers"`

	ID        int64     `bun:"id,pk,autoincrement"`
	TicketID  int64     `bun:"ticket_id"`
	Email     string    `bun:"email"`
	AddedBy   string    `bun:"added_by"`
	CreatedAt time.Time `bun:"created_at"`
}

func (r *watcherRow) domain() domain.Watcher {
	return domain.Watcher{ID: r.ID, TicketID: r.TicketID, Email: r.Email, AddedBy: r.AddedBy, CreatedAt: r.CreatedAt.UTC()}
}

// AddWatcher inserts w; see domain.WatcherStore.
func (s *Store) AddWatcher(ctx context.Context, w *domain.Watcher) error {
	row := &watcherRow{TicketID: w.TicketID, Email: w.Email, AddedBy: w.AddedBy, CreatedAt: utc(w.CreatedAt)}
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "add watcher %s to ticket %d", w.Email, w.TicketID)
	}
	w.ID = row.ID
	return nil
}

// RemoveWatcher deletes watcher id; see domain.WatcherStore.
func (s *Store) RemoveWatcher(ctx context.Context, id int64) error {
	return mapErr(mustAffect(s.idb.NewDelete().Model((*watcherRow)(nil)).Where("id = ?", id).Exec(ctx)), "remove watcher %d", id)
}

// GetWatcher returns watcher id.
func (s *Store) GetWatcher(ctx context.Context, id int64) (*domain.Watcher, error) {
	var row watcherRow
	if err := s.idb.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err, "watcher %d", id)
	}
	w := row.domain()
	return &w, nil
}

// ListWatchers returns a ticket's watchers in the order they were added
// (an index range of ticket_watchers_ticket_email).
func (s *Store) ListWatchers(ctx context.Context, ticketID int64) ([]domain.Watcher, error) {
	var rows []watcherRow
	q := s.builtSQL("watchers of ticket", func(db *bun.DB) string {
		return db.NewSelect().Model((*watcherRow)(nil)).Where("ticket_id = ?", ticketParam).OrderExpr("id").String()
	})
	if err := s.scanCached(ctx, &rows, q, ticketID); err != nil {
		return nil, mapErr(err, "watchers of ticket %d", ticketID)
	}
	out := make([]domain.Watcher, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].domain())
	}
	return out, nil
}

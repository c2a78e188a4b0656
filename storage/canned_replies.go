package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.CannedReplyStore = (*Store)(nil)

// cannedReplyRow is a canned reply; Category is read from categories.
type cannedReplyRow struct {
	bun.BaseModel `bun:"table:canned_replies,alias:cr"`

	ID         int64     `bun:"id,pk,autoincrement"`
	Title      string    `bun:"title"`
	Body       string    `bun:"body"`
	CategoryID *int64    `bun:"category_id"`
	Category   string    `bun:"category,scanonly"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

func toCannedReplyRow(c *domain.CannedReply) *cannedReplyRow {
	return &cannedReplyRow{ID: c.ID, Title: c.Title, Body: c.Body, CategoryID: c.CategoryID,
		CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt)}
}

func (r *cannedReplyRow) domain() domain.CannedReply {
	return domain.CannedReply{ID: r.ID, Title: r.Title, Body: r.Body, CategoryID: r.CategoryID, Category: r.Category,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// selectCanned reads replies with their category's name.
func (s *Store) selectCanned(rows any) *bun.SelectQuery {
	return s.idb.NewSelect().Model(rows).
		ColumnExpr("cr.id, cr.title, cr.body, cr.category_id, cr.created_at, cr.updated_at").
		ColumnExpr("COALESCE(cat.name, '') AS category").
		Join("LEFT JOIN categories AS cat ON cat.id = cr.category_id")
}

// CreateCannedReply inserts c; see domain.CannedReplyStore.
func (s *Store) CreateCannedReply(ctx context.Context, c *domain.CannedReply) error {
	row := toCannedReplyRow(c)
	if _, err := s.idb.NewInsert().Model(row).Column("title", "body", "category_id", "created_at", "updated_at").
		Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "create canned reply %q", c.Title)
	}
	c.ID = row.ID
	return nil
}

// UpdateCannedReply writes c; see domain.CannedReplyStore.
func (s *Store) UpdateCannedReply(ctx context.Context, c *domain.CannedReply) error {
	res, err := s.idb.NewUpdate().Model(toCannedReplyRow(c)).Column("title", "body", "category_id", "updated_at").
		WherePK().Exec(ctx)
	return mapErr(mustAffect(res, err), "update canned reply %d", c.ID)
}

// DeleteCannedReply removes canned reply id.
func (s *Store) DeleteCannedReply(ctx context.Context, id int64) error {
	res, err := s.idb.NewDelete().Model((*cannedReplyRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "delete canned reply %d", id)
}

// GetCannedReply returns canned reply id.
func (s *Store) GetCannedReply(ctx context.Context, id int64) (*domain.CannedReply, error) {
	return s.getCanned(ctx, "cr.id = ?", id)
}

// GetCannedReplyByTitle returns the reply titled title, ignoring case.
func (s *Store) GetCannedReplyByTitle(ctx context.Context, title string) (*domain.CannedReply, error) {
	return s.getCanned(ctx, "lower(cr.title) = lower(?)", title)
}

func (s *Store) getCanned(ctx context.Context, where string, arg any) (*domain.CannedReply, error) {
	var row cannedReplyRow
	if err := s.selectCanned(&row).Where(where, arg).Scan(ctx); err != nil {
		return nil, mapErr(err, "get canned reply %v", arg)
	}
	c := row.domain()
	return &c, nil
}

// ListCannedReplies returns the replies that match f, by title.
func (s *Store) ListCannedReplies(ctx context.Context, f domain.CannedReplyFilter) ([]domain.CannedReply, error) {
	var rows []cannedReplyRow
	// Prepared once (stmt_cache.go): every agent's ticket page reads them.
	name, args := "canned replies", []any{}
	if f.FitFor {
		name, args = "canned replies fit for", []any{f.CategoryID}
	}
	query := s.builtSQL(name, func(*bun.DB) string {
		q := s.selectCanned(&rows)
		if f.FitFor {
			q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("cr.category_id IS NULL").WhereOr("cr.category_id = +?", ticketParam)
			})
		}
		return q.OrderExpr("lower(cr.title), cr.id").String()
	})
	if err := s.scanCached(ctx, &rows, query, args...); err != nil {
		return nil, mapErr(err, "list canned replies")
	}
	out := make([]domain.CannedReply, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// MoveCannedReplies gives category from's replies category into.
func (s *Store) MoveCannedReplies(ctx context.Context, from, into int64) error {
	_, err := s.idb.NewUpdate().Model((*cannedReplyRow)(nil)).Set("category_id = ?", into).
		Where("category_id = ?", from).Exec(ctx)
	return mapErr(err, "move canned replies of category %d", from)
}

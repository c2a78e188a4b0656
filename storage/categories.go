package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type categoryRow struct {
	bun.BaseModel `bun:"table:categories"`

	ID             int64     `bun:"id,pk,autoincrement"`
	Name           string    `bun:"name"`
	Description    string    `bun:"description"`
	Keywords       string    `bun:"keywords"`             // JSON array of strings
	ApprovalLevels string    `bun:"approval_levels"`      // JSON array of levelJSON
	StarterKey     string    `bun:"starter_key,nullzero"` // NULL for the helpdesk's own
	CalendarID     *int64    `bun:"calendar_id"`          // NULL: the default calendar
	SLA            string    `bun:"sla,nullzero"`         // JSON domain.SLAPolicy; NULL: none
	Questions      string    `bun:"questions"`            // JSON array of questionJSON
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

// levelJSON is an approval level as stored. Levels are always read and
// written as a whole with their category, so a JSON column is simpler than a
// table; tickets copy the approvers into approvals when a level is mailed.
type levelJSON struct {
	Rule      string   `json:"rule"`
	Approvers []string `json:"approvers"`
}

func toCategoryRow(c *domain.Category) (*categoryRow, error) {
	kw := c.Keywords
	if kw == nil {
		kw = []string{}
	}
	k, err := json.Marshal(kw)
	if err != nil {
		return nil, err
	}
	levels := make([]levelJSON, len(c.ApprovalLevels))
	for i, l := range c.ApprovalLevels {
		levels[i] = levelJSON{Rule: string(l.Rule), Approvers: l.Approvers}
	}
	l, err := json.Marshal(levels)
	if err != nil {
		return nil, err
	}
	sla, err := slaJSON(c.SLA)
	if err != nil {
		return nil, err
	}
	qs, err := encodeQuestions(c.Questions)
	if err != nil {
		return nil, err
	}
	return &categoryRow{ID: c.ID, Name: c.Name, Description: c.Description, Keywords: string(k),
		ApprovalLevels: string(l), Questions: qs, StarterKey: c.StarterKey, CalendarID: c.CalendarID, SLA: sla,
		CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt)}, nil
}

// slaJSON is a policy as stored: "" (NULL) for none.
func slaJSON(p *domain.SLAPolicy) (string, error) {
	if p.Empty() {
		return "", nil
	}
	b, err := json.Marshal(p)
	return string(b), err
}

func (r *categoryRow) domain() (domain.Category, error) {
	c := domain.Category{ID: r.ID, Name: r.Name, Description: r.Description, StarterKey: r.StarterKey,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Keywords: []string{}}
	if err := json.Unmarshal([]byte(r.Keywords), &c.Keywords); err != nil {
		return c, fmt.Errorf("category %d keywords: %w", r.ID, err)
	}
	var levels []levelJSON
	if err := json.Unmarshal([]byte(r.ApprovalLevels), &levels); err != nil {
		return c, fmt.Errorf("category %d approval levels: %w", r.ID, err)
	}
	for _, l := range levels {
		c.ApprovalLevels = append(c.ApprovalLevels, domain.ApprovalLevel{Rule: domain.Rule(l.Rule), Approvers: l.Approvers})
	}
	c.CalendarID = r.CalendarID
	if r.SLA != "" {
		c.SLA = &domain.SLAPolicy{}
		if err := json.Unmarshal([]byte(r.SLA), c.SLA); err != nil {
			return c, fmt.Errorf("category %d sla: %w", r.ID, err)
		}
	}
	qs, err := decodeQuestions(r.Questions)
	if err != nil {
		return c, fmt.Errorf("category %d questions: %w", r.ID, err)
	}
	c.Questions = qs
	return c, nil
}

// CreateCategory inserts c; see domain.CategoryStore.
func (s *Store) CreateCategory(ctx context.Context, c *domain.Category) error {
	row, err := toCategoryRow(c)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		if _, err := tx.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
			return mapErr(err, "create category %q", c.Name)
		}
		c.ID = row.ID
		return tx.bumpCategoriesVersion(ctx)
	})
}

// UpdateCategory writes every field of c but its StarterKey, which is
// written at creation only (see domain.Category).
func (s *Store) UpdateCategory(ctx context.Context, c *domain.Category) error {
	row, err := toCategoryRow(c)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		res, err := tx.idb.NewUpdate().Model(row).ExcludeColumn("starter_key", "calendar_id", "sla").WherePK().Exec(ctx)
		if err := mustAffect(res, err); err != nil {
			return mapErr(err, "update category %q", c.Name)
		}
		return tx.bumpCategoriesVersion(ctx)
	})
}

// SetCategorySLA writes category id's calendar and policy; see
// domain.CategoryStore.
func (s *Store) SetCategorySLA(ctx context.Context, id int64, calendarID *int64, sla *domain.SLAPolicy) error {
	text, err := slaJSON(sla)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		res, err := tx.idb.NewUpdate().Model((*categoryRow)(nil)).Set("calendar_id = ?", calendarID).
			Set("sla = ?", bun.NullZero(text)).Where("id = ?", id).Exec(ctx)
		if err := mustAffect(res, err); err != nil {
			return mapErr(err, "set sla of category %d", id)
		}
		return tx.bumpCategoriesVersion(ctx)
	})
}

// DeleteCategory removes category id; domain.ErrConflict while tickets use it.
func (s *Store) DeleteCategory(ctx context.Context, id int64) error {
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		res, err := tx.idb.NewDelete().Model((*categoryRow)(nil)).Where("id = ?", id).Exec(ctx)
		if err := mustAffect(res, err); err != nil {
			return mapErr(err, "delete category %d", id)
		}
		return tx.bumpCategoriesVersion(ctx)
	})
}

// GetCategory returns category id.
func (s *Store) GetCategory(ctx context.Context, id int64) (*domain.Category, error) {
	return s.getCategory(ctx, "id = ?", id)
}

// GetCategoryByName returns the category named name, ignoring case.
func (s *Store) GetCategoryByName(ctx context.Context, name string) (*domain.Category, error) {
	return s.getCategory(ctx, "lower(name) = lower(?)", name)
}

func (s *Store) getCategory(ctx context.Context, where string, arg any) (*domain.Category, error) {
	var row categoryRow
	if err := s.idb.NewSelect().Model(&row).Where(where, arg).Scan(ctx); err != nil {
		return nil, mapErr(err, "get category %v", arg)
	}
	return decodeOne[domain.Category](&row)
}

// ListCategories returns every category in id order.
func (s *Store) ListCategories(ctx context.Context) ([]domain.Category, error) {
	var rows []categoryRow
	q := s.builtSQL("categories", func(db *bun.DB) string {
		return db.NewSelect().Model((*categoryRow)(nil)).Order("id").String()
	})
	if err := s.scanCached(ctx, &rows, q); err != nil {
		return nil, mapErr(err, "list categories")
	}
	return decodeRows[domain.Category](rows)
}

// HasCategories reports whether there is a category (see domain.Store).
func (s *Store) HasCategories(ctx context.Context) (bool, error) {
	var n int
	err := s.scanCached(ctx, &n, "SELECT count(*) FROM (SELECT 1 FROM categories LIMIT 1) AS c")
	return n > 0, mapErr(err, "look for categories")
}

// CategoryTicketCounts returns how many tickets each category has.
func (s *Store) CategoryTicketCounts(ctx context.Context) (map[int64]int, error) {
	var rows []struct {
		CategoryID int64 `bun:"category_id"`
		N          int   `bun:"n"`
	}
	err := s.idb.NewSelect().TableExpr("tickets").ColumnExpr("category_id, count(*) AS n").
		Where("category_id IS NOT NULL").Group("category_id").Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "count tickets per category")
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.CategoryID] = r.N
	}
	return out, nil
}

// MoveCategoryTickets moves every ticket of category from to category to;
// see domain.AdminStore. The ids are read first, then changed by one
// UPDATE, inside one transaction.
func (s *Store) MoveCategoryTickets(ctx context.Context, from, to int64, method string, confidence float64, at time.Time) ([]int64, error) {
	var ids []int64
	err := s.tx(ctx, func(ctx context.Context, tx *Store) error {
		if err := tx.idb.NewSelect().Model((*ticketRow)(nil)).Column("id").Where("category_id = ?", from).
			Order("id").Scan(ctx, &ids); err != nil {
			return mapErr(err, "tickets of category %d", from)
		}
		if len(ids) == 0 {
			return nil
		}
		_, err := tx.idb.NewUpdate().Model((*ticketRow)(nil)).
			Set("category_id = ?", to).Set("class_method = ?", method).Set("class_confidence = ?", confidence).
			Set("updated_at = ?", utc(at)).Where("category_id = ?", from).Exec(ctx)
		return mapErr(err, "move tickets of category %d to %d", from, to)
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

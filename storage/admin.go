package storage

import (
	"context"
	"strings"
	"time"

	"ticketgate/domain"
)

// SearchUsers returns a page of the users that match q; see
// domain.AdminStore. Text matches a substring of the address or the name,
// case-insensitively (% and _ in it are literal).
func (s *Store) SearchUsers(ctx context.Context, q domain.UserQuery, offset, limit int) ([]domain.User, int, error) {
	var rows []userRow
	sel := s.idb.NewSelect().Model(&rows)
	if q.Role != "" {
		sel = sel.Where("role = ?", string(q.Role))
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		pattern := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(t)) + "%"
		sel = sel.Where(`(lower(email) LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\')`, pattern, pattern)
	}
	total, err := sel.Order("id").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, mapErr(err, "search users")
	}
	out := make([]domain.User, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, int(total), nil
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

// TeamLoads returns every team member with their categories, open tickets
// and whether their account is disabled.
func (s *Store) TeamLoads(ctx context.Context) ([]domain.MemberLoad, error) {
	var rows []memberLoadRow
	err := s.idb.NewRaw(`SELECT tm.id, tm.user_id, tm.available, tm.away_until, tm.last_assigned_at, tm.created_at,
			u.email, u.name, u.disabled,
			`+s.openTicketsOf("tm")+` AS open_tickets
		FROM team_members AS tm
		JOIN users AS u ON u.id = tm.user_id
		ORDER BY tm.id`).Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "team loads")
	}
	members, err := s.ListTeamMembers(ctx) // their categories, in one more query
	if err != nil {
		return nil, err
	}
	cats := make(map[int64][]int64, len(members))
	for _, m := range members {
		cats[m.ID] = m.CategoryIDs
	}
	out := make([]domain.MemberLoad, len(rows))
	for i, r := range rows {
		ids := cats[r.ID]
		if ids == nil {
			ids = []int64{}
		}
		out[i] = r.load(r.OpenTickets)
		out[i].Member.CategoryIDs = ids
	}
	return out, nil
}

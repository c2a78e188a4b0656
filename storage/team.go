package storage

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type teamMemberRow struct {
	bun.BaseModel `bun:"table:team_members"`

	ID             int64      `bun:"id,pk,autoincrement"`
	UserID         int64      `bun:"user_id"`
	Available      bool       `bun:"available"`
	AwayUntil      *time.Time `bun:"away_until"`
	LastAssignedAt *time.Time `bun:"last_assigned_at"`
	CreatedAt      time.Time  `bun:"created_at"`
	LeaveSource    string     `bun:"leave_source"`
	AwaySource     string     `bun:"away_source"`
	ManualUntil    *time.Time `bun:"manual_until"`
}

type teamMemberCategoryRow struct {
	bun.BaseModel `bun:"table:team_member_categories"`

	TeamMemberID int64 `bun:"team_member_id,pk"`
	CategoryID   int64 `bun:"category_id,pk"`
}

// teamMemberView is a member with its user's address and name.
type teamMemberView struct {
	teamMemberRow `bun:",extend"`

	Email string `bun:"email"`
	Name  string `bun:"name"`
}

// SaveTeamMember inserts m (ID 0) or updates it, replacing its categories.
func (s *Store) SaveTeamMember(ctx context.Context, m *domain.TeamMember) error {
	row := &teamMemberRow{ID: m.ID, UserID: m.UserID, Available: m.Available, AwayUntil: utcPtr(m.AwayUntil),
		LastAssignedAt: utcPtr(m.LastAssignedAt), CreatedAt: utc(m.CreatedAt),
		LeaveSource: string(m.LeaveSource), AwaySource: string(m.AwaySource), ManualUntil: utcPtr(m.ManualUntil)}
	if row.LeaveSource == "" {
		row.LeaveSource = string(domain.LeaveNone)
	}
	if row.AwaySource == "" {
		row.AwaySource = string(domain.AwayManual)
	}
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		if m.ID == 0 {
			if _, err := tx.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
				return mapErr(err, "create team member for user %d", m.UserID)
			}
			m.ID = row.ID
		} else {
			res, err := tx.idb.NewUpdate().Model(row).WherePK().ExcludeColumn("created_at").Exec(ctx)
			if err := mustAffect(res, err); err != nil {
				return mapErr(err, "update team member %d", m.ID)
			}
			if _, err := tx.idb.NewDelete().Model((*teamMemberCategoryRow)(nil)).
				Where("team_member_id = ?", m.ID).Exec(ctx); err != nil {
				return mapErr(err, "update team member %d", m.ID)
			}
		}
		if len(m.CategoryIDs) == 0 {
			return nil
		}
		links := make([]teamMemberCategoryRow, len(m.CategoryIDs))
		for i, id := range m.CategoryIDs {
			links[i] = teamMemberCategoryRow{TeamMemberID: m.ID, CategoryID: id}
		}
		_, err := tx.idb.NewInsert().Model(&links).Exec(ctx)
		return mapErr(err, "categories of team member %d", m.ID)
	})
}

// GetTeamMemberByUser returns the member record of user userID.
func (s *Store) GetTeamMemberByUser(ctx context.Context, userID int64) (*domain.TeamMember, error) {
	ms, err := s.listTeamMembers(ctx, "tm.user_id = ?", userID)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, mapErr(sql.ErrNoRows, "team member of user %d", userID)
	}
	return &ms[0], nil
}

// ListTeamMembers returns every member in id order.
func (s *Store) ListTeamMembers(ctx context.Context) ([]domain.TeamMember, error) {
	return s.listTeamMembers(ctx, "", nil)
}

func (s *Store) listTeamMembers(ctx context.Context, where string, arg any) ([]domain.TeamMember, error) {
	var rows []teamMemberView
	q := s.idb.NewSelect().Model(&rows).ModelTableExpr("team_members AS tm").
		ColumnExpr("tm.*, u.email, u.name").
		Join("JOIN users AS u ON u.id = tm.user_id").
		OrderExpr("tm.id")
	if where != "" {
		q = q.Where(where, arg)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "list team members")
	}
	out := make([]domain.TeamMember, len(rows))
	index := make(map[int64]int, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = domain.TeamMember{ID: r.ID, UserID: r.UserID, Email: r.Email, Name: r.Name, Available: r.Available,
			AwayUntil: utcPtr(r.AwayUntil), LastAssignedAt: utcPtr(r.LastAssignedAt), CreatedAt: r.CreatedAt.UTC(),
			LeaveSource: domain.LeaveSource(r.LeaveSource), AwaySource: domain.AwaySource(r.AwaySource), ManualUntil: utcPtr(r.ManualUntil),
			CategoryIDs: []int64{}}
		index[r.ID] = i
		ids[i] = r.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var links []teamMemberCategoryRow
	if err := s.idb.NewSelect().Model(&links).Where("team_member_id IN (?)", bun.In(ids)).
		Order("team_member_id", "category_id").Scan(ctx); err != nil {
		return nil, mapErr(err, "list team member categories")
	}
	for _, l := range links {
		m := &out[index[l.TeamMemberID]]
		m.CategoryIDs = append(m.CategoryIDs, l.CategoryID)
	}
	return out, nil
}

// DeleteTeamMember removes member id (the user stays).
func (s *Store) DeleteTeamMember(ctx context.Context, id int64) error {
	res, err := s.idb.NewDelete().Model((*teamMemberRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "delete team member %d", id)
}

// TeamLoads returns every team member with their categories, open tickets
// and whether their account is disabled.
func (s *Store) TeamLoads(ctx context.Context) ([]domain.MemberLoad, error) {
	var rows []memberLoadRow
	err := s.idb.NewRaw(`SELECT tm.id, tm.user_id, tm.available, tm.away_until, tm.last_assigned_at, tm.created_at,
			tm.leave_source, tm.away_source, tm.manual_until,
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

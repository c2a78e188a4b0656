package storage

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.AssignStore = (*Store)(nil)

// assignmentLockKey is the advisory lock every assignment transaction holds
// on PostgreSQL.
var assignmentLockKey = lockKey("assignment")

// adminsLockKey is the advisory lock a transaction holds on PostgreSQL
// while it checks that an enabled admin remains.
var adminsLockKey = lockKey("admins")

// LockAdmins takes the admins lock for the rest of the transaction, like
// LockAssignment.
func (s *Store) LockAdmins(ctx context.Context) error {
	return s.xactLock(ctx, adminsLockKey, "lock admins")
}

// LockAssignment takes the assignment lock for the rest of the transaction.
// On PostgreSQL it is pg_advisory_xact_lock, which the server releases at
// commit or rollback, so nothing can leak it; the statements after it take
// fresh snapshots (READ COMMITTED) and see what the previous holder
// committed. On SQLite every write transaction begins IMMEDIATE and holds
// the database's write lock already.
func (s *Store) LockAssignment(ctx context.Context) error {
	return s.xactLock(ctx, assignmentLockKey, "lock assignment")
}

// xactLock takes the advisory lock key until the transaction ends, on
// PostgreSQL; what names the lock in errors.
func (s *Store) xactLock(ctx context.Context, key int64, what string) error {
	if !s.Postgres() {
		return nil
	}
	if !s.inTx {
		return errors.New(what + ": not in a transaction")
	}
	if _, err := s.idb.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", key); err != nil {
		return mapErr(err, "%s", what)
	}
	return nil
}

// memberLoadRow is a row of TeamLoad's query.
type memberLoadRow struct {
	ID             int64      `bun:"id"`
	UserID         int64      `bun:"user_id"`
	Available      bool       `bun:"available"`
	AwayUntil      *time.Time `bun:"away_until"`
	LastAssignedAt *time.Time `bun:"last_assigned_at"`
	CreatedAt      time.Time  `bun:"created_at"`
	LeaveSource    string     `bun:"leave_source"`
	AwaySource     string     `bun:"away_source"`
	ManualUntil    *time.Time `bun:"manual_until"`
	Email          string     `bun:"email"`
	Name           string     `bun:"name"`
	Disabled       bool       `bun:"disabled"`
	OpenTickets    int        `bun:"open_tickets"`
}

// load returns the member of r with open tickets (CategoryIDs left nil).
func (r memberLoadRow) load(open int) domain.MemberLoad {
	return domain.MemberLoad{
		Member: domain.TeamMember{ID: r.ID, UserID: r.UserID, Email: r.Email, Name: r.Name, Available: r.Available,
			AwayUntil: utcPtr(r.AwayUntil), LastAssignedAt: utcPtr(r.LastAssignedAt), CreatedAt: r.CreatedAt.UTC(),
			LeaveSource: domain.LeaveSource(r.LeaveSource), AwaySource: domain.AwaySource(r.AwaySource), ManualUntil: utcPtr(r.ManualUntil)},
		Disabled: r.Disabled, Open: open,
	}
}

// openTicketsOf is the SQL of member tm's assigned tickets: a sum over the
// dashboard's counts (migration 20261207000016), one row per category the
// member has tickets in, instead of a count of the member's tickets, which
// grows with the helpdesk and ran once per candidate of every assignment
// and per member on the team page. SQLite keeps dashboard_counts exact in
// the writing transaction. On PostgreSQL the changes not yet folded wait
// in dashboard_deltas; the one statement adds the member's rows of both
// tables from one snapshot, so it sees exactly what is committed, and the
// partial index dashboard_deltas_assigned (migration 20261207000017) finds
// the member's unfolded rows among at most a few seconds of changes.
func (s *Store) openTicketsOf(tm string) string {
	return "(" + s.ticketCounts(func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("dc.k = ?", string(domain.StatusAssigned)).Where("dc.assignee_id = ?", bun.Ident(tm+".user_id"))
	}).String() + ")"
}

// TeamLoad returns the members of a category with their open tickets.
// Its statement is prepared once (stmt_cache.go). The category is +?, not
// a bare ?: with the sqlite_stat4 statistics ANALYZE keeps, SQLite
// prepares a statement again whenever a new value is bound to a bare
// parameter compared with an indexed column (the value might change the
// plan), which cost as much as the query here; the plan over this small
// table is the same for every category.
func (s *Store) TeamLoad(ctx context.Context, categoryID int64) ([]domain.MemberLoad, error) {
	var rows []memberLoadRow
	err := s.scanCached(ctx, &rows, s.teamLoadSQL(), categoryID)
	if err != nil {
		return nil, mapErr(err, "team load of category %d", categoryID)
	}
	out := make([]domain.MemberLoad, len(rows))
	for i, r := range rows {
		out[i] = r.load(r.OpenTickets)
	}
	return out, nil
}

// teamLoadSQL is TeamLoad's statement, with the category as its argument.
func (s *Store) teamLoadSQL() string {
	return `SELECT tm.id, tm.user_id, tm.available, tm.away_until, tm.last_assigned_at, tm.created_at,
			tm.leave_source, tm.away_source, tm.manual_until,
			u.email, u.name, u.disabled,
			` + s.openTicketsOf("tm") + ` AS open_tickets
		FROM team_members AS tm
		JOIN team_member_categories AS tmc ON tmc.team_member_id = tm.id
		JOIN users AS u ON u.id = tm.user_id
		WHERE tmc.category_id = +?
		ORDER BY tm.id`
}

// MarkAssigned sets a member's last assignment time (a statement prepared
// once: stmt_cache.go).
func (s *Store) MarkAssigned(ctx context.Context, memberID int64, at time.Time) error {
	res, err := s.execCached(ctx, "UPDATE team_members SET last_assigned_at = ? WHERE id = ?", s.timeArg(at), memberID)
	return mapErr(mustAffect(res, err), "mark team member %d assigned", memberID)
}

// SaveAvailability writes a member's availability and away date only.
func (s *Store) SaveAvailability(ctx context.Context, memberID int64, available bool, awayUntil *time.Time) error {
	res, err := s.idb.NewUpdate().Model((*teamMemberRow)(nil)).
		Set("available = ?", available).Set("away_until = ?", utcPtr(awayUntil)).
		Where("id = ?", memberID).Exec(ctx)
	return mapErr(mustAffect(res, err), "save availability of team member %d", memberID)
}

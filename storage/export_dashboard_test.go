package storage

import (
	"context"
	"strings"
	"time"

	"ticketgate/domain"
)

// The dashboard's figures as they were computed before the database kept
// them (issue 13): the reference that the maintained figures must equal.
// Every query reads the whole of its table.

// openStatuses is the SQL list of the statuses that still need work
// (domain.Status.IsOpen).
const openStatuses = "('triage', 'awaiting_approval', 'unassigned', 'assigned')"

// DashboardFromScratchForTest computes every figure of DashboardFigures
// from the rows, with the medians over the tickets since since.
func (s *Store) DashboardFromScratchForTest(ctx context.Context, since time.Time, limit int) (*domain.DashboardFigures, error) {
	f := &domain.DashboardFigures{}
	var err error
	if f.ByStatus, err = s.countTicketsByStatus(ctx); err != nil {
		return nil, err
	}
	if f.ByCategory, err = s.countOpenByCategory(ctx); err != nil {
		return nil, err
	}
	if f.Days, err = s.dailyCounts(ctx, since); err != nil {
		return nil, err
	}
	if f.ApprovalsWaiting, f.OldestApprovals, err = s.waitingApprovals(ctx, limit); err != nil {
		return nil, err
	}
	if f.Agents, err = s.agentLoads(ctx); err != nil {
		return nil, err
	}
	if f.Outbox, err = s.countOutbox(ctx); err != nil {
		return nil, err
	}
	q, err := s.idb.NewSelect().Model((*quarantineRow)(nil)).Count(ctx)
	if err != nil {
		return nil, err
	}
	f.Quarantine = int(q)
	m := domain.DashboardMedians{Since: since}
	if m.ToAssigned, m.AssignedN, err = s.MedianTime(ctx, domain.EventAssigned, since); err != nil {
		return nil, err
	}
	if m.ToResolved, m.ResolvedN, err = s.MedianTime(ctx, domain.EventResolved, since); err != nil {
		return nil, err
	}
	f.Medians = m
	return f, nil
}

func (s *Store) countTicketsByStatus(ctx context.Context) (map[domain.Status]int, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	if err := s.idb.NewRaw("SELECT status, COUNT(*) AS n FROM tickets GROUP BY status").Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "count tickets by status")
	}
	out := map[domain.Status]int{}
	for _, r := range rows {
		out[domain.Status(r.Status)] = r.N
	}
	return out, nil
}

func (s *Store) countOpenByCategory(ctx context.Context) ([]domain.CategoryCount, error) {
	var rows []struct {
		ID   int64  `bun:"id"`
		Name string `bun:"name"`
		N    int    `bun:"n"`
	}
	err := s.idb.NewRaw(`SELECT COALESCE(t.category_id, 0) AS id, COALESCE(c.name, '') AS name, COUNT(*) AS n
		FROM tickets AS t LEFT JOIN categories AS c ON c.id = t.category_id
		WHERE t.status IN `+openStatuses+`
		GROUP BY COALESCE(t.category_id, 0), COALESCE(c.name, '')
		ORDER BY n DESC, name`).Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "count open tickets by category")
	}
	out := make([]domain.CategoryCount, len(rows))
	for i, r := range rows {
		out[i] = domain.CategoryCount{CategoryID: r.ID, Category: r.Name, Count: r.N}
	}
	return out, nil
}

// dayExpr is the SQL of column col's UTC day as YYYY-MM-DD.
func (s *Store) dayExpr(col string) string {
	if s.Postgres() {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + col + ", 1, 10)"
}

func (s *Store) dailyCounts(ctx context.Context, since time.Time) ([]domain.DayCount, error) {
	var rows []struct {
		Day      string `bun:"day"`
		Created  int    `bun:"created"`
		Resolved int    `bun:"resolved"`
	}
	err := s.idb.NewRaw(`SELECT day, SUM(created) AS created, SUM(resolved) AS resolved FROM (
			SELECT `+s.dayExpr("created_at")+` AS day, 1 AS created, 0 AS resolved FROM tickets WHERE created_at >= ?
			UNION ALL
			SELECT `+s.dayExpr("at")+` AS day, 0 AS created, 1 AS resolved FROM events WHERE kind = 'resolved' AND at >= ?
		) AS x GROUP BY day ORDER BY day`, utc(since), utc(since)).Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "daily ticket counts")
	}
	out := make([]domain.DayCount, 0, len(rows))
	for _, r := range rows {
		day, err := time.Parse(time.DateOnly, r.Day)
		if err != nil {
			return nil, mapErr(err, "daily ticket counts: day %q", r.Day)
		}
		out = append(out, domain.DayCount{Day: day, Created: r.Created, Resolved: r.Resolved})
	}
	return out, nil
}

const waitingApprovalsWhere = `a.decision = 'pending' AND t.status = 'awaiting_approval' AND a.level = t.approval_level`

func (s *Store) waitingApprovals(ctx context.Context, limit int) (int, []domain.WaitingApproval, error) {
	var n int
	if err := s.idb.NewRaw(`SELECT COUNT(*) FROM approvals AS a JOIN tickets AS t ON t.id = a.ticket_id WHERE `+
		waitingApprovalsWhere).Scan(ctx, &n); err != nil {
		return 0, nil, mapErr(err, "count waiting approvals")
	}
	var rows []struct {
		approvalRow `bun:",extend"`
		Subject     string `bun:"subject"`
	}
	if err := s.idb.NewRaw(`SELECT a.*, t.subject FROM approvals AS a JOIN tickets AS t ON t.id = a.ticket_id WHERE `+
		waitingApprovalsWhere+` ORDER BY a.created_at, a.id LIMIT ?`, limit).Scan(ctx, &rows); err != nil {
		return 0, nil, mapErr(err, "oldest waiting approvals")
	}
	out := make([]domain.WaitingApproval, len(rows))
	for i := range rows {
		out[i] = domain.WaitingApproval{Approval: rows[i].approvalRow.domain(), Ticket: domain.FormatRef(rows[i].TicketID),
			Subject: rows[i].Subject}
	}
	return n, out, nil
}

func (s *Store) agentLoads(ctx context.Context) ([]domain.MemberLoad, error) {
	var rows []memberLoadRow
	err := s.idb.NewRaw(`SELECT tm.id, tm.user_id, tm.available, tm.away_until, tm.last_assigned_at, tm.created_at,
			u.email, u.name, u.disabled,
			(SELECT count(*) FROM tickets AS t WHERE t.assignee_id = tm.user_id AND t.status = 'assigned') AS open_tickets
		FROM team_members AS tm JOIN users AS u ON u.id = tm.user_id
		ORDER BY tm.id`).Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "agent loads")
	}
	out := make([]domain.MemberLoad, len(rows))
	for i, r := range rows {
		out[i] = r.load(r.OpenTickets)
	}
	return out, nil
}

func (s *Store) countOutbox(ctx context.Context) (map[domain.OutboxStatus]int, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	if err := s.idb.NewSelect().Model((*outboxRow)(nil)).ColumnExpr("status, COUNT(*) AS n").
		Group("status").Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "count outbox")
	}
	out := map[domain.OutboxStatus]int{}
	for _, r := range rows {
		out[domain.OutboxStatus(r.Status)] = r.N
	}
	return out, nil
}

// PlanForTest returns query's plan as the engine gives it: EXPLAIN QUERY
// PLAN's detail lines on SQLite, EXPLAIN (FORMAT JSON) on PostgreSQL,
// with the planner's own choices (no setting discourages any scan).
func (s *Store) PlanForTest(ctx context.Context, query string) (string, error) {
	if s.Postgres() {
		var plan string
		err := s.db.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+query).Scan(&plan)
		return plan, err
	}
	rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", err
		}
		out = append(out, detail)
	}
	return strings.Join(out, "\n"), rows.Err()
}
